"""What `rekap` commands print and write: `--json` output, input files, files of new secrets."""

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

from app.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from pydantic import BaseModel

JSON_HELP = "print JSON (the shapes of docs/cli-json.md) instead of a table"


def json_option() -> Any:
    """The `--json` flag every list and show command has."""
    return typer.Option(False, "--json", help=JSON_HELP)


def echo_json(data: "BaseModel | Sequence[BaseModel] | dict[str, Any]") -> None:
    """Print a model, a list of models or a plain dict as JSON (times in ISO 8601)."""
    from pydantic import BaseModel  # loaded by the command's schemas already

    if isinstance(data, BaseModel):
        value: Any = data.model_dump(mode="json")
    elif isinstance(data, dict):
        value = data
    else:
        value = [item.model_dump(mode="json") for item in data]
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def read_text(path: Path) -> str:
    """An input file as text (UTF-8, a spreadsheet's byte-order mark allowed)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte {exc.start})"
        raise InvalidInput(f"{path}: {reason}", fields={"file": reason}) from exc
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}", fields={"file": "unreadable"}) from exc


@contextmanager
def secret_file(path: Path) -> Iterator[TextIO]:
    """A new file only its owner may read (0600) for secrets shown once; it must not exist yet,
    and it is removed again when anything fails before the block ends."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        reason = "exists: secrets are written once, to a new file"
        raise Conflict(f"{path} {reason}", fields={"out": reason}) from None
    except OSError as exc:
        reason = f"cannot create {path}: {exc.strerror}"
        raise InvalidInput(reason, fields={"out": "unwritable"}) from exc
    finished = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        finished = True
    finally:
        if not finished:
            path.unlink(missing_ok=True)


def sync(handle: TextIO) -> None:
    """Flush a file to disk (before the transaction that makes its secrets valid commits)."""
    handle.flush()
    os.fsync(handle.fileno())
