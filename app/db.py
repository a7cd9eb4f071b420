"""Engine and the only two commit points: get_session() for requests, session_scope() for jobs.

Transactions begin deferred, so reading never takes SQLite's write lock: a write use case calls
begin_write() (via services.locking.lock_for_write) before its first read and only then waits
for the lock. A request that waits on its client (an upload's body) or on a sign-in back-off
first ends its read (end_read), holding no connection, snapshot or lock meanwhile. So one slow
client never blocks another device's write.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlmodel import Session, create_engine
from starlette.requests import Request

from app.config import get_settings
from app.domain.accepted import MIN_OCR_CONFIDENCE


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def build_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine with the pragmas and pool settings each backend needs. busy_timeout: how long a
    SQLite writer waits for the write lock before "database is locked" (answered 503)."""
    url = normalize_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}  # the liveness ping: _ping_if_idle below
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
    else:
        # libpq waits forever for an unreachable host by default; a request must fail (503) first.
        kwargs.update(pool_size=10, max_overflow=20, connect_args={"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        event.listen(engine, "begin", _mark_reading)
    event.listen(engine, "after_cursor_execute", _note_writes)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


# A pooled connection idle this long is pinged (SELECT 1) before use; a dead one (the database
# restarted, a firewall dropped it) is then replaced, and every older one with it, before the
# request sees it. One used a moment ago is not: under load every request would pay a round trip
# for a connection that just worked (pool_pre_ping pings on every checkout). A connection that
# died within the window fails its request like any database error (503, Retry-After) and the
# pool replaces every connection older than the failure.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "rekap_idle_since"  # ConnectionRecord.info (lives as long as the DBAPI connection)


def _note_idle(_dbapi_conn: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dialect: Any) -> Callable[[Any, Any, Any], None]:
    """The pool's checkout hook: ping a connection that sat idle (see PING_AFTER_IDLE_SECONDS)."""

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)  # None: a new connection, nothing to check
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and every older one, then checks out a new one.
            raise InvalidatePoolError(f"liveness ping failed: {exc}") from exc

    return checkout


_WRITING = "rekap_writing"  # Connection.info key: this transaction holds the write lock
ACCEPTANCE_LINE = "rekap_ocr_min_confidence"  # Session.info key: see set_acceptance_line
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def _sqlite_begin(conn: Any) -> None:
    # Deferred: a transaction that only reads never takes the write lock; begin_write() takes it.
    conn.exec_driver_sql("BEGIN")
    conn.info[_WRITING] = False


def _mark_reading(conn: Any) -> None:
    conn.info[_WRITING] = False


def mark_writing(conn: Any) -> None:
    """Note that the connection's transaction wrote (what _note_writes does for a statement run
    through SQLAlchemy; app/db_driver.py runs some on the DBAPI cursor itself)."""
    conn.info[_WRITING] = True


def _note_writes(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    # A write that succeeded holds the write lock until the transaction ends.
    if statement.lstrip()[:6].upper() in _WRITE_VERBS:
        conn.info[_WRITING] = True


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
    # isolation_level=None + explicit BEGIN (below) gives SQLite real SAVEPOINT semantics.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def set_acceptance_line(session: Session, line: float | None = None) -> None:
    """The unit of work carries the OCR acceptance line (REKAP_OCR_MIN_CONFIDENCE) to the
    accepted-value rule, so rechecks anywhere use the setting the review line uses."""
    session.info[ACCEPTANCE_LINE] = get_settings().ocr_min_confidence if line is None else line


def acceptance_line(session: Session) -> float:
    """The OCR acceptance line this unit of work was opened with (the default when none was)."""
    return float(session.info.get(ACCEPTANCE_LINE, MIN_OCR_CONFIDENCE))


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    settings = get_settings()
    return build_engine(settings.database_url, busy_timeout=settings.sqlite_busy_timeout)


def get_session(request: Request) -> Iterator[Session]:
    """Request-scoped session: commits when the request succeeds, rolls back otherwise (also when
    a console page rendered the request's failure instead of raising it)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        set_acceptance_line(session)
        try:
            yield session
            if getattr(request.state, "failed", False):
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise


def _owns_transaction(session: Session) -> bool:
    # A session bound to a Connection joined its caller's transaction (tests): not ours to end.
    return not isinstance(session.bind, Connection)


def has_written(session: Session) -> bool:
    """Whether the session's current transaction wrote (or holds the write lock), or will at
    its next flush."""
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(_WRITING, False))


def end_read(session: Session) -> None:
    """End a transaction that only read, so no connection, snapshot or lock is held while the
    request waits (on its client, or a sign-in back-off); the next statement begins anew."""
    if not _owns_transaction(session) or not session.in_transaction():
        return
    if has_written(session):
        raise RuntimeError("end_read() after a write would commit it early")
    session.commit()  # nothing was written: this only releases the connection


def begin_write(session: Session) -> None:
    """Make the session's transaction a writer before the use case reads what it will change.

    On SQLite a deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer committed in between (no busy wait on that upgrade). So, unless
    it already writes, the read-only SQLite transaction is ended and BEGIN IMMEDIATE waits (up to
    the busy timeout) for the write lock; the session's own transaction goes on, so its hooks see
    one transaction. A session in its caller's transaction (tests) takes the lock inside it with
    a no-op write. PostgreSQL locks rows; nothing to do."""
    if session.get_bind().dialect.name != "sqlite" or has_written(session):
        return
    if not _owns_transaction(session) or session.in_nested_transaction():
        session.execute(text("UPDATE ocr_job SET id = id WHERE 0"))
        return
    conn = session.connection()
    conn.exec_driver_sql("COMMIT")  # nothing was written: this only drops the old snapshot
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    conn.info[_WRITING] = True


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """Session for CLI commands and worker tasks: one transaction, committed at the end."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        set_acceptance_line(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
