"""Handing a job id to the workers: the one way in to the queue for the API and the CLI.

Apart from app/worker/queue.py (which only builds the huey) so that the tasks can import the
queue without the queue importing the tasks back.
"""

import logging

log = logging.getLogger(__name__)


def enqueue_job(job_id: int) -> None:
    """Hand a job id to the workers; a failure is logged, the sweep enqueues the job again."""
    # Imported here: app.worker.tasks builds its huey from the settings when imported, which
    # the API must not need to start.
    from app.worker.tasks import read_photo_task

    try:
        read_photo_task(job_id)
    except Exception:  # the queue being down must never fail an upload already committed
        log.exception("enqueue of ocr job %s failed; the sweep will retry", job_id)
