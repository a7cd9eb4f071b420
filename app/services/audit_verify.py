"""`rekap audit verify`: walk the chain, recompute every record's hash and every covered entity's
content hash from the rows as they are now, and name each record that does not verify.

Records are read a page at a time as raw values and checked by hand, so a record edited into
garbage (a payload that is not JSON, a time that is not a time, a wrong type) is named like any
other fault instead of stopping the walk with a traceback.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, cast, select, type_coerce
from sqlmodel import Session

from app.domain.audit_content import content_hash
from app.models.auth import AuditRecord
from app.services.audit_coverage import MalformedRecord, kind_of, load_contents, record_key
from app.services.audit_records import GENESIS_HASH, ChainFault, record_hash

PAGE = 1000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TEXT = ("actor", "action", "entity", "entity_id", "prev_hash", "hash")
KIND_LABELS = {
    "submission": "submission",
    "dhasil_version": "D.Hasil version",
    "photo": "photo",
    "review_entry": "review entry",
    "discrepancy_event": "discrepancy status change",
    "user": "user",
    "user_disabled": "disabled user",
    "device_key": "device key",
    "device_key_revoked": "revoked device key",
}


@dataclass(frozen=True)
class ParsedRecord:
    """An audit record whose columns have the types they should."""

    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    payload: dict[str, Any]
    remote: str | None
    content_hash: str | None
    prev_hash: str
    hash: str

    @property
    def label(self) -> str:
        """(action entity entity_id), as faults name the record."""
        return f"({self.action} {self.entity} {self.entity_id})"


@dataclass
class AuditReport:
    """What a verification found: counts, and every fault in record order."""

    count: int = 0
    covered: int = 0
    not_covered: int = 0
    faults: list[ChainFault] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    seq: int
    label: str
    kind: str
    key: int | str
    content_hash: str


def _columns(sqlite: bool) -> list[Any]:
    table = AuditRecord.__table__  # type: ignore[attr-defined]
    # The payload as its JSON text on every backend, the time as text on SQLite (which stores it
    # so): parse_record parses both and names what does not parse.
    columns: list[Any] = []
    for c in table.c:
        if c.name == "payload":
            columns.append(cast(c, Text).label(c.name))
        elif c.name == "at" and sqlite:
            columns.append(type_coerce(c, String).label(c.name))
        else:
            columns.append(c)
    return columns


def _pages(session: Session) -> Iterator[list[Any]]:
    table = AuditRecord.__table__  # type: ignore[attr-defined]
    columns = _columns(session.get_bind().dialect.name == "sqlite")
    after: int | None = None
    while True:
        stmt = select(*columns).order_by(table.c.seq).limit(PAGE)
        if after is not None:
            stmt = stmt.where(table.c.seq > after)
        rows = list(session.connection().execute(stmt))
        if not rows:
            return
        yield rows
        after = rows[-1].seq


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise MalformedRecord(f"its time {value!r} cannot be read") from None


def _payload(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise MalformedRecord("its payload is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedRecord(f"its payload is a {type(value).__name__}, not a JSON object")
    return value


def parse_record(row: Any) -> ParsedRecord:
    """The record with checked types; MalformedRecord naming the first column that is wrong."""
    for name in _TEXT:
        if not isinstance(getattr(row, name), str):
            raise MalformedRecord(f"its {name} is not text")
    for name in ("remote", "content_hash"):
        if getattr(row, name) is not None and not isinstance(getattr(row, name), str):
            raise MalformedRecord(f"its {name} is not text")
    if row.content_hash is not None and not _SHA256.match(row.content_hash):
        raise MalformedRecord("its content_hash is not a SHA-256 hex digest")
    values = {c: getattr(row, c) for c in ParsedRecord.__dataclass_fields__}
    return ParsedRecord(**(values | {"at": _time(row.at), "payload": _payload(row.payload)}))


def _link_fault(record: ParsedRecord, prev_hash: str | None, expected: int) -> ChainFault | None:
    if record.seq != expected:
        return ChainFault(record.seq, f"expected record {expected} here; records are missing")
    if record.prev_hash != prev_hash:
        return ChainFault(record.seq, f"{record.label} does not link to the record before it")
    if record_hash(record) != record.hash:
        return ChainFault(record.seq, f"{record.label} content does not match its hash")
    return None


def _coverage(record: ParsedRecord, report: AuditReport) -> _Pending | None:
    if record.content_hash is None:
        report.not_covered += 1
        return None
    kind = kind_of(record.action)
    if kind is None:
        raise MalformedRecord(f"{record.label} has a content hash but its action covers nothing")
    key = record_key(kind, record.entity_id, record.payload)
    report.covered += 1
    return _Pending(record.seq, record.label, kind, key, record.content_hash)


def _content_faults(session: Session, pending: list[_Pending]) -> list[ChainFault]:
    faults: list[ChainFault] = []
    for kind in sorted({p.kind for p in pending}):
        mine = [p for p in pending if p.kind == kind]
        stored = load_contents(session, kind, [p.key for p in mine])
        for p in mine:
            what = f"{p.label}: the {KIND_LABELS[kind]} {p.key} it records"
            content = stored.get(p.key)
            if content is None:
                faults.append(ChainFault(p.seq, f"{what} is gone (deleted)"))
            elif isinstance(content, str):
                faults.append(ChainFault(p.seq, f"{what} {content}"))
            elif content_hash(kind, content) != p.content_hash:
                faults.append(ChainFault(p.seq, f"{what} no longer matches (changed since)"))
    return faults


def verify_audit(*, session: Session) -> AuditReport:
    """Every record's link, hash and form, and every covered entity's content, checked."""
    report = AuditReport()
    prev_hash: str | None = GENESIS_HASH
    expected = 1
    for rows in _pages(session):
        pending: list[_Pending] = []
        for row in rows:
            report.count += 1
            try:
                record = parse_record(row)
                fault = _link_fault(record, prev_hash, expected)
                if fault is not None:
                    report.faults.append(fault)
                covered = _coverage(record, report)
                if covered is not None:
                    pending.append(covered)
            except MalformedRecord as exc:
                report.faults.append(ChainFault(row.seq, f"malformed: {exc}"))
            prev_hash = row.hash if isinstance(row.hash, str) else None
            expected = row.seq + 1
        report.faults += _content_faults(session, pending)
    report.faults.sort(key=lambda f: f.seq)
    return report
