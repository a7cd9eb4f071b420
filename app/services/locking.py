"""Take SQLite's write lock at the start of a write transaction.

With a plain (deferred) BEGIN, a SQLite transaction that reads first and writes later fails at
once with "database is locked" when another writer committed in between (its read snapshot is
stale: busy_timeout cannot help). Taking the write lock first makes concurrent writers wait
their turn instead. PostgreSQL locks rows and needs nothing here.
"""

from sqlalchemy import text
from sqlmodel import Session


def lock_for_write(session: Session) -> None:
    """On SQLite, acquire the database write lock now (a no-op write); elsewhere nothing."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE ocr_job SET id = id WHERE 0"))
