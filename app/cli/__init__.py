"""`rekap`: the command line (Typer). Each command group lives in its own module."""

import typer

from app.cli import audit as audit_cli
from app.cli import bench as bench_cli
from app.cli import db as db_cli
from app.cli import demo as demo_cli
from app.cli import forms as forms_cli
from app.cli import importers as import_cli
from app.cli import keys as keys_cli
from app.cli import ocr as ocr_cli  # noqa: F401  (adds `rekap ocr read` to the ocr group)
from app.cli import recheck as recheck_cli
from app.cli import serve as serve_cli
from app.cli import users as users_cli
from app.cli import worker as worker_cli
from app.errors import AppError

app = typer.Typer(help="rekap-audit: vote recapitulation verification", no_args_is_help=True)
app.add_typer(db_cli.app, name="db")
app.add_typer(import_cli.app, name="import")
app.add_typer(forms_cli.app, name="forms")
app.add_typer(users_cli.app, name="users")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(bench_cli.app, name="bench")
serve_cli.register(app)
demo_cli.register(app)
recheck_cli.register(app)
worker_cli.register(app)


def main() -> None:
    """Console-script entry point: an AppError becomes its message and exit status 1."""
    try:
        app()
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        for name, reason in (exc.fields or {}).items():
            typer.echo(f"  {name}: {reason}", err=True)
        raise SystemExit(1) from None
