"""`rekap db upgrade|downgrade|current`: migrations."""

import typer

app = typer.Typer(help="Database migrations", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app.services.migrations import upgrade_database  # alembic: ~0.2 s, only here

    upgrade_database(revision=revision)
    typer.echo(f"database upgraded to {revision}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base")) -> None:
    """Revert migrations down to REVISION."""
    from app.services.migrations import downgrade_database

    downgrade_database(revision=revision)
    typer.echo(f"database downgraded to {revision}")
