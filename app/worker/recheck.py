"""The recheck drainer's loop in `rekap worker`: a thread that empties the recheck queue.

It polls the queue every REKAP_RECHECK_POLL seconds while idle (a read that takes no lock) and
drains batches of REKAP_RECHECK_BATCH units back to back while there is work; behind a backlog
(PostgreSQL) each full batch lets the next one grow, up to BACKLOG_GROWTH times that. Several
drainers (threads, processes, machines) are safe together: see app/services/recheck_queue.py. A
failed batch is logged and retried; a drainer killed mid-batch loses nothing: its lease expires.
With DEBUG logging on for this module, each batch logs where its time went (the bench reads it).
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import session_scope
from app.services.recheck_queue import drain_rechecks, drainer_name
from app.worker.polling import Step, start_polling

log = logging.getLogger(__name__)

# SQLite has one write lock and a batch's transaction holds it: smaller batches there, so a post
# never waits behind a long one.
SQLITE_MAX_BATCH = 16
# Behind a backlog (a full batch leased) the next batch may be up to this many times
# REKAP_RECHECK_BATCH: the engine's work per kecamatan is shared by every unit of a batch in it,
# so one large batch costs less per unit than several small ones (docs/verification.md).
BACKLOG_GROWTH = 4


def next_batch(base: int, current: int, leased: int) -> int:
    """The next pass's batch size: twice the current one after a full batch (a backlog), up to
    BACKLOG_GROWTH x base; back to base once a pass found fewer units than it asked for."""
    if leased >= current:
        return min(current * 2, base * BACKLOG_GROWTH)
    return base


def _drain_step(settings: Settings) -> Callable[[Engine], Step]:
    """One batch of the queue on the thread's engine; more may wait while a batch was leased."""

    def make(engine: Engine) -> Step:
        name = drainer_name()
        base = settings.recheck_batch
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            base = min(base, SQLITE_MAX_BATCH)
        batch = base

        def step() -> bool:
            nonlocal batch
            counts = drain_rechecks(
                lambda: session_scope(engine),
                batch,
                drainer=name,
                lease_seconds=settings.recheck_lease_seconds,
            )
            if not sqlite:  # SQLite keeps its short batches (one write lock)
                batch = next_batch(base, batch, counts.leased)
            if counts.timings is not None and log.isEnabledFor(logging.DEBUG):
                t = counts.timings
                log.debug(
                    "recheck batch leased=%d done=%d released=%d lease=%.4f lock=%.4f "
                    "verify=%.4f finish=%.4f commit=%.4f cpu=%.4f oldest_wait=%.4f",
                    counts.leased, counts.done, counts.released, t.lease, t.lock, t.verify,
                    t.finish, t.commit, t.cpu, t.oldest_wait,
                )  # fmt: skip
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
