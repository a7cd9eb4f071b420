"""`rekap demo`: load the Sumatera Selatan Pilkada 2024 demo with a progress bar."""

import time
from typing import Any

import typer

from app.cli.lazy import session_scope
from app.errors import Conflict


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command()
    def demo(
        seed: int = typer.Option(None, help="random seed (default: REKAP_DEMO_SEED)"),
        if_empty: bool = typer.Option(False, "--if-empty", help="do nothing if data exists"),
        photos: int = typer.Option(6, min=0, help="demo photos to read (0: none)"),
    ) -> None:
        """Load real Sumsel regions and candidates, synthetic TPS results, planted problems."""
        # The demo's data and rules load only for this command (~0.4 s of every start otherwise).
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from app.config import get_settings
        from app.services.demo import database_is_empty, load_demo
        from app.services.demo_accounts import create_demo_accounts
        from app.services.recheck_bulk import recheck_all

        with session_scope() as session:
            if not database_is_empty(session=session):
                if if_empty:
                    typer.echo("database already has data: demo not loaded")
                    return
                raise Conflict("the database is not empty: use a fresh database for the demo")
        started = time.perf_counter()
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns) as bar, session_scope() as session:
            task = bar.add_task("loading", total=None)

            def step(desc: str, n: int) -> None:
                bar.update(task, description=desc, advance=n)

            dataset = load_demo(
                session=session, seed=seed or get_settings().demo_seed, progress=step
            )
            accounts = create_demo_accounts(session=session)

            def rechecked(done: int, total: int) -> None:
                bar.update(task, description="recheck (kecamatan)", completed=done, total=total)

            stats = recheck_all(session=session, progress=rechecked)
        elapsed = time.perf_counter() - started
        try:
            shots = _read_demo_photos(dataset, photos, columns) if photos else None
        except Exception as exc:  # the demo's data is committed: serve it without photos
            shots = None
            typer.echo(f"demo photos skipped ({type(exc).__name__}: {exc})", err=True)
        typer.echo(
            f"demo loaded in {elapsed:.1f} s: {len(dataset.kecamatan)} kecamatan, "
            f"{sum(len(d.forms) for d in dataset.kecamatan.values())} TPS, "
            f"{len(dataset.plants)} planted problems (docs/demo.md), "
            f"{stats.findings} discrepancies found"
        )
        if shots is not None:
            typer.echo(
                f"demo photos read in {shots.seconds:.1f} s: {shots.statuses}; "
                f"{shots.review_items} fields wait in the review queue (demo-ppk)"
            )
        typer.echo('demo accounts for the console (shown once; README "The auditor\'s console"):')
        for acc in accounts:
            scope = ",".join(acc.scopes) or "*"
            typer.echo(f"  {acc.role:8} {acc.username:13} password {acc.password}  scope {scope}")


def _read_demo_photos(dataset: Any, count: int, columns: Any) -> Any:
    """Upload the demo's photos and read them with the real reader, with a progress bar."""
    from rich.progress import Progress

    from app.config import get_settings
    from app.db import get_engine
    from app.services.demo_photos import load_demo_photos
    from app.services.storage import store_for

    settings = get_settings()
    store = store_for(settings.storage_url, settings.s3_endpoint_url)
    with Progress(*columns) as bar:
        task = bar.add_task("photos", total=None)
        return load_demo_photos(
            settings=settings, engine=get_engine(), store=store, dataset=dataset, count=count,
            progress=lambda desc, n: bar.update(task, description=desc, advance=n),
        )  # fmt: skip
