"""The console's session cookie (the API's JWT, HttpOnly, SameSite=Lax), CSRF double-submit
tokens, and the security headers of every page (CSP without inline scripts)."""

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api.client import client_address
from app.api.deps import SettingsDep, get_rate_limiter
from app.config import Settings
from app.db import get_session
from app.domain.access import Action, Verdict, decide
from app.errors import CsrfRejected, InvalidCredentials, SignInRequired
from app.services.access import Principal, authorize_read
from app.services.auth import user_from_token
from app.web.flash import FLASH_COOKIE

# Function scope: the session commits when the route returns, BEFORE the response is sent, so
# the page a form redirects to (or the next click) always sees the change. Every console route
# and dependency uses this one session (two would deadlock on SQLite's write lock).
ConsoleSessionDep = Annotated[Session, Depends(get_session, scope="function")]

SESSION_COOKIE = "rekap_session"
CSRF_COOKIE = "rekap_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LANG_COOKIE = "lang"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def cookie_principal(request: Request, session: Session, settings: Settings) -> Principal | None:
    """The signed-in user of a console request, or None (no cookie, bad or expired token)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        user = user_from_token(session=session, token=token, settings=settings)
    except InvalidCredentials:
        return None
    remote = client_address(request, settings)
    return Principal("user", user.username, user.role, tuple(user.scopes), remote)


def get_console_user(
    request: Request, session: ConsoleSessionDep, settings: SettingsDep
) -> Principal:
    """Dependency: the signed-in user (SignInRequired sends the browser to the sign-in page)."""
    principal = cookie_principal(request, session, settings)
    if principal is None:
        raise SignInRequired("sign in to use the console")
    if request.method not in ("GET", "HEAD"):
        limiter = get_rate_limiter(request)
        limiter.hit(limit=settings.rate_limit_write, key=principal.actor, what="writes")
    request.state.console_user = principal
    return principal


ConsoleUserDep = Annotated[Principal, Depends(get_console_user)]


def check_scope(principal: Principal, region_code: str) -> None:
    """403 unless the user's scopes cover the region (the console always enforces scope)."""
    authorize_read(principal, region_code, public_read=False)


def may_see(principal: Principal, region_code: str) -> bool:
    """Whether a link to a region is inside the user's scope (breadcrumbs, child lists)."""
    verdict = decide(principal.subject, Action.READ, region_code, public_read=False)
    return verdict is Verdict.ALLOW


def csrf_token(request: Request) -> str:
    """The request's CSRF token: the cookie's, or a new one set on the response by `finish`."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_token = token
    request.state.csrf_token = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    """Double submit: the form field (or htmx's X-CSRF-Token header) must equal the cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    given = submitted or request.headers.get(CSRF_HEADER) or ""
    if not cookie or not hmac.compare_digest(cookie.encode(), given.encode()):
        raise CsrfRejected("the form's security token is missing or stale; reload the page")


def secure_cookies(request: Request) -> bool:
    """Whether cookies get the Secure flag: REKAP_COOKIE_SECURE (behind a TLS proxy the request
    itself looks like plain HTTP), or a request that arrived over HTTPS."""
    return bool(request.app.state.cookie_secure) or request.url.scheme == "https"


def set_session(request: Request, response: Response, token: str, max_age: int) -> None:
    """Store the JWT in an HttpOnly, SameSite=Lax cookie (Secure: see secure_cookies)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def clear_session(response: Response) -> None:
    """Forget the session cookie (sign-out)."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def finish(request: Request, response: Response) -> Response:
    """Security headers, a new CSRF cookie and the chosen language cookie, on any response."""
    response.headers.update(SECURITY_HEADERS)
    new_token = getattr(request.state, "new_csrf_token", None)
    if new_token:
        response.set_cookie(
            CSRF_COOKIE,
            new_token,
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
            path="/",
        )
    if getattr(request.state, "flash_taken", False):  # shown once
        response.delete_cookie(FLASH_COOKIE, path="/")
    lang = getattr(request.state, "set_lang", None)
    if lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="lax",
            secure=secure_cookies(request),
            path="/",
        )
    return response


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in (never another site: no scheme, no //)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
