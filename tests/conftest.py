"""Test fixtures: a migrated database per run (SQLite or PostgreSQL, by REKAP_TEST_DB),
a session per test inside a transaction rolled back at its end, and an API client on it."""

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings, get_settings
from app.db import build_engine, get_session
from app.main import create_app
from app.services.migrations import upgrade_database
from app.services.recheck_queue import DrainCounts
from tests.draining import drain_all

PG_ADMIN_DSN = os.environ.get(
    "REKAP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKEND = os.environ.get("REKAP_TEST_DB", "sqlite")


class FreshDatabase:
    """Creates and drops throwaway databases of the backend under test."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def create(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"rekap_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if BACKEND == "sqlite":
            return f"sqlite:///{self.tmp_dir / (name + '.db')}"
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        base = PG_ADMIN_DSN.rsplit("/", 1)[0]
        return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)

    def drop_all(self) -> None:
        """Drop every PostgreSQL database this run created."""
        if not self.created:
            return
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 with the smallest cost in tests: the production cost (~0.3 s a hash) would make every
    sign-in fixture slow. Still Argon2id, still verified for real."""
    import app.services.auth as auth

    saved = auth._hasher, auth._DUMMY_HASH
    auth._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    auth._DUMMY_HASH = None
    yield
    auth._hasher, auth._DUMMY_HASH = saved


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabase]:
    """Factory of throwaway databases, dropped at the end of the run."""
    factory = FreshDatabase(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_url(fresh_database: FreshDatabase) -> str:
    """The run's shared database, built with `alembic upgrade head` (never create_all)."""
    url = fresh_database.create()
    upgrade_database(url=url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the run's shared database."""
    eng = build_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test, commits included."""
    connection = engine.connect()
    outer = connection.begin()
    sess = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield sess
    finally:
        sess.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the test database and a temporary data directory."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        storage_url=f"file://{tmp_path / 'photos'}",
        run_embedded_worker=False,
        # High enough that no test trips them by accident; tests of the limits set low ones.
        rate_limit_write="100000/minute",
        rate_limit_signin="100000/minute",
        signin_failure_delay=0.0,
        # Explicit, so no test writes a key file; tests/auth/test_secret_key.py tests the file.
        secret_key=secrets.token_urlsafe(48),
    )


@pytest.fixture
def client(session: Session, settings: Settings) -> Iterator[TestClient]:
    """API client whose requests share the test's rolled-back session."""
    yield from make_test_client(session, settings)


def make_test_client(
    session: Session, settings: Settings, *, peer: tuple[str, int] = ("testclient", 50000)
) -> Iterator[TestClient]:
    """A TestClient on an app built with these settings, sharing the test's session; `peer` is
    the client address the app sees on the socket."""
    app = create_app(settings)

    def _session() -> Iterator[Session]:
        # Same commit/rollback as app.db.get_session; here a commit only releases a savepoint.
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app, client=peer) as c:
        yield c


@pytest.fixture
def drain(session: Session) -> Callable[[], DrainCounts]:
    """Drain the recheck queue on the test's session, as the worker would (tests/draining.py)."""
    return lambda: drain_all(session)


# Fixtures through which a test reaches the database under test; a test whose fixtures reach none
# of them (and whose module never asks which backend runs) gives the same answer on both, so the
# PostgreSQL pass leaves it to the SQLite pass rather than running it twice.
_DATABASE_FIXTURES = frozenset({"fresh_database", "database_url"})
_BACKEND_WORDS = ("BACKEND", "REKAP_TEST_DB", "postgres")


def _asks_for_backend(module: object, seen: dict[str, bool]) -> bool:
    path = str(getattr(module, "__file__", "") or "")
    if path not in seen:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            text = ""
        seen[path] = any(word in text for word in _BACKEND_WORDS)
    return seen[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND != "postgres":
        return
    seen: dict[str, bool] = {}
    kept: list[pytest.Item] = []
    once: list[pytest.Item] = []
    for item in items:
        uses_db = _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if uses_db or _asks_for_backend(getattr(item, "module", None), seen):
            kept.append(item)
        else:
            once.append(item)
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = kept
