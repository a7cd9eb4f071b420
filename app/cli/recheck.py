"""`rekap recheck [--region CODE]`: full recheck of accepted values and discrepancies."""

import time

import typer

from app.cli.lazy import session_scope


def register(app: typer.Typer) -> None:
    """Add the recheck command."""

    @app.command()
    def recheck(
        region: str = typer.Option(None, help="only this region (code prefix); default: all"),
        jobs: int = typer.Option(
            2, min=1, max=16, help="batches at once on PostgreSQL, each on its own connection"
        ),
    ) -> None:
        """Re-derive every accepted value and discrepancy (under a region), with a progress bar.

        Each batch of kecamatan is its own transaction, holding those kecamatan's locks, so the
        API keeps serving writes elsewhere while a national recheck runs; on PostgreSQL `jobs`
        batches run at once (SQLite writes one at a time)."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from app.services.recheck_bulk import (
            RecheckStats,
            analyze_results,
            plan_batches,
            recheck_batch,
            run_batches,
        )

        started = time.perf_counter()
        with session_scope() as session:
            batches = plan_batches(session=session, region=region)
            if session.get_bind().dialect.name != "postgresql":
                jobs = 1

        def one(codes: list[str]) -> RecheckStats:
            with session_scope() as session:
                return recheck_batch(session=session, codes=codes, lock=True)

        def analyze() -> None:
            with session_scope() as session:
                analyze_results(session)

        columns = (TextColumn("kecamatan"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns) as bar:
            task = bar.add_task("recheck", total=sum(len(b) for b in batches))
            stats = run_batches(
                batches,
                one,
                jobs=jobs,
                progress=lambda done, _: bar.update(task, completed=done),
                between=analyze,
            )
        elapsed = time.perf_counter() - started
        typer.echo(
            f"rechecked {stats.tps} TPS in {stats.kecamatan} kecamatan in {elapsed:.1f} s: "
            f"{stats.results_written} accepted-value rows written, {stats.findings} findings"
        )
