"""Annotated dependencies shared by the routes."""

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.api.client import client_address
from app.config import Settings, get_settings
from app.db import get_session
from app.domain.access import Action
from app.errors import Unauthorized
from app.services.access import (
    ANONYMOUS,
    Principal,
    authorize,
    authorize_admin,
    authorize_kecamatan_write,
    authorize_read,
    authorize_tps_review,
    authorize_tps_write,
    read_scope,
)
from app.services.auth import device_key_from_secret, user_from_token
from app.services.ratelimit import RateLimiter

# Function scope: the session commits when the route returns, BEFORE the response is sent, so a
# 201/202 never reaches a client for a write that then failed to commit (FastAPI's default
# "request" scope would commit after the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


# The checks below that read nothing (scope rules on a resolved Principal) are async: FastAPI runs
# a plain `def` dependency on a worker thread, and each such hop costs more CPU than the check.
#
# --- Identity and scope (issue 5). Rules: app/domain/access.py; checks: app/services/access.py.
#
# In a route:
#   principal: PrincipalDep                 who is calling (user, device key, anonymous)
#   principal: TpsWriterDep                 POST results/photos; path must have {tps}
#   principal: TpsReviewerDep               a review of TPS {tps} (ppk, admin)
#   principal: KecamatanWriterDep           PUT D.Hasil; path must have {code} (a kecamatan)
#   _: RegionReaderDep / TpsReaderDep       scoped read of /.../{code} or /.../{tps}
#   reader: ReaderDep                       reader.prefixes (None = all) to filter listings;
#                                           reader.check(region_code) after loading a row
#   principal: AdminDep                     user/key management
# then pass principal.actor and principal.remote to the service's append_audit call. A service
# that learns the region only from a row calls app.services.access.authorize_* itself.
# Every /api/v1 request also passes guard_api: anonymous writes → 401, anonymous reads → 401 when
# REKAP_PUBLIC_READ is off, and every write counts against REKAP_RATE_LIMIT_WRITE (→ 429).


def resolve_principal(request: Request, session: Session, settings: Settings) -> Principal:
    """The request's principal, read from the database now (cached for the request)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = _principal_from_headers(request, session, settings)
    request.state.principal = principal
    return principal


def _principal_from_headers(request: Request, session: Session, settings: Settings) -> Principal:
    remote = client_address(request, settings)
    api_key = request.headers.get("x-api-key")
    if api_key:
        key = device_key_from_secret(session=session, secret=api_key)
        return Principal("device", key.key_id, "kpps", (key.region_code,), remote)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        user = user_from_token(session=session, token=token.strip(), settings=settings)
        return Principal("user", user.username, user.role, tuple(user.scopes), remote)
    return replace(ANONYMOUS, remote=remote)


async def get_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    """Dependency: the caller (401 for a bad token or key; anonymous when none is sent). Async:
    on the API, guard_api has resolved it already, and a thread hop would cost more than that;
    otherwise it is read on a worker thread like any database work."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    return await run_in_threadpool(resolve_principal, request, session, settings)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
# Shown in the OpenAPI document (the "Authorize" button); resolution is done by get_principal.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
# Paths that answer without the global guard: sign-in and set-password (own limit, no identity
# yet) and the public checkpoint.
UNGUARDED_PATHS = frozenset(
    {"/api/v1/auth/token", "/api/v1/auth/set-password", "/api/v1/audit/checkpoint"}
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter (created in create_app)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def guard_api(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _bearer: Annotated[str | None, Depends(bearer_scheme)],
    _key: Annotated[str | None, Depends(api_key_scheme)],
) -> None:
    """Applied to every /api/v1 route: identity for writes (and reads when not public), and
    the write rate limit."""
    if request.url.path in UNGUARDED_PATHS:
        return
    principal = resolve_principal(request, session, settings)
    if request.method in _SAFE_METHODS:
        authorize(principal, Action.READ_REFERENCE, None, public_read=settings.public_read)
        return
    if principal.kind == "anonymous":
        raise Unauthorized("writes need a Bearer token or an X-API-Key")
    get_rate_limiter(request).hit(
        limit=settings.rate_limit_write, key=principal.actor, what="writes"
    )


async def _tps_writer(tps: Annotated[str, Path()], principal: PrincipalDep) -> Principal:
    authorize_tps_write(principal, tps)
    return principal


async def _tps_reviewer(tps: Annotated[str, Path()], principal: PrincipalDep) -> Principal:
    authorize_tps_review(principal, tps)
    return principal


async def _kecamatan_writer(code: Annotated[str, Path()], principal: PrincipalDep) -> Principal:
    authorize_kecamatan_write(principal, code)
    return principal


async def _region_reader(
    code: Annotated[str, Path()], principal: PrincipalDep, settings: SettingsDep
) -> Principal:
    authorize_read(principal, code, public_read=settings.public_read)
    return principal


async def _tps_reader(
    tps: Annotated[str, Path()], principal: PrincipalDep, settings: SettingsDep
) -> Principal:
    authorize_read(principal, tps, public_read=settings.public_read)
    return principal


async def _admin(principal: PrincipalDep) -> Principal:
    authorize_admin(principal)
    return principal


@dataclass(frozen=True)
class Reader:
    """A read-permitted principal: `prefixes` limits listings (None = all); `check` one region."""

    principal: Principal
    prefixes: tuple[str, ...] | None
    public_read: bool

    def check(self, region_code: str) -> None:
        """403 unless this reader may see data under region_code."""
        authorize_read(self.principal, region_code, public_read=self.public_read)


async def _reader(principal: PrincipalDep, settings: SettingsDep) -> Reader:
    prefixes = read_scope(principal, public_read=settings.public_read)
    return Reader(principal=principal, prefixes=prefixes, public_read=settings.public_read)


TpsWriterDep = Annotated[Principal, Depends(_tps_writer)]
TpsReviewerDep = Annotated[Principal, Depends(_tps_reviewer)]
KecamatanWriterDep = Annotated[Principal, Depends(_kecamatan_writer)]
RegionReaderDep = Annotated[Principal, Depends(_region_reader)]
TpsReaderDep = Annotated[Principal, Depends(_tps_reader)]
ReaderDep = Annotated[Reader, Depends(_reader)]
AdminDep = Annotated[Principal, Depends(_admin)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]

# A row id in a path: bounded so an absurd number is a 422, not a database overflow (500).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # PostgreSQL INTEGER
