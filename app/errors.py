"""Typed application errors and the one handler that renders them as the API's error shape."""

from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported where used: every `rekap` command imports these classes, and loading FastAPI
    # would add ~0.3 s to each start (README "Command line").
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse


class ExitCode(IntEnum):
    """`rekap`'s exit statuses (README "Command line"), after OCRmyPDF's ExitCode."""

    OK = 0
    UNEXPECTED = 1  # a bug or an unforeseen failure: `rekap --debug ...` shows the traceback
    BAD_INPUT = 2  # bad arguments, values or file (Click's own usage errors are 2 as well)
    NOT_FOUND = 3
    CONFLICT = 4
    UNAVAILABLE = 5  # the database, photo store or queue cannot be reached
    VERIFICATION_FAILED = 6  # the audit chain is broken, a photo could not be read
    REFUSED = 7  # identity, scope or rate limit


class AppError(Exception):
    """Base of every failure a client can cause; status_code picks the HTTP status and
    exit_code the `rekap` exit status, so the API and the CLI map errors from one place."""

    status_code = 400
    exit_code = ExitCode.BAD_INPUT

    def __init__(self, detail: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class NotFound(AppError):
    """An unknown code or id."""

    status_code = 404
    exit_code = ExitCode.NOT_FOUND


class RegionNotFound(NotFound):
    """No region has that code."""


class TpsNotFound(NotFound):
    """No TPS has that code."""


class ContestNotFound(NotFound):
    """No contest has that id."""


class InvalidInput(AppError):
    """The request was understood but its values are wrong (422, naming each field)."""

    status_code = 422


class Conflict(AppError):
    """The request conflicts with what is stored."""

    status_code = 409
    exit_code = ExitCode.CONFLICT


class DiscrepancyNotFound(NotFound):
    """No discrepancy has that id."""


class IdempotencyKeyReused(Conflict):
    """An Idempotency-Key already used with another request body."""


class Unauthorized(AppError):
    """No valid identity."""

    status_code = 401
    exit_code = ExitCode.REFUSED


class InvalidCredentials(Unauthorized):
    """A token, API key or password that is wrong, expired, revoked or disabled; a failed
    sign-in is answered after `delay` seconds of back-off (app/services/signin.py)."""

    headers = {"WWW-Authenticate": "Bearer"}

    def __init__(self, detail: str, *, delay: float = 0.0) -> None:
        super().__init__(detail)
        self.delay = delay


class UserNotFound(NotFound):
    """No user has that username."""


class DeviceKeyNotFound(NotFound):
    """No device key has that id."""


class Forbidden(AppError):
    """A valid identity acting outside its role or scope."""

    status_code = 403
    exit_code = ExitCode.REFUSED


class CsrfRejected(Forbidden):
    """A console form posted without the matching CSRF token (cookie and field/header differ)."""


class SignInRequired(Unauthorized):
    """A console page asked for without a valid session cookie (the console redirects)."""


class PayloadTooLarge(AppError):
    """The body is over the size limit."""

    status_code = 413


class UnsupportedMedia(AppError):
    """Not an image format the service reads."""

    status_code = 415


class RateLimited(AppError):
    """Too many requests from one key or address; retry after `retry_after` seconds."""

    status_code = 429
    exit_code = ExitCode.REFUSED

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
        self.headers = {"Retry-After": str(self.retry_after)}


class ImageTooLarge(PayloadTooLarge):
    """An upload over the byte limit, or an image declaring an absurd pixel count."""


class UnsupportedImage(UnsupportedMedia):
    """Not a JPEG, PNG or WebP image."""


class PhotoUnreadable(InvalidInput):
    """An empty, truncated or corrupt image file."""


class PhotoNotFound(NotFound):
    """No photo has that id (or no such image variant)."""


class JobNotFound(NotFound):
    """No photo-reading job has that id."""


class ReviewItemNotFound(NotFound):
    """No review item has that id, or the queue has nothing for this reviewer."""


class ReviewEntryRejected(Conflict):
    """A review entry that double entry forbids (same person twice, item already decided)."""


class ServiceUnavailable(AppError):
    """A dependency (database, queue) is down; retry later (503 with Retry-After)."""

    status_code = 503
    headers = {"Retry-After": "5"}
    exit_code = ExitCode.UNAVAILABLE


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or lost the connection (app/db_errors.py); retry later."""


class DatabaseBusy(ServiceUnavailable):
    """SQLite's write lock stayed taken for REKAP_SQLITE_BUSY_TIMEOUT seconds; retry shortly."""

    headers = {"Retry-After": "2"}


class StorageUnavailable(ServiceUnavailable):
    """The photo store (disk or S3) failed; nothing was recorded, the upload can be retried."""


class ConfigurationError(AppError):
    """A setting the service refuses to run with (an operator's error, raised at start-up)."""

    status_code = 500


def error_body(name: str, detail: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The API's error shape: {"error", "detail", "fields"?}."""
    body: dict[str, Any] = {"error": name, "detail": detail}
    if fields:
        body["fields"] = fields
    return body


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def _app_error(_: "Request", exc: Exception) -> "JSONResponse":
    from fastapi.responses import JSONResponse

    assert isinstance(exc, AppError)
    body = error_body(type(exc).__name__, exc.detail, exc.fields)
    headers: dict[str, str] | None = getattr(exc, "headers", None)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _validation_error(_: "Request", exc: Exception) -> "JSONResponse":
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    assert isinstance(exc, RequestValidationError)
    fields = {_field_name(tuple(e["loc"])): e["msg"] for e in exc.errors()}
    detail = "Invalid request: " + "; ".join(f"{k}: {v}" for k, v in fields.items())
    return JSONResponse(error_body("ValidationError", detail, fields), status_code=422)


async def _http_error(_: "Request", exc: Exception) -> "JSONResponse":
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert isinstance(exc, StarletteHTTPException)
    names = {404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge", 401: "Unauthorized"}
    name = names.get(exc.status_code, "HTTPError")
    return JSONResponse(
        error_body(name, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: "FastAPI") -> None:
    """Map every error to the API's error shape in one place."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
