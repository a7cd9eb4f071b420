"""What every `rekap` command needs from the database layer, loaded on first use.

`rekap --help` and each command's start must not pay for SQLAlchemy, SQLModel, FastAPI or the
models (about a second on a loaded machine): command modules import those inside the command
functions, and use this session_scope, which imports app.db only when a command opens a
session. tests/test_startup.py holds the line."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from app.config import Settings


@contextmanager
def session_scope() -> Iterator["Session"]:
    """app.db.session_scope() on the configured database: one transaction, committed at the end."""
    from app.db import session_scope as scope

    with scope() as session:
        yield session


def get_settings() -> "Settings":
    """app.config.get_settings(): the settings (pydantic-settings loads on the first call)."""
    from app.config import get_settings as settings

    return settings()
