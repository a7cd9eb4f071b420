"""`rekap`: the command line (Typer). Each command group lives in its own module."""

import typer

from app.cli import db as db_cli
from app.cli import demo as demo_cli
from app.cli import forms as forms_cli
from app.cli import importers as import_cli
from app.cli import serve as serve_cli

app = typer.Typer(help="rekap-audit: vote recapitulation verification", no_args_is_help=True)
app.add_typer(db_cli.app, name="db")
app.add_typer(import_cli.app, name="import")
app.add_typer(forms_cli.app, name="forms")
serve_cli.register(app)
demo_cli.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
