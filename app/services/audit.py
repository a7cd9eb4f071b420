"""The audit trail: every write appends a record chained to the one before it by SHA-256.

How to record your write (submission, photo, D.Hasil version, review entry, discrepancy status
change ...): in the service that makes the change, after the rows are added and flushed, call

    from app.services.audit import append_audit
    append_audit(session=session, actor=actor, action="submission.create",
                 entity="submission", entity_id=str(submission.id),
                 payload={"tps_code": ..., "values": ...}, remote=remote)

`actor` is `principal.actor` ("user:alice", "device:k_1a2b3c4d", "cli:root"), `remote` is
`principal.remote` (the client address) — both from the `PrincipalDep` of app/api/deps.py. The
record is part of the request's transaction, so it commits or rolls back with the write itself.
Use `<entity>.<verb>` actions: submission.create, photo.upload, dhasil.put, review.create,
discrepancy.status, user.create, user.disable, key.create, key.revoke.

hash = sha256(prev_hash + canonical JSON of {seq, at, actor, action, entity, entity_id, payload,
remote}); the first record's prev_hash is 64 zeros. `verify_chain` recomputes every hash.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models.auth import AuditRecord
from app.models.evidence import utcnow

GENESIS_HASH = "0" * 64
# Arbitrary lock key: serialises appenders on PostgreSQL so two transactions never fork the chain.
_PG_AUDIT_LOCK = 5_050_521


@dataclass(frozen=True)
class Checkpoint:
    """The head of the chain, for an outside party to record."""

    head_hash: str
    count: int
    at: datetime | None


@dataclass(frozen=True)
class ChainFault:
    """The first record whose link or hash does not match."""

    seq: int
    reason: str

    def describe(self) -> str:
        """A sentence naming the record and what is wrong with it."""
        return f"audit record {self.seq}: {self.reason}"


def _iso(at: datetime) -> str:
    # SQLite hands datetimes back naive; every stored time is UTC.
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(record: AuditRecord | Row[Any]) -> str:
    """The record's content (everything but the hashes) as canonical JSON."""
    content = {
        "seq": record.seq,
        "at": _iso(record.at),
        "actor": record.actor,
        "action": record.action,
        "entity": record.entity,
        "entity_id": record.entity_id,
        "payload": record.payload,
        "remote": record.remote,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: AuditRecord | Row[Any]) -> str:
    """sha256(prev_hash + canonical JSON) of a record, hex."""
    data = (record.prev_hash + canonical_json(record)).encode()
    return hashlib.sha256(data).hexdigest()


def _head(session: Session) -> AuditRecord | None:
    stmt = select(AuditRecord).order_by(col(AuditRecord.seq).desc()).limit(1)
    return session.exec(stmt).first()


def append_audit(
    *,
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any] | None = None,
    remote: str | None = None,
) -> AuditRecord:
    """Append one record to the chain in the caller's transaction (flushes, never commits)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = _head(session)
    record = AuditRecord(
        seq=(head.seq + 1) if head else 1,
        at=utcnow(),
        actor=actor[:120],
        action=action[:60],
        entity=entity[:60],
        entity_id=str(entity_id)[:120],
        # Round-trip through JSON so what is hashed is exactly what the database gives back.
        payload=json.loads(json.dumps(payload or {}, default=str)),
        remote=remote[:100] if remote else None,
        prev_hash=head.hash if head else GENESIS_HASH,
        hash="",
    )
    record.hash = record_hash(record)
    session.add(record)
    session.flush()
    return record


def get_checkpoint(*, session: Session) -> Checkpoint:
    """The head hash, the number of records and the time of the last one."""
    head = _head(session)
    count = session.exec(select(func.count()).select_from(AuditRecord)).one()
    if head is None:
        return Checkpoint(head_hash=GENESIS_HASH, count=0, at=None)
    at = head.at if head.at.tzinfo else head.at.replace(tzinfo=UTC)
    return Checkpoint(head_hash=head.hash, count=int(count), at=at)


def verify_chain(*, session: Session) -> ChainFault | None:
    """Recompute the chain from the first record; the first fault found, or None when intact."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    # Plain rows, not ORM objects: about twice as fast over a long chain.
    table = AuditRecord.__table__  # type: ignore[attr-defined]
    stmt = sa_select(table).order_by(table.c.seq).execution_options(yield_per=1000)
    for record in session.connection().execute(stmt):
        fault = _check(record, prev_hash=prev_hash, expected_seq=expected_seq)
        if fault is not None:
            return fault
        prev_hash, expected_seq = record.hash, record.seq + 1
    return None


def _check(record: Row[Any], *, prev_hash: str, expected_seq: int) -> ChainFault | None:
    label = f"({record.action} {record.entity} {record.entity_id})"
    if record.seq != expected_seq:
        return ChainFault(record.seq, f"expected record {expected_seq} here; records are missing")
    if record.prev_hash != prev_hash:
        return ChainFault(record.seq, f"{label} does not link to the record before it")
    if record_hash(record) != record.hash:
        return ChainFault(record.seq, f"{label} content does not match its hash")
    return None


def check_checkpoint(*, session: Session, count: int, head_hash: str) -> ChainFault | None:
    """Whether a checkpoint recorded earlier ({count, head_hash}) is still in the chain; with
    verify_chain passing, that proves no record up to it changed since."""
    record = session.get(AuditRecord, count)
    if record is None:
        return ChainFault(count, "the checkpoint's record is gone: the chain was truncated")
    if record.hash != head_hash:
        return ChainFault(count, f"hash is {record.hash}, the checkpoint says {head_hash}")
    return None
