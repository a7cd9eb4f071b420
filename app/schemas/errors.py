"""The API's error shape in the OpenAPI document (rendered by app/errors.py)."""

from typing import Any

from pydantic import BaseModel


class ErrorRead(BaseModel):
    """Every error: the error class, a human sentence, and the bad fields with their reasons."""

    error: str
    detail: str
    fields: dict[str, str] | None = None


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorRead, "description": description}


# Declared on every /api/v1 route: replaces FastAPI's default 422 schema with ours.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("No valid identity (Bearer token or X-API-Key)"),
    403: _doc("The identity may not do this here (role or scope)"),
    413: _doc("The request body is too large"),
    422: _doc("Invalid input; `fields` names each bad field and why"),
    429: _doc("Rate limited; see the Retry-After header"),
    503: _doc("The database or photo store is down or busy; retry after Retry-After seconds"),
}
