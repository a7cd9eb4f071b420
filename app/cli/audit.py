"""`rekap audit verify|checkpoint`: recompute the audit hash chain; print its head."""

import typer

from app.db import session_scope
from app.services.audit import check_checkpoint, get_checkpoint, verify_chain

app = typer.Typer(help="The tamper-evident audit trail")


def _parse_checkpoint(text: str) -> tuple[int, str]:
    count, _, head_hash = text.partition(":")
    if not count.isdigit() or len(head_hash) != 64:
        raise typer.BadParameter("expected COUNT:HASH, e.g. 1200:3f5a… (64 hex digits)")
    return int(count), head_hash.lower()


@app.command("verify")
def verify(
    checkpoint: str | None = typer.Option(
        None, "--checkpoint", help="COUNT:HASH recorded earlier from GET /api/v1/audit/checkpoint"
    ),
) -> None:
    """Recompute every hash; exit 1 naming the first record that does not match."""
    expected = _parse_checkpoint(checkpoint) if checkpoint else None
    with session_scope() as session:
        fault = verify_chain(session=session)
        if fault is None and expected is not None:
            fault = check_checkpoint(session=session, count=expected[0], head_hash=expected[1])
        head = get_checkpoint(session=session)
    if fault is not None:
        typer.echo(f"BROKEN: {fault.describe()}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {head.count} records, head {head.head_hash}")


@app.command("checkpoint")
def checkpoint() -> None:
    """Print COUNT:HASH and the time (the same as GET /api/v1/audit/checkpoint)."""
    with session_scope() as session:
        cp = get_checkpoint(session=session)
    at = cp.at.isoformat() if cp.at else "-"
    typer.echo(f"{cp.count}:{cp.head_hash}\t{at}")
