"""POST /auth/token: sign in with a username and password (OAuth2 password flow)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from app.api.client import client_address
from app.api.deps import RateLimiterDep, SessionDep, SettingsDep
from app.schemas.auth import TokenRead
from app.services.signin import sign_in_or_wait

router = APIRouter(prefix="/auth", tags=["auth"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password, or a disabled user"},
    429: {"description": "Too many sign-ins from this address or for this user"},
}


@router.post("/token", response_model=TokenRead, responses=_ERRORS)
async def issue_access_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenRead:
    """A short-lived bearer token; failed attempts are slowed down and logged."""
    remote = client_address(request, settings) or "unknown"
    token = await sign_in_or_wait(
        session=session,
        settings=settings,
        limiter=limiter,
        username=form.username,
        password=form.password,
        remote=remote,
    )
    return TokenRead(access_token=token.access_token, expires_in=token.expires_in)
