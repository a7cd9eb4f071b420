"""`rekap recheck [--region CODE]`: full recheck of accepted values and discrepancies."""

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.db import session_scope
from app.services.recheck_bulk import recheck_all


def register(app: typer.Typer) -> None:
    """Add the recheck command."""

    @app.command()
    def recheck(
        region: str = typer.Option(None, help="only this region (code prefix); default: all"),
    ) -> None:
        """Re-derive every accepted value and discrepancy (under a region), with a progress bar."""
        started = time.perf_counter()
        columns = (
            TextColumn("kecamatan"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns) as bar, session_scope() as session:
            task = bar.add_task("recheck", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            stats = recheck_all(session=session, region=region, progress=step)
        elapsed = time.perf_counter() - started
        typer.echo(
            f"rechecked {stats.tps} TPS in {stats.kecamatan} kecamatan in {elapsed:.1f} s: "
            f"{stats.results_written} accepted-value rows written, {stats.findings} findings"
        )
