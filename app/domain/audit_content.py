"""What an audit record commits to: the content hash of the entity it records, per entity kind.

The same functions run when a record is written and when `rekap audit verify` recomputes the hash
from the row as it is now, so the two cannot drift. Only fields that never change after the write
are covered (a photo's `page` and `status` are filled in by its reading later); a change of a
mutable field is its own audited action with its own kind (`user.disable` covers `disabled`).
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# kind -> the fields of its row that the hash covers
CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    "submission": (
        "id", "tps_code", "contest_id", "kecamatan_code", "source", "submitted_by",
        "submitted_at", "reason", "supersedes_id", "values", "confidence",
    ),
    "dhasil_version": (
        "id", "kecamatan_code", "contest_id", "version", "entered_by", "entered_at", "reason",
        "desa", "total",
    ),
    "photo": (
        "id", "sha256", "tps_code", "contest_id", "size", "width", "height", "format",
        "uploaded_by", "uploaded_at", "exif_taken_at", "exif_camera", "exif_lat", "exif_lon",
    ),
    "review_entry": ("id", "item_id", "reviewer", "value", "at"),
    "discrepancy_event": (
        "id", "discrepancy_id", "actor", "from_status", "to_status", "note", "at",
    ),
    # Not password_hash: its owner changes it (set-password), and that is no edit of the record.
    "user": ("username", "role", "scopes", "created_at"),
    "user_disabled": ("username", "disabled"),
    "device_key": ("key_id", "secret_hash", "region_code", "label", "created_at"),
    "device_key_revoked": ("key_id", "revoked_at"),
}  # fmt: skip

# audited action -> the kind of entity its record covers; actions not listed are not covered
ACTION_KINDS: dict[str, str] = {
    "submission.create": "submission",
    "dhasil.put": "dhasil_version",
    "photo.upload": "photo",
    "review.entry": "review_entry",
    "discrepancy.status": "discrepancy_event",
    "user.create": "user",
    "user.disable": "user_disabled",
    "key.create": "device_key",
    "key.revoke": "device_key_revoked",
}


def iso_utc(at: datetime) -> str:
    """A time as ISO 8601 UTC with microseconds; naive times are UTC (SQLite drops the zone)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def content_of(kind: str, row: Any) -> dict[str, Any]:
    """The covered fields of a row (a mapping, an ORM object or a result row) as plain values."""
    if isinstance(row, Mapping):
        return {name: _plain(row[name]) for name in CONTENT_FIELDS[kind]}
    return {name: _plain(getattr(row, name)) for name in CONTENT_FIELDS[kind]}


def content_hash(kind: str, content: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON (sorted keys, no spaces) of the kind and its content."""
    document = {"kind": kind, "content": {k: _plain(v) for k, v in content.items()}}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
