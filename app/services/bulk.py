"""Bulk writes of many rows in the caller's transaction: PostgreSQL's COPY (psycopg 3, the text
format built here), elsewhere executemany in slices that stay well inside every backend's
bound-parameter limit."""

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
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


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off during a bulk load: the millions of objects it builds are
    freed by reference counts anyway, and each full collection walks all of them (1.8 of the
    9.6 CPU seconds of a national import's main process)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    if session.get_bind().dialect.name == "postgresql":
        return _copy_rows(session, table, columns, rows, progress=progress, slice_size=size)
    written = 0
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


def _copy_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Progress | None,
    slice_size: int,
) -> int:
    """One COPY on the session's own connection, each slice sent as one block of COPY text
    (formatted here: psycopg's write_row adapts value by value, most of a national import's
    client time)."""
    line = _copy_line([table.c[c].type for c in columns])
    raw: Any = session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    written = 0
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for chunk in chunks(rows, slice_size):
            copy.write("".join([line(row) for row in chunk]))
            written += len(chunk)
            if progress is not None:
                progress(written)
    return written


NULL = "\\N"
NUMBERS = ("Integer", "BigInteger", "SmallInteger", "Float")


def _text(value: Any) -> str:
    """A value as a string in COPY's text format: backslash, tab, newline, return escaped."""
    if value is None:
        return NULL
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:  # rare: codes, JSON of counts
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def _json_text(value: Any) -> str:
    """A JSON column's value: JsonText is JSON already, other values are serialised here."""
    return _text(value if value is None or isinstance(value, JsonText) else json.dumps(value))


def _time_text(value: Any) -> str:
    return _text(value.isoformat() if isinstance(value, datetime) else value)


def _number_text(value: Any) -> str:
    return NULL if value is None else str(value)  # digits, a sign, a point: nothing to escape


def _bool_text(value: Any) -> str:
    return NULL if value is None else ("t" if value else "f")


def _column_text(column_type: Any) -> Callable[[Any], str]:
    """How one column's values are written in COPY's text format (None is NULL)."""
    kind = column_type.__class__.__name__
    by_kind = {"JSON": _json_text, "DateTime": _time_text, "Boolean": _bool_text}
    return by_kind.get(kind, _number_text if kind in NUMBERS else _text)


def _copy_line(column_types: Sequence[Any]) -> Callable[[Sequence[Any]], str]:
    """Formats one row (values in column order) as a line of COPY text."""
    texts = [_column_text(t) for t in column_types]

    def line(row: Sequence[Any]) -> str:
        return "\t".join([text(v) for text, v in zip(texts, row, strict=True)]) + "\n"

    return line


def stored_keys(session: Session, column: Any) -> set[Any]:
    """Every value of one column (a whole-table read: no IN list, so no parameter limit)."""
    return set(session.execute(select(column)).scalars())


def in_slices(values: Sequence[Any], size: int | None = None) -> Iterable[Sequence[Any]]:
    """A long list of values for `col.in_(...)` cut into slices of at most size (IN_SLICE)."""
    size = size or IN_SLICE
    for start in range(0, len(values), size):
        yield values[start : start + size]
