"""Sign-in: rate-limited per client address, failures slowed down and logged.

The back-off is waited out on the event loop after the sign-in's read-only transaction ended
(sign_in_or_wait): a burst of wrong passwords holds no worker thread, database connection or
lock while it waits, so it never delays anyone else's request.
"""

from functools import partial

import anyio
import structlog
from sqlmodel import Session

from app.config import Settings
from app.db import end_read
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
) -> AccessToken:
    """A token for the right password; InvalidCredentials (401) with its back-off delay
    otherwise."""
    # Per address, not per username: a per-user limit would let anyone lock a PPK out.
    limiter.hit(limit=settings.rate_limit_signin, key=f"ip:{remote}", what="sign-ins")
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        failures = limiter.record_failure(key=remote)
        delay = signin_delay(failures, base=settings.signin_failure_delay)
        log.warning(
            "signin.failed", username=username, remote=remote, failures=failures, delay=delay
        )
        raise InvalidCredentials("wrong username or password, or the user is disabled", delay=delay)
    log.info("signin.ok", username=username, role=user.role, remote=remote)
    return issue_token(user=user, settings=settings)


async def sign_in_or_wait(
    *,
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    username: str,
    password: str,
    remote: str,
) -> AccessToken:
    """sign_in on a worker thread; a failure ends its read, waits its back-off, then raises."""
    attempt = partial(sign_in, session=session, settings=settings, limiter=limiter,
                      username=username, password=password, remote=remote)  # fmt: skip
    try:
        return await anyio.to_thread.run_sync(attempt)
    except InvalidCredentials as failed:
        await anyio.to_thread.run_sync(end_read, session)
        await anyio.sleep(failed.delay)
        raise
