"""The recheck drainer's loop in `rekap worker`: a thread that empties the recheck queue.

It polls the queue every REKAP_RECHECK_POLL seconds while idle (a read that takes no lock) and
drains batches of REKAP_RECHECK_BATCH units back to back while there is work. Several drainers
(threads, processes, machines) are safe together: see app/services/recheck_queue.py. A failed
batch is logged and retried; a drainer killed mid-batch loses nothing: its lease expires.
"""

import logging
import threading

from app.config import Settings
from app.db import build_engine, session_scope
from app.services.recheck_queue import drain_rechecks, drainer_name
from app.worker.forkguard import no_fork

log = logging.getLogger(__name__)
# SQLite has one write lock and a batch's transaction holds it: smaller batches there, so a post
# never waits behind a long one.
SQLITE_MAX_BATCH = 16


def drain_forever(settings: Settings, stop: threading.Event) -> None:
    """Drain the queue until `stop` is set: at once again while there is work, else every poll."""
    # Its own engine: huey's worker processes are forked from this process and must not share
    # the drainer's connections.
    with no_fork():  # app/worker/forkguard.py: huey forks its workers beside this thread
        engine = build_engine(settings.database_url, busy_timeout=settings.sqlite_busy_timeout)
    name = drainer_name()
    batch = settings.recheck_batch
    if engine.dialect.name == "sqlite":
        batch = min(batch, SQLITE_MAX_BATCH)
    try:
        while not stop.is_set():
            try:
                with no_fork():
                    counts = drain_rechecks(
                        lambda: session_scope(engine),
                        batch,
                        drainer=name,
                        lease_seconds=settings.recheck_lease_seconds,
                    )
            except Exception:  # the batch rolled back; its lease expires and it is retried
                log.exception("recheck drain failed")
                stop.wait(max(settings.recheck_poll, 1.0))
                continue
            if counts.leased == 0:
                stop.wait(settings.recheck_poll)
    finally:
        with no_fork():
            engine.dispose()


def start_drainer(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """Start the loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=drain_forever, args=(settings, stop), name="recheck-drainer", daemon=True
    )
    thread.start()
    return thread, stop
