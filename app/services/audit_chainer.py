"""The chainer: links audit outbox entries into the hash chain in id order, a batch a transaction.

One batch: take the chain lock (PostgreSQL: a transaction-level advisory try-lock, so a second
chainer skips instead of waiting; SQLite: the database write lock), read the head, turn the
entries into `audit_record`s with the hash rules of app/services/audit_records.py, delete the
entries, commit. A chainer killed mid-batch loses nothing: the transaction rolls back and the
entries stay in the outbox. Two chainers cannot fork the chain: besides the lock, `seq` is the
primary key and `prev_hash` is unique, and a batch whose entries another chainer already
deleted rolls back (EntriesTaken).

Ordering on PostgreSQL. Outbox ids come from a sequence, taken before COMMIT, so a transaction
that took id 10 may commit after the one that took id 11: chaining 11 as soon as it is visible
would put 10 after it, or (with a cursor) skip it. The chainer therefore chains only ids up to a
*horizon* L known to be final, found in two steps: it reads the sequence's last value L, then the
transactions that hold a write lock on audit_outbox (pg_locks). A transaction holding an id <= L
took it inside its INSERT, and an INSERT locks its table (RowExclusiveLock, until the end of the
transaction) before it runs: so every such transaction is in that list, and once none of them is
still open (their virtual transaction ids are gone from pg_locks) no id <= L can appear any more.
An empty list makes L final at once; otherwise it is checked again at the next poll, so an entry
is chained about one poll interval after the writes in flight with it have ended. Only writers of
audit_outbox in this database count, so a long transaction elsewhere (a full recheck, an import
not yet at its audit entry, another database) holds nothing back. A grace period was not chosen
because no time is long enough for every transaction (a slow import, a stalled client, a paused
VM); the horizon is exact. On SQLite writers hold the write lock until COMMIT, so ids commit in
order and every visible entry is final.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import begin_write, session_scope
from app.models.auth import AuditRecord
from app.services.audit_outbox import ID_SEQUENCE, OUTBOX
from app.services.audit_records import GENESIS_HASH, record_hash

RECORDS: Table = AuditRecord.__table__  # type: ignore[attr-defined]
# Arbitrary key of the chain lock (PostgreSQL advisory lock): held by the one chainer at work.
CHAIN_LOCK = 5_050_521


class EntriesTaken(RuntimeError):
    """Another chainer deleted entries of this batch meanwhile: this batch must roll back."""


@dataclass(frozen=True)
class Link:
    """One record as hashed: the outbox entry with its place in the chain."""

    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    payload: Any
    remote: str | None
    content_hash: str | None
    prev_hash: str

    def row(self) -> dict[str, Any]:
        """The audit_record row, hash included."""
        return {**self.__dict__, "hash": record_hash(self)}


@dataclass(frozen=True)
class Reading:
    """Every outbox id <= last_id is final once none of open_writers (virtual transaction ids)
    is still open."""

    last_id: int
    open_writers: tuple[str, ...]


def take_chain_lock(session: Session) -> bool:
    """Make this transaction the one chainer: False (on PostgreSQL) when another holds the lock."""
    if session.get_bind().dialect.name == "postgresql":
        got = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
        return bool(got.scalar_one())
    begin_write(session)  # SQLite: waits (busy timeout) for the write lock, then holds it
    return True


def chain_entries(session: Session, *, up_to: int | None, limit: int) -> int:
    """Link the oldest `limit` entries with id <= up_to (None: every visible one) into the chain
    and delete them; the caller holds the chain lock. The number chained."""
    stmt = select(OUTBOX).order_by(OUTBOX.c.id).limit(limit)
    if up_to is not None:
        stmt = stmt.where(OUTBOX.c.id <= up_to)
    entries = session.execute(stmt).all()
    if not entries:
        return 0
    head = session.execute(
        select(RECORDS.c.seq, RECORDS.c.hash).order_by(RECORDS.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    rows = []
    for entry in entries:
        seq += 1
        fields = {name: getattr(entry, name) for name in _HASHED}
        row = Link(seq=seq, prev_hash=prev_hash, **fields).row()
        rows.append(row)
        prev_hash = row["hash"]
    session.execute(insert(RECORDS), rows)
    ids = [entry.id for entry in entries]
    deleted = session.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(ids)))
    if deleted.rowcount != len(ids):  # type: ignore[attr-defined]
        raise EntriesTaken(f"{len(ids) - deleted.rowcount} entries were chained by another")  # type: ignore[attr-defined]
    return len(rows)


_HASHED = ("at", "actor", "action", "entity", "entity_id", "payload", "remote", "content_hash")


def chain_visible(session: Session, *, limit: int = 1_000_000) -> int:
    """Chain every entry this transaction sees, in its transaction. Only for a caller that knows
    no other transaction can still commit an entry with a smaller id (a test's own transaction,
    a database nobody else writes); otherwise use Chainer."""
    if not take_chain_lock(session):
        return 0
    return chain_entries(session, up_to=None, limit=limit)


def take_reading(session: Session) -> Reading:
    """PostgreSQL: the sequence's last value, then (a second statement) the transactions that may
    still commit an entry with an id up to it."""
    last, called = session.execute(text(f"SELECT last_value, is_called FROM {ID_SEQUENCE}")).one()
    writers = session.execute(_OPEN_WRITERS).scalars().all()
    return Reading(last_id=int(last) if called else 0, open_writers=tuple(sorted(writers)))


# Transactions (other than this one) holding a lock on audit_outbox that lets them insert.
_OPEN_WRITERS = text(
    "SELECT DISTINCT virtualtransaction FROM pg_locks"
    " WHERE locktype = 'relation' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND relation = 'audit_outbox'::regclass"
    " AND mode NOT IN ('AccessShareLock', 'RowShareLock')"
    " AND pid IS DISTINCT FROM pg_backend_pid()"
)
_STILL_OPEN = text(
    "SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY(:vxids) LIMIT 1"
)


def any_still_open(session: Session, vxids: tuple[str, ...]) -> bool:
    """PostgreSQL: whether any of these virtual transactions has not ended yet."""
    if not vxids:
        return False
    return session.execute(_STILL_OPEN, {"vxids": list(vxids)}).first() is not None


class Horizon:
    """The highest outbox id known final, and the reading that will move it (PostgreSQL)."""

    def __init__(self) -> None:
        self.reading: Reading | None = None  # taken, not known final yet
        self.final_id = 0

    def advance(self, session: Session) -> int:
        """Move the horizon as far as is known now; the highest id that may be chained."""
        # The pending reading is final once its writers have ended; a new one is taken then (and
        # is final at once when no writer is open). A pending reading is not replaced: under
        # steady load, newer readings would each have open writers and none would ever be final.
        if self.reading is not None and not any_still_open(session, self.reading.open_writers):
            self._settle(self.reading)
        if self.reading is None:
            self.reading = take_reading(session)
            if not self.reading.open_writers:
                self._settle(self.reading)
        return self.final_id

    def _settle(self, reading: Reading) -> None:
        self.final_id = max(self.final_id, reading.last_id)
        self.reading = None


def chain_batch(session: Session, *, horizon: Horizon, limit: int) -> int:
    """One chainer batch in the session's transaction (the caller commits): take the lock, move
    the horizon, chain up to `limit` final entries. 0 when another chainer holds the lock."""
    if not take_chain_lock(session):
        return 0
    if session.get_bind().dialect.name != "postgresql":
        return chain_entries(session, up_to=None, limit=limit)
    return chain_entries(session, up_to=horizon.advance(session), limit=limit)


class Chainer:
    """Chains the outbox a batch a transaction, keeping its horizon between batches."""

    def __init__(self, engine: Engine, *, batch: int = 1000) -> None:
        self.engine = engine
        self.batch = batch
        self.horizon = Horizon()

    def run_once(self) -> int:
        """One batch, committed; the number of entries chained (0: none final yet, or another
        chainer holds the lock)."""
        with session_scope(self.engine) as session:
            return chain_batch(session, horizon=self.horizon, limit=self.batch)

    def drain(self, *, timeout: float = 60.0, pause: float = 0.05) -> int:
        """Chain every entry committed before the call (later ones too while they keep up);
        gives up after `timeout` seconds without progress. The number chained."""
        chained = 0
        target = self._last_written()
        idle_since = time.monotonic()
        while self._waiting_up_to(target):
            done = self.run_once()
            chained += done
            if done:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > timeout:
                break
            else:
                time.sleep(pause)
        return chained

    def _last_written(self) -> int:
        with session_scope(self.engine) as session:
            last = session.execute(select(OUTBOX.c.id).order_by(OUTBOX.c.id.desc()).limit(1))
            return int(last.scalar() or 0)

    def _waiting_up_to(self, target: int) -> bool:
        with session_scope(self.engine) as session:
            found = session.execute(select(OUTBOX.c.id).where(OUTBOX.c.id <= target).limit(1))
            return found.first() is not None
