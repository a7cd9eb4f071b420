"""One reading job end to end: claim (lease) → read outside any transaction → fenced write."""

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import session_scope, set_acceptance_line
from app.models.photo import read_as_key
from app.services.ocr_jobs import (
    claim_job,
    fence_done,
    load_job_input,
    new_lease_owner,
    record_failure,
    sweep_jobs,
)
from app.services.reader import PageReader, ReadOutcome
from app.services.readings import apply_reading, store_result
from app.services.storage import PhotoStore, sha256_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Worker:
    """What a job needs from its process: settings, database, store and reader."""

    settings: Settings
    engine: Engine
    store: PhotoStore
    reader: PageReader


def process_job(worker: Worker, job_id: int) -> str:
    """Run one job; returns what happened: done, skipped, lost-lease, queued or failed."""
    owner = new_lease_owner()
    lease = worker.settings.ocr_lease_seconds
    with session_scope(worker.engine) as session:
        if not claim_job(session=session, job_id=job_id, owner=owner, lease_seconds=lease):
            return "skipped"
        job = load_job_input(session=session, job_id=job_id)
    try:
        outcome = worker.reader.read(
            worker.store.get(job.sha256), contest_code=job.contest_id.split("-")[0], page=job.page
        )
        images = _store_images(worker.store, outcome)
    except Exception as exc:  # any reader failure is recorded on the job, never lost
        log.exception("ocr job %s failed", job_id)
        with session_scope(worker.engine) as session:
            return record_failure(
                session=session, job_id=job_id, owner=owner, error=f"{type(exc).__name__}: {exc}",
                max_attempts=worker.settings.ocr_max_attempts,
            )  # fmt: skip
    read_as = read_as_key(job.contest_id.split("-")[0], job.page)
    return _finish(worker, job_id, job.photo_id, (job.sha256, read_as), owner, outcome, images)


def _finish(
    worker: Worker,
    job_id: int,
    photo_id: int,
    read: tuple[str, str],
    owner: str,
    outcome: ReadOutcome,
    images: dict[str, str | None],
) -> str:
    """One transaction: fence on the lease first, so a late duplicate writes nothing.
    `read` is (bytes' sha256, what they were read against)."""
    with session_scope(worker.engine) as session:
        # The worker's own settings: the review line below and the acceptance line are one.
        set_acceptance_line(session, worker.settings.ocr_min_confidence)
        if not fence_done(
            session=session, job_id=job_id, owner=owner, engine_version=outcome.engine_version
        ):
            return "lost-lease"
        result = store_result(
            session=session, sha256=read[0], outcome=outcome, job_id=job_id, images=images,
            read_as=read[1],
        )  # fmt: skip
        apply_reading(
            session=session,
            photo_id=photo_id,
            result=result,
            min_confidence=worker.settings.ocr_min_confidence,
        )
    return "done"


def _store_images(store: PhotoStore, outcome: ReadOutcome) -> dict[str, str | None]:
    """Derived images are content-addressed like the originals; the result row names them."""
    images: dict[str, str | None] = {}
    for name, data in (("rectified", outcome.rectified_png), ("annotated", outcome.annotated_png)):
        if data is None:
            images[name] = None
            continue
        sha = sha256_of(data)
        store.put(sha, data)
        images[name] = sha
    return images


def sweep(worker: Worker) -> list[int]:
    """Requeue expired leases and lost enqueues; returns the job ids to enqueue again."""
    with session_scope(worker.engine) as session:
        report = sweep_jobs(
            session=session,
            max_attempts=worker.settings.ocr_max_attempts,
            requeue_after_seconds=worker.settings.ocr_requeue_after_seconds,
        )
    if report.failed:
        log.warning("ocr jobs failed after max attempts: %s", report.failed)
    return report.requeue
