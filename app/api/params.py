"""One defence for every route: path, query and form parameters with NUL bytes or control
characters are refused (422 naming each parameter) before any of them reaches a query.
JSON bodies are checked by their schemas' field types (app/schemas/inputs.py)."""

from collections.abc import Iterable

from fastapi import Request
from fastapi.routing import APIRoute

from app.domain.inputs import text_problem
from app.errors import InvalidInput

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _problems(pairs: Iterable[tuple[str, object]], *, multiline: bool) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in pairs:
        if text_problem(name, multiline=False):
            fields["parameter name"] = "must not contain NUL or control characters"
        elif isinstance(value, str) and (problem := text_problem(value, multiline=multiline)):
            fields[name] = problem
    return fields


def _parsed_form(request: Request) -> bool:
    """Whether the route declares a form body: FastAPI has then parsed (and cached) it already.
    A route without one (the photo upload) reads the stream itself and must find it unread."""
    route = request.scope.get("route")
    content_type = request.headers.get("content-type", "")
    return (
        isinstance(route, APIRoute)
        and route.body_field is not None
        and content_type.startswith(FORM_TYPES)
    )


async def reject_hostile_params(request: Request) -> None:
    """Dependency of every route (API and console): 422 for a NUL or control character in a
    path, query or form parameter (PostgreSQL text cannot hold NUL; no person types them)."""
    fields = _problems(request.path_params.items(), multiline=False)
    fields |= _problems(request.query_params.multi_items(), multiline=False)
    if _parsed_form(request):
        # A note typed in a textarea may hold line breaks; nothing else may hold controls.
        fields |= _problems((await request.form()).multi_items(), multiline=True)
    if fields:
        raise InvalidInput(
            "Invalid parameters: " + "; ".join(f"{k}: {v}" for k, v in fields.items()),
            fields=fields,
        )
