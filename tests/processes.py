"""Real service processes for crash tests: uvicorn and `rekap worker` as subprocesses on one
fresh database, each in its own process group so SIGKILL takes it down with no goodbye."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WORKER = "import sys; from app.cli import main; sys.argv = ['rekap', 'worker', '-w', '1']; main()"
ENQUEUE = "import sys; from app.worker.enqueue import enqueue_job; enqueue_job(int(sys.argv[1]))"


def wait_for(what: str, check: Callable[[], bool], timeout: float = 90.0) -> None:
    """Poll check() until it is true; fail naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kill_hard(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group (uvicorn or the consumer and its worker processes)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class Env:
    """Environment of the service subprocesses: fresh database, own queue and photo store."""

    def __init__(self, url: str, queue_url: str, tmp: Path) -> None:
        self.vars = {
            **os.environ,
            "REKAP_DATABASE_URL": url,
            "REKAP_QUEUE_URL": queue_url,
            "REKAP_STORAGE_URL": f"file://{tmp / 'photos'}",
            "REKAP_DATA_DIR": str(tmp),
            "REKAP_RUN_EMBEDDED_WORKER": "false",
            "REKAP_RATE_LIMIT_WRITE": "1000000/minute",
            "REKAP_OCR_ENGINE": "fake-slow",
            "REKAP_OCR_LEASE_SECONDS": "3",
            "REKAP_LOG_LEVEL": "WARNING",
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def start_worker(self, fake_seconds: float) -> subprocess.Popen[bytes]:
        """`rekap worker -w 1` whose fake reader takes fake_seconds a photo."""
        env = {**self.vars, "REKAP_OCR_FAKE_SECONDS": str(fake_seconds)}
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER], env=env, cwd=ROOT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def start_server(self, port: int, timeout: float = 60.0) -> subprocess.Popen[bytes]:
        """uvicorn with the app on 127.0.0.1:port; returns once /healthz answers."""
        cmd = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
        proc = subprocess.Popen(cmd, env=self.vars, cwd=ROOT, start_new_session=True)
        self.procs.append(proc)
        wait_for("the server to answer", lambda: _healthy(port, proc), timeout=timeout)
        return proc

    def enqueue(self, job_id: int) -> None:
        """Hand a job id to the queue the way the API does after its commit."""
        cmd = [sys.executable, "-c", ENQUEUE, str(job_id)]
        subprocess.run(cmd, env=self.vars, cwd=ROOT, check=True, timeout=60)

    def run_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`rekap ARGS` on this environment's database."""
        code = (
            f"import sys; from app.cli import main; sys.argv = ['rekap', *{list(args)!r}]; main()"
        )
        return subprocess.run(
            [sys.executable, "-c", code], env=self.vars, cwd=ROOT, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip

    def kill_all(self) -> None:
        """SIGKILL every process still running."""
        for proc in self.procs:
            kill_hard(proc)


def _healthy(port: int, proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"the server exited with {proc.returncode} before answering")
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
