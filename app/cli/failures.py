"""The one place where `rekap` turns a failure into a message on stderr and an exit status.

AppError subclasses carry their own `exit_code` (app/errors.py), shared with the HTTP mapping;
an unreachable database is 5; anything else is a one-line message and 1. The traceback is only
printed under `rekap --debug`, so nothing an operator did ends in a raw traceback.
"""

import traceback
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from app.errors import AppError, ExitCode


def describe_failure(exc: BaseException) -> tuple[list[str], ExitCode]:
    """The lines to print on stderr and the exit status for an exception a command raised."""
    if isinstance(exc, AppError):
        lines = [f"error: {exc.detail}"]
        lines += [f"  {name}: {reason}" for name, reason in (exc.fields or {}).items()]
        return lines, exc.exit_code
    if _is_database_unreachable(exc):
        return [f"error: database unavailable: {_first_line(exc)}"], ExitCode.UNAVAILABLE
    name = type(exc).__name__
    hint = "rerun with `rekap --debug ...` for the traceback"
    return [f"error: unexpected {name}: {_first_line(exc)} ({hint})"], ExitCode.UNEXPECTED


def _is_database_unreachable(exc: BaseException) -> bool:
    # Imported here: sqlalchemy is loaded anyway by the time a command touched a database.
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else "(no message)"


class RekapGroup(TyperGroup):
    """The root `rekap` command: every subcommand runs inside its failure mapping."""

    def invoke(self, ctx: Any) -> Any:
        """Run the subcommand; map what it raises to stderr lines and an exit status."""
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort):
            raise  # usage errors (2), typer.Exit and Ctrl-C keep their own handling
        except Exception as exc:
            lines, code = describe_failure(exc)
            if ctx.params.get("debug"):
                traceback.print_exc()
            for line in lines:
                typer.echo(line, err=True)
            raise typer.Exit(int(code)) from None
