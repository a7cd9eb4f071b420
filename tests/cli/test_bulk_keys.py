"""`rekap keys create --from FILE --out FILE` and `rekap keys revoke --region`: a whole file or
nothing, every bad line named, secrets only in a new 0600 file, one audit record per batch."""

import csv
import hashlib
import stat
from pathlib import Path

from sqlmodel import Session, col, func, select

from app.models.auth import AuditRecord, DeviceKey
from app.services.auth import device_key_from_secret
from tests.chaining import chain_now
from tests.cli.conftest import MORE_TPS, Run


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_of_keys_lands_in_a_private_file_and_only_hashes_are_stored(
    rekap_run: Run, regions: list[str], session: Session, tmp_path: Path
):
    source = _write(tmp_path, "tps,label\n" + "\n".join(f"{c},HP {c[-3:]}" for c in regions))
    out = tmp_path / "keys.csv"
    audit_before = _count(session, AuditRecord)
    result = rekap_run("keys", "create", "--from", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    written = list(csv.DictReader(out.open()))
    assert [r["tps"] for r in written] == regions
    for row in written:
        key = device_key_from_secret(session=session, secret=row["key"])
        assert (key.key_id, key.region_code, key.label) == (row["key_id"], row["tps"], row["label"])
        assert row["key"].split(".", 1)[1] not in result.output  # never printed
    stored = session.exec(select(DeviceKey.secret_hash)).all()
    assert all(len(h) == 64 for h in stored) and len(stored) == len(regions)
    # One audit record for the batch; its digest pins every key id, binding, label and hash.
    chain_now(session)
    records = session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))).all()
    assert len(records) == audit_before + 1 and records[-1].action == "key.create_bulk"
    keys = session.exec(select(DeviceKey).order_by(col(DeviceKey.id))).all()
    lines = "".join(
        f"{k.key_id}\t{k.region_code}\t{k.label or ''}\t{k.secret_hash}\n" for k in keys
    )
    assert records[-1].payload["keys_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert records[-1].payload["count"] == len(regions)


def test_every_bad_line_is_named_and_nothing_is_created(
    rekap_run: Run, regions: list[str], session: Session, tmp_path: Path
):
    arabic_digits = "".join(chr(0x660 + int(d)) for d in regions[1])  # ١٦٧١…: not ASCII
    text = (
        f"{regions[0]},ok\n"  # line 1: fine
        "1671011001999,gone\n"  # line 2: no such TPS
        f"{arabic_digits}\n"  # line 3: unicode digits
        "\n"  # line 4: blank, skipped
        f"{regions[0]},ok\n"  # line 5: the same row as line 1
        "1671,kabupaten\n"  # line 6: not a TPS or kecamatan code
        f"{regions[2]},a,b\n"  # line 7: too many columns
        "167109,no such kecamatan\n"  # line 8
        f"{MORE_TPS[-1]},fine too\n"  # line 9
    )
    out = tmp_path / "keys.csv"
    result = rekap_run("keys", "create", "--from", str(_write(tmp_path, text)), "--out", str(out))
    assert result.exit_code == 2, result.output
    named = [line.split(":")[0].strip() for line in result.output.splitlines()[1:]]
    assert named == ["line 2", "line 3", "line 5", "line 6", "line 7", "line 8"]
    assert "no TPS 1671011001999" in result.output and "repeats line 1" in result.output
    assert "no kecamatan 167109" in result.output
    assert _count(session, DeviceKey) == 0 and chain_now(session) == 0
    assert not out.exists()


def test_an_existing_output_file_is_never_overwritten(
    rekap_run: Run, regions: list[str], session: Session, tmp_path: Path
):
    out = tmp_path / "keys.csv"
    out.write_text("keep me")
    result = rekap_run(
        "keys", "create", "--from", str(_write(tmp_path, regions[0])), "--out", str(out)
    )
    assert result.exit_code == 4, result.output  # ExitCode.CONFLICT
    assert out.read_text() == "keep me" and _count(session, DeviceKey) == 0


def test_a_single_key_needs_a_stored_tps_with_ascii_digits(
    rekap_run: Run, regions: list[str], session: Session
):
    unknown = rekap_run("keys", "create", "--tps", "1671011001999")
    assert unknown.exit_code == 3 and "no TPS 1671011001999" in unknown.output
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in regions[0])  # １６７１…
    assert rekap_run("keys", "create", "--tps", fullwidth).exit_code == 2
    assert _count(session, DeviceKey) == 0
    assert rekap_run("keys", "create", "--tps", regions[0]).exit_code == 0
    assert rekap_run("keys", "create", "--tps", "167101").exit_code == 0  # a stored kecamatan


def test_revoking_a_region_revokes_every_live_key_under_it_and_nothing_else(
    rekap_run: Run, regions: list[str], session: Session, tmp_path: Path
):
    outside = "1671021001001"
    text = "\n".join([*regions, outside, "167101"])
    assert (
        rekap_run(
            "keys",
            "create",
            "--from",
            str(_write(tmp_path, text)),
            "--out",
            str(tmp_path / "k.csv"),
        ).exit_code
        == 0
    )
    result = rekap_run("keys", "revoke", "--region", "167101")
    assert result.exit_code == 0, result.output
    assert f"revoked {len(regions) + 1} keys under 167101" in result.output
    live = session.exec(select(DeviceKey.region_code).where(col(DeviceKey.revoked_at).is_(None)))
    assert list(live) == [outside]
    chain_now(session)
    assert session.exec(
        select(AuditRecord.action).order_by(col(AuditRecord.seq).desc())
    ).first() == ("key.revoke_bulk")
    assert rekap_run("keys", "revoke", "--region", "1672").exit_code == 3  # no such region
    assert rekap_run("keys", "revoke", "--region", "16x").exit_code == 2
    assert rekap_run("keys", "revoke").exit_code == 2  # neither a key id nor --region
