"""The audit chainer's loop in `rekap worker`: a thread that chains the outbox every poll.

Every worker runs it; the chain lock picks one at a time (the others' batches skip), so workers
on several machines are safe together. A failed batch (the database gone, a lost connection) is
logged and retried at the next poll: its transaction rolled back, so nothing is lost.
"""

import threading

from sqlalchemy.engine import Engine

from app.config import Settings
from app.services.audit_chainer import Chainer
from app.worker.polling import Step, start_polling


def start_chainer(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """Start the chainer's loop (app/worker/polling.py): at once again while batches are full,
    else every REKAP_AUDIT_CHAIN_POLL; set the returned event to stop it."""

    def make(engine: Engine) -> Step:
        chainer = Chainer(engine, batch=settings.audit_chain_batch)
        return lambda: chainer.run_once() >= chainer.batch

    poll = settings.audit_chain_poll
    return start_polling("audit-chainer", settings, make_step=make, poll=poll, retry=poll)
