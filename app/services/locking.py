"""Take SQLite's write lock at the start of a write use case, before its first read.

With a plain (deferred) BEGIN, a SQLite transaction that reads first and writes later fails at
once with "database is locked" when another writer committed in between (its read snapshot is
stale: busy_timeout cannot help). Requests begin deferred (so a slow client holds no lock), and
each write use case calls this first, so concurrent writers wait their turn instead. PostgreSQL
locks rows and needs nothing here.
"""

from sqlmodel import Session

from app.db import begin_write


def lock_for_write(session: Session) -> None:
    """On SQLite, hold the database write lock from now to the end of the transaction."""
    begin_write(session)
