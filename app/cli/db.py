"""`rekap db upgrade|downgrade|current`: migrations."""

import typer

from app.services.migrations import downgrade_database, upgrade_database

app = typer.Typer(help="Database migrations", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade_database(revision=revision)
    typer.echo(f"database upgraded to {revision}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base")) -> None:
    """Revert migrations down to REVISION."""
    downgrade_database(revision=revision)
    typer.echo(f"database downgraded to {revision}")
