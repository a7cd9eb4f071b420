"""Streaming multipart receiver: the file goes to a temp file, hashed and size-checked per chunk.

Starlette's form parser spools a file whole before the route runs; this one stops at the first
byte over the limit (413) and never holds the photo in memory.
"""

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlmodel import Session

from app.config import Settings
from app.db import end_read
from app.errors import ImageTooLarge, InvalidInput, UnsupportedMedia
from app.services.photos import (
    IntakeOutcome,
    StagedUpload,
    enqueue_after_commit,
    intake_limits,
    upload_photo,
)
from app.services.storage import PhotoStore

MAX_FIELD_BYTES = 1024  # contest_id and page are short
MAX_PARTS = 8
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file


class _Receiver:
    """python-multipart callbacks writing the `file` part to disk and keeping small fields."""

    def __init__(self, staging_dir: Path, max_bytes: int) -> None:
        self.staging_dir = staging_dir
        self.max_bytes = max_bytes
        self.fields: dict[str, str] = {}
        self.path: Path | None = None
        self.size = 0
        self.digest = hashlib.sha256()
        self._out: Any = None
        self._name = ""
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._value = bytearray()
        self._parts = 0

    def callbacks(self) -> dict[str, Any]:
        """The callback table python-multipart expects."""
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        """A new part: forget the previous part's headers."""
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise InvalidInput("Too many form parts", fields={"body": f"at most {MAX_PARTS} parts"})
        self._disposition, self._name, self._value = b"", "", bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        """Part of a header name."""
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        """Part of a header value."""
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        """One header complete: keep Content-Disposition."""
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        """Headers done: open the temp file if this is the `file` part."""
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            return
        if self._name != "file" or self._out is not None:
            raise InvalidInput("Send exactly one file, named 'file'", fields={"file": "one file"})
        fd, name = tempfile.mkstemp(dir=self.staging_dir, prefix="upload-")
        self.path = Path(name)
        self._out = os.fdopen(fd, "wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        """Bytes of the current part: file bytes are hashed, counted and written at once."""
        chunk = data[start:end]
        if self._out is not None and self._name == "file":
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise ImageTooLarge(
                    f"The file is over the {self.max_bytes}-byte limit",
                    fields={"file": f"larger than {self.max_bytes} bytes"},
                )
            self.digest.update(chunk)
            self._out.write(chunk)
        elif len(self._value) + len(chunk) > MAX_FIELD_BYTES:
            raise InvalidInput("A form field is too long", fields={self._name: "too long"})
        else:
            self._value += chunk

    def on_part_end(self) -> None:
        """Part complete: keep a small field's text value."""
        if self._name and self._name != "file":
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    def close(self) -> None:
        """Close the temp file (it stays on disk until discarded)."""
        if self._out is not None and not self._out.closed:
            self._out.close()

    def discard(self) -> None:
        """Close and delete the temp file."""
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive_upload(
    *,
    stream: AsyncIterator[bytes],
    content_type: str,
    content_length: str | None,
    staging_dir: Path,
    max_bytes: int,
) -> tuple[StagedUpload | None, dict[str, str]]:
    """Parse a multipart body: (the staged `file` or None, the other fields). Nothing is left on
    disk when this raises; the caller deletes the staged file when done with it."""
    boundary = _boundary(content_type)
    declared = content_length.strip() if content_length else ""
    if declared.isascii() and declared.isdecimal() and int(declared) > max_bytes + FORM_OVERHEAD:
        raise ImageTooLarge(
            f"The request body is over the {max_bytes}-byte limit",
            fields={"file": f"larger than {max_bytes} bytes"},
        )
    staging_dir.mkdir(parents=True, exist_ok=True)
    receiver = _Receiver(staging_dir, max_bytes)
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        receiver.discard()
        raise InvalidInput("Malformed multipart body", fields={"body": str(exc)}) from exc
    except BaseException:
        receiver.discard()
        raise
    receiver.close()
    if receiver.path is None:
        return None, receiver.fields
    staged = StagedUpload(receiver.path, receiver.digest.hexdigest(), receiver.size)
    return staged, receiver.fields


def _boundary(content_type: str) -> bytes:
    ctype, params = parse_options_header(content_type)
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UnsupportedMedia(
            "Send the photo as multipart/form-data",
            fields={"body": "must be multipart/form-data with a boundary"},
        )
    boundary: bytes = params[b"boundary"]
    return boundary


async def store_upload(
    *,
    request: Request,
    session: Session,
    settings: Settings,
    store: PhotoStore,
    enqueue: Callable[[int], None],
    tps_code: str,
    actor: str,
    remote: str | None,
    check_form: Callable[[dict[str, str]], None] | None = None,
) -> IntakeOutcome:
    """One photo upload as the API and the console both take it: the identity's read ends before
    the body arrives (a phone sending for minutes holds no connection or lock), the body is
    staged on disk, `check_form` sees the other fields (the console's CSRF token), the photo
    service stores it, the staged file goes, and the reading job is queued after the commit."""
    await run_in_threadpool(end_read, session)
    staged, form = await receive_upload(
        stream=request.stream(),
        content_type=request.headers.get("content-type", ""),
        content_length=request.headers.get("content-length"),
        staging_dir=settings.data_dir / "uploads",
        max_bytes=settings.max_upload_bytes,
    )
    try:
        if check_form is not None:
            check_form(form)
        outcome = await run_in_threadpool(
            lambda: upload_photo(
                session=session,
                store=store,
                tps_code=tps_code,
                form=form,
                staged=staged,
                actor=actor,
                remote=remote,
                limits=intake_limits(settings),
            )
        )
    finally:
        if staged is not None:
            staged.path.unlink(missing_ok=True)
    if outcome.job_id is not None:
        # The job id goes to the queue only once the request's transaction has committed.
        enqueue_after_commit(session=session, job_id=outcome.job_id, enqueue=enqueue)
    return outcome
