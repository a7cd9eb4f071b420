"""Content-addressed photo storage behind one small interface: a local directory or S3."""

import hashlib
import os
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from app.config import Settings

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class PhotoStore(Protocol):
    """Bytes keyed by their SHA-256; put is idempotent, nothing is ever overwritten."""

    def put(self, sha256: str, data: bytes | Path) -> bool:
        """Store the bytes (or the file's bytes) under their hash, durably; True when this call
        stored them, False when they were there already."""

    def get(self, sha256: str) -> bytes:
        """The stored bytes; KeyError when absent."""

    def exists(self, sha256: str) -> bool:
        """Whether bytes with that hash are stored."""

    def discard(self, sha256: str) -> None:
        """Remove bytes that no row will refer to (their upload failed); absent is fine."""


def check_key(sha256: str) -> str:
    """The key itself, or ValueError: paths are only ever built from a hex digest."""
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


def sha256_of(data: bytes | Path) -> str:
    """The hex SHA-256 of bytes or of a file's content."""
    digest = hashlib.sha256()
    if isinstance(data, bytes):
        digest.update(data)
    else:
        with data.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()


class LocalStore:
    """`<root>/sha256/ab/cd/<sha256>`: temp file in the same dir → fsync → rename → fsync dir."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Where the bytes with that hash live."""
        key = check_key(sha256)
        return self.root / "sha256" / key[:2] / key[2:4] / key

    def put(self, sha256: str, data: bytes | Path) -> bool:
        """Write once; an existing object is left as is (same hash, same bytes)."""
        target = self.path_of(sha256)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_into(data, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return True

    def get(self, sha256: str) -> bytes:
        """The stored bytes; KeyError when absent."""
        try:
            return self.path_of(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(sha256) from exc

    def exists(self, sha256: str) -> bool:
        """Whether bytes with that hash are stored."""
        return self.path_of(sha256).exists()

    def discard(self, sha256: str) -> None:
        """Remove the file (absent is fine)."""
        self.path_of(sha256).unlink(missing_ok=True)


def _copy_into(data: bytes | Path, out: Any) -> None:
    if isinstance(data, bytes):
        out.write(data)
    else:
        with data.open("rb") as src:
            shutil.copyfileobj(src, out, CHUNK)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry itself reaches the disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3Store:
    """An S3-compatible bucket (boto3); keys `sha256/ab/cd/<sha256>` under an optional prefix."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3
        from botocore.config import Config

        # Non-AWS servers reject the default CRC checksums of botocore >= 1.36 (notes/stack.md).
        config = Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url, config=config)

    def key_of(self, sha256: str) -> str:
        """The object key of the bytes with that hash."""
        key = check_key(sha256)
        parts = [self.prefix] if self.prefix else []
        return "/".join([*parts, "sha256", key[:2], key[2:4], key])

    def put(self, sha256: str, data: bytes | Path) -> bool:
        """PutObject with If-None-Match: an existing object is never overwritten."""
        from botocore.exceptions import ClientError

        body = data if isinstance(data, bytes) else data.read_bytes()
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key_of(sha256), Body=body, IfNoneMatch="*"
            )
        except ClientError as exc:
            if _error_code(exc) not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
            return False
        return True

    def get(self, sha256: str) -> bytes:
        """The stored bytes; KeyError when absent."""
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404"):
                raise KeyError(sha256) from exc
            raise
        return bytes(response["Body"].read())

    def exists(self, sha256: str) -> bool:
        """Whether bytes with that hash are stored (HeadObject)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
        return True

    def discard(self, sha256: str) -> None:
        """DeleteObject (absent is fine)."""
        self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))


def _error_code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def build_store(settings: Settings) -> PhotoStore:
    """The store named by settings.storage_url: `file://DIR` (default) or `s3://bucket[/prefix]`."""
    url = settings.storage_url
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://") :].partition("/")
        return S3Store(bucket, prefix=prefix, endpoint_url=settings.s3_endpoint_url)
    if url.startswith("file://"):
        return LocalStore(Path(url[len("file://") :]))
    raise ValueError(f"REKAP_STORAGE_URL must start with file:// or s3://, not {url!r}")


@lru_cache(maxsize=8)
def store_for(storage_url: str, s3_endpoint_url: str | None) -> PhotoStore:
    """The store for a URL, built once per process (an S3 client is costly to create)."""
    return build_store(Settings(storage_url=storage_url, s3_endpoint_url=s3_endpoint_url))
