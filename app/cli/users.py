"""`rekap users create|list|disable`: people who sign in (roles admin, ppk, bawaslu)."""

from datetime import timedelta
from pathlib import Path

import typer

from app.cli.lazy import get_settings, session_scope
from app.cli.output import echo_json, json_option, read_text, secret_file, sync

app = typer.Typer(help="People who sign in: admin, ppk (kecamatan), bawaslu (region)")


def cli_actor() -> str:
    """How the audit trail names an operator at the command line."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@app.command("create")
def create(
    username: str | None = typer.Option(None, "--username"),
    password: str | None = typer.Option(
        None, "--password", help="at least 8 characters; asked for (hidden) when left out"
    ),
    role: str | None = typer.Option(None, "--role", help="admin, ppk or bawaslu"),
    scope: list[str] = typer.Option(
        [], "--scope", help="kecamatan code (ppk) or region prefix (bawaslu); repeatable"
    ),
    from_file: Path | None = typer.Option(
        None, "--from", exists=True, dir_okay=False, help="CSV: username,role[,scopes] per line"
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="with --from: new file (mode 600) receiving one-time set-password tokens",
    ),
    valid_days: int = typer.Option(7, "--valid-days", min=1, max=90, help="token lifetime"),
) -> None:
    """Create a user (ppk and bawaslu need a --scope), or every user of --from: those get no
    password but a one-time token, written to --out, to set their own (README "Access and
    audit"). A file is checked whole first: any bad line and nothing is created."""
    if from_file is not None:
        if username or password or role or scope or out is None:
            raise typer.BadParameter("--from needs --out, and no --username/--password/--role")
        _create_from(from_file, out, timedelta(days=valid_days))
        return
    if username is None or role is None:
        raise typer.BadParameter("give --username and --role, or --from FILE.csv --out FILE")
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    from app.services.auth import create_user

    with session_scope() as session:
        create_user(
            session=session,
            username=username,
            password=password,
            role=role,
            scopes=tuple(scope),
            actor=cli_actor(),
        )
    typer.echo(f"created {role} {username}" + (f" scope {' '.join(scope)}" if scope else ""))


def _create_from(from_file: Path, out: Path, valid: timedelta) -> None:
    import csv

    from app.domain.onboarding import parse_user_rows
    from app.services.invitations import create_users

    rows, problems = parse_user_rows(read_text(from_file))
    with secret_file(out) as handle, session_scope() as session:
        made = create_users(
            session=session,
            rows=rows,
            settings=get_settings(),
            actor=cli_actor(),
            valid=valid,
            known_problems=problems,
        )
        writer = csv.writer(handle)
        writer.writerow(["username", "role", "scopes", "set_password_token", "expires_at"])
        writer.writerows(
            (u.username, u.role, " ".join(u.scopes), u.token, u.expires_at.isoformat())
            for u in made
        )
        sync(handle)  # on disk before the commit creates the accounts
    typer.echo(
        f"created {len(made)} users without a password; each one's set-password token is in "
        f"{out} (mode 600) and nowhere else (POST /api/v1/auth/set-password)"
    )


@app.command("list")
def list_(as_json: bool = json_option()) -> None:
    """Every user: name, role, scopes, status."""
    from app.schemas.auth import UserRead
    from app.services.auth import list_users

    with session_scope() as session:
        users = [
            UserRead.model_validate(u, from_attributes=True) for u in list_users(session=session)
        ]
    if as_json:
        echo_json(users)
        return
    for user in users:
        status = "disabled" if user.disabled else "active"
        typer.echo(f"{user.username}\t{user.role}\t{','.join(user.scopes) or '-'}\t{status}")


@app.command("disable")
def disable(username: str = typer.Argument(...)) -> None:
    """Disable a user; their tokens stop working at once."""
    from app.services.auth import disable_user

    with session_scope() as session:
        disable_user(session=session, username=username, actor=cli_actor())
    typer.echo(f"disabled {username}")
