"""`rekap serve` as a real subprocess on a fresh migrated database, and its process tree read
from /proc (no psutil), for tests of signals and of what uvicorn does with proxy headers."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SERVE = "import sys; from app.cli import main; sys.argv = ['rekap', 'serve', *sys.argv[1:]]; main()"


@dataclass(frozen=True)
class Served:
    """A running `rekap serve` and its base URL."""

    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(database_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a served test instance: its own database, data and queue."""
    return {
        **os.environ,
        "REKAP_DATABASE_URL": database_url,
        "REKAP_DATA_DIR": str(data_dir),
        "REKAP_QUEUE_URL": f"sqlite:///{data_dir / 'queue.db'}",
        "REKAP_STORAGE_URL": f"file://{data_dir / 'photos'}",
        "REKAP_OCR_ENGINE": "fake",
        "REKAP_LOG_FORMAT": "console",
        **overrides,
    }


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Served]:
    """Start `rekap serve` on a free port, wait until /healthz answers, SIGKILL it at the end
    if the test left it running."""
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(proc, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_healthy(served)
        yield served
    finally:
        if proc.poll() is None:
            for pid in descendants(proc.pid):
                _kill(pid)
            proc.kill()
            proc.wait()


def _wait_until_healthy(served: Served, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.proc.poll() is not None:
            raise AssertionError(f"rekap serve exited early:\n{served.log.read_text()}")
        try:
            if httpx.get(f"{served.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"rekap serve did not answer:\n{served.log.read_text()}")


def children(pid: int) -> list[int]:
    """Direct children of a process (from every thread's /proc children list)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every process below pid, children first."""
    below: list[int] = []
    for child in children(pid):
        below += [child, *descendants(child)]
    return below


def alive(pid: int) -> bool:
    """Whether pid is a running process (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait up to timeout seconds for the processes to end; returns those still alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except OSError:
        pass
