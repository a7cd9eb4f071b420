"""The token signing key: never a known one. Generated once into the data directory (0600,
one key however many processes start at once), kept across restarts; unsafe keys refused."""

import multiprocessing
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.errors import ConfigurationError
from app.main import create_app
from app.secret_key import SECRET_FILE_NAME, resolve_signing_secret
from tests.auth.conftest import token_for
from tests.conftest import make_test_client

# The development default of 0.1.0: published in the repository, so anyone could sign with it.
OLD_DEV_KEY = "dev-only-insecure-secret-key-change-me-in-production"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unconfigured(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings as a fresh install has them: no REKAP_SECRET_KEY anywhere."""
    monkeypatch.delenv("REKAP_SECRET_KEY", raising=False)
    fields = settings.model_dump(exclude={"secret_key"})
    return Settings(**fields)


@pytest.fixture
def fresh_client(session: Session, unconfigured: Settings) -> Iterator[TestClient]:
    """An API client on an app that had to find its own key."""
    yield from make_test_client(session, unconfigured)


def test_token_signed_with_the_old_development_key_is_401(fresh_client, make_user):
    make_user("ana", "admin")
    forged = jwt.encode({"sub": "ana", "role": "admin", "exp": 4102444800}, OLD_DEV_KEY)
    resp = fresh_client.get("/api/v1/users", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401
    assert resp.json()["error"] == "InvalidCredentials"
    # while a token the service signed itself works
    real = {"Authorization": f"Bearer {token_for(fresh_client, 'ana')}"}
    assert fresh_client.get("/api/v1/users", headers=real).status_code == 200


def test_generated_key_is_kept_owner_only_and_reused(unconfigured: Settings):
    create_app(unconfigured)
    path = unconfigured.data_dir / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = unconfigured.signing_secret()
    assert path.read_text().strip() == key and len(key) >= 48
    # a restart (new settings object, same data directory) signs with the same key
    again = Settings(**unconfigured.model_dump(exclude={"secret_key"}))
    assert again.signing_secret() == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (OLD_DEV_KEY, "published"),
        ("dev-insecure-change-me", "published"),
        ("changeme", "published"),
        ("Secret", "published"),
        ("please-changeme-before-going-live-2024!", "published"),
        ("short-but-random-Q8x", "shorter than 32 bytes"),
        ("", "shorter than 32 bytes"),
        ("ab" * 20, "distinct characters"),
    ],
)
def test_start_up_refuses_a_short_or_known_key(settings: Settings, key: str, reason: str):
    unsafe = Settings(**settings.model_dump(exclude={"secret_key"}), secret_key=key)
    with pytest.raises(ConfigurationError, match=reason):
        create_app(unsafe)


def test_a_long_random_configured_key_is_used_as_is(settings: Settings):
    key = "Zq3v-" + os.urandom(24).hex()
    configured = Settings(**settings.model_dump(exclude={"secret_key"}), secret_key=key)
    create_app(configured)
    assert configured.signing_secret() == key
    assert not (settings.data_dir / SECRET_FILE_NAME).exists()


def test_a_key_file_others_may_read_is_refused(tmp_path: Path):
    path = tmp_path / SECRET_FILE_NAME
    path.write_text(os.urandom(32).hex())
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        resolve_signing_secret(None, tmp_path)
    path.chmod(0o600)
    assert resolve_signing_secret(None, tmp_path) == path.read_text()


def test_a_hand_written_weak_key_file_is_refused(tmp_path: Path):
    path = tmp_path / SECRET_FILE_NAME
    path.write_text("changeme\n")
    path.chmod(0o600)
    with pytest.raises(ConfigurationError, match="delete the file"):
        resolve_signing_secret(None, tmp_path)


def test_a_data_directory_that_cannot_hold_the_key_is_a_clear_refusal(tmp_path: Path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ConfigurationError, match="make REKAP_DATA_DIR writable"):
        resolve_signing_secret(None, tmp_path / "file" / "var")


def test_a_mounted_key_behind_a_symlink_is_read(tmp_path: Path):
    mounted = tmp_path / "..data"
    mounted.mkdir()
    (mounted / SECRET_FILE_NAME).write_text(os.urandom(32).hex())
    (mounted / SECRET_FILE_NAME).chmod(0o600)
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / SECRET_FILE_NAME).symlink_to(mounted / SECRET_FILE_NAME)
    assert resolve_signing_secret(None, data_dir) == (mounted / SECRET_FILE_NAME).read_text()


def _start_and_report(data_dir: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    results.put(resolve_signing_secret(None, Path(data_dir)))


def test_processes_starting_at_once_end_up_with_one_key(tmp_path: Path):
    data_dir = tmp_path / "var"  # does not exist yet: the first start makes it
    ctx = multiprocessing.get_context("fork")
    count = 8
    barrier, results = ctx.Barrier(count), ctx.Queue()
    procs = [
        ctx.Process(target=_start_and_report, args=(str(data_dir), barrier, results))
        for _ in range(count)
    ]
    for proc in procs:
        proc.start()
    keys = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert len(set(keys)) == 1
    assert (data_dir / SECRET_FILE_NAME).read_text().strip() == keys[0]
    assert sorted(p.name for p in data_dir.iterdir()) == [SECRET_FILE_NAME]  # no temp files left


def test_rekap_serve_refuses_a_known_key_with_a_message(tmp_path: Path):
    env = {**os.environ, "REKAP_SECRET_KEY": OLD_DEV_KEY, "REKAP_DATA_DIR": str(tmp_path)}
    code = "import sys; from app.cli import main; sys.argv = ['rekap', 'serve']; main()"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    assert "REKAP_SECRET_KEY is a published example value" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Uvicorn running" not in done.stderr
