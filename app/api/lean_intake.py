"""The result post's short path: POST /api/v1/tps/{tps}/results without FastAPI's per-request
machinery (dependency solving, three thread hops, the route's wrappers).

Election night is mostly this one request, and its own work (a few statements and the form
rules) costs less CPU than the framework around it. This middleware answers a well-formed post
itself, with the same steps in the same order as the route (app/api/routes/results.py) and its
dependencies (app/api/deps.py: `guard_api`, `_tps_writer`; app/api/params.py), in one worker
thread (at most REKAP_INTAKE_THREADS posts at once an event loop; the rest wait their turn
there): the caller resolved from the database, the write rate limit, the TPS scope, then
`submit_result` in a session from `get_session` (committed before the answer is sent). An error
raised on the way is answered by the app's own exception handlers, as the route's would be.

What it does not answer is passed to the route unchanged, body included, so FastAPI gives its
usual answer: a body that is not a valid `ResultCreate` in JSON (FastAPI's 422 lists every
problem in its own words), a query string, a path or Idempotency-Key the route's parameters
would refuse, or an app whose dependencies are overridden beyond the session and the settings.
REKAP_LEAN_INTAKE=false sends every post to the route.
"""

import functools
import inspect
import json
import re
from collections.abc import Callable, Generator, Iterator
from typing import Any, Final, cast

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from pydantic import ValidationError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import deps
from app.api.deps import get_principal, get_rate_limiter, guard_api, resolve_principal
from app.api.params import reject_hostile_params
from app.api.routes.results import result_answer
from app.config import Settings, get_settings
from app.db import get_session
from app.domain.inputs import text_problem
from app.errors import Unauthorized
from app.schemas.results import ResultCreate
from app.services.access import authorize_tps_write

RESULTS_PATH: Final = re.compile(r"^/api/v1/tps/([^/]+)/results$")
IDEMPOTENCY_MAX: Final = 200  # the route's Header(max_length=200)
# Overrides the short path honours (tests share their session and settings this way); any other
# override of a dependency the route uses sends the request to the route.
_HONOURED = frozenset({get_session, get_settings})
_LIMITER: RunVar[CapacityLimiter] = RunVar("rekap_intake_limiter")
_ROUTE_DEPENDENCIES = frozenset(
    {guard_api, get_principal, get_rate_limiter, reject_hostile_params, deps._tps_writer}
)


class LeanIntakeMiddleware:
    """Pure ASGI middleware in front of the router: answers well-formed result posts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _results_path(scope)
        application = scope.get("app")
        if match is None or application is None or not _plain(application):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            body = await request.body()
        except Exception as exc:  # over the body limit while streaming (413)
            await (await _answer_error(application, request, exc))(scope, receive, send)
            return
        replay = _replaying(body, receive)
        post = _parsed(request, body, match.group(1))
        settings = _settings(application)
        if post is None or not settings.lean_intake:
            await self.app(scope, replay, send)
            return
        request = Request(scope, replay)
        try:
            response = await to_thread.run_sync(
                functools.partial(_answer, application, settings, request, *post),
                limiter=_limiter(settings.intake_threads),
            )
        except Exception as exc:
            response = await _answer_error(application, request, exc)
        await response(scope, replay, send)


def _limiter(threads: int) -> CapacityLimiter:
    """The event loop's limiter of posts worked on at once (one per loop, as anyio's own)."""
    limiter = _LIMITER.get(None)
    if limiter is None or limiter.total_tokens != threads:
        limiter = CapacityLimiter(threads)
        _LIMITER.set(limiter)
    return limiter


def _results_path(scope: Scope) -> re.Match[str] | None:
    if scope["type"] != "http" or scope["method"] != "POST" or scope.get("query_string"):
        return None
    return RESULTS_PATH.match(scope["path"])


def _plain(application: Any) -> bool:
    """Whether no dependency of the route is overridden but the session and the settings."""
    overrides = getattr(application, "dependency_overrides", {})
    return not (set(overrides) - _HONOURED) & _ROUTE_DEPENDENCIES


def _settings(application: Any) -> Settings:
    provider: Callable[[], Settings] = application.dependency_overrides.get(
        get_settings, get_settings
    )
    return provider()


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then whatever the client sends next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _parsed(request: Request, body: bytes, tps: str) -> tuple[str, ResultCreate, str | None] | None:
    """(tps, body, Idempotency-Key) when the route would take them as they are; else None."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    keys = request.headers.getlist("idempotency-key")
    if media != "application/json" or len(keys) > 1 or text_problem(tps, multiline=False):
        return None
    key = keys[0] if keys else None
    if key is not None and len(key) > IDEMPOTENCY_MAX:
        return None
    try:
        return tps, ResultCreate.model_validate(json.loads(body)), key
    except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
        return None


def _answer(
    application: Any,
    settings: Settings,
    request: Request,
    tps: str,
    body: ResultCreate,
    key: str | None,
) -> Response:
    """The route's work, in the order of its dependencies, in one session committed before the
    answer leaves (get_session's function scope)."""
    sessions = _session_provider(application)
    with _in_session(sessions, request) as session:
        principal = resolve_principal(request, session, settings)  # guard_api
        if principal.kind == "anonymous":
            raise Unauthorized("writes need a Bearer token or an X-API-Key")
        get_rate_limiter(request).hit(
            limit=settings.rate_limit_write, key=principal.actor, what="writes"
        )
        authorize_tps_write(principal, tps)  # _tps_writer
        response = result_answer(session, tps, body, principal, key)
    return response


def _session_provider(application: Any) -> Callable[..., Iterator[Session]]:
    provider: Callable[..., Iterator[Session]] = application.dependency_overrides.get(
        get_session, get_session
    )
    return provider


@functools.lru_cache(maxsize=32)
def _wants_request(provider: Callable[..., Any]) -> bool:
    """Whether a session dependency takes the request (inspected once a provider)."""
    return bool(inspect.signature(provider).parameters)


class _in_session:  # noqa: N801 (used as a context manager, like contextlib's)
    """Drive a session dependency as FastAPI does: the value, then the generator finished on
    success (it commits) or the error thrown into it (it rolls back and re-raises)."""

    def __init__(self, provider: Callable[..., Iterator[Session]], request: Request) -> None:
        made = provider(request) if _wants_request(provider) else provider()
        self.generator = cast(Generator[Session, None, None], made)

    def __enter__(self) -> Session:
        return next(self.generator)

    def __exit__(self, kind: Any, error: BaseException | None, _: Any) -> None:
        if error is None:
            for _unexpected in self.generator:  # runs the commit; a second value is a bug
                raise RuntimeError("a session dependency yielded twice")
            return
        try:
            self.generator.throw(error)
        except StopIteration:
            return  # the dependency swallowed it: the error still goes on, as in FastAPI


async def _answer_error(application: Any, request: Request, error: Exception) -> Response:
    """The app's answer to an error, from its exception handlers (as ExceptionMiddleware would
    pick one: the nearest class of the error); re-raised when none handles it (500)."""
    handlers: dict[Any, Callable[..., Any]] = application.exception_handlers
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
            assert isinstance(response, Response)
            return response
    raise error
