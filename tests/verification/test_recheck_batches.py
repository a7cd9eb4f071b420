"""`rekap recheck` by batches of kecamatan, several at once: every batch runs, a failure stops
the batches not started, and two batches on their own connections (real commits) leave the
same accepted values and findings as one full recheck."""

import threading
from typing import Any

import pytest
from sqlmodel import Session, delete, select

from app.db import build_engine, session_scope
from app.domain.fields import ALL_FIELDS
from app.models import Discrepancy, DiscrepancyEvent, Submission, TpsResult
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import RecheckStats, recheck_all, recheck_batch, run_batches
from tests.verification.conftest import (
    GUB,
    GUB_FORM,
    KEC,
    KEC2,
    TPS_A1,
    TPS_B1,
    TPS_OTHER,
    WALI,
    WALI_FORM,
    seed_world,
)


def _counted(codes: list[str]) -> RecheckStats:
    return RecheckStats(kecamatan=len(codes), tps=10 * len(codes))


def test_every_batch_runs_and_progress_reaches_the_total() -> None:
    seen: list[tuple[int, int]] = []
    batches = [["a", "b"], ["c"], ["d", "e", "f"]]
    stats = run_batches(batches, _counted, jobs=2, progress=lambda d, t: seen.append((d, t)))
    assert (stats.kecamatan, stats.tps) == (6, 60)
    assert seen[-1] == (6, 6) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_between_runs_after_the_first_second_fourth_batch() -> None:
    ended: list[int] = []
    counts: list[int] = []

    def run(codes: list[str]) -> RecheckStats:
        ended.append(1)
        return _counted(codes)

    run_batches([[c] for c in "abcdefghi"], run, jobs=1, between=lambda: counts.append(len(ended)))
    assert counts == [1, 2, 4, 8]


def test_jobs_batches_run_at_once() -> None:
    both = threading.Barrier(2, timeout=30)  # broken unless two batches wait at the same time

    def run(codes: list[str]) -> RecheckStats:
        both.wait()
        return _counted(codes)

    assert run_batches([["a"], ["b"]], run, jobs=2).kecamatan == 2


def test_a_failed_batch_stops_those_not_started() -> None:
    ran: list[str] = []

    def run(codes: list[str]) -> RecheckStats:
        ran.extend(codes)
        if codes == ["b"]:
            raise RuntimeError("batch b failed")
        return _counted(codes)

    with pytest.raises(RuntimeError, match="batch b failed"):
        run_batches([["a"], ["b"], ["c"], ["d"]], run, jobs=1)
    assert ran == ["a", "b"]


def _snapshot(session: Session) -> tuple[Any, Any]:
    found = sorted(
        (d.identity, d.status, d.expected, d.actual, d.message)
        for d in session.exec(select(Discrepancy))
    )
    rows = session.execute(select(TpsResult.__table__)).all()
    accepted = sorted(
        tuple(r._mapping[k] for k in ("tps_code", "contest_id", "sources", *ALL_FIELDS))
        for r in rows
    )
    return found, accepted


def test_two_batches_at_once_equal_one_full_recheck(fresh_database: Any) -> None:
    """Two kecamatan, each a batch on its own connection and transaction (two at once on
    PostgreSQL; SQLite writes one at a time), against recheck_all from scratch."""
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with Session(engine) as session:
        seed_world(session)
        broken = {**GUB_FORM, "suara_paslon_1": GUB_FORM["suara_paslon_1"] + 3}
        for tps, kec, values in ((TPS_A1, KEC, broken), (TPS_B1, KEC, GUB_FORM),
                                 (TPS_OTHER, KEC2, broken)):  # fmt: skip
            session.add(Submission(tps_code=tps, contest_id=GUB, kecamatan_code=kec,
                                   source="ppk", submitted_by="t", values=values))  # fmt: skip
        session.add(Submission(tps_code=TPS_A1, contest_id=WALI, kecamatan_code=KEC,
                               source="ppk", submitted_by="t", values=dict(WALI_FORM)))  # fmt: skip
        session.commit()

    def one(codes: list[str]) -> RecheckStats:
        with session_scope(engine) as session:
            return recheck_batch(session=session, codes=codes, lock=True)

    jobs = 2 if engine.dialect.name == "postgresql" else 1
    stats = run_batches([[KEC], [KEC2]], one, jobs=jobs)
    assert stats.results_written == 4
    with Session(engine) as session:
        by_batches = _snapshot(session)
    with session_scope(engine) as session:
        for table in (DiscrepancyEvent, Discrepancy):
            session.execute(delete(table))
        session.execute(delete(TpsResult.__table__))
    with session_scope(engine) as session:
        recheck_all(session=session)
    with Session(engine) as session:
        assert _snapshot(session) == by_batches
    engine.dispose()
    assert len(by_batches[0]) >= 2 and len(by_batches[1]) == 4
