"""The recheck queue: a write queues the unit it changed; drainers recheck queued units in batches.

A C.Hasil post queues (`tps`, TPS code, contest), a D.Hasil version (`kecamatan`, kecamatan code,
contest), in the write's own transaction: the queue row commits with the write or not at all.
Many writes to one unit before a drain are one row and one pass (the row's `generation` moves).

`drain_rechecks` runs in two transactions: the first leases a batch (FOR UPDATE SKIP LOCKED on
PostgreSQL, so concurrent drainers take disjoint batches; SQLite's write lock serialises them),
the second verifies the batch's units through `_verify_units` and deletes the rows it finished,
in the same commit as the findings. A lease skips the kecamatan another drainer holds a lease
in: the verify transaction takes the lock of every kecamatan of its batch, so two batches
sharing one would run one after the other (the second drainer waiting out the first's whole
pass). Leases themselves take turns (a transaction-level advisory lock on PostgreSQL, held for
the lease's one statement), so each sees the leases committed before it. A row written again
meanwhile (newer generation) is released for the next pass, not deleted. A drainer killed
mid-batch loses nothing: its verify transaction rolls back and its lease expires, then another
drainer takes the rows.
"""

import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import bindparam, func, or_, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlmodel import Session

from app.db_driver import Direct
from app.models import RecheckQueue
from app.models.evidence import utcnow
from app.services import recheck, verification
from app.services.locking import lock_for_write

TPS_UNIT: Final = "tps"
KECAMATAN_UNIT: Final = "kecamatan"
QUEUE = RecheckQueue.__table__  # type: ignore[attr-defined]
DEFAULT_LEASE_SECONDS: Final = 60
KECAMATAN_LENGTH: Final = 6  # a TPS code begins with its kecamatan's code
# Advisory lock (class, key) that leases take in turn on PostgreSQL: another class than the
# kecamatan locks' (verification.RECHECK_LOCK), whose keys are the kecamatan codes.
LEASE_LOCK: Final = (6_060_607, 0)

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
class DrainTimings:
    """Where one pass's wall time went, in seconds: the lease transaction (look, lease, commit),
    the kecamatan locks, the engine, the delete/release and the commit of the findings; the CPU
    the drainer's own thread used in all of it (the rest of the wall time it waited: for the
    database, for a core, for the GIL); and how long the oldest row of the batch had waited when
    it was leased."""

    lease: float
    lock: float
    verify: float
    finish: float
    commit: float
    cpu: float
    oldest_wait: float


@dataclass(frozen=True)
class DrainCounts:
    """What one drain pass did: rows leased, units verified by kind, rows finished (deleted) and
    rows released because they were written again while being verified."""

    leased: int = 0
    tps: int = 0
    kecamatan: int = 0
    done: int = 0
    released: int = 0
    timings: DrainTimings | None = None


_ENQUEUE: dict[str, Direct] = {}


def enqueue_statement(dialect: str) -> Direct:
    """INSERT the unit, or move the generation of its queued row (one statement, no read);
    parameters kind, code, contest, at. Built once per dialect, run on the direct path (it is
    one of the result post's statements)."""
    if dialect not in _ENQUEUE:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(QUEUE).values(
            unit_kind=bindparam("kind"),
            unit_code=bindparam("code"),
            contest_id=bindparam("contest"),
            generation=1,
            enqueued_at=bindparam("at"),
        )
        _ENQUEUE[dialect] = Direct(
            stmt.on_conflict_do_update(
                index_elements=[QUEUE.c.unit_kind, QUEUE.c.unit_code, QUEUE.c.contest_id],
                set_={"generation": QUEUE.c.generation + 1},
            )
        )
    return _ENQUEUE[dialect]


def enqueue(session: Session, kind: str, code: str, contest_id: str) -> None:
    """Queue one unit in the caller's transaction (commits with the write that changed it)."""
    if kind not in (TPS_UNIT, KECAMATAN_UNIT):
        raise ValueError(f"unknown recheck unit kind {kind!r}")
    params = {"kind": kind, "code": code, "contest": contest_id, "at": utcnow()}
    enqueue_statement(session.get_bind().dialect.name).rows(session, params)


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
    return [unit for unit, _ in _lease(session, drainer, limit, lease_seconds, now)]


