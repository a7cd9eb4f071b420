"""Bulk writes of many rows in the caller's transaction: PostgreSQL's COPY (psycopg 3), elsewhere
executemany in slices that stay well inside every backend's bound-parameter limit."""

import json
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import Session

# PostgreSQL's wire protocol allows 65,535 parameters per statement and SQLite (3.32+) 32,766;
# a slice of SLICE_PARAMETERS keeps any statement below both, whatever its column count.
SLICE_PARAMETERS = 30_000
IN_SLICE = 5_000  # values per `IN (...)` list

Progress = Callable[[int], None]


class JsonText(str):
    """A value of a JSON column already serialised (written as is by COPY, no second dumps)."""


def slice_rows(columns: int) -> int:
    """Rows per statement for a table of that many columns."""
    return max(1, SLICE_PARAMETERS // max(1, columns))


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    """Consecutive lists of at most size items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def write_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Progress | None = None,
    slice_size: int | None = None,
) -> int:
    """Insert rows (tuples in `columns` order) into table; returns how many.

    PostgreSQL: one COPY on the session's own connection, so the rows commit or roll back with
    the caller's transaction. Other backends: executemany per slice of slice_size rows (default:
    as many as fit in SLICE_PARAMETERS). JSON columns take Python values on both paths.
    progress(rows written so far) is called every slice."""
    session.flush()
    size = slice_size or slice_rows(len(columns))
    json_columns = {c for c in columns if table.c[c].type.__class__.__name__ == "JSON"}
    written = 0
    if session.get_bind().dialect.name == "postgresql":
        wrap = [c in json_columns for c in columns]
        raw: Any = session.connection().connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for chunk in chunks(rows, size):
                for row in chunk:
                    copy.write_row(
                        [_pg_json(v) if w else v for v, w in zip(row, wrap, strict=True)]
                    )
                written += len(chunk)
                if progress is not None:
                    progress(written)
        return written
    statement = insert(table)
    for chunk in chunks(rows, size):
        session.execute(
            statement,
            [
                {
                    c: json.loads(v) if isinstance(v, JsonText) else v
                    for c, v in zip(columns, row, strict=True)
                }
                for row in chunk
            ],
        )
        written += len(chunk)
        if progress is not None:
            progress(written)
    return written


def _pg_json(value: Any) -> Any:
    from psycopg.types.json import Json

    if value is None or isinstance(value, JsonText):
        return None if value is None else str(value)
    return Json(value)


def stored_keys(session: Session, column: Any) -> set[Any]:
    """Every value of one column (a whole-table read: no IN list, so no parameter limit)."""
    return set(session.execute(select(column)).scalars())


def in_slices(values: Sequence[Any], size: int | None = None) -> Iterable[Sequence[Any]]:
    """A long list of values for `col.in_(...)` cut into slices of at most size (IN_SLICE)."""
    size = size or IN_SLICE
    for start in range(0, len(values), size):
        yield values[start : start + size]
