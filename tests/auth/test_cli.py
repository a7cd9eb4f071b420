"""`rekap users` and `rekap keys` on the test's session (the CLI's own transaction is replaced)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from app.cli import app as rekap
from app.cli import keys as keys_cli
from app.cli import users as users_cli
from app.errors import InvalidCredentials
from app.services.auth import authenticate, device_key_from_secret
from tests.auth.conftest import seed_regions

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_on_test_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the commands' session_scope at the rolled-back test session."""

    @contextmanager
    def scope() -> Iterator[Session]:
        yield session
        session.flush()

    monkeypatch.setattr(users_cli, "session_scope", scope)
    monkeypatch.setattr(keys_cli, "session_scope", scope)


def rekap_run(*args: str):
    return runner.invoke(rekap, list(args))


def test_users_create_list_disable(session):
    made = rekap_run("users", "create", "--username", "ana", "--password", "password1",
                     "--role", "ppk", "--scope", "167101", "--scope", "167102")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert authenticate(session=session, username="ana", password="password1") is not None
    listed = rekap_run("users", "list")
    assert "ana\tppk\t167101,167102\tactive" in listed.output
    assert rekap_run("users", "disable", "ana").exit_code == 0
    assert "ana\tppk\t167101,167102\tdisabled" in rekap_run("users", "list").output
    assert authenticate(session=session, username="ana", password="password1") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "ppk"), "needs at least one --scope"),
        (("--role", "ppk", "--scope", "1671"), "not a kecamatan code"),
        (("--role", "kpps", "--scope", "1671011001001"), "role must be one of"),
        (("--role", "admin", "--scope", "16"), "an admin has no scopes"),
    ],
)
def test_users_create_refuses_bad_roles_and_scopes(args, message):
    result = rekap_run("users", "create", "--username", "ana", "--password", "password1", *args)
    assert result.exit_code == 2  # ExitCode.BAD_INPUT
    assert message in result.output


def test_users_create_refuses_a_taken_name_and_a_short_password():
    base = ("users", "create", "--username", "ana", "--role", "admin")
    assert rekap_run(*base, "--password", "password1").exit_code == 0
    again = rekap_run(*base, "--password", "password1")
    assert again.exit_code == 4 and "already exists" in again.output  # CONFLICT
    short = rekap_run("users", "create", "--username", "budi", "--role", "admin", "--password", "x")
    assert short.exit_code == 2 and "at least 8 characters" in short.output


def test_users_disable_unknown_is_an_error():
    result = rekap_run("users", "disable", "nobody")
    assert result.exit_code == 3 and "no user" in result.output  # NOT_FOUND


def test_keys_create_prints_the_key_once_and_list_never_shows_it(session):
    seed_regions(session)
    made = rekap_run("keys", "create", "--tps", "1671011001001", "--label", "HP 001")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    key = device_key_from_secret(session=session, secret=secret)
    assert key.region_code == "1671011001001" and key.label == "HP 001"
    listed = rekap_run("keys", "list").output
    assert key.key_id in listed and secret.split(".", 1)[1] not in listed
    assert rekap_run("keys", "revoke", key.key_id).exit_code == 0
    with pytest.raises(InvalidCredentials):
        device_key_from_secret(session=session, secret=secret)


def test_keys_create_refuses_a_code_that_is_not_a_tps_or_kecamatan():
    result = rekap_run("keys", "create", "--tps", "1671")
    assert result.exit_code == 2 and "not a TPS" in result.output


def test_keys_revoke_unknown_is_an_error():
    result = rekap_run("keys", "revoke", "k_00000000")
    assert result.exit_code == 3 and "no device key" in result.output


def test_users_create_asks_for_the_password_when_it_is_not_given(session):
    result = runner.invoke(
        rekap,
        ["users", "create", "--username", "ana", "--role", "admin"],
        input="password1\npassword1\n",
    )
    assert result.exit_code == 0, result.output
    assert "password1" not in result.output  # hidden input
    assert authenticate(session=session, username="ana", password="password1") is not None
