"""Request body limits on every route, answered with 413 in the API's error shape.

Bodies are capped at REKAP_MAX_REQUEST_BYTES; the photo upload routes (the API's and the
console's) get REKAP_MAX_UPLOAD_BYTES plus room for the multipart envelope. A declared
Content-Length over the cap is refused before anything is read; a chunked body is counted as it
streams.
"""

import re
from typing import Final

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body

UPLOAD_PATH: Final = re.compile(r"^(/api/v1)?/tps/[^/]+/photos/?$")
MULTIPART_ROOM: Final = 64 * 1024


class BodyLimitMiddleware:
    """Pure ASGI middleware: 413 for bodies over the limit of their route."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes + MULTIPART_ROOM

    def limit_for(self, scope: Scope) -> int:
        """The byte limit of this request's route."""
        if scope.get("method") == "POST" and UPLOAD_PATH.match(scope.get("path", "")):
            return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        await self.app(scope, _counting(receive, limit), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _too_large(limit: int) -> JSONResponse:
    detail = f"request body is larger than {limit} bytes"
    return JSONResponse(error_body("PayloadTooLarge", detail), status_code=413)


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # HTTPException (not AppError) so FastAPI's body parser re-raises it as is.
                raise HTTPException(413, f"request body is larger than {limit} bytes")
        return message

    return wrapped
