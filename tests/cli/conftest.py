"""`rekap` commands run in-process on the test's rolled-back session, with seeded regions."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlmodel import Session
from typer.testing import CliRunner, Result

from app.cli import app as rekap
from app.cli import discrepancies as discrepancies_cli
from app.cli import jobs as jobs_cli
from app.cli import keys as keys_cli
from app.cli import users as users_cli
from app.config import Settings
from tests.auth.conftest import DESA_IN, seed_regions
from tests.factories import add_tps

# Five TPS in the seeded desa DESA_IN (…001 is seeded by seed_regions).
MORE_TPS = [f"{DESA_IN}{n:03d}" for n in range(2, 6)]

Run = Callable[..., Result]


@pytest.fixture
def rekap_run(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `rekap ARGS...` in-process; its transactions are savepoints of the test's session
    (committed or rolled back like app.db.session_scope; the test's end rolls back everything)."""

    @contextmanager
    def scope() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    for module in (users_cli, keys_cli, discrepancies_cli, jobs_cli):
        monkeypatch.setattr(module, "session_scope", scope)
    monkeypatch.setattr(users_cli, "get_settings", lambda: settings)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(rekap, list(args), input=input)

    return run


@pytest.fixture
def regions(session: Session) -> list[str]:
    """Regions of tests/auth (kecamatan 167101 and 167102) and five TPS in desa 1671011001."""
    seed_regions(session)
    add_tps(session, MORE_TPS)
    session.commit()
    return [f"{DESA_IN}001", *MORE_TPS]
