"""`rekap forms render`: a contest from the database, offline mode, and clear errors."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from app.cli import app as rekap
from app.cli import forms as forms_cli
from app.models import Contest, Paslon


@pytest.fixture
def cli_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """Make the command use the test's rolled-back session."""

    @contextmanager
    def scope() -> Iterator[Session]:
        yield session

    monkeypatch.setattr(forms_cli, "session_scope", scope)
    return session


def _pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(rekap, ["forms", "render", *args])
    return result.exit_code, result.output


def test_unknown_contest_exits_non_zero_naming_it(cli_session: Session, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, output = _run("--contest", "pkwkk-9999", "--out", str(out))
    assert code == 3  # ExitCode.NOT_FOUND
    assert "No contest has id pkwkk-9999" in output
    assert not out.exists()


def test_contest_from_database_prints_three_pages(cli_session: Session, tmp_path: Path) -> None:
    cli_session.add(
        Contest(
            id="pkwkk-1610",
            code="pkwkk",
            kind="bupati",
            region_code="1610",
            name="Bupati Ogan Ilir",
        )
    )
    cli_session.add(Paslon(contest_id="pkwkk-1610", nomor_urut=2, nama="KOLOM KOSONG - "))
    cli_session.add(Paslon(contest_id="pkwkk-1610", nomor_urut=1, nama="PANCA - ARDANI"))
    cli_session.flush()
    out = tmp_path / "ogan.pdf"
    code, output = _run("--contest", "pkwkk-1610", "--out", str(out), "--dpi", "50")
    assert code == 0, output
    assert "kwk-plano-2024-p2" in output
    assert _pages(out) == 3


def test_paslon_numbers_with_a_gap_are_refused(cli_session: Session, tmp_path: Path) -> None:
    cli_session.add(
        Contest(
            id="pkwkp-16", code="pkwkp", kind="gubernur", region_code="16", name="Gubernur Sumsel"
        )
    )
    cli_session.add(Paslon(contest_id="pkwkp-16", nomor_urut=1, nama="A"))
    cli_session.add(Paslon(contest_id="pkwkp-16", nomor_urut=3, nama="C"))
    cli_session.flush()
    code, output = _run("--contest", "pkwkp-16", "--out", str(tmp_path / "x.pdf"))
    assert code == 2
    assert "[1, 3]" in output


def test_offline_needs_a_valid_count(tmp_path: Path) -> None:
    out = tmp_path / "off.pdf"
    assert _run("--paslon", "5", "--title", "Wali Kota X", "--out", str(out), "--dpi", "50")[0] == 0
    assert _pages(out) == 3
    code, output = _run("--paslon", "7", "--out", str(out))
    assert code == 2 and "--paslon must be 1..6" in output
    code, output = _run("--out", str(out))
    assert code == 2 and "either --contest" in output
