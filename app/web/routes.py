"""The auditor's console: sign-in and sign-out here; the pages in the modules it includes."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.api.client import client_address
from app.api.deps import RateLimiterDep, SettingsDep
from app.errors import InvalidCredentials
from app.services.signin import sign_in_or_wait
from app.web import (
    dashboard,
    dhasil_entry,
    discrepancies,
    entry,
    exports,
    recap,
    report,
    review,
    search,
    tps,
)
from app.web.routing import ConsoleRoute
from app.web.security import (
    ConsoleSessionDep,
    ConsoleUserDep,
    check_csrf,
    clear_session,
    finish,
    safe_next,
    set_session,
)
from app.web.templating import STATIC_DIR, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
router.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")


@router.get("/")
def home(_: ConsoleUserDep) -> Response:
    """The console starts at the dashboard of the user's scope."""
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/signin")
def signin_page(
    request: Request, next_url: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    """The sign-in form."""
    return render(request, "signin.html", {"next": safe_next(next_url), "failed": False})


@router.post("/signin")
async def signin_submit(
    request: Request,
    session: ConsoleSessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Check the password (rate-limited like the API), then set the session cookie."""
    check_csrf(request, csrf_token)
    remote = client_address(request, settings) or "unknown"
    try:
        token = await sign_in_or_wait(
            session=session,
            settings=settings,
            limiter=limiter,
            username=username,
            password=password,
            remote=remote,
        )
    except InvalidCredentials:
        context = {"next": safe_next(next_url), "failed": True, "username": username}
        return render(request, "signin.html", context, status_code=401)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session(request, response, token.access_token, token.expires_in)
    return finish(request, response)


@router.post("/signout")
def signout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Forget the session cookie."""
    check_csrf(request, csrf_token)
    response = RedirectResponse("/signin", status_code=303)
    clear_session(response)
    return finish(request, response)


for module in (
    dashboard,
    discrepancies,
    exports,
    tps,
    entry,
    recap,
    report,
    dhasil_entry,
    review,
    search,
):
    router.include_router(module.router)
