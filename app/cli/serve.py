"""`rekap serve`: run the API with uvicorn (and, on the embedded default, one reading worker)."""

import os
import signal
import subprocess
import sys

import typer
import uvicorn

from app.config import get_settings


def start_embedded_worker() -> subprocess.Popen[bytes]:
    """`rekap worker -w 1` as a child process, so `make run` reads photos with no second command."""
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    code = "import sys; from app.cli import main; sys.argv = ['rekap', 'worker', '-w', '1']; main()"
    return subprocess.Popen([sys.executable, "-c", code], env=env)


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT lets the running job finish (huey's graceful stop); kill after 15 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
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
        worker = start_embedded_worker() if get_settings().run_embedded_worker else None
        try:
            uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, proxy_headers=True)
        finally:
            if worker is not None:
                stop_worker(worker)
