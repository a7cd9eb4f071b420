"""`rekap worker` forks huey's reading workers beside its chainer and drainer threads: a fork
must wait until no thread is inside its database work (app/worker/forkguard.py). Without the
guard a worker forked while a thread was inside SQLite hung at its first connect and no photo
was ever read."""

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app.worker.forkguard import no_fork


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_fork_waits_for_the_threads_database_work_and_the_child_can_connect(
    tmp_path: Path,
) -> None:
    inside, released = threading.Event(), []

    def busy() -> None:
        with no_fork():
            conn = sqlite3.connect(tmp_path / "busy.db")
            inside.set()
            conn.execute("create table t (x)")
            time.sleep(0.3)  # a batch in progress
            conn.close()
            released.append(time.monotonic())

    thread = threading.Thread(target=busy)
    thread.start()
    assert inside.wait(5)
    pid = os.fork()
    if pid == 0:  # the child: SQLite must work at once
        try:
            sqlite3.connect(tmp_path / "child.db").execute("select 1").fetchall()
        finally:
            os._exit(0)
    forked_at = time.monotonic()
    thread.join()
    deadline = time.monotonic() + 10
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        pytest.fail("the forked child hung")
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert released and forked_at >= released[0]  # the fork waited for the work to end
