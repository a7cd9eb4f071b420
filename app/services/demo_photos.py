"""The demo's presidential contest and photos: `ppwp-0` with PPK results at a few TPS of the demo
PPK's kecamatan, then photos (the real PPWP page 2 and simulated KWK pages) taken in through the
API's own intake and read by the real reader, so the review queue has work after `make run`."""

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import session_scope
from app.demo.build import DemoDataset
from app.demo.photos import DemoPhoto, demo_photos
from app.demo.president import (
    PASLON,
    PRESIDENT,
    PRESIDENT_NAME,
    president_form,
    president_kecamatan,
    president_tps,
)
from app.models import Contest, Paslon, ReviewItem, Submission
from app.services.photos import IntakeLimits, StagedUpload, intake_photo
from app.services.storage import PhotoStore, sha256_of

DEMO_PHOTOS = 6  # the real photo + five simulated KWK pages (app/demo/photos.py PLAN)
PPWP_ENTERED_AT = datetime(2024, 2, 15, 3, 0, tzinfo=UTC)  # the day after Pemilu 2024
UPLOADER = "demo-kpps"


@dataclass(frozen=True)
class PhotoStats:
    """What the photo step did: photos read by outcome, review items waiting, seconds taken."""

    statuses: dict[str, int]
    review_items: int
    seconds: float


def add_president(*, session: Session, dataset: DemoDataset) -> list[tuple[str, dict[str, int]]]:
    """ppwp-0 with its paslon and a PPK result at each chosen TPS; returns the chosen TPS."""
    kecamatan = president_kecamatan(dataset.kecamatan)
    session.add(
        Contest(id=PRESIDENT, code="ppwp", kind="presiden", region_code="0", name=PRESIDENT_NAME)
    )
    session.flush()
    session.add_all(
        Paslon(contest_id=PRESIDENT, nomor_urut=n, nama=name) for n, name in enumerate(PASLON, 1)
    )
    chosen = president_tps(dataset.kecamatan[kecamatan])
    rows = [
        {
            "tps_code": code, "contest_id": PRESIDENT, "kecamatan_code": kecamatan,
            "source": "ppk", "submitted_by": f"demo-ppk-{kecamatan}",
            "submitted_at": PPWP_ENTERED_AT, "reason": None,
            "values": president_form(gubernur, real_photo=i == 0),
        }
        for i, (code, gubernur) in enumerate(chosen)
    ]  # fmt: skip
    session.execute(insert(Submission), rows)
    session.flush()
    return chosen


def _limits(settings: Settings) -> IntakeLimits:
    return IntakeLimits(
        max_pixels=settings.max_image_pixels, phash_max_distance=settings.phash_max_distance
    )


def _intake(
    session: Session, store: PhotoStore, settings: Settings, photo: DemoPhoto
) -> int | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo.jpg"
        path.write_bytes(photo.jpeg)
        staged = StagedUpload(path=path, sha256=sha256_of(photo.jpeg), size=len(photo.jpeg))
        outcome = intake_photo(
            session=session, store=store, tps_code=photo.tps_code, contest_id=photo.contest_id,
            page=photo.page, staged=staged, uploaded_by=UPLOADER, limits=_limits(settings),
        )  # fmt: skip
    return outcome.job_id


def load_demo_photos(
    *,
    settings: Settings,
    engine: Engine,
    store: PhotoStore,
    dataset: DemoDataset,
    count: int = DEMO_PHOTOS,
    progress: Callable[[str, int], None] | None = None,
) -> PhotoStats:
    """Upload the demo photos (committed), then read each with the real reader."""
    from app.services.ocr_reader import LibraryReader
    from app.worker.jobs import Worker, process_job

    started = time.perf_counter()
    step = progress or (lambda _desc, _n: None)
    with session_scope(engine) as session:
        chosen = session.exec(
            select(Submission.tps_code)
            .where(Submission.contest_id == PRESIDENT)
            .order_by(col(Submission.id))
        ).all()
        kwk = president_tps(dataset.kecamatan[president_kecamatan(dataset.kecamatan)])[1:]
        photos = demo_photos(
            kwk=kwk, contest_id="pkwkp-16", paslon_names=_paslon(session, "pkwkp-16"),
            real_tps=chosen[0], president=PRESIDENT, seed=settings.demo_seed, count=count,
            cache=Path(settings.data_dir) / "demo-photos",
        )  # fmt: skip
        jobs = [_intake(session, store, settings, p) for p in photos]
    step("photos rendered", len(photos))
    worker = Worker(settings, engine, store, LibraryReader(line=settings.ocr_min_confidence))
    for job in jobs:
        if job is not None:
            process_job(worker, job)
            step("photos read", 1)
    return _stats(engine, started)


def _paslon(session: Session, contest_id: str) -> list[str]:
    stmt = select(Paslon.nama).where(Paslon.contest_id == contest_id)
    return list(session.exec(stmt.order_by(col(Paslon.nomor_urut))).all())


def _stats(engine: Engine, started: float) -> PhotoStats:
    from sqlalchemy import func

    from app.models import Photo

    with session_scope(engine) as session:
        by_status = session.exec(select(Photo.status, func.count()).group_by(Photo.status)).all()
        waiting = session.exec(
            select(func.count()).select_from(ReviewItem).where(ReviewItem.status != "accepted")
        ).one()
    statuses = {s: int(n) for s, n in by_status}
    return PhotoStats(statuses, int(waiting), time.perf_counter() - started)
