"""The audit chainer's loop in `rekap worker`: a thread that chains the outbox every poll.

Every worker runs it; the chain lock picks one at a time (the others' batches skip), so workers
on several machines are safe together. A failed batch (the database gone, a lost connection) is
logged and retried at the next poll: its transaction rolled back, so nothing is lost.
"""

import logging
import threading

from app.config import Settings
from app.db import build_engine
from app.services.audit_chainer import Chainer
from app.worker.forkguard import no_fork

log = logging.getLogger(__name__)


def chain_forever(settings: Settings, stop: threading.Event) -> None:
    """Chain until `stop` is set: at once again while batches are full, else every poll."""
    # Its own engine: huey's worker processes are forked from this process and must not share
    # the chainer's connections.
    with no_fork():  # app/worker/forkguard.py: huey forks its workers beside this thread
        engine = build_engine(settings.database_url, busy_timeout=settings.sqlite_busy_timeout)
        chainer = Chainer(engine, batch=settings.audit_chain_batch)
    try:
        while not stop.is_set():
            try:
                with no_fork():
                    chained = chainer.run_once()
            except Exception:  # the next poll retries; the batch rolled back
                log.exception("audit chain batch failed")
                chained = 0
            if chained < chainer.batch:
                stop.wait(settings.audit_chain_poll)
    finally:
        with no_fork():
            engine.dispose()


def start_chainer(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """Start the loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=chain_forever, args=(settings, stop), name="audit-chainer", daemon=True
    )
    thread.start()
    return thread, stop
