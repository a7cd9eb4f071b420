"""The demo's planted problems are each found exactly once, with the right rule, contest, place,
field and numbers, and nothing else is reported (rekap demo + the full recheck)."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import build_engine, session_scope
from app.demo.build import DemoDataset
from app.models import DHasilVersion, Discrepancy, Submission, TpsResult
from app.services.demo import load_demo
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import recheck_all

SEED = 20241127
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(fresh_database: Any) -> Iterator[tuple[Engine, DemoDataset]]:
    """A fresh database with the demo loaded and fully rechecked."""
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        dataset = load_demo(session=session, seed=SEED)
    with session_scope(engine) as session:
        recheck_all(session=session)
    yield engine, dataset
    engine.dispose()


def _expected(dataset: DemoDataset) -> list[tuple[str, str, str, str | None]]:
    return [
        (e.rule, dataset.contest_id(e.contest, p.kecamatan), e.scope, e.field)
        for p in dataset.plants
        for e in p.expected
    ]


def test_every_plant_found_once_and_nothing_else(demo: tuple[Engine, DemoDataset]) -> None:
    engine, dataset = demo
    with Session(engine) as session:
        rows = session.exec(select(Discrepancy)).all()
    found = sorted((d.rule, d.contest_id, d.region_code, d.field) for d in rows)
    assert found == sorted(_expected(dataset))
    assert all(d.status == "open" for d in rows)


def _accepted(session: Session, tps: str, contest: str, field: str) -> int | None:
    row = session.get(TpsResult, (tps, contest))
    return None if row is None else getattr(row, field)


def test_numbers_are_the_stored_ones(demo: tuple[Engine, DemoDataset]) -> None:
    engine, _ = demo
    with Session(engine) as session:
        for d in session.exec(select(Discrepancy)):
            if d.expected is not None and d.actual is not None:
                assert d.delta == d.actual - d.expected, d.identity
            if d.rule == "DESA_VS_DHASIL":
                sums = [
                    getattr(r, d.field or "")
                    for r in session.exec(
                        select(TpsResult).where(
                            TpsResult.desa_code == d.region_code,
                            TpsResult.contest_id == d.contest_id,
                        )
                    )
                ]
                ver = session.exec(
                    select(DHasilVersion).where(
                        DHasilVersion.kecamatan_code == d.kecamatan_code,
                        DHasilVersion.contest_id == d.contest_id,
                    )
                ).one()
                assert (d.expected, d.actual) == (sum(sums), ver.desa[d.region_code][d.field])
            elif d.tps_code and d.field and d.rule != "SOURCES_DISAGREE":
                values = {
                    s.values.get(d.field)
                    for s in session.exec(
                        select(Submission).where(
                            Submission.tps_code == d.tps_code, Submission.contest_id == d.contest_id
                        )
                    )
                }
                assert d.actual in values or d.rule == "CROSS_CONTEST", d.identity
