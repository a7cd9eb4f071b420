"""`rekap import regions|paslon|...`: load Sirekap-format data.

The database and the importers load inside each command, so `rekap --help` and every other
command start without SQLAlchemy (tests/test_startup.py)."""

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from app.cli.lazy import session_scope

if TYPE_CHECKING:
    from app.services.sirekap_import import SirekapReport

app = typer.Typer(help="Import Sirekap-format data", no_args_is_help=True)


@app.command("regions")
def regions_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Sirekap regions JSON"),
    with_tps: bool = typer.Option(False, help="also create the TPS listed in the file"),
) -> None:
    """Regions from a `[{nama, kode, tingkat}]` list or a nested kabupaten→desa→TPS file."""
    from app.services.importers import import_regions

    with session_scope() as session:
        counts = import_regions(session=session, path=file, with_tps=with_tps)
    typer.echo(f"regions added: {counts.regions}, TPS added: {counts.tps}")


@app.command("paslon")
def paslon_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Sirekap paslon JSON"),
    contest_code: str = typer.Option(
        None, "--contest-code", help="pkwkp, pkwkk or ppwp; default: from the file name"
    ),
) -> None:
    """Candidates `{region: {sirekap id: {nama, nomor_urut}}}`; contests are created as needed."""
    from app.services.importers import import_paslon

    code = contest_code or next((c for c in ("pkwkp", "pkwkk", "ppwp") if c in file.name), None)
    if code is None:
        raise typer.BadParameter(
            "cannot tell the contest from the file name", param_hint="--contest-code"
        )
    with session_scope() as session:
        counts = import_paslon(session=session, path=file, contest_code=code)
    typer.echo(f"contests added: {counts.contests}, paslon added: {counts.paslon}")


@app.command("sirekap")
def sirekap_cmd(
    path: Path = typer.Argument(..., exists=True, help="a record, a folder or a zip of records"),
    recheck: bool = typer.Option(
        True, help="recheck the imported kecamatan now (--no-recheck: later, by `rekap recheck`)"
    ),
) -> None:
    """Sirekap per-TPS records (Pemilu 2024 `hhcw`, named <TPS code>.json) as source sirekap.

    Every record is checked before anything is written, and the import is one transaction: a
    bad record (malformed JSON, a file not named after a TPS, a value that is not a count) stops
    it with exit status 2 naming the file and the line or field. The recheck that follows
    commits per batch of kecamatan; if it is interrupted, `rekap recheck` finishes it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.services.recheck_bulk import RecheckStats, plan_batches, recheck_batch
    from app.services.sirekap_import import count_breaches, store_records

    started = time.perf_counter()
    labels = {"read": "reading records", "write": "writing rows", "recheck": "recheck (kecamatan)"}
    columns = (TextColumn("{task.description:22}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(labels["read"], total=None)

        def step(stage: str, done: int, total: int) -> None:
            bar.update(task, description=labels[stage], completed=done, total=total)

        with session_scope() as session:
            report = store_records(session=session, path=path, progress=step)
        imported_s = time.perf_counter() - started
        if recheck and report.kecamatan:
            wanted = set(report.kecamatan)
            with session_scope() as session:
                batches = [
                    [k for k in batch if k in wanted] for batch in plan_batches(session=session)
                ]
            stats = RecheckStats()
            for codes in filter(None, batches):
                with session_scope() as session:
                    stats.add(recheck_batch(session=session, codes=codes, lock=True))
                step("recheck", stats.kecamatan, len(wanted))
            with session_scope() as session:
                report.breaches = count_breaches(session, report.tps_codes)
    _print_report(report, imported_s, time.perf_counter() - started, recheck)


def _print_report(
    report: "SirekapReport", imported_s: float, total_s: float, recheck: bool
) -> None:
    typer.echo(
        f"files: {report.files}, imported: {report.imported}, unchanged: {report.unchanged}, "
        f"not digitised (skipped): {report.not_digitised}; "
        f"regions created: {report.regions_created}, TPS created: {report.tps_created}"
    )
    typer.echo(f"committed in {imported_s:.1f} s" + (f", rechecked by {total_s:.1f} s" if recheck
               else "; not rechecked yet: run `rekap recheck`"))  # fmt: skip
    for rule, count in sorted(report.breaches.items()):
        typer.echo(f"  {rule}: {count}")
