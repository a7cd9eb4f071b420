"""Database outages and lock timeouts are 503 with Retry-After, never 500; bugs stay 500.

A connection refused, lost or timed out (PostgreSQL down or restarting, the pool exhausted) is
DatabaseUnavailable; SQLite's write lock not granted within REKAP_SQLITE_BUSY_TIMEOUT is
DatabaseBusy. IntegrityError, ProgrammingError, "no such table" and the like are bugs: they keep
their 500 and traceback. The client never sees driver, host or port text; the log has it.
"""

import sqlite3
from typing import TYPE_CHECKING

import psycopg
import structlog
from sqlalchemy import exc as sa_exc

from app.errors import DatabaseBusy, DatabaseUnavailable, ServiceUnavailable, error_body

if TYPE_CHECKING:
    # Imported where used: `rekap` commands may classify database failures without FastAPI.
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

log = structlog.get_logger(__name__)

_SQLITE_BUSY = ("database is locked", "database table is locked")
_SQLITE_GONE = ("unable to open database file", "disk I/O error")
# psycopg's OperationalError covers SQLSTATE classes 08 (connection), 53 (resources), 57
# (operator intervention: shutdown, cancel) and 40 (deadlock, serialization): all retryable.
_PG_TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError)
UNAVAILABLE = "The database is unavailable; retry later"
BUSY = "The database is busy with other writes; retry shortly"
DATABASE_ERRORS = (sa_exc.DBAPIError, sa_exc.TimeoutError, psycopg.Error)


def database_fault(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 error for a database that is down, unreachable or busy; None for anything else."""
    if isinstance(exc, sa_exc.TimeoutError):  # every pooled connection stayed busy
        return DatabaseUnavailable(UNAVAILABLE)
    orig: BaseException | None = exc
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return DatabaseUnavailable(UNAVAILABLE)
        orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig)
        if text.startswith(_SQLITE_BUSY):
            return DatabaseBusy(BUSY)
        if text.startswith(_SQLITE_GONE):
            return DatabaseUnavailable(UNAVAILABLE)
    if isinstance(orig, _PG_TRANSIENT):
        return DatabaseUnavailable(UNAVAILABLE)
    return None


def log_fault(exc: BaseException, fault: ServiceUnavailable, where: str) -> None:
    """Log the real failure (driver text included) for the operator, never for the client."""
    cause = getattr(exc, "orig", None) or exc
    log.warning(
        "database.unavailable",
        answer=type(fault).__name__,
        where=where,
        exception=f"{type(cause).__module__}.{type(cause).__name__}: {cause}"[:500],
    )


async def _database_error(request: "Request", exc: Exception) -> "JSONResponse":
    from fastapi.responses import JSONResponse

    fault = database_fault(exc)
    if fault is None:
        raise exc  # a bug: the server's own 500 with its traceback
    log_fault(exc, fault, request.url.path)
    body = error_body(type(fault).__name__, fault.detail)
    return JSONResponse(body, status_code=fault.status_code, headers=fault.headers)


def install_database_error_handlers(app: "FastAPI") -> None:
    """Answer database outages and lock timeouts with 503 + Retry-After in the API's shape."""
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
