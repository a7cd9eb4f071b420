"""Exit statuses with meaning, from the error classes (one mapping for HTTP and the CLI), and no
traceback for anything an operator did unless `rekap --debug`."""

import os
import subprocess
import sys

import pytest

from app.services import auth as auth_service
from tests.cli.conftest import Run


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("users", "disable", "nobody"), 3),  # UserNotFound
        (("keys", "revoke", "k_0000000000000000"), 3),  # DeviceKeyNotFound
        (("jobs", "show", "424242"), 3),  # JobNotFound
        (("users", "create", "--username", "x", "--password", "password1", "--role", "ppk"), 2),
        (("users", "create", "--username", "x", "--password", "short", "--role", "admin"), 2),
        (("keys", "create"), 2),  # usage: neither --tps nor --from
        (("keys", "create", "--tps", "1671"), 2),  # InvalidInput
        (("discrepancies", "list", "--region", "16x"), 2),
        (("no-such-command",), 2),  # Click's own usage error
    ],
)
def test_each_kind_of_failure_has_its_exit_status(rekap_run: Run, args, code):
    result = rekap_run(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_a_conflict_is_4(rekap_run: Run):
    args = ("users", "create", "--username", "ana", "--password", "password1", "--role", "admin")
    assert rekap_run(*args).exit_code == 0
    again = rekap_run(*args)
    assert again.exit_code == 4 and "already exists" in again.output


def _boom(**_: object) -> None:
    raise RuntimeError("boom\nsecond line")


def test_an_unexpected_error_is_one_line_and_1_with_the_traceback_only_under_debug(
    rekap_run: Run, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(auth_service, "list_users", _boom)  # the command imports it when run
    plain = rekap_run("users", "list")
    assert plain.exit_code == 1
    assert plain.output.splitlines() == [
        "error: unexpected RuntimeError: boom (rerun with `rekap --debug ...` for the traceback)"
    ]
    debug = rekap_run("--debug", "users", "list")
    assert debug.exit_code == 1
    assert "Traceback" in debug.output and "_boom" in debug.output


def test_an_unreachable_database_is_5_without_a_traceback(tmp_path):
    # Nothing listens on port 9 of loopback: the connection is refused at once.
    env = {
        **os.environ,
        "REKAP_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/rekap",
        "REKAP_DATA_DIR": str(tmp_path),
        "REKAP_LOG_LEVEL": "WARNING",
    }
    code = "from app.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "users", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 5, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "unavailable" in done.stderr
