"""The key that signs access tokens: configured, or generated once and kept in the data directory.

Never a key anyone else could know: a configured key shorter than 32 bytes, a published one
(this project's old development default, "changeme", ...) or one of a handful of characters is
refused, and so is a kept key file that other users may read. README "Security".
"""

import os
import secrets
import stat
from pathlib import Path

from app.errors import ConfigurationError

# RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (32 bytes).
MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "secret_key"
# Keys published somewhere (this project's old defaults, common placeholders): anyone can sign
# with them. Compared case-insensitively; the short ones are refused by length anyway.
KNOWN_SECRETS = frozenset(
    {
        "dev-only-insecure-secret-key-change-me-in-production",
        "dev-insecure-change-me",
        "changeme",
        "change-me",
        "secret",
        "secret-key",
        "secretkey",
        "supersecret",
        "password",
        "your-256-bit-secret",
        "your-secret-key",
        "your-secret-key-here",
    }
)
# Placeholder words: a key containing one was copied from an example, not generated.
_PLACEHOLDER_WORDS = ("changeme", "change-me", "change_me", "insecure", "placeholder")
# A real random key of 32+ characters uses far more; "aaaa…" or "abab…" is not a secret.
_MIN_DISTINCT_CHARACTERS = 10


def secret_problem(secret: str) -> str | None:
    """Why a key must not sign tokens (a sentence), or None when it may."""
    lowered = secret.strip().lower()
    if lowered in KNOWN_SECRETS or any(word in lowered for word in _PLACEHOLDER_WORDS):
        return "is a published example value"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < _MIN_DISTINCT_CHARACTERS:
        return f"uses fewer than {_MIN_DISTINCT_CHARACTERS} distinct characters"
    return None


def resolve_signing_secret(configured: str | None, data_dir: Path) -> str:
    """The configured key when it is safe; else the key kept in `data_dir` (made on first use).

    Raises ConfigurationError for an unsafe configured key or an unsafe key file.
    """
    if configured is not None:
        problem = secret_problem(configured)
        if problem:
            raise ConfigurationError(
                f"REKAP_SECRET_KEY {problem}: refusing to start. Unset it to have one generated "
                f"in REKAP_DATA_DIR, or set {MIN_SECRET_BYTES}+ random bytes, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return configured
    path = data_dir / SECRET_FILE_NAME
    try:
        try:
            return read_secret_file(path)
        except FileNotFoundError:
            return _create_secret_file(path)
    except OSError as exc:  # not a directory, not writable, not readable, ...
        raise ConfigurationError(
            f"cannot keep the signing key in {path}: {exc.strerror or exc}; make REKAP_DATA_DIR "
            "writable by the service, or set REKAP_SECRET_KEY"
        ) from exc


def read_secret_file(path: Path) -> str:
    """The key kept in `path`; ConfigurationError when others may read it or it is unsafe."""
    fd = os.open(path, os.O_RDONLY)  # a symlink is fine: Kubernetes mounts secrets as links
    with os.fdopen(fd, encoding="utf-8") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        # Refused, not warned: a key others could read lets them sign admin tokens.
        if not stat.S_ISREG(mode) or mode & 0o077:
            raise ConfigurationError(
                f"{path} must be a regular file readable by its owner only (mode "
                f"{stat.filemode(mode)}): run `chmod 600 {path}`"
            )
        secret = handle.read().strip()
    problem = secret_problem(secret)
    if problem:
        raise ConfigurationError(f"the key in {path} {problem}: delete the file to make a new one")
    return secret


def _create_secret_file(path: Path) -> str:
    """Write a new random key next to `path` and link it into place; if another process linked
    its key first, that key wins and is returned (every process ends up with the same key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # link() fails when the name exists: atomic, and never shows a half-written file.
            os.link(temporary, path)
        except FileExistsError:
            return read_secret_file(path)
        _fsync_directory(path.parent)
        return secret
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
