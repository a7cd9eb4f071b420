"""The recheck queue: many posts to one unit are one pass, a unit written again while being
verified is verified again, a killed drainer's lease expires and another drainer finishes its
units, two concurrent drainers on PostgreSQL take every unit exactly once, a lease skips the
kecamatan another drainer's lease holds (and waits for a lease being taken), a batch holds the
lock of every kecamatan it rechecks, and a backlog grows the drainer's batch."""

import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, col, select

from app.db import build_engine, session_scope
from app.models import Discrepancy, RecheckQueue, Submission
from app.models.evidence import utcnow
from app.services import recheck_queue
from app.services.migrations import upgrade_database
from app.services.recheck_queue import (
    QUEUE,
    TPS_UNIT,
    Unit,
    drain_rechecks,
    enqueue,
    lease_batch,
    queued_count,
)
from app.services.verification import RECHECK_LOCK
from app.worker.recheck import BACKLOG_GROWTH, next_batch
from tests.conftest import BACKEND, FreshDatabase
from tests.draining import shared_session_factory
from tests.factories import add_tps
from tests.verification.conftest import (
    DESA_A,
    GUB,
    GUB_FORM,
    TPS_A1,
    TPS_A2,
    TPS_OTHER,
    seed_world,
)

BROKEN = {**GUB_FORM, "suara_paslon_1": 158}


def _queued(session: Session) -> list[tuple[str, str, int]]:
    rows = session.exec(select(RecheckQueue).execution_options(populate_existing=True))
    return sorted((r.unit_code, r.contest_id, r.generation) for r in rows)


def _stored_rules(session: Session, tps: str) -> set[str]:
    stmt = select(Discrepancy.rule).where(
        col(Discrepancy.tps_code) == tps, col(Discrepancy.status) != "resolved"
    )
    return set(session.exec(stmt))


def test_posts_to_one_unit_are_one_row_and_one_pass(
    post: Any, session: Session, drain: Any
) -> None:
    for _ in range(3):
        assert post(TPS_A1, BROKEN).status_code == 201
    assert post(TPS_A2, GUB_FORM).status_code == 201
    assert _queued(session) == [(TPS_A1, GUB, 3), (TPS_A2, GUB, 1)]
    counts = drain()
    assert (counts.leased, counts.tps, counts.done) == (2, 2, 2)
    assert queued_count(session) == 0
    assert _stored_rules(session, TPS_A1) == {"PASLON_SUM"}


def test_a_unit_written_while_being_verified_is_verified_again(
    post: Any, session: Session, drain: Any
) -> None:
    post(TPS_A1, GUB_FORM)
    factory = shared_session_factory(session)
    real = recheck_queue._verify_units

    def verify_then_a_post_arrives(s: Session, tps: Sequence[Unit], kec: Sequence[Unit]) -> None:
        real(s, tps, kec)
        assert post(TPS_A1, BROKEN).status_code == 201  # after the drainer read the TPS

    recheck_queue._verify_units = verify_then_a_post_arrives  # type: ignore[assignment]
    try:
        counts = drain_rechecks(factory, 10)
    finally:
        recheck_queue._verify_units = real
    assert (counts.leased, counts.done, counts.released) == (1, 0, 1)
    assert _stored_rules(session, TPS_A1) == set()  # the breach came after the pass
    assert drain().done == 1
    assert _stored_rules(session, TPS_A1) == {"PASLON_SUM"}


def test_a_killed_drainer_s_lease_expires_and_another_drainer_finishes(
    post: Any, session: Session, drain: Any
) -> None:
    post(TPS_A1, BROKEN)
    factory = shared_session_factory(session)
    with factory() as s:  # a drainer leases the unit, then dies before verifying it
        taken = lease_batch(s, drainer="dead", limit=10, lease_seconds=60, now=utcnow())
    assert [u.code for u in taken] == [TPS_A1]
    assert drain().leased == 0  # still its lease: nobody else takes the unit
    assert _stored_rules(session, TPS_A1) == set()
    session.execute(
        update(QUEUE).values(lease_until=utcnow() - timedelta(seconds=1))
    )  # the lease runs out
    session.commit()
    counts = drain()
    assert (counts.leased, counts.done) == (1, 1)
    assert _stored_rules(session, TPS_A1) == {"PASLON_SUM"}
    assert queued_count(session) == 0


def test_a_lease_skips_the_kecamatan_another_drainer_holds(session: Session) -> None:
    for tps in (TPS_A1, TPS_OTHER, TPS_A2):  # queued in this order; A1 and A2 share a kecamatan
        enqueue(session, TPS_UNIT, tps, GUB)
    session.commit()
    factory = shared_session_factory(session)

    def lease(drainer: str, limit: int = 10) -> list[str]:
        with factory() as s:
            taken = lease_batch(s, drainer=drainer, limit=limit, lease_seconds=60, now=utcnow())
        return [u.code for u in taken]

    assert lease("one", limit=1) == [TPS_A1]
    # A2 waits (its kecamatan is in one's lease): a batch with it would wait out one's whole pass.
    assert lease("two") == [TPS_OTHER]
    assert lease("three") == []
    session.execute(
        update(QUEUE).where(QUEUE.c.leased_by == "one").values(lease_until=utcnow())
    )  # one's lease runs out (one died): its kecamatan is free again
    session.commit()
    assert lease("three") == [TPS_A1, TPS_A2]


