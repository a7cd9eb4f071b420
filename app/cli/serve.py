"""`rekap serve`: run the API with uvicorn (and, on the embedded default, one reading worker)."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from types import FrameType

import typer


def start_embedded_worker() -> subprocess.Popen[bytes]:
    """`rekap worker -w 1` as a child process, so `make run` reads photos with no second command."""
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    code = "import sys; from app.cli import main; sys.argv = ['rekap', 'worker', '-w', '1']; main()"
    # Its own process group, so stop_worker can reach huey's worker processes too.
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, process_group=0, preexec_fn=_die_with_parent()
    )


def _die_with_parent() -> Callable[[], None]:
    """What the worker child runs before exec: Linux sends it SIGTERM when `rekap serve` dies,
    even by SIGKILL, so no orphan keeps taking jobs with old settings (the lease requeues its
    job). ctypes loads here, in the parent (not on every `rekap` start, nor after the fork)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        if sys.platform.startswith("linux"):
            libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG

    return arm


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # uvicorn restores this handler after its graceful shutdown and re-raises the SIGTERM it
    # caught; Python's default would end the process at once, skipping `finally` (the worker).
    raise SystemExit(128 + signum)


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT lets the running job finish (huey's graceful stop); after 15 s, or if anything of
    the worker is left, its whole process group is killed (a huey process must not outlive it)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the group is empty: everything stopped by itself
    proc.wait()


def register(app: typer.Typer) -> None:
    """Add the serve command."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="interface to bind"),
        port: int = typer.Option(8000, help="TCP port"),
        workers: int = typer.Option(1, help="uvicorn worker processes"),
    ) -> None:
        """Run the API (OpenAPI docs at /docs)."""
        import uvicorn

        from app.config import get_settings

        settings = get_settings()
        settings.signing_secret()  # refuse an unsafe key here, with a message, not a traceback
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        worker = start_embedded_worker() if settings.run_embedded_worker else None
        try:
            # proxy_headers off: X-Forwarded-For is judged by app/api/client.py alone
            # (REKAP_TRUSTED_PROXIES); uvicorn would otherwise believe any 127.0.0.1 peer.
            uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, proxy_headers=False)
        finally:
            if worker is not None:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not cut this
                stop_worker(worker)
