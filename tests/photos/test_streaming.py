"""The multipart receiver refuses an oversized file while it streams, not after."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.api.uploads import receive_upload
from app.errors import ImageTooLarge

BOUNDARY = "xYzZy"


def body_chunks(file_size: int, chunk: int = 4096) -> list[bytes]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="contest_id"\r\n\r\npkwkp-16\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    payload = b"\xff" * file_size
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    whole = head + payload + tail
    return [whole[i : i + chunk] for i in range(0, len(whole), chunk)]


class CountingStream:
    """An async byte stream that counts how many chunks the consumer pulled."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def receive(stream: CountingStream, tmp_path: Path, max_bytes: int) -> object:
    return asyncio.run(
        receive_upload(
            stream=stream.__aiter__(),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            content_length=None,  # a chunked upload: no length to check up front
            staging_dir=tmp_path,
            max_bytes=max_bytes,
        )
    )


def test_oversized_file_is_refused_at_the_first_chunk_over_the_limit(tmp_path: Path) -> None:
    stream = CountingStream(body_chunks(file_size=1_000_000))
    with pytest.raises(ImageTooLarge):
        receive(stream, tmp_path, max_bytes=50_000)
    assert stream.pulled < 20  # of ~245 chunks: it stopped reading right after the limit
    assert list(tmp_path.iterdir()) == []  # the partial temp file is deleted


def test_file_within_the_limit_is_staged_with_its_hash(tmp_path: Path) -> None:
    import hashlib

    stream = CountingStream(body_chunks(file_size=30_000))
    staged, fields = receive(stream, tmp_path, max_bytes=50_000)  # type: ignore[misc]
    assert fields == {"contest_id": "pkwkp-16"}
    assert staged.size == 30_000
    assert staged.sha256 == hashlib.sha256(b"\xff" * 30_000).hexdigest()
    assert staged.path.read_bytes() == b"\xff" * 30_000


def test_declared_length_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    stream = CountingStream(body_chunks(file_size=10))
    with pytest.raises(ImageTooLarge):
        asyncio.run(
            receive_upload(
                stream=stream.__aiter__(),
                content_type=f"multipart/form-data; boundary={BOUNDARY}",
                content_length=str(10_000_000),
                staging_dir=tmp_path,
                max_bytes=50_000,
            )
        )
    assert stream.pulled == 0
