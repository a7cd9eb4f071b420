"""Where the entity an audit record covers lives, and its content read back as stored.

The verifier reads the row through `load_contents`; so does the writer (`append_audit`) after a
flush, unless the caller passes the hash of the row it just inserted (`inserted_hash`: result
intake, whose one statement per value matters): that hash is computed from the values sent to the
database in the form `load_contents` gives them back (JSON columns through JSON, times as UTC),
so both ways yield the same hash, which `rekap audit verify` checks for every record.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, String, Table, Text, cast, select, type_coerce
from sqlmodel import Session

from app.domain.audit_content import ACTION_KINDS, CONTENT_FIELDS, content_hash, content_of
from app.models import DeviceKey, DHasilVersion, DiscrepancyEvent, Photo, ReviewEntry, Submission
from app.models import User as UserRow


class MalformedRecord(ValueError):
    """An audit record whose fields cannot say which entity it covers."""


@dataclass(frozen=True)
class EntitySource:
    """The table of a kind, its key column, and where a record keeps the key."""

    table: Table
    key: str
    key_in: str  # "entity_id", or the payload key holding the row id
    numeric: bool


def _source(model: Any, key: str, key_in: str = "entity_id", numeric: bool = True) -> EntitySource:
    return EntitySource(model.__table__, key, key_in, numeric)


SOURCES: dict[str, EntitySource] = {
    "submission": _source(Submission, "id"),
    "dhasil_version": _source(DHasilVersion, "id"),
    "photo": _source(Photo, "id"),
    # The record names the review item / the discrepancy; the immutable row is in the payload.
    "review_entry": _source(ReviewEntry, "id", "entry_id"),
    "discrepancy_event": _source(DiscrepancyEvent, "id", "event_id"),
    "user": _source(UserRow, "username", numeric=False),
    "user_disabled": _source(UserRow, "username", numeric=False),
    "device_key": _source(DeviceKey, "key_id", numeric=False),
    "device_key_revoked": _source(DeviceKey, "key_id", numeric=False),
}


def kind_of(action: str) -> str | None:
    """The kind of entity a record of this action covers, or None."""
    return ACTION_KINDS.get(action)


def record_key(kind: str, entity_id: str, payload: Mapping[str, Any]) -> int | str:
    """The key of the covered row; MalformedRecord when the record does not hold a usable one."""
    source = SOURCES[kind]
    raw = entity_id if source.key_in == "entity_id" else payload.get(source.key_in)
    if raw is None:
        raise MalformedRecord(f"its payload has no {source.key_in}")
    if not source.numeric:
        return str(raw)
    if isinstance(raw, bool) or not str(raw).isdigit():
        raise MalformedRecord(f"{source.key_in} {raw!r} is not a row id")
    return int(raw)


def _column(table: Table, name: str, sqlite: bool) -> Any:
    column: Column[Any] = table.c[name]
    # JSON as its text on every backend, and times as text on SQLite (which stores them so):
    # parsed here, so a row edited into garbage is reported instead of failing in the driver.
    if isinstance(column.type, JSON):
        return cast(column, Text).label(name)
    if sqlite and isinstance(column.type, DateTime):
        return type_coerce(column, String).label(name)
    return column


def _as_stored(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    return None if value is None else json.loads(value)


def _time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _parser(table: Table, name: str) -> Callable[[Any], Any]:
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return _json
    return _time if isinstance(column_type, DateTime) else _as_stored


def load_contents(
    session: Session, kind: str, keys: Iterable[int | str]
) -> dict[int | str, dict[str, Any] | str]:
    """Covered content by key, as stored now; a string says why a row cannot be read."""
    source = SOURCES[kind]
    wanted = sorted(set(keys), key=str)
    if not wanted:
        return {}
    sqlite = session.get_bind().dialect.name == "sqlite"
    fields = CONTENT_FIELDS[kind]
    columns = [_column(source.table, name, sqlite) for name in fields]
    parsers = [(name, _parser(source.table, name)) for name in fields]
    key_column = source.table.c[source.key]
    stmt = select(key_column.label("_key"), *columns).where(key_column.in_(wanted))
    found: dict[int | str, dict[str, Any] | str] = {}
    for key, *stored in session.connection().execute(stmt):
        try:
            values = {name: parse(v) for (name, parse), v in zip(parsers, stored, strict=True)}
            found[key] = content_of(kind, values)
        except ValueError as exc:  # json.JSONDecodeError and bad times are ValueErrors
            found[key] = f"cannot be read ({exc})"
    return found


def inserted_hash(kind: str, row: Mapping[str, Any]) -> str:
    """The content hash of a row this transaction just inserted, from the values it inserted
    (every field of CONTENT_FIELDS[kind], the key included), as `load_contents` would read it
    back: JSON columns round-tripped through JSON text, times as ISO UTC (content_of)."""
    source = SOURCES[kind]
    stored = {
        name: json.loads(json.dumps(row[name])) if isinstance(source.table.c[name].type, JSON)
        else row[name]
        for name in CONTENT_FIELDS[kind]
    }  # fmt: skip
    return content_hash(kind, content_of(kind, stored))


def hash_for_write(
    session: Session, *, action: str, entity_id: str, payload: Mapping[str, Any]
) -> str | None:
    """The content hash of the entity a new record covers, read back after flush; None when the
    action is not covered or the row is not there (a record about something never stored)."""
    kind = kind_of(action)
    if kind is None:
        return None
    try:
        key = record_key(kind, entity_id, payload)
    except MalformedRecord:
        return None
    session.flush()
    content = load_contents(session, kind, [key]).get(key)
    return content_hash(kind, content) if isinstance(content, dict) else None