@pytest.mark.skipif(BACKEND != "postgres", reason="leases take turns on an advisory lock")
def test_a_lease_waits_for_one_in_progress_and_sees_it(fresh_database: FreshDatabase) -> None:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with Session(engine) as session:
        seed_world(session)
        for tps in (TPS_A1, TPS_OTHER, TPS_A2):
            enqueue(session, TPS_UNIT, tps, GUB)
        session.commit()
    first = Session(engine)
    taken = lease_batch(first, drainer="one", limit=1, lease_seconds=60, now=utcnow())
    assert [u.code for u in taken] == [TPS_A1]  # one's lease, not committed yet
    second: list[str] = []

    def lease_two() -> None:
        with session_scope(engine) as s:
            units = lease_batch(s, drainer="two", limit=10, lease_seconds=60, now=utcnow())
            second.extend(u.code for u in units)

    thread = threading.Thread(target=lease_two)
    thread.start()
    thread.join(timeout=0.5)
    assert thread.is_alive()  # waiting for its turn: one's lease is still being taken
    first.commit()
    first.close()
    thread.join(timeout=10)
    engine.dispose()
    # Without the turn, two would have skipped A1's locked row and taken A2 in one's kecamatan.
    assert second == [TPS_OTHER]


@pytest.mark.skipif(BACKEND != "postgres", reason="SKIP LOCKED between drainers: PostgreSQL")
def test_two_concurrent_drainers_take_every_unit_once(fresh_database: FreshDatabase) -> None:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    codes = [f"{DESA_A}{n:03d}" for n in range(10, 70)]
    with Session(engine) as session:
        seed_world(session)
        add_tps(session, codes, dpt=410)
        session.flush()
        for code in codes:
            session.add(
                Submission(
                    tps_code=code, contest_id=GUB, kecamatan_code=code[:6], source="ppk",
                    submitted_by="test", values=BROKEN,
                )
            )  # fmt: skip
            enqueue(session, TPS_UNIT, code, GUB)
        session.commit()
    seen: list[str] = []
    lock = threading.Lock()
    real = recheck_queue._verify_units

    def counting(s: Session, tps: Sequence[Unit], kec: Sequence[Unit]) -> None:
        with lock:
            seen.extend(u.code for u in tps)
        real(s, tps, kec)

    recheck_queue._verify_units = counting  # type: ignore[assignment]
    passes: list[int] = []

    def drainer() -> None:
        while (n := drain_rechecks(lambda: session_scope(engine), 4).leased) > 0:
            passes.append(n)

    try:
        threads = [threading.Thread(target=drainer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        recheck_queue._verify_units = real
    with Session(engine) as session:
        assert queued_count(session) == 0
        stored = session.exec(select(Discrepancy.tps_code).where(Discrepancy.rule == "PASLON_SUM"))
        assert sorted(stored) == sorted(codes)
    engine.dispose()
    assert sorted(seen) == sorted(codes)  # every unit verified, none twice
    assert sum(passes) == len(codes)


def test_a_pass_reports_where_its_time_went(post: Any, session: Session, drain: Any) -> None:
    assert drain().timings is None  # nothing queued: nothing timed
    post(TPS_A1, BROKEN)
    counts = drain_rechecks(shared_session_factory(session), 10)
    assert counts.leased == 1
    assert counts.timings is not None
    phases = counts.timings
    assert min(phases.lease, phases.lock, phases.verify, phases.finish, phases.commit) >= 0
    assert phases.oldest_wait >= 0 and phases.cpu >= 0


@pytest.mark.skipif(BACKEND != "postgres", reason="kecamatan locks are PostgreSQL advisory locks")
def test_a_batch_holds_the_lock_of_every_kecamatan_it_rechecks(session: Session) -> None:
    units = [
        Unit(1, TPS_UNIT, "1671021001001", GUB, 1),
        Unit(2, TPS_UNIT, TPS_A1, GUB, 1),
        Unit(3, "kecamatan", "167103", GUB, 1),
        Unit(4, TPS_UNIT, TPS_A2, GUB, 1),
    ]
    recheck_queue._lock_kecamatans(session, units)
    held = session.execute(
        text(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = :c "
            "AND pid = pg_backend_pid() AND granted"
        ),
        {"c": RECHECK_LOCK},
    ).scalars()
    assert sorted(held) == [167101, 167102, 167103]
    session.rollback()


def test_a_backlog_grows_the_batch_and_a_short_pass_brings_it_back() -> None:
    assert next_batch(200, 200, 200) == 400  # full: more waits
    assert next_batch(200, 400, 400) == 800
    assert next_batch(200, 800, 800) == 200 * BACKLOG_GROWTH
    assert next_batch(200, 800, 800) == next_batch(200, 200 * BACKLOG_GROWTH, 10**6)
    assert next_batch(200, 800, 799) == 200  # the backlog is gone
    assert next_batch(200, 200, 0) == 200
