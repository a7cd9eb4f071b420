"""Idempotency-Key handling: claim a key for a request, replay the first answer, refuse reuse."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import IdempotencyKeyReused, InvalidInput
from app.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredAnswer:
    """The answer first given to a request with this key."""

    status_code: int
    body: dict[str, Any]


def request_hash(payload: Any) -> str:
    """SHA-256 of a request's canonical JSON (sorted keys), the body's fingerprint."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _find(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
    )
    return session.exec(stmt).first()


def _replay(record: IdempotencyRecord, fingerprint: str) -> StoredAnswer:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body",
            fields={"Idempotency-Key": "already used with another body"},
        )
    return StoredAnswer(status_code=record.status_code, body=dict(record.response or {}))


def claim_key(
    *, session: Session, principal: str, key: str, fingerprint: str
) -> StoredAnswer | None:
    """Reserve a key for this request (None), or return the answer stored for it earlier."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 characters",
            fields={"Idempotency-Key": "must be 1 to 200 characters"},
        )
    found = _find(session, principal, key)
    if found is not None:
        return _replay(found, fingerprint)
    try:
        with session.begin_nested():
            session.add(IdempotencyRecord(principal=principal, key=key, request_hash=fingerprint))
    except IntegrityError:
        # Another request with the same key committed meanwhile: answer as it did.
        found = _find(session, principal, key)
        if found is None:
            raise
        return _replay(found, fingerprint)
    return None


def store_answer(
    *, session: Session, principal: str, key: str, status_code: int, body: dict[str, Any]
) -> None:
    """Record the answer given to the request that claimed the key."""
    record = _find(session, principal, key)
    if record is None:
        return
    record.status_code = status_code
    record.response = body
    session.add(record)
    session.flush()
