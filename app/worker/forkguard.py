"""Keep `rekap worker`'s threads out of SQLite while huey forks a worker process.

The audit chainer and the recheck drainer are threads of the process that forks huey's reading
workers (at start, and again whenever a dead worker is replaced). A fork copies only the forking
thread: if another thread is inside SQLite (or the driver) at that instant, the child inherits its
lock held forever and hangs at its first `sqlite3.connect`, so no photo is ever read. Each thread
does its database work inside `no_fork()`, and every `os.fork` first waits for that work to end.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_guard = threading.Lock()


@contextmanager
def no_fork() -> Iterator[None]:
    """Database work that a fork must not cut in two."""
    with _guard:
        yield


def _release() -> None:
    _guard.release()


# Fork waits for the guard; parent and child each release their copy (held by the forking thread).
os.register_at_fork(before=_guard.acquire, after_in_parent=_release, after_in_child=_release)
