"""`rekap keys create|list|revoke`: per-device API keys (KPPS and witness apps)."""

import typer

from app.cli.users import cli_actor, fail
from app.db import session_scope
from app.errors import AppError
from app.services.auth import create_device_key, list_device_keys, revoke_device_key

app = typer.Typer(help="Device API keys, each bound to one TPS (or one kecamatan)")


@app.command("create")
def create(
    tps: str = typer.Option(..., "--tps", help="TPS code (13 digits) or kecamatan code (6)"),
    label: str | None = typer.Option(None, "--label", help="e.g. the phone or the officer"),
) -> None:
    """Create a key and print it ONCE; only its hash is kept."""
    try:
        with session_scope() as session:
            new = create_device_key(
                session=session, region_code=tps, label=label, actor=cli_actor()
            )
            key_id, secret = new.key.key_id, new.secret
    except AppError as exc:
        raise fail(exc) from exc
    typer.echo(f"key id: {key_id} (bound to {tps})", err=True)
    typer.echo("the key below is shown once; send it as the X-API-Key header", err=True)
    typer.echo(secret)


@app.command("list")
def list_() -> None:
    """Every key: id, bound code, label, created, revoked (never the secret)."""
    with session_scope() as session:
        for key in list_device_keys(session=session):
            revoked = key.revoked_at.isoformat() if key.revoked_at else "active"
            label = key.label or "-"
            created = key.created_at.isoformat()
            typer.echo(f"{key.key_id}\t{key.region_code}\t{label}\t{created}\t{revoked}")


@app.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="the key id, e.g. k_1a2b3c4d")) -> None:
    """Revoke a key; it stops working at once."""
    try:
        with session_scope() as session:
            revoke_device_key(session=session, key_id=key_id, actor=cli_actor())
    except AppError as exc:
        raise fail(exc) from exc
    typer.echo(f"revoked {key_id}")
