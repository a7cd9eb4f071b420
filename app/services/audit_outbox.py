"""The audit outbox: where a write leaves its audit entry, in its own transaction, for the chainer.

Writing an entry is one INSERT with no lock shared between writers, so concurrent writes no
longer queue on the chain's head (before, every write took one global lock until its COMMIT).
The chainer (app/services/audit_chainer.py) links entries into `audit_record` in id order.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlmodel import Session

from app.db_driver import Direct
from app.models.auth import AuditOutbox

OUTBOX: Table = AuditOutbox.__table__  # type: ignore[attr-defined]
ID_SEQUENCE = "audit_outbox_id_seq"  # PostgreSQL: the SERIAL sequence of audit_outbox.id
_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "payload", "remote", "content_hash")


@dataclass(frozen=True)
class OutboxSummary:
    """Entries not chained yet: how many, and when the oldest was written."""

    count: int
    oldest_at: datetime | None

    def age_seconds(self, now: datetime) -> float:
        """How long the oldest entry has waited (0 when there is none)."""
        if self.oldest_at is None:
            return 0.0
        oldest = self.oldest_at if self.oldest_at.tzinfo else self.oldest_at.replace(tzinfo=UTC)
        return max(0.0, (now - oldest).total_seconds())

    def stale(self, *, now: datetime, max_age: float) -> str | None:
        """Why the outbox fails verification, or None. An entry older than max_age is a write
        the chain does not hold yet although it should: no chainer runs, or one is held back by
        a transaction left open."""
        age = self.age_seconds(now)
        if age <= max_age:
            return None
        return (
            f"audit outbox: {self.count} writes not chained, the oldest for {age:.0f} s (limit "
            f"{max_age:.0f} s, REKAP_AUDIT_OUTBOX_MAX_AGE): no chainer is running or one is held "
            "back by a transaction left open; start `rekap worker` or run `rekap audit chain`"
        )


# Built once (building costs more than running), run on the DBAPI cursor (app/db_driver.py).
_INSERT = Direct(insert(OUTBOX).returning(OUTBOX.c.id))


def add_entry(session: Session, values: dict[str, Any]) -> int:
    """Insert one entry (the columns of _COLUMNS) in the session's transaction; its id."""
    row = {name: values[name] for name in _COLUMNS}
    return int(_INSERT.scalar(session, row))


def outbox_summary(session: Session) -> OutboxSummary:
    """How many entries wait to be chained, and the time of the oldest."""
    count, oldest = session.execute(select(func.count(), func.min(OUTBOX.c.at))).one()
    return OutboxSummary(count=int(count), oldest_at=oldest)
