"""`rekap`: the command line (Typer). Each command group lives in its own module."""

import typer

from app.cli import audit as audit_cli
from app.cli import bench as bench_cli
from app.cli import db as db_cli
from app.cli import demo as demo_cli
from app.cli import discrepancies as discrepancies_cli
from app.cli import forms as forms_cli
from app.cli import importers as import_cli
from app.cli import jobs as jobs_cli
from app.cli import keys as keys_cli
from app.cli import ocr as ocr_cli  # noqa: F401  (adds `rekap ocr read` to the ocr group)
from app.cli import recheck as recheck_cli
from app.cli import serve as serve_cli
from app.cli import users as users_cli
from app.cli import worker as worker_cli
from app.cli.failures import RekapGroup
from app.cli.lazy import defer_typer_coercion

defer_typer_coercion()  # sub-command help without pydantic (app/cli/lazy.py)

app = typer.Typer(
    cls=RekapGroup,
    help="rekap-audit: vote recapitulation verification",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold new keys and passwords
)
app.add_typer(db_cli.app, name="db")
app.add_typer(import_cli.app, name="import")
app.add_typer(forms_cli.app, name="forms")
app.add_typer(users_cli.app, name="users")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(discrepancies_cli.app, name="discrepancies")
app.add_typer(jobs_cli.app, name="jobs")
app.add_typer(bench_cli.app, name="bench")
serve_cli.register(app)
demo_cli.register(app)
recheck_cli.register(app)
worker_cli.register(app)


@app.callback()
def root(
    debug: bool = typer.Option(  # noqa: ARG001  (read by RekapGroup from the context)
        False, "--debug", help="print the traceback of a failure"
    ),
) -> None:
    """rekap-audit: vote recapitulation verification. Exit statuses: README "Command line"."""


def main() -> None:
    """Console-script entry point; failures are mapped to exit statuses by RekapGroup."""
    app()
