"""Huey tasks: thin entry points. Run with `rekap worker` (huey_consumer app.worker.tasks.huey)."""

import logging
from functools import lru_cache

from huey import crontab

from app.config import Settings, get_settings
from app.db import get_engine
from app.services.reader import FakeReader, PageReader
from app.services.storage import store_for
from app.worker.jobs import Worker, process_job, sweep
from app.worker.queue import build_huey

log = logging.getLogger(__name__)
huey = build_huey(get_settings().queue_url)


def build_reader(settings: Settings) -> PageReader:
    """The reader named by settings.ocr_engine: ocr (default), fake, fake-slow (tests)."""
    if settings.ocr_engine == "fake":
        return FakeReader()
    if settings.ocr_engine == "fake-slow":
        return FakeReader(delay=settings.ocr_fake_seconds)
    # Imported here: OpenCV and the digit model load only in a process that reads photos.
    from app.services.ocr_reader import LibraryReader

    return LibraryReader(line=settings.ocr_min_confidence)


@lru_cache
def current_worker() -> Worker:
    """This process's worker context (built once: the reader may load a model)."""
    settings = get_settings()
    return Worker(
        settings=settings,
        engine=get_engine(),
        store=store_for(settings.storage_url, settings.s3_endpoint_url),
        reader=build_reader(settings),
    )


@huey.task()  # type: ignore[untyped-decorator]
def read_photo_task(job_id: int) -> str:
    """Read the photo of one job (duplicates and stale deliveries are harmless no-ops)."""
    outcome = process_job(current_worker(), job_id)
    if outcome == "queued":
        read_photo_task.schedule((job_id,), delay=30)
    return outcome


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def sweep_task() -> int:
    """Every minute: requeue expired leases and jobs whose enqueue was lost."""
    requeue = sweep(current_worker())
    for job_id in requeue:
        read_photo_task(job_id)
    return len(requeue)
