"""`rekap audit verify|checkpoint|chain`: recompute the audit hash chain and the content hashes
of the entities it records; print its head; link the outbox into it."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from app.cli.lazy import session_scope
from app.errors import ExitCode

if TYPE_CHECKING:
    from app.services.audit import ChainFault

app = typer.Typer(help="The tamper-evident audit trail")
# A rewritten database can break thousands of records; the first ones say enough.
SHOWN_FAULTS = 50
VERIFY_FAILED_EXIT = ExitCode.VERIFICATION_FAILED  # 6 (README "Command line")


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
    """Recompute every hash and every recorded entity's content hash; exit 6 naming each record
    that does not verify."""
    from app.config import get_settings
    from app.services.audit import check_checkpoint, get_checkpoint, verify_audit
    from app.services.audit_outbox import outbox_summary

    expected = _parse_checkpoint(checkpoint) if checkpoint else None
    with session_scope() as session:
        report = verify_audit(session=session)
        faults = list(report.faults)
        if expected is not None:
            cp_fault = check_checkpoint(session=session, count=expected[0], head_hash=expected[1])
            faults += [cp_fault] if cp_fault is not None else []
        head = get_checkpoint(session=session)
        waiting = outbox_summary(session)
    now = datetime.now(UTC)
    stale = waiting.stale(now=now, max_age=get_settings().audit_outbox_max_age)
    if faults or stale:
        _print_faults(faults)
        if stale:
            typer.echo(f"BROKEN: {stale}", err=True)
        raise typer.Exit(VERIFY_FAILED_EXIT)
    typer.echo(
        f"ok: {report.count} records, head {head.head_hash}; {report.covered} cover their "
        f"entity's content, {report.not_covered} without an entity hash (older or imports)"
    )
    if waiting.count:
        age = waiting.age_seconds(now)
        typer.echo(
            f"{waiting.count} writes wait in the outbox to be chained, the oldest {age:.1f} s"
        )


def _print_faults(faults: "list[ChainFault]") -> None:
    for fault in faults[:SHOWN_FAULTS]:
        typer.echo(f"BROKEN: {fault.describe()}", err=True)
    if len(faults) > SHOWN_FAULTS:
        typer.echo(f"BROKEN: ... and {len(faults) - SHOWN_FAULTS} more", err=True)


@app.command("checkpoint")
def checkpoint() -> None:
    """Print COUNT:HASH and the time (the same as GET /api/v1/audit/checkpoint)."""
    from app.services.audit import get_checkpoint

    with session_scope() as session:
        cp = get_checkpoint(session=session)
    at = cp.at.isoformat() if cp.at else "-"
    typer.echo(f"{cp.count}:{cp.head_hash}\t{at}")


@app.command("chain")
def chain(
    timeout: float = typer.Option(
        60.0, help="give up after this many seconds without progress (a transaction left open)"
    ),
) -> None:
    """Link every write waiting in the audit outbox into the chain (what `rekap worker` does
    continuously); safe while workers run."""
    from app.config import get_settings
    from app.db import get_engine
    from app.services.audit_chainer import Chainer
    from app.services.audit_outbox import outbox_summary

    settings = get_settings()
    chainer = Chainer(get_engine(), batch=settings.audit_chain_batch)
    chained = chainer.drain(timeout=timeout)
    with session_scope() as session:
        waiting = outbox_summary(session)
    typer.echo(f"chained {chained} writes; {waiting.count} wait in the outbox")
