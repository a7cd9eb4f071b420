"""`rekap keys create|list|revoke`: per-device API keys (KPPS and witness apps), one or in bulk."""

from pathlib import Path

import typer

from app.cli.lazy import session_scope
from app.cli.output import echo_json, json_option, read_text, secret_file, sync
from app.cli.users import cli_actor

app = typer.Typer(help="Device API keys, each bound to one TPS (or one kecamatan)")


@app.command("create")
def create(
    tps: str | None = typer.Option(None, "--tps", help="TPS code (13 digits) or kecamatan (6)"),
    label: str | None = typer.Option(None, "--label", help="e.g. the phone or the officer"),
    from_file: Path | None = typer.Option(
        None, "--from", exists=True, dir_okay=False, help="CSV: tps[,label] per line"
    ),
    out: Path | None = typer.Option(
        None, "--out", help="with --from: new file (mode 600) that receives the keys, once"
    ),
) -> None:
    """Create a key and print it ONCE, or one key per line of --from into --out; only hashes
    are kept. A file is checked whole first: any bad line and nothing is created."""
    if from_file is not None:
        if tps is not None or label is not None or out is None:
            raise typer.BadParameter("--from needs --out, and not --tps or --label")
        _create_from(from_file, out)
        return
    if tps is None:
        raise typer.BadParameter("give --tps CODE, or --from FILE.csv --out KEYS.csv")
    from app.services.auth import create_device_key

    with session_scope() as session:
        new = create_device_key(session=session, region_code=tps, label=label, actor=cli_actor())
        key_id, secret = new.key.key_id, new.secret
    typer.echo(f"key id: {key_id} (bound to {tps})", err=True)
    typer.echo("the key below is shown once; send it as the X-API-Key header", err=True)
    typer.echo(secret)


def _create_from(from_file: Path, out: Path) -> None:
    import csv

    from app.domain.onboarding import parse_key_rows
    from app.services.device_keys import create_device_keys

    rows, problems = parse_key_rows(read_text(from_file))
    with secret_file(out) as handle, session_scope() as session:
        batch = create_device_keys(
            session=session, rows=rows, actor=cli_actor(), known_problems=problems
        )
        writer = csv.writer(handle)
        writer.writerow(["key_id", "tps", "label", "key"])
        writer.writerows((k.key_id, k.region_code, k.label or "", k.secret) for k in batch.keys)
        sync(handle)  # on disk before the commit makes the keys valid
    typer.echo(
        f"created {len(batch.keys)} keys; each is in {out} (mode 600) and nowhere else: "
        "give every device its own line, then keep or destroy the file"
    )


@app.command("list")
def list_(
    region: str | None = typer.Option(None, "--region", help="only keys bound under this code"),
    as_json: bool = json_option(),
) -> None:
    """Every key (or those under --region): id, bound code, label, created, revoked; never the
    secret."""
    from app.schemas.auth import DeviceKeyRead
    from app.services.auth import list_device_keys
    from app.services.device_keys import list_device_keys_under

    with session_scope() as session:
        if region is None:
            keys = list_device_keys(session=session)
        else:
            keys = list_device_keys_under(session=session, region_code=region)
        shown = [DeviceKeyRead.model_validate(k, from_attributes=True) for k in keys]
    if as_json:
        echo_json(shown)
        return
    for key in shown:
        revoked = key.revoked_at.isoformat() if key.revoked_at else "active"
        created = key.created_at.isoformat()
        typer.echo(f"{key.key_id}\t{key.region_code}\t{key.label or '-'}\t{created}\t{revoked}")


@app.command("revoke")
def revoke(
    key_id: str | None = typer.Argument(None, help="the key id, e.g. k_1a2b3c4d"),
    region: str | None = typer.Option(
        None, "--region", help="revoke every key bound under this region code (0: all)"
    ),
) -> None:
    """Revoke a key, or every live key under --region; they stop working at once."""
    if (key_id is None) == (region is None):
        raise typer.BadParameter("give a KEY_ID or --region CODE")
    from app.services.auth import revoke_device_key
    from app.services.device_keys import revoke_device_keys_under

    with session_scope() as session:
        if region is None:
            assert key_id is not None
            revoke_device_key(session=session, key_id=key_id, actor=cli_actor())
            revoked = [key_id]
        else:
            revoked = revoke_device_keys_under(
                session=session, region_code=region, actor=cli_actor()
            )
    typer.echo(
        f"revoked {key_id}" if region is None else f"revoked {len(revoked)} keys under {region}"
    )
