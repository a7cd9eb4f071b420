"""`rekap audit verify|checkpoint`: recompute the audit hash chain; print its head."""

import typer

from app.db import session_scope
from app.services.audit import get_checkpoint, verify_chain

app = typer.Typer(help="The tamper-evident audit trail")


@app.command("verify")
def verify() -> None:
    """Recompute every hash; exit 1 naming the first record that does not match."""
    with session_scope() as session:
        fault = verify_chain(session=session)
        checkpoint = get_checkpoint(session=session)
    if fault is not None:
        typer.echo(f"BROKEN: {fault.describe()}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {checkpoint.count} records, head {checkpoint.head_hash}")


@app.command("checkpoint")
def checkpoint() -> None:
    """Print the head hash and record count (the same as GET /api/v1/audit/checkpoint)."""
    with session_scope() as session:
        cp = get_checkpoint(session=session)
    at = cp.at.isoformat() if cp.at else "-"
    typer.echo(f"{cp.head_hash}\t{cp.count}\t{at}")
