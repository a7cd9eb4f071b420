"""Sign-in: rate-limited per client address, failures slowed down and logged."""

import time
from collections.abc import Callable

import structlog
from sqlmodel import Session

from app.config import Settings
from app.domain.access import signin_delay
from app.errors import InvalidCredentials
from app.services.auth import AccessToken, authenticate, issue_token
from app.services.ratelimit import RateLimiter

log = structlog.get_logger(__name__)


def sign_in(
    *,
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    username: str,
    password: str,
    remote: str,
    sleep: Callable[[float], None] = time.sleep,
) -> AccessToken:
    """A token for the right password; InvalidCredentials (401) after a growing delay otherwise."""
    # Per address, not per username: a per-user limit would let anyone lock a PPK out.
    limiter.hit(limit=settings.rate_limit_signin, key=f"ip:{remote}", what="sign-ins")
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        failures = limiter.record_failure(key=remote)
        delay = signin_delay(failures, base=settings.signin_failure_delay)
        log.warning(
            "signin.failed", username=username, remote=remote, failures=failures, delay=delay
        )
        sleep(delay)
        raise InvalidCredentials("wrong username or password, or the user is disabled")
    log.info("signin.ok", username=username, role=user.role, remote=remote)
    return issue_token(user=user, settings=settings)
