"""The audit trail: every write appends a record chained to the one before it by SHA-256.

How to record your write (submission, photo, D.Hasil version, review entry, discrepancy status
change ...): in the service that makes the change, after the rows are added and flushed, call

    from app.services.audit import append_audit
    append_audit(session=session, actor=actor, action="submission.create",
                 entity="submission", entity_id=str(submission.id),
                 payload={"tps_code": ..., "values": ...}, remote=remote)

`actor` is `principal.actor` ("user:alice", "device:k_1a2b3c4d", "cli:root"), `remote` is
`principal.remote` (the client address) — both from the `PrincipalDep` of app/api/deps.py. The
entry goes to the audit outbox in the request's transaction, so it commits or rolls back with the
write itself; the chainer (app/services/audit_chainer.py, run by `rekap worker` and `rekap audit
chain`) links it into the chain shortly after. Use `<entity>.<verb>` actions: submission.create,
photo.upload, dhasil.put, review.create, discrepancy.status, user.create, user.disable,
key.create, key.revoke.

hash = sha256(prev_hash + canonical JSON of {seq, at, actor, action, entity, entity_id, payload,
remote, content_hash}); the first record's prev_hash is 64 zeros; `at` is the time of the write.
`content_hash` commits the record to the stored row it records, computed here, when the write is
made (app/domain/audit_content.py lists the covered actions; a discrepancy.status payload carries
`event_id`, a review.entry payload `entry_id`): a row changed before the entry is chained is
caught by verify like any later change. `verify_audit` (app/services/audit_verify.py) recomputes
both from the rows as they are now.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.auth import AuditRecord
from app.models.evidence import utcnow
from app.services.audit_coverage import hash_for_write
from app.services.audit_outbox import add_entry, outbox_summary
from app.services.audit_records import GENESIS_HASH, ChainFault, canonical_json, record_hash
from app.services.audit_verify import AuditReport, verify_audit

__all__ = [
    "GENESIS_HASH",
    "AuditReport",
    "ChainFault",
    "Checkpoint",
    "append_audit",
    "canonical_json",
    "check_checkpoint",
    "get_checkpoint",
    "record_hash",
    "verify_audit",
    "verify_chain",
]


@dataclass(frozen=True)
class Checkpoint:
    """The head of the chain, for an outside party to record."""

    head_hash: str
    count: int
    at: datetime | None
    pending: int = 0  # writes in the outbox, not chained yet (so not covered by head_hash)


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
    content_hash: str | None = None,
) -> int:
    """Record one write in the caller's transaction (never commits); the outbox entry's id.

    `content_hash` commits the record to the entity it records; left out, it is computed from the
    stored row of a covered action (app/domain/audit_content.py) after a flush. No lock is
    shared with other writers: the entry is chained later, in id order."""
    # Round-trip through JSON so what is hashed is exactly what the database gives back.
    stored_payload = json.loads(json.dumps(payload or {}, default=str))
    if content_hash is None:
        content_hash = hash_for_write(
            session, action=action, entity_id=str(entity_id), payload=stored_payload
        )
    values = {
        "at": utcnow(),
        "actor": actor[:120],
        "action": action[:60],
        "entity": entity[:60],
        "entity_id": str(entity_id)[:120],
        "payload": stored_payload,
        "remote": remote[:100] if remote else None,
        "content_hash": content_hash,
    }
    return add_entry(session, values)


def get_checkpoint(*, session: Session) -> Checkpoint:
    """The head hash, the number of records, the time of the last one and how many writes wait
    in the outbox."""
    head = _head(session)
    count = session.exec(select(func.count()).select_from(AuditRecord)).one()
    pending = outbox_summary(session).count
    if head is None:
        return Checkpoint(head_hash=GENESIS_HASH, count=0, at=None, pending=pending)
    at = head.at if head.at.tzinfo else head.at.replace(tzinfo=UTC)
    return Checkpoint(head_hash=head.hash, count=int(count), at=at, pending=pending)


def verify_chain(*, session: Session) -> ChainFault | None:
    """The first fault `verify_audit` finds (chain or covered entity), or None when intact."""
    faults = verify_audit(session=session).faults
    return faults[0] if faults else None


def check_checkpoint(*, session: Session, count: int, head_hash: str) -> ChainFault | None:
    """Whether a checkpoint recorded earlier ({count, head_hash}) is still in the chain; with
    verify_chain passing, that proves no record up to it changed since."""
    record = session.get(AuditRecord, count)
    if record is None:
        return ChainFault(count, "the checkpoint's record is gone: the chain was truncated")
    if record.hash != head_hash:
        return ChainFault(count, f"hash is {record.hash}, the checkpoint says {head_hash}")
    return None
