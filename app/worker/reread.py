"""`rekap ocr reread` below the command line: queue a new reading of photos and count progress.

Each call is one transaction of its own (the only commit point, as in app/worker/jobs.py); the
queries are in app/services/ocr_jobs.py. The database layer loads on the first call, so
`rekap` starts without it (app/cli/lazy.py).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def queue_rereads(engine_version: str | None, *, engine: "Engine | None" = None) -> list[int]:
    """A job for every photo not yet read by engine_version (every photo when None), committed
    and then enqueued; returns the job ids."""
    from app.db import session_scope
    from app.services.ocr_jobs import photos_to_reread, queue_reread
    from app.worker.enqueue import enqueue_job

    with session_scope(engine) as session:
        photo_ids = photos_to_reread(session=session, engine_version=engine_version)
        job_ids = queue_reread(session=session, photo_ids=photo_ids)
    for job_id in job_ids:  # after the commit: a worker must find the job's row
        enqueue_job(job_id)
    return job_ids


def finished_count(job_ids: list[int], *, engine: "Engine | None" = None) -> int:
    """How many of these jobs are done or failed (the table is the truth, not the queue)."""
    from app.db import session_scope
    from app.services.ocr_jobs import count_finished

    with session_scope(engine) as session:
        return count_finished(session=session, job_ids=job_ids)
