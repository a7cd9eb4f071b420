"""The recheck drainer's loop in `rekap worker`: a thread that empties the recheck queue.

It polls the queue every REKAP_RECHECK_POLL seconds while idle (a read that takes no lock) and
drains batches of REKAP_RECHECK_BATCH units back to back while there is work. Several drainers
(threads, processes, machines) are safe together: see app/services/recheck_queue.py. A failed
batch is logged and retried; a drainer killed mid-batch loses nothing: its lease expires.
"""

import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import session_scope
from app.services.recheck_queue import drain_rechecks, drainer_name
from app.worker.polling import Step, start_polling

# SQLite has one write lock and a batch's transaction holds it: smaller batches there, so a post
# never waits behind a long one.
SQLITE_MAX_BATCH = 16


def _drain_step(settings: Settings) -> Callable[[Engine], Step]:
    """One batch of the queue on the thread's engine; more may wait while a batch was leased."""

    def make(engine: Engine) -> Step:
        name = drainer_name()
        batch = settings.recheck_batch
        if engine.dialect.name == "sqlite":
            batch = min(batch, SQLITE_MAX_BATCH)

        def step() -> bool:
            counts = drain_rechecks(
                lambda: session_scope(engine),
                batch,
                drainer=name,
                lease_seconds=settings.recheck_lease_seconds,
            )
            return counts.leased > 0

        return step

    return make


def start_drainer(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """Start the drainer's loop (app/worker/polling.py); set the returned event to stop it. A
    failed batch rolled back: its lease expires and it is retried."""
    return start_polling(
        "recheck-drainer",
        settings,
        make_step=_drain_step(settings),
        poll=settings.recheck_poll,
        retry=max(settings.recheck_poll, 1.0),
    )