def _lease(
    session: Session, drainer: str, limit: int, lease_seconds: float, now: datetime
) -> list[tuple[Unit, datetime]]:
    """The leased units with when each was queued, oldest row first: the oldest available rows
    outside the kecamatan in which another drainer's lease runs (see the module docstring)."""
    lock_for_write(session)
    verification.advisory_xact_lock(session, *LEASE_LOCK)
    kecamatan = func.substr(QUEUE.c.unit_code, 1, KECAMATAN_LENGTH)
    busy = select(kecamatan).where(QUEUE.c.lease_until >= now, QUEUE.c.leased_by != drainer)
    pick = (
        select(QUEUE.c.id)
        .where(_available(now), kecamatan.not_in(busy.scalar_subquery()))
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
            QUEUE.c.generation, QUEUE.c.enqueued_at,
        )
    )  # fmt: skip
    rows = session.execute(stmt).all()
    return sorted(((Unit(*row[:5]), row[5]) for row in rows), key=lambda pair: pair[0].id)


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


# Every kecamatan lock of a batch in one statement, taken in code order: the ordered subquery is
# scanned in order and each row's lock is taken before the next row is read.
_LOCK_ALL = text(
    "SELECT count(pg_advisory_xact_lock(:class, k)) "
    "FROM (SELECT k FROM unnest(CAST(:codes AS integer[])) AS k ORDER BY k) AS ordered"
)


def _lock_kecamatans(session: Session, units: Sequence[Unit]) -> None:
    """Take the recheck lock of every kecamatan the units lie in, in lock order (see
    _in_lock_order), before the engine reads any of them: one round trip on PostgreSQL (a
    6-digit code's numeric order is its text order); nothing on SQLite, whose writers are
    serial already."""
    codes = dict.fromkeys(u.kecamatan_code for u in _in_lock_order(units))
    if session.get_bind().dialect.name != "postgresql":
        return
    numeric = [int(c) for c in codes if c.isdigit() and len(c) == KECAMATAN_LENGTH]
    others = [c for c in codes if not (c.isdigit() and len(c) == KECAMATAN_LENGTH)]
    if numeric:
        session.execute(_LOCK_ALL, {"class": verification.RECHECK_LOCK, "codes": numeric})
    for code in others:  # not a kecamatan code of the region tables: as lock_kecamatan does
        recheck.lock_kecamatan(session, code)


def _verify_units(
    session: Session, tps_units: Sequence[Unit], kecamatan_units: Sequence[Unit]
) -> None:
    """Re-evaluate the findings of the given units (the one call site of the verification
    engine for queued work); their kecamatan locks are held (_lock_kecamatans)."""
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
    started, cpu = time.perf_counter(), time.thread_time()
    with session_factory() as session:
        if not has_work(session):
            return DrainCounts()
        now = utcnow()
        leased = _lease(session, drainer, limit, lease_seconds, now)
    if not leased:
        return DrainCounts()
    units = [unit for unit, _ in leased]
    oldest_wait = max((now - verification.aware(at)).total_seconds() for _, at in leased)
    tps_units = [u for u in units if u.kind == TPS_UNIT]
    kecamatan_units = [u for u in units if u.kind == KECAMATAN_UNIT]
    marks = [time.perf_counter()]
    with session_factory() as session:
        lock_for_write(session)
        _lock_kecamatans(session, units)
        marks.append(time.perf_counter())
        _verify_units(session, tps_units, kecamatan_units)
        marks.append(time.perf_counter())
        done, released = _finish(session, units, drainer)
        marks.append(time.perf_counter())
    marks.append(time.perf_counter())
    return DrainCounts(
        leased=len(units),
        tps=len(tps_units),
        kecamatan=len(kecamatan_units),
        done=done,
        released=released,
        timings=DrainTimings(
            lease=marks[0] - started,
            lock=marks[1] - marks[0],
            verify=marks[2] - marks[1],
            finish=marks[3] - marks[2],
            commit=marks[4] - marks[3],
            cpu=time.thread_time() - cpu,
            oldest_wait=oldest_wait,
        ),
    )


def queued_count(session: Session) -> int:
    """Rows waiting or being verified (0: every write so far is rechecked)."""
    return int(session.execute(select(func.count()).select_from(QUEUE)).scalar_one())
