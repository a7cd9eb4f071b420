"""`rekap ocr read IMAGE`: read one C.Hasil photo offline and print the reading and its checks."""

import json
from pathlib import Path

import typer

from app.cli.worker import ocr_app as app  # one `rekap ocr` group: read (here) and reread
from app.errors import ExitCode


def form_family(contest: str | None) -> str | None:
    """The template family a contest's photos must show (`ppwp-0` → ppwp-plano-2024)."""
    if contest is None:
        return None
    from app.services.ocr_reader import FORM_FAMILIES  # OpenCV: only when reading

    family = FORM_FAMILIES.get(contest.split("-", 1)[0])
    if family is None:
        raise typer.BadParameter(f"unknown contest kind in {contest!r}", param_hint="--contest")
    return family


@app.command()
def read(
    image: Path = typer.Argument(..., exists=True, dir_okay=False, help="photo (JPEG/PNG/WebP)"),
    contest: str | None = typer.Option(None, "--contest", help="contest id, e.g. ppwp-0"),
    page: int | None = typer.Option(None, "--page", min=1, help="page it should be (1-3)"),
    as_json: bool = typer.Option(False, "--json", help="print the reading as JSON"),
    annotated: Path | None = typer.Option(None, "--annotated", help="write the annotated PNG"),
) -> None:
    """Read IMAGE; exit status 0 when every field is read at or above the acceptance line
    (REKAP_OCR_MIN_CONFIDENCE), 6 when the photo could not be read or the page needs review."""
    # Submodules, not the package root: the editable install maps `ocr` as a namespace.
    from app.config import get_settings
    from ocr.annotate import annotate_page, encode_png
    from ocr.pipeline import read_page

    line = get_settings().ocr_min_confidence
    reading = read_page(image.read_bytes(), form=form_family(contest), page=page, line=line)
    if annotated is not None:
        picture = annotate_page(reading)
        if picture is not None:
            annotated.write_bytes(encode_png(picture))
    if as_json:
        typer.echo(json.dumps(reading.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_table(reading.to_dict())
    if reading.status != "read":
        raise typer.Exit(ExitCode.VERIFICATION_FAILED)


def _print_table(data: dict[str, object]) -> None:
    """A short human summary: status, each field's value and confidence, each check."""
    typer.echo(f"{data['form']} page {data['page']}: {data['status']} {data['reason'] or ''}")
    fields = data.get("fields")
    for name, f in (fields if isinstance(fields, dict) else {}).items():
        typer.echo(f"  {name:24} {f['value']!s:>6}  p={f['confidence']:.3f}  {f['digits']}")
    checks = data.get("checks")
    for c in checks if isinstance(checks, list) else []:
        typer.echo(f"  {c['code']:18} {c['status']}  {c['lhs_total']} vs {c['rhs_value']}")
