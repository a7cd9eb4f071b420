"""Reading jobs: lease claim, fencing, duplicate delivery, retries, the sweep, the reading's
evidence. These run on a fresh database because every step commits, as in a worker."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.config import Settings
from app.db import build_engine, session_scope
from app.models import Discrepancy, OcrJob, OcrResult, Photo, ReviewItem, Submission
from app.models.evidence import utcnow
from app.services.migrations import upgrade_database
from app.services.ocr_jobs import claim_job, fence_done, sweep_jobs
from app.services.photo_views import photo_image
from app.services.photos import IntakeLimits, StagedUpload, intake_photo
from app.services.reader import FakeReader, ReadOutcome, fake_field, fake_reading
from app.services.storage import LocalStore, sha256_of
from app.worker.jobs import Worker, process_job, sweep
from tests.conftest import FreshDatabase
from tests.photos.conftest import GUB, PRESIDEN, TPS_A, make_jpeg, seed_regions

LIMITS = IntakeLimits(max_pixels=50_000_000, phash_max_distance=12)


@pytest.fixture(scope="module")
def job_engine(fresh_database: FreshDatabase) -> Iterator[Engine]:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_regions(session)
    yield engine
    engine.dispose()


@pytest.fixture
def worker(job_engine: Engine, tmp_path: Path) -> Worker:
    settings = Settings(ocr_lease_seconds=60, ocr_max_attempts=3, ocr_min_confidence=0.8)
    return Worker(settings, job_engine, LocalStore(tmp_path / "photos"), FakeReader())


def new_job(
    worker: Worker, seed: int, tmp_path: Path, page: int | None = 2, contest: str = PRESIDEN
) -> int:
    data = make_jpeg(seed)
    path = tmp_path / f"upload-{seed}.jpg"
    path.write_bytes(data)
    staged = StagedUpload(path, sha256_of(data), len(data))
    with session_scope(worker.engine) as session:
        outcome = intake_photo(
            session=session, store=worker.store, tps_code=TPS_A, contest_id=contest, page=page,
            staged=staged, uploaded_by="test", limits=LIMITS,
        )  # fmt: skip
        assert outcome.job_id is not None
        return outcome.job_id


def job(engine: Engine, job_id: int) -> OcrJob:
    with Session(engine) as session:
        return session.get_one(OcrJob, job_id)


def count(engine: Engine, model: type, **where: object) -> int:
    with Session(engine) as session:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return int(session.exec(stmt).one())


def test_a_job_reads_the_photo_into_an_ocr_submission(worker: Worker, tmp_path: Path) -> None:
    job_id = new_job(worker, 101, tmp_path)
    assert process_job(worker, job_id) == "done"
    done = job(worker.engine, job_id)
    assert (done.status, done.attempts, done.engine_version) == ("done", 1, "fake-1")
    with Session(worker.engine) as session:
        photo = session.get_one(Photo, done.photo_id)
        assert photo.status == "read"
        sub = session.exec(select(Submission).where(Submission.reason == f"photo {photo.id}")).one()
    assert sub.source == "ocr"
    assert sub.values == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}
    assert sub.confidence == dict.fromkeys(sub.values, 0.99)


def test_a_photo_sent_without_a_page_takes_the_page_it_was_read_as(
    worker: Worker, tmp_path: Path
) -> None:
    job_id = new_job(worker, 110, tmp_path, page=None)
    assert process_job(worker, job_id) == "done"
    with Session(worker.engine) as session:
        assert session.get_one(Photo, job(worker.engine, job_id).photo_id).page == 2


def test_a_second_delivery_of_a_done_job_does_nothing(worker: Worker, tmp_path: Path) -> None:
    job_id = new_job(worker, 102, tmp_path)
    assert process_job(worker, job_id) == "done"
    assert process_job(worker, job_id) == "skipped"
    sha = make_jpeg_sha(102)
    assert count(worker.engine, OcrResult, sha256=sha) == 1
    assert job(worker.engine, job_id).attempts == 1


def make_jpeg_sha(seed: int) -> str:
    return sha256_of(make_jpeg(seed))


def test_lease_is_exclusive_and_fencing_stops_the_late_owner(
    worker: Worker, tmp_path: Path
) -> None:
    job_id = new_job(worker, 103, tmp_path)
    with session_scope(worker.engine) as session:
        assert claim_job(session=session, job_id=job_id, owner="a", lease_seconds=60)
    with session_scope(worker.engine) as session:  # a duplicate delivery while a holds the lease
        assert not claim_job(session=session, job_id=job_id, owner="b", lease_seconds=60)
    later = utcnow() + timedelta(seconds=120)  # a's lease expired: b may take over
    with session_scope(worker.engine) as session:
        assert claim_job(session=session, job_id=job_id, owner="b", lease_seconds=60, now=later)
    with session_scope(worker.engine) as session:
        assert not fence_done(session=session, job_id=job_id, owner="a", engine_version="x")
    with session_scope(worker.engine) as session:
        assert fence_done(session=session, job_id=job_id, owner="b", engine_version="x")
    assert job(worker.engine, job_id).status == "done"


def test_sweep_requeues_an_expired_lease(worker: Worker, tmp_path: Path) -> None:
    job_id = new_job(worker, 104, tmp_path)
    with session_scope(worker.engine) as session:
        assert claim_job(session=session, job_id=job_id, owner="dead", lease_seconds=60)
    with session_scope(worker.engine) as session:
        report = sweep_jobs(session=session, max_attempts=3, requeue_after_seconds=600)
    assert job_id not in report.requeue  # the lease is still valid
    later = utcnow() + timedelta(seconds=61)
    with session_scope(worker.engine) as session:
        report = sweep_jobs(session=session, max_attempts=3, requeue_after_seconds=600, now=later)
    assert job_id in report.requeue
    requeued = job(worker.engine, job_id)
    assert (requeued.status, requeued.lease_owner) == ("queued", None)
    with Session(worker.engine) as session:
        assert session.get_one(Photo, requeued.photo_id).status == "queued"
    assert process_job(worker, job_id) == "done"
    assert job(worker.engine, job_id).attempts == 2


def test_sweep_enqueues_a_job_whose_enqueue_was_lost(worker: Worker, tmp_path: Path) -> None:
    job_id = new_job(worker, 105, tmp_path)
    later = utcnow() + timedelta(seconds=worker.settings.ocr_requeue_after_seconds + 1)
    with session_scope(worker.engine) as session:
        report = sweep_jobs(session=session, max_attempts=3, requeue_after_seconds=600, now=later)
    assert job_id in report.requeue
    assert job_id not in sweep(worker)  # enqueued_at moved: not again right away


class BrokenReader(FakeReader):
    def read(self, image: bytes, *, contest_code: str, page: int | None) -> object:  # type: ignore[override]
        raise RuntimeError("model file is corrupt")


def test_after_max_attempts_a_job_is_failed_with_its_error(worker: Worker, tmp_path: Path) -> None:
    broken = Worker(worker.settings, worker.engine, worker.store, BrokenReader())
    job_id = new_job(worker, 106, tmp_path)
    assert [process_job(broken, job_id) for _ in range(3)] == ["queued", "queued", "failed"]
    failed = job(worker.engine, job_id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.last_error == "RuntimeError: model file is corrupt"
    with Session(worker.engine) as session:
        assert session.get_one(Photo, failed.photo_id).status == "failed"


def test_expired_lease_at_max_attempts_fails(worker: Worker, tmp_path: Path) -> None:
    job_id = new_job(worker, 107, tmp_path)
    now = utcnow()
    for attempt in range(3):
        at = now + timedelta(seconds=200 * attempt)
        with session_scope(worker.engine) as session:
            assert claim_job(
                session=session, job_id=job_id, owner=f"w{attempt}", lease_seconds=60, now=at
            )
    with session_scope(worker.engine) as session:
        report = sweep_jobs(
            session=session, max_attempts=3, requeue_after_seconds=600, now=now + timedelta(hours=1)
        )
    assert report.failed == [job_id]
    assert job(worker.engine, job_id).last_error == "lease expired after 3 attempts"


def test_low_confidence_and_wrong_page_go_to_review(worker: Worker, tmp_path: Path) -> None:
    assert isinstance(worker.reader, FakeReader)
    reading = fake_reading({"suara_paslon_1": 123, "suara_paslon_2": 274}, page=3)
    reading["fields"]["suara_paslon_3"] = fake_field(37, confidence=0.41)
    worker.reader.readings[make_jpeg_sha(108)] = reading
    job_id = new_job(worker, 108, tmp_path, page=2)
    assert process_job(worker, job_id) == "done"
    photo_id = job(worker.engine, job_id).photo_id
    with Session(worker.engine) as session:
        photo = session.get_one(Photo, photo_id)
        items = session.exec(select(ReviewItem).where(ReviewItem.photo_id == photo_id)).all()
        rules = {
            d.rule
            for d in session.exec(
                select(Discrepancy).where(Discrepancy.identity.contains(f"photo:{photo_id}"))
            )  # type: ignore[attr-defined]
        }
    assert photo.status == "needs_review"
    assert [(i.field, i.read_value, i.crop_box) for i in items] == [
        ("suara_paslon_3", 37, [100, 200, 60, 80])
    ]
    assert {"LOW_CONFIDENCE", "WRONG_PAGE"} <= rules


def test_unreadable_photo_is_unreadable_not_failed(worker: Worker, tmp_path: Path) -> None:
    assert isinstance(worker.reader, FakeReader)
    worker.reader.readings[make_jpeg_sha(109)] = {"status": "not_cform", "reason": "no tag"}
    job_id = new_job(worker, 109, tmp_path)
    assert process_job(worker, job_id) == "done"
    with Session(worker.engine) as session:
        assert session.get_one(Photo, job(worker.engine, job_id).photo_id).status == "unreadable"


class GubernurPageReader(FakeReader):
    """Every photo is a page of the gubernur form: asked as another form, it is the wrong page."""

    def read(self, image: bytes, *, contest_code: str, page: int | None) -> ReadOutcome:
        if contest_code != "pkwkp":
            self.calls.append(contest_code)
            return ReadOutcome(self.engine_version, {"status": "wrong_page", "reason": "pkwkp"})
        return super().read(image, contest_code=contest_code, page=page)


def test_the_same_file_for_another_contest_is_read_against_that_contest(
    worker: Worker, tmp_path: Path
) -> None:
    reader = GubernurPageReader()
    worker = Worker(worker.settings, worker.engine, worker.store, reader)
    wrong = job(worker.engine, new_job(worker, 177, tmp_path, contest=PRESIDEN))
    assert process_job(worker, wrong.id or 0) == "done"
    right = job(worker.engine, new_job(worker, 177, tmp_path, contest=GUB))
    assert process_job(worker, right.id or 0) == "done"
    with Session(worker.engine) as session:
        statuses = [session.get_one(Photo, j.photo_id).status for j in (wrong, right)]
        wrong_pages = session.exec(
            select(Discrepancy.identity).where(Discrepancy.rule == "WRONG_PAGE")
        ).all()
        image, media = photo_image(
            session=session, store=worker.store, photo_id=right.photo_id, variant="rectified"
        )
    assert statuses == ["unreadable", "read"]
    assert [i for i in wrong_pages if f"photo:{right.photo_id}" in i] == []
    assert media == "image/png" and image


def test_a_wrong_page_is_told_in_indonesian_with_what_the_photo_shows(
    worker: Worker, tmp_path: Path
) -> None:
    assert isinstance(worker.reader, FakeReader)
    worker.reader.readings[make_jpeg_sha(111)] = {
        "status": "wrong_page",
        "reason": "the photo shows ppwp-plano-2024 page 1 (tag 101), not pkwkp page 3",
        "form": "ppwp-plano-2024",
        "page": 1,
    }
    job_id = new_job(worker, 111, tmp_path, page=3)
    assert process_job(worker, job_id) == "done"
    photo_id = job(worker.engine, job_id).photo_id
    with Session(worker.engine) as session:
        found = session.exec(
            select(Discrepancy).where(
                Discrepancy.rule == "WRONG_PAGE",
                Discrepancy.identity.contains(f"photo:{photo_id}"),  # type: ignore[attr-defined]
            )
        ).one()
    assert "menunjukkan ppwp-plano-2024 halaman 1" in found.message
    assert "the photo shows" not in found.message and " page " not in found.message
