"""How one audit record is hashed, and how a fault in the chain is named."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.domain.audit_content import iso_utc

GENESIS_HASH = "0" * 64


class RecordLike(Protocol):
    """What hashing reads from a record: an AuditRecord, a result row or a parsed view."""

    # Read-only members, so frozen dataclasses and result rows qualify too.
    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def entity(self) -> str: ...
    @property
    def entity_id(self) -> str: ...
    @property
    def payload(self) -> Any: ...
    @property
    def remote(self) -> str | None: ...
    @property
    def content_hash(self) -> str | None: ...
    @property
    def prev_hash(self) -> str: ...


@dataclass(frozen=True)
class ChainFault:
    """A record that does not verify: its link, its hash, its form or the entity it covers."""

    seq: int
    reason: str

    def describe(self) -> str:
        """A sentence naming the record and what is wrong with it."""
        return f"audit record {self.seq}: {self.reason}"


def canonical_json(record: RecordLike) -> str:
    """The record's content (everything but the hashes) as canonical JSON; `content_hash` only
    when set, so records written before it existed keep their hash."""
    content = {
        "seq": record.seq,
        "at": iso_utc(record.at),
        "actor": record.actor,
        "action": record.action,
        "entity": record.entity,
        "entity_id": record.entity_id,
        "payload": record.payload,
        "remote": record.remote,
    }
    if record.content_hash is not None:
        content["content_hash"] = record.content_hash
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: RecordLike) -> str:
    """sha256(prev_hash + canonical JSON) of a record, hex."""
    data = (record.prev_hash + canonical_json(record)).encode()
    return hashlib.sha256(data).hexdigest()
