"""A Core statement run straight on the session's DBAPI cursor: the result post's few statements.

SQLAlchemy's execution path (compiled-cache lookup, execution context, result object) costs
about three times what psycopg itself spends on one of the post's statements. `Direct` compiles
its statement once per dialect (and per set of inserted columns) and runs it on the cursor of the
session's own connection, in the session's transaction, with each column type's own bind and
result processors (so values are stored and read exactly as through SQLAlchemy). What the engine
does around a statement is kept: a write marks the transaction as writing (app/db.py), and a
driver error becomes SQLAlchemy's exception (the app's database error handlers answer it: 503),
invalidating the connection when it was lost.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

from app.db import mark_writing

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    """A statement compiled for one dialect: its text, its parameters' order and processors,
    and a row type with its columns' result processors."""

    sql: str
    names: tuple[str, ...]
    fixed: tuple[Any, ...]
    positional: bool
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    writes: bool


class Row(tuple[Any, ...]):
    """A result row: a tuple whose columns are also attributes (as SQLAlchemy's Row)."""

    _keys: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._keys[name]]
        except KeyError:
            raise AttributeError(name) from None


class Direct:
    """One prebuilt Core statement (SELECT, or INSERT … RETURNING) for the direct path."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], tuple[_Plan, type[Row]]] = {}

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[Row]:
        """Every row of the statement run with these parameters."""
        conn = session.connection()
        plan, row_type = self._plan(conn.dialect, tuple(params))
        values = [
            _value(params, name, given) if proc is None else proc(_value(params, name, given))
            for name, given, proc in zip(plan.names, plan.fixed, plan.binds, strict=True)
        ]
        args: Sequence[Any] | dict[str, Any] = (
            values if plan.positional else dict(zip(plan.names, values, strict=True))
        )
        fetched = _run(conn, plan.sql, args)
        if plan.writes:
            mark_writing(conn)
        results = plan.results
        return [
            row_type(v if proc is None else proc(v) for v, proc in zip(raw, results, strict=True))
            for raw in fetched
        ]

    def first(self, session: Session, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        found = self.rows(session, params)
        return found[0] if found else None

    def scalar(self, session: Session, params: Mapping[str, Any]) -> Any:
        """The one value of the one row (as Result.scalar_one: an error otherwise)."""
        found = self.rows(session, params)
        if len(found) != 1:
            raise exc.NoResultFound("no row") if not found else exc.MultipleResultsFound("rows")
        return found[0][0]

    def _plan(self, dialect: Dialect, keys: tuple[str, ...]) -> tuple[_Plan, type[Row]]:
        cache_key = (dialect.name, keys)
        plan = self._plans.get(cache_key)
        if plan is None:
            plan = self._plans[cache_key] = _compile(self.statement, dialect, keys)
        return plan


def _compile(
    statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]
) -> tuple[_Plan, type[Row]]:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiled, SQLCompiler)
    positional = bool(compiled.positional)
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    names = tuple(compiled.positiontup or ()) if positional else tuple(by_name)
    # A parameter is passed by its key; a value written into the statement itself (values(x=1),
    # column + 1) is bound from the statement unless the caller passes it.
    assert all(by_name[n].key == n or by_name[n].value is not None for n in names)
    fixed = tuple(_REQUIRED if by_name[n].required else by_name[n].effective_value for n in names)
    binds = tuple(by_name[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    dml = bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)
    # A SELECT's columns; a write's RETURNING, the implicit one (the primary key) included
    selected = (
        list(compiled.effective_returning or ())
        if dml
        else list(getattr(statement, "exported_columns", ()))
    )
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected)
    row_type = type("Row", (Row,), {"_keys": {str(c.key): i for i, c in enumerate(selected)}})
    plan = _Plan(
        sql=compiled.string,
        names=names,
        fixed=fixed,
        positional=positional,
        binds=binds,
        results=results,
        writes=dml,
    )
    return plan, row_type


_REQUIRED = object()


def _value(params: Mapping[str, Any], name: str, given: Any) -> Any:
    if given is _REQUIRED or name in params:
        return params[name]
    return given


def _run(conn: Connection, sql: str, args: Sequence[Any] | dict[str, Any]) -> list[Any]:
    """The statement's rows from the connection's own DBAPI cursor; a driver error raised as
    SQLAlchemy raises it (and the connection invalidated when it was lost)."""
    dbapi = conn.connection
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql, args)
        return list(cursor.fetchall()) if cursor.description is not None else []
    except conn.dialect.loaded_dbapi.Error as error:
        lost = conn.dialect.is_disconnect(error, dbapi.dbapi_connection, cursor)
        wrapped = exc.DBAPIError.instance(
            sql, args, error, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost
        )
        if lost:
            conn.invalidate(wrapped)
        raise wrapped from error
    finally:
        cursor.close()
