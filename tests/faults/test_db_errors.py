"""Database faults through the real session dependency: a SQLite lock held past the busy timeout
and an unreachable PostgreSQL are 503 + Retry-After in the error shape (the console: its own page
in Bahasa Indonesia), /readyz names no host, port or driver, and genuine bugs stay 500."""

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

from app.config import get_settings
from app.db import build_engine, get_engine, session_scope
from app.db_errors import database_fault
from app.errors import DatabaseBusy, DatabaseUnavailable
from app.main import create_app
from app.models import User
from app.services.auth import create_device_key, issue_token
from app.services.migrations import upgrade_database
from tests.domain.forms import BASE
from tests.photos.conftest import GUB, KEC_A, TPS_A, seed_regions
from tests.processes import free_port

LEAKS = ("127.0.0.1", "psycopg", "sqlalchemy", "connection", "port")
App = Callable[..., TestClient]


def _wrapped(error: type[sa_exc.DBAPIError], orig: BaseException) -> sa_exc.DBAPIError:
    return error("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (_wrapped(sa_exc.OperationalError, sqlite3.OperationalError("database is locked")),
         DatabaseBusy),
        (_wrapped(sa_exc.OperationalError, psycopg.OperationalError("connection refused")),
         DatabaseUnavailable),
        (_wrapped(sa_exc.InterfaceError, psycopg.InterfaceError("the connection is closed")),
         DatabaseUnavailable),
        (sa_exc.TimeoutError("QueuePool limit reached"), DatabaseUnavailable),
        (psycopg.OperationalError("server closed the connection unexpectedly"),
         DatabaseUnavailable),
        # Bugs: they keep their 500 and traceback.
        (_wrapped(sa_exc.OperationalError, sqlite3.OperationalError("no such table: tps")), None),
        (_wrapped(sa_exc.IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed")),
         None),
        (_wrapped(sa_exc.ProgrammingError, psycopg.errors.UndefinedTable("no relation")), None),
        (_wrapped(sa_exc.InterfaceError, sqlite3.InterfaceError("bad parameter")), None),
    ],
)  # fmt: skip
def test_outages_are_503_and_bugs_are_not(exc: BaseException, expected: type | None) -> None:
    fault = database_fault(exc)
    assert (type(fault) if fault else None) is expected


def test_a_lost_connection_is_503_whatever_the_error_class() -> None:
    lost = sa_exc.DBAPIError("SELECT 1", {}, Exception("x"), connection_invalidated=True)
    assert isinstance(database_fault(lost), DatabaseUnavailable)


@pytest.fixture
def app_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[App]:
    """app_on(url, **settings): a client of the app with its own engine (real commits)."""

    def _make(url: str, **env: str) -> TestClient:
        for name, value in {"database_url": url, "data_dir": str(tmp_path), **env}.items():
            monkeypatch.setenv(f"REKAP_{name.upper()}", value)
        monkeypatch.setenv("REKAP_SECRET_KEY", secrets.token_urlsafe(48))
        get_settings.cache_clear()
        get_engine.cache_clear()
        return TestClient(create_app(), raise_server_exceptions=False)

    yield _make
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process's writer holding SQLite's write lock (e.g. a long `rekap import`)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


def test_sqlite_lock_timeout_is_503_busy_with_retry_after(app_on: App, tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    upgrade_database(url=f"sqlite:///{path}")
    engine = build_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        seed_regions(session)
        secret = create_device_key(session=session, region_code=KEC_A, label="k", actor="t").secret
    engine.dispose()
    client = app_on(f"sqlite:///{path}", sqlite_busy_timeout="0.3")
    post = {"json": {"contest_id": GUB, "values": BASE}, "headers": {"X-API-Key": secret}}
    with write_lock_held(path):
        busy = client.post(f"/api/v1/tps/{TPS_A}/results", **post)
        read = client.get(f"/api/v1/tps/{TPS_A}")  # readers never wait for the writer
    assert busy.status_code == 503, busy.text
    assert busy.json() == {"error": "DatabaseBusy", "detail": busy.json()["detail"]}
    assert busy.headers["retry-after"] == "2"
    assert read.status_code == 200
    assert client.post(f"/api/v1/tps/{TPS_A}/results", **post).status_code == 201


@pytest.fixture
def unreachable(app_on: App) -> TestClient:
    """The app on a PostgreSQL URL nobody listens on (a stopped or unreachable server)."""
    return app_on(f"postgresql://postgres@127.0.0.1:{free_port()}/rekap")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/api/v1/regions/16", {}),
        ("GET", f"/api/v1/tps/{TPS_A}", {}),
        ("POST", f"/api/v1/tps/{TPS_A}/results",
         {"json": {"contest_id": GUB, "values": BASE}, "headers": {"X-API-Key": "k_1.x"}}),
        ("POST", "/api/v1/auth/token", {"data": {"username": "ana", "password": "secret"}}),
    ],
)  # fmt: skip
def test_api_answers_503_when_postgres_is_down(
    unreachable: TestClient, method: str, path: str, kwargs: dict[str, object]
) -> None:
    resp = unreachable.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert resp.status_code == 503, resp.text
    assert resp.json() == {"error": "DatabaseUnavailable", "detail": resp.json()["detail"]}
    assert resp.headers["retry-after"] == "5"
    assert not any(leak in resp.text for leak in LEAKS), resp.text


def test_readyz_says_only_database_unavailable(unreachable: TestClient) -> None:
    resp = unreachable.get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["checks"] == {"database": {"ok": False, "detail": "database unavailable"}}
    assert not any(leak in resp.text for leak in LEAKS), resp.text


def test_console_page_is_a_friendly_503_in_bahasa_indonesia(unreachable: TestClient) -> None:
    user = User(username="auditor", password_hash="-", role="bawaslu", scopes=["16"])
    token = issue_token(user=user, settings=get_settings()).access_token
    unreachable.cookies.set("rekap_session", token)
    resp = unreachable.get("/dashboard")
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["retry-after"] == "5"
    assert "Basis data sedang tidak dapat dijangkau" in resp.text
    assert not any(leak in resp.text for leak in ("127.0.0.1", "psycopg", "sqlalchemy"))


def test_a_genuine_database_bug_stays_500(app_on: App, tmp_path: Path) -> None:
    client = app_on(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # "no such table": a bug
    assert client.get("/api/v1/regions/16").status_code == 500
