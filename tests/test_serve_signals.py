"""`rekap serve` with its embedded worker: however serve is stopped, the worker goes with it
(an orphan would keep taking jobs with the old settings)."""

import os
import signal
import time
from pathlib import Path

import pytest

from app.services.migrations import upgrade_database
from tests.conftest import FreshDatabase
from tests.serving import alive, descendants, serve_env, serving, wait_gone


@pytest.fixture
def served_env(fresh_database: FreshDatabase, tmp_path: Path) -> dict[str, str]:
    """A migrated database of the backend under test; the embedded worker on."""
    url = fresh_database.create()
    upgrade_database(url=url)
    return serve_env(url, tmp_path, REKAP_RUN_EMBEDDED_WORKER="true")


def _worker_tree(pid: int) -> list[int]:
    """The embedded worker (huey consumer) and its scheduler and worker processes, once started."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tree = descendants(pid)
        if len(tree) >= 3:
            # huey sets its signal handlers just after starting both; before that a signal would
            # find Python's defaults (a test artefact of stopping within a second of starting).
            time.sleep(1.0)
            return descendants(pid)
        time.sleep(0.1)
    raise AssertionError(f"no worker tree under {pid}: {descendants(pid)}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_serve_stops_its_worker(served_env: dict[str, str], tmp_path: Path, sig: int):
    with serving(served_env, tmp_path / "serve.log") as served:
        tree = _worker_tree(served.proc.pid)
        served.proc.send_signal(sig)
        served.proc.wait(timeout=30)
        left = wait_gone(tree, timeout=10)
        for pid in left:  # do not leave an orphan taking jobs after a failed run
            os.kill(pid, signal.SIGKILL)
        assert left == [], (
            f"after {signal.Signals(sig).name} to serve these stayed: {left}\n"
            + served.log.read_text()
        )
    assert not alive(served.proc.pid)
