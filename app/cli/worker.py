"""`rekap worker` (huey consumer of reading jobs) and `rekap ocr reread` (a new engine version)."""

import os
import time

import typer

from app.worker.reread import finished_count, queue_rereads

ocr_app = typer.Typer(help="Photo reading jobs", no_args_is_help=True)


def run_worker(workers: int) -> None:
    """Run a huey consumer with process workers until SIGINT/SIGTERM, and beside it the audit
    chainer (README "Audit trail") and the recheck drainer (app/worker/recheck.py)."""
    # Tesseract/OpenMP would start a thread per core in every process: one is enough (notes).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from app.config import get_settings
    from app.worker.chaining import start_chainer
    from app.worker.recheck import start_drainer
    from app.worker.tasks import huey

    consumer = huey.create_consumer(
        workers=workers, worker_type="process", periodic=True, check_worker_health=True
    )
    chainer, stop_chainer = start_chainer(get_settings())
    drainer, stop_drainer = start_drainer(get_settings())
    try:
        consumer.run()
    finally:
        stop_chainer.set()  # an unfinished batch rolls back and is chained by the next worker
        chainer.join(timeout=5)
        stop_drainer.set()  # a batch in hand rolls back; its lease expires
        drainer.join(timeout=5)


def register(app: typer.Typer) -> None:
    """Add `rekap worker` and the `rekap ocr` group."""

    @app.command()
    def worker(
        workers: int = typer.Option(1, "--workers", "-w", help="worker processes"),
    ) -> None:
        """Read uploaded photos in the background (also sweeps lost and expired jobs), link the
        audit outbox into the chain and drain the recheck queue."""
        run_worker(workers)

    app.add_typer(ocr_app, name="ocr")


@ocr_app.command()
def reread(
    engine_version: str | None = typer.Option(
        None, help="skip photos already read by this engine version"
    ),
    wait: bool = typer.Option(True, help="show progress until every job is done"),
) -> None:
    """Queue a new reading of every photo (for a new digit model) and follow the progress."""
    job_ids = queue_rereads(engine_version)
    typer.echo(f"queued {len(job_ids)} reading jobs")
    if wait and job_ids:
        _follow(job_ids)


def _follow(job_ids: list[int]) -> None:
    """A rich progress bar over the jobs' rows (the table is the truth, not the queue)."""
    from rich.progress import Progress  # here: every `rekap` start imports this module

    with Progress() as progress:
        task = progress.add_task("reading photos", total=len(job_ids))
        while True:
            finished = finished_count(job_ids)
            progress.update(task, completed=finished)
            if finished >= len(job_ids):
                break
            time.sleep(1.0)
