"""The demo's presidential contest and photos: PPWP forms whose sums hold (but the real photo's
one breach), and photos stored through the intake and read by the real reader, so the review
queue has work. The photo test uses a small world of the demo PPK's kecamatan and two photos."""

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import build_engine, session_scope
from app.demo.build import DemoDataset, build_dataset
from app.demo.president import (
    PRESIDENT,
    REAL_PHOTO_VOTES,
    president_form,
    president_kecamatan,
    president_tps,
)
from app.domain.findings import FormContext
from app.domain.rules import check_form
from app.models import Discrepancy, Photo, ReviewItem, Submission
from app.services.demo_photos import add_president, load_demo_photos
from app.services.migrations import upgrade_database
from app.services.storage import LocalStore
from tests.conftest import FreshDatabase
from tests.factories import add_contest, add_regions, add_tps

SEED = 20241127
KECAMATAN = "167105"
PEMILU = FormContext.for_kind(
    "pemilu", paslon_count=3
)  # the demo PPK's kecamatan: its planted second source is there


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_dataset(SEED)


def test_president_forms_keep_every_sum_but_the_real_breach(dataset: DemoDataset) -> None:
    assert president_kecamatan(dataset.kecamatan) == KECAMATAN
    chosen = president_tps(dataset.kecamatan[KECAMATAN])
    assert len(chosen) == 8 and all(code.startswith(KECAMATAN) for code, _ in chosen)
    for code, gubernur in chosen[1:]:
        form = president_form(gubernur, real_photo=False)
        assert form["pemilih_dpt_j"] <= 300, code  # a Pemilu TPS
        assert check_form(form, PEMILU) == [], code
    real = president_form(chosen[0][1], real_photo=True)
    assert {k: real[k] for k in REAL_PHOTO_VOTES} == REAL_PHOTO_VOTES
    broken = {f.rule for f in check_form(real, PEMILU)}
    assert "PASLON_SUM" in broken and "TOTAL_VS_TURNOUT" not in broken


@pytest.fixture
def demo_world(fresh_database: FreshDatabase, dataset: DemoDataset) -> Iterator[Engine]:
    """The demo kecamatan's regions and TPS, the governor contest, the planted app result, the
    president's contest: committed, since the reader's jobs open their own sessions."""
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    forms = dataset.kecamatan[KECAMATAN].forms
    with session_scope(engine) as session:
        add_regions(session, [f.tps_code for f in forms])
        add_tps(session, [f.tps_code for f in forms], dpt=500)
        add_contest(session, "pkwkp-16", kind="gubernur", region_code="16", paslon=3)
        extra = dataset.kecamatan[KECAMATAN].extra[0]
        session.add(
            Submission(tps_code=extra.tps_code, contest_id="pkwkp-16", kecamatan_code=KECAMATAN,
                       source="app", submitted_by="demo-app", values=extra.values)
        )  # fmt: skip
        session.flush()
        add_president(session=session, dataset=dataset)
    yield engine
    engine.dispose()


def test_demo_photos_are_stored_read_and_fill_the_review_queue(
    demo_world: Engine, dataset: DemoDataset, settings: Settings, tmp_path: object
) -> None:
    store = LocalStore(settings.data_dir / "photos")
    stats = load_demo_photos(
        settings=settings, engine=demo_world, store=store, dataset=dataset, count=2
    )
    assert sum(stats.statuses.values()) == 2
    assert stats.review_items >= 1
    with Session(demo_world) as session:
        photos = session.exec(select(Photo).order_by(col(Photo.id))).all()
        real, kwk = photos
        assert (real.contest_id, real.page, real.tps_code[:6]) == (PRESIDENT, 2, KECAMATAN)
        assert kwk.contest_id == "pkwkp-16" and kwk.page == 1
        assert all(store.exists(p.sha256) for p in photos)
        ocr = select(Submission).where(Submission.source == "ocr")
        read = session.exec(ocr.where(Submission.tps_code == real.tps_code)).one()
        paslon = {k: v for k, v in read.values.items() if k.startswith("suara_paslon_")}
        assert paslon == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}
        queue = session.exec(select(ReviewItem).where(ReviewItem.kecamatan_code == KECAMATAN)).all()
        assert len(queue) == stats.review_items
        rules = set(
            session.exec(select(Discrepancy.rule).where(Discrepancy.tps_code == real.tps_code))
        )
        assert "PASLON_SUM" in rules  # the real form's own breach, against the PPK's page 3
    cached = sorted(p.name for p in (settings.data_dir / "demo-photos").iterdir())
    assert cached == [f"{SEED}-{kwk.tps_code}-1-normal.jpg"]
