"""`rekap recheck` and `rekap import sirekap` on the test session."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import importers as import_cli
from app.cli import recheck as recheck_cli
from app.models import Discrepancy, TpsResult

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sirekap" / "sample_tingkat6_tps.zip"


@pytest.fixture
def cli_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """The commands' session_scope() yields the test's rolled-back session."""

    @contextmanager
    def scope() -> Iterator[Session]:
        yield session
        session.flush()

    monkeypatch.setattr(recheck_cli, "session_scope", scope)
    monkeypatch.setattr(import_cli, "session_scope", scope)
    return session


def test_import_then_recheck_from_scratch(cli_session: Session) -> None:
    result = CliRunner().invoke(import_cli.app, ["sirekap", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "imported: 47" in result.output and "not digitised (skipped): 6" in result.output
    assert "PASLON_SUM: 3" in result.output
    before = sorted(d.identity for d in cli_session.exec(select(Discrepancy)))
    cli_session.execute(TpsResult.__table__.delete())
    app = typer.Typer()
    recheck_cli.register(app)
    app.command("noop")(lambda: None)  # a group, so `recheck` is a subcommand
    result = CliRunner().invoke(app, ["recheck", "--region", "31"])
    assert result.exit_code == 0, result.output
    assert "rechecked 47 TPS" in result.output and "47 accepted-value rows written" in result.output
    after = sorted(d.identity for d in cli_session.exec(select(Discrepancy)))
    assert after == before and len(after) >= 10
