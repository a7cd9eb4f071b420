"""End to end on a real phone photo: upload the real page 2 of a PPWP form, run its job in the
process with the real reader: paslon 123 / 274 / 32 as an `ocr` submission. Fields read with
low confidence, or whose boxes and bubbles disagree (earlier digit models read 744 for 274 and
X37 for 32 here), go to double-entry review; once two PPK members confirm them, or at once when
there are none, the photo is `read`."""

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.db import build_engine, session_scope
from app.models import OcrJob, Photo, ReviewItem, Submission
from app.services.access import Principal
from app.services.migrations import upgrade_database
from app.services.ocr_reader import LibraryReader
from app.services.photo_views import photo_image
from app.services.photos import IntakeLimits, StagedUpload, intake_photo
from app.services.review import add_entry
from app.services.storage import LocalStore, sha256_of
from app.worker.jobs import Worker, process_job
from tests.conftest import FreshDatabase
from tests.photos.conftest import PRESIDEN, TPS_B, seed_regions

REAL_PHOTO = Path(__file__).resolve().parents[1] / "ocr/fixtures/real/ppwp-2024-hal2-photo-a.jpg"


def uploaded_job(engine: Engine, store: LocalStore) -> int:
    data = REAL_PHOTO.read_bytes()
    staged = StagedUpload(REAL_PHOTO, sha256_of(data), len(data))
    with session_scope(engine) as session:
        seed_regions(session)
        outcome = intake_photo(
            session=session, store=store, tps_code=TPS_B, contest_id=PRESIDEN, page=2,
            staged=staged, uploaded_by="test",
            limits=IntakeLimits(max_pixels=60_000_000, phash_max_distance=12),
        )  # fmt: skip
    assert outcome.job_id is not None
    return outcome.job_id


def test_real_page_2_photo_is_read_into_evidence(
    fresh_database: FreshDatabase, tmp_path: Path
) -> None:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    store = LocalStore(tmp_path / "photos")
    job_id = uploaded_job(engine, store)
    worker = Worker(Settings(), engine, store, LibraryReader())
    assert process_job(worker, job_id) == "done"
    with Session(engine) as session:
        job = session.get_one(OcrJob, job_id)
        photo = session.get_one(Photo, job.photo_id)
        sub = session.exec(select(Submission).where(Submission.source == "ocr")).one()
    assert sub.values == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}
    assert photo.reading is not None and photo.reading["page"] == 2
    with Session(engine) as session:
        for variant in ("rectified", "annotated"):
            png, media = photo_image(
                session=session, store=store, photo_id=photo.id or 0, variant=variant
            )
            assert media == "image/png" and png.startswith(b"\x89PNG")
    unsure = sorted(
        (name, f["value"])
        for name, f in photo.reading["fields"].items()
        if f["confidence"] < Settings().ocr_min_confidence or f["bubbles_agree"] is False
    )
    # Unsure fields (low confidence, or boxes and bubbles that disagree) go to two people first.
    assert photo.status == ("needs_review" if unsure else "read")
    with session_scope(engine) as session:
        items = session.exec(select(ReviewItem).where(ReviewItem.photo_id == photo.id)).all()
        assert sorted((i.field, i.read_value) for i in items) == unsure
        for item in items:
            for name in ("ani", "budi"):
                who = Principal("user", name, "ppk", (TPS_B[:6],))
                add_entry(
                    session=session, principal=who, item_id=item.id or 0, value=item.read_value
                )
    with Session(engine) as session:
        assert session.get_one(Photo, photo.id).status == "read"
        reviewed = session.exec(select(Submission).where(Submission.source == "review")).all()
        assert sorted(v for s in reviewed for v in s.values.items()) == unsure
    engine.dispose()
