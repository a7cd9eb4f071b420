"""Console routes render failures as HTML pages (the API keeps its JSON error shape)."""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from app.db_errors import DATABASE_ERRORS, database_fault, log_fault
from app.errors import AppError, SignInRequired
from app.web.security import finish
from app.web.templating import render


def _signin_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"  # a form posted with an expired session: start again from the dashboard
    url = "/signin?next=" + quote(target, safe="")
    if request.headers.get("hx-request"):
        # htmx follows HX-Redirect with a full page load instead of swapping the sign-in page in.
        return finish(request, Response(status_code=204, headers={"HX-Redirect": url}))
    return finish(request, RedirectResponse(url, status_code=303))


def error_page(
    request: Request,
    status: int,
    detail: str,
    fields: dict[str, str] | None,
    kind: str | None = None,
) -> Response:
    """The console's error page (a fragment for htmx requests)."""
    # The request's session rolls back instead of committing (app.db.get_session).
    request.state.failed = True
    name = "_error_fragment.html" if request.headers.get("hx-request") else "error.html"
    return render(
        request,
        name,
        {"status": status, "detail": detail, "fields": fields or {}, "kind": kind},
        status_code=status,
    )


def _unavailable_page(request: Request, exc: Exception) -> Response:
    fault = database_fault(exc)
    if fault is None:
        raise exc  # a bug: the server's own 500 with its traceback
    log_fault(exc, fault, request.url.path)
    page = error_page(request, fault.status_code, fault.detail, None)
    page.headers.update(fault.headers)
    return page


class ConsoleRoute(APIRoute):
    """An APIRoute whose AppErrors become HTML pages and whose anonymous callers sign in first."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler: SignInRequired → sign-in, AppError / bad input → error page."""
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return _signin_redirect(request)
            except AppError as exc:
                kind = type(exc).__name__
                return error_page(request, exc.status_code, exc.detail, exc.fields, kind)
            except DATABASE_ERRORS as exc:
                return _unavailable_page(request, exc)
            except RequestValidationError as exc:
                fields = {".".join(str(p) for p in e["loc"][1:]): e["msg"] for e in exc.errors()}
                return error_page(request, 422, "invalid request", fields)

        return console_handler
