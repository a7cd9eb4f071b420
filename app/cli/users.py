"""`rekap users create|list|disable`: people who sign in (roles admin, ppk, bawaslu)."""

import getpass

import typer

from app.db import session_scope
from app.errors import AppError
from app.services.auth import create_user, disable_user, list_users

app = typer.Typer(help="People who sign in: admin, ppk (kecamatan), bawaslu (region)")


def cli_actor() -> str:
    """How the audit trail names an operator at the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def fail(exc: AppError) -> typer.Exit:
    """Print an error on stderr; the caller raises the returned Exit(1)."""
    typer.echo(f"error: {exc.detail}", err=True)
    return typer.Exit(1)


@app.command("create")
def create(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="at least 8 characters; asked for (hidden) when left out",
    ),
    role: str = typer.Option(..., "--role", help="admin, ppk or bawaslu"),
    scope: list[str] = typer.Option(
        [], "--scope", help="kecamatan code (ppk) or region prefix (bawaslu); repeatable"
    ),
) -> None:
    """Create a user; ppk and bawaslu need at least one --scope."""
    try:
        with session_scope() as session:
            create_user(
                session=session,
                username=username,
                password=password,
                role=role,
                scopes=tuple(scope),
                actor=cli_actor(),
            )
    except AppError as exc:
        raise fail(exc) from exc
    typer.echo(f"created {role} {username}" + (f" scope {' '.join(scope)}" if scope else ""))


@app.command("list")
def list_() -> None:
    """Every user: name, role, scopes, status."""
    with session_scope() as session:
        for user in list_users(session=session):
            status = "disabled" if user.disabled else "active"
            scopes = ",".join(user.scopes) or "-"
            typer.echo(f"{user.username}\t{user.role}\t{scopes}\t{status}")


@app.command("disable")
def disable(username: str = typer.Argument(...)) -> None:
    """Disable a user; their tokens stop working at once."""
    try:
        with session_scope() as session:
            disable_user(session=session, username=username, actor=cli_actor())
    except AppError as exc:
        raise fail(exc) from exc
    typer.echo(f"disabled {username}")
