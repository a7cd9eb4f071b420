"""The loop `rekap worker`'s background threads share (the audit chainer, the recheck drainer).

Each thread has its own engine (huey's worker processes are forked from this process and must not
share its connections), does every piece of database work inside `no_fork()` (see
app/worker/forkguard.py), repeats at once while its step says there is more to do, else waits
`poll` seconds, and after a failed step (its transaction rolled back, nothing lost) logs it and
waits `retry` seconds.
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import build_engine
from app.worker.forkguard import no_fork

log = logging.getLogger(__name__)

Step = Callable[[], bool]  # one batch; True when more work may be waiting right away


def poll_forever(
    settings: Settings,
    stop: threading.Event,
    *,
    make_step: Callable[[Engine], Step],
    poll: float,
    retry: float,
    what: str,
) -> None:
    """Run the step built on this thread's engine until `stop` is set."""
    with no_fork():
        engine = build_engine(settings.database_url, busy_timeout=settings.sqlite_busy_timeout)
        step = make_step(engine)
    try:
        while not stop.is_set():
            try:
                with no_fork():
                    more = step()
            except Exception:
                log.exception("%s failed", what)
                stop.wait(retry)
                continue
            if not more:
                stop.wait(poll)
    finally:
        with no_fork():
            engine.dispose()


def start_polling(
    name: str,
    settings: Settings,
    *,
    make_step: Callable[[Engine], Step],
    poll: float,
    retry: float,
) -> tuple[threading.Thread, threading.Event]:
    """Start the loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=poll_forever,
        args=(settings, stop),
        kwargs={"make_step": make_step, "poll": poll, "retry": retry, "what": name},
        name=name,
        daemon=True,
    )
    thread.start()
    return thread, stop
