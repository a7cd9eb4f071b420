"""The recheck queue: a write queues the unit it changed; drainers recheck queued units in batches.

A C.Hasil post queues (`tps`, TPS code, contest), a D.Hasil version (`kecamatan`, kecamatan code,
contest), in the write's own transaction: the queue row commits with the write or not at all.
Many writes to one unit before a drain are one row and one pass (the row's `generation` moves).

`drain_rechecks` runs in two transactions: the first leases a batch (FOR UPDATE SKIP LOCKED on
PostgreSQL, so concurrent drainers take disjoint batches; SQLite's write lock serialises them),
the second verifies the batch's units through `_verify_units` and deletes the rows it finished,
in the same commit as the findings. A row written again meanwhile (newer generation) is released
for the next pass, not deleted. A drainer killed mid-batch loses nothing: its verify transaction
rolls back and its lease expires, then another drainer takes the rows.
"""

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Executable, bindparam, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlmodel import Session

from app.models import RecheckQueue
from app.models.evidence import utcnow
from app.services import recheck
from app.services.locking import lock_for_write

TPS_UNIT: Final = "tps"
KECAMATAN_UNIT: Final = "kecamatan"
QUEUE = RecheckQueue.__table__  # type: ignore[attr-defined]
DEFAULT_LEASE_SECONDS: Final = 60
KECAMATAN_LENGTH: Final = 6  # a TPS code begins with its kecamatan's code

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Unit:
    """One queued unit as a drainer leased it."""

    id: int
    kind: str
    code: str
    contest_id: str
    generation: int

    @property
    def kecamatan_code(self) -> str:
        """The kecamatan the unit lies in (its recheck lock)."""
        return self.code[:KECAMATAN_LENGTH]


@dataclass(frozen=True)
class DrainCounts:
    """What one drain pass did: rows leased, units verified by kind, rows finished (deleted) and
    rows released because they were written again while being verified."""

    leased: int = 0
    tps: int = 0
    kecamatan: int = 0
    done: int = 0
    released: int = 0


_ENQUEUE: dict[str, Executable] = {}


def enqueue_statement(dialect: str) -> Executable:
    """INSERT the unit, or move the generation of its queued row (one statement, no read);
    parameters kind, code, contest, at. Built once per dialect."""
    if dialect not in _ENQUEUE:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(QUEUE).values(
            unit_kind=bindparam("kind"),
            unit_code=bindparam("code"),
            contest_id=bindparam("contest"),
            generation=1,
            enqueued_at=bindparam("at"),
        )
        _ENQUEUE[dialect] = stmt.on_conflict_do_update(
            index_elements=[QUEUE.c.unit_kind, QUEUE.c.unit_code, QUEUE.c.contest_id],
            set_={"generation": QUEUE.c.generation + 1},
        )
    return _ENQUEUE[dialect]


def enqueue(session: Session, kind: str, code: str, contest_id: str) -> None:
    """Queue one unit in the caller's transaction (commits with the write that changed it)."""
    if kind not in (TPS_UNIT, KECAMATAN_UNIT):
        raise ValueError(f"unknown recheck unit kind {kind!r}")
    params = {"kind": kind, "code": code, "contest": contest_id, "at": utcnow()}
    session.execute(enqueue_statement(session.get_bind().dialect.name), params)


def drainer_name() -> str:
    """This drainer's name in `leased_by`: host, process and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _available(now: datetime) -> Any:
    return or_(QUEUE.c.lease_until.is_(None), QUEUE.c.lease_until < now)


def has_work(session: Session, now: datetime | None = None) -> bool:
    """Whether any unit waits for a drainer (a plain read: no lock taken while idle)."""
    stmt = select(QUEUE.c.id).where(_available(now or utcnow())).limit(1)
    return session.execute(stmt).first() is not None


def lease_batch(
    session: Session, *, drainer: str, limit: int, lease_seconds: float, now: datetime
) -> list[Unit]:
    """Lease up to `limit` available rows to `drainer` (in the caller's transaction)."""
    lock_for_write(session)
    pick = (
        select(QUEUE.c.id)
        .where(_available(now))
        .order_by(QUEUE.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(QUEUE)
        .where(QUEUE.c.id.in_(pick.scalar_subquery()))
        .values(leased_by=drainer, lease_until=now + timedelta(seconds=lease_seconds))
        .returning(
            QUEUE.c.id, QUEUE.c.unit_kind, QUEUE.c.unit_code, QUEUE.c.contest_id,
            QUEUE.c.generation,
        )
    )  # fmt: skip
    rows = session.execute(stmt).all()
    return sorted((Unit(*row) for row in rows), key=lambda u: u.id)


def _finish(session: Session, units: Sequence[Unit], drainer: str) -> tuple[int, int]:
    """Delete the rows verified at the generation leased; release the others. (done, released)"""
    keys = [(u.id, u.generation) for u in units]
    done: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        QUEUE.delete().where(tuple_(QUEUE.c.id, QUEUE.c.generation).in_(keys))
    )
    released: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(QUEUE)
        .where(QUEUE.c.id.in_([u.id for u in units]), QUEUE.c.leased_by == drainer)
        .values(leased_by=None, lease_until=None)
    )
    return int(done.rowcount or 0), int(released.rowcount or 0)


def _in_lock_order(units: Sequence[Unit]) -> list[Unit]:
    """Units by kecamatan (TPS units first within one): a recheck takes its kecamatan's lock, so
    every drainer takes them in one order and two drainers never wait on each other in a ring."""
    return sorted(units, key=lambda u: (u.kecamatan_code, u.kind != TPS_UNIT, u.code, u.contest_id))


def _verify_units(
    session: Session, tps_units: Sequence[Unit], kecamatan_units: Sequence[Unit]
) -> None:
    """Re-evaluate the findings of the given units (the one call site of the verification
    engine for queued work). Units arrive in lock order (see _in_lock_order)."""
    ordered = _in_lock_order([*tps_units, *kecamatan_units])
    for kecamatan_code in dict.fromkeys(u.kecamatan_code for u in ordered):
        recheck.lock_kecamatan(session, kecamatan_code)
    recheck.verify_units(
        session,
        {(u.code, u.contest_id) for u in tps_units},
        {(u.code, u.contest_id) for u in kecamatan_units},
    )


def drain_rechecks(
    session_factory: SessionFactory,
    limit: int = 200,
    *,
    drainer: str | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> DrainCounts:
    """Lease one batch of queued units, verify it and delete the rows finished; the counts.

    `session_factory()` gives a session whose context commits at its end (app.db.session_scope).
    """
    drainer = drainer or drainer_name()
    with session_factory() as session:
        if not has_work(session):
            return DrainCounts()
        units = lease_batch(
            session, drainer=drainer, limit=limit, lease_seconds=lease_seconds, now=utcnow()
        )
    if not units:
        return DrainCounts()
    tps_units = [u for u in units if u.kind == TPS_UNIT]
    kecamatan_units = [u for u in units if u.kind == KECAMATAN_UNIT]
    with session_factory() as session:
        lock_for_write(session)
        _verify_units(session, tps_units, kecamatan_units)
        done, released = _finish(session, units, drainer)
    return DrainCounts(
        leased=len(units),
        tps=len(tps_units),
        kecamatan=len(kecamatan_units),
        done=done,
        released=released,
    )


def queued_count(session: Session) -> int:
    """Rows waiting or being verified (0: every write so far is rechecked)."""
    return int(session.execute(select(func.count()).select_from(QUEUE)).scalar_one())
