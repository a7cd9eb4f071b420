"""`rekap import regions|paslon|...`: load Sirekap-format data."""

from pathlib import Path

import typer

from app.db import session_scope
from app.services.importers import import_paslon, import_regions
from app.services.sirekap_import import import_sirekap

app = typer.Typer(help="Import Sirekap-format data", no_args_is_help=True)


@app.command("regions")
def regions_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Sirekap regions JSON"),
    with_tps: bool = typer.Option(False, help="also create the TPS listed in the file"),
) -> None:
    """Regions from a `[{nama, kode, tingkat}]` list or a nested kabupaten→desa→TPS file."""
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
) -> None:
    """Sirekap per-TPS records (Pemilu 2024 `hhcw`, named <TPS code>.json) as source sirekap."""
    with session_scope() as session:
        report = import_sirekap(session=session, path=path)
    typer.echo(
        f"files: {report.files}, imported: {report.imported}, unchanged: {report.unchanged}, "
        f"not digitised (skipped): {report.not_digitised}, unreadable: {len(report.unreadable)}; "
        f"regions created: {report.regions_created}, TPS created: {report.tps_created}"
    )
    for name in report.unreadable:
        typer.echo(f"  unreadable: {name}", err=True)
    for rule, count in sorted(report.breaches.items()):
        typer.echo(f"  {rule}: {count}")
