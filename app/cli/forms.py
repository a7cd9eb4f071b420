"""`rekap forms render`: print our KWK plano (3 pages, PDF) for a contest or offline."""

from pathlib import Path
from typing import NoReturn

import typer

from app.cli.lazy import session_scope
from app.errors import ServiceUnavailable

app = typer.Typer(help="Printable C.Hasil forms", no_args_is_help=True)
BLANK_NAME = "." * 60  # offline: a dotted line where the officers write the names


@app.callback()
def _group() -> None:
    """Printable C.Hasil forms."""


@app.command()
def render(
    out: Path = typer.Option(..., "--out", help="PDF file to write"),
    contest: str | None = typer.Option(None, "--contest", help="contest id in the database"),
    paslon: int | None = typer.Option(None, "--paslon", help="offline: number of paslon (1-6)"),
    title: str = typer.Option("", "--title", help="offline: contest title to print"),
    dpi: float = typer.Option(150.0, "--dpi", min=50, max=300, help="raster resolution"),
) -> None:
    """Render the 3-page KWK plano for --contest ID (names from the database) or --paslon N."""
    # OpenCV and numpy load only to render: importing them costs every `rekap` command ~0.3 s.
    from ocr.forms.kwk import MAX_PASLON, kwk_form
    from ocr.forms.render import render_form_pdf

    if (contest is None) == (paslon is None):
        _fail("give either --contest ID or --paslon N (offline)")
    if contest is not None:
        from sqlalchemy.exc import SQLAlchemyError

        from app.services.forms import printable_contest

        try:
            with session_scope() as session:
                found = printable_contest(session=session, contest_id=contest)
        except SQLAlchemyError as exc:
            raise ServiceUnavailable(
                f"cannot read contests from the database ({exc.__class__.__name__}); "
                "is it migrated? (rekap db upgrade), or print offline with --paslon N"
            ) from exc
        title, names = found.title, list(found.paslon_names)
    else:
        assert paslon is not None
        if not 1 <= paslon <= MAX_PASLON:
            _fail(f"--paslon must be 1..{MAX_PASLON}, got {paslon}")
        names = [BLANK_NAME] * paslon
    form = kwk_form(len(names))
    pages = render_form_pdf(form, title, names, out, dpi=dpi)
    typer.echo(f"{out}: {form.form}, {pages} pages, {len(names)} paslon")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)
