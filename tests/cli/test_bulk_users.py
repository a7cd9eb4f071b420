"""`rekap users create --from FILE --out FILE`: accounts without a password, each with a one-time
set-password token written once to a 0600 file; a bad line and nothing is created."""

import csv
import stat
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from app.config import Settings
from app.errors import InvalidCredentials
from app.models.auth import AuditRecord, User
from app.services.auth import authenticate
from app.services.invitations import set_password
from tests.chaining import chain_now
from tests.cli.conftest import Run

ROWS = (
    "username,role,scopes\nana,ppk,167101\nbudi,bawaslu,16 1671\ncici,ppk,167101;167102\n"
    "root,admin\n"
)


def _users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User)).one())


def test_accounts_come_with_one_time_tokens_in_a_private_file(
    rekap_run: Run, regions: list[str], session: Session, settings: Settings, tmp_path: Path
):
    source, out = tmp_path / "users.csv", tmp_path / "tokens.csv"
    source.write_text(ROWS)
    result = rekap_run("users", "create", "--from", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = {r["username"]: r for r in csv.DictReader(out.open())}
    assert rows["cici"]["scopes"] == "167101 167102" and rows["root"]["role"] == "admin"
    assert all(r["set_password_token"] not in result.output for r in rows.values())
    assert authenticate(session=session, username="ana", password="") is None  # no password yet
    chain_now(session)
    actions = session.exec(select(AuditRecord.action).order_by(col(AuditRecord.seq))).all()
    assert actions == ["user.create_bulk"]
    token = rows["ana"]["set_password_token"]
    set_password(session=session, token=token, password="a long password", settings=settings)
    assert authenticate(session=session, username="ana", password="a long password") is not None
    with pytest.raises(InvalidCredentials, match="used already"):
        set_password(session=session, token=token, password="another password", settings=settings)


def test_every_bad_line_is_named_and_no_account_is_created(
    rekap_run: Run, regions: list[str], session: Session, tmp_path: Path
):
    text = (
        "username,role,scopes\n"
        "ana,ppk,167101\n"  # line 2: fine
        "ana,ppk,167102\n"  # line 3: the same username
        "bad name,admin\n"  # line 4
        "cici,ppk,1671\n"  # line 5: not a kecamatan
        "dodi,kpps,1671011001001\n"  # line 6: not a role for people
        "eko\n"  # line 7: no role
        "root,admin,16\n"  # line 8: admins have no scope
    )
    source, out = tmp_path / "users.csv", tmp_path / "tokens.csv"
    source.write_text(text)
    result = rekap_run("users", "create", "--from", str(source), "--out", str(out))
    assert result.exit_code == 2, result.output
    named = [line.split(":")[0].strip() for line in result.output.splitlines()[1:]]
    assert named == [f"line {n}" for n in range(3, 9)]
    assert _users(session) == 0 and not out.exists()


def test_a_taken_username_fails_the_whole_file(
    rekap_run: Run, regions: list[str], session: Session, tmp_path: Path
):
    assert (
        rekap_run(
            "users", "create", "--username", "budi", "--password", "password1", "--role", "admin"
        ).exit_code
        == 0
    )
    source = tmp_path / "users.csv"
    source.write_text(ROWS)
    result = rekap_run("users", "create", "--from", str(source), "--out", str(tmp_path / "t.csv"))
    assert result.exit_code == 2 and "line 3: user 'budi' already exists" in result.output
    assert _users(session) == 1
