"""Sirekap-format region and paslon imports, through the service and the `rekap` CLI."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.config import get_settings
from app.db import get_engine
from app.errors import InvalidInput
from app.models import Contest, Paslon, Region
from app.services.importers import import_paslon, import_regions, parse_region_file
from app.services.migrations import upgrade_database
from tests.conftest import FreshDatabase

URL = "https://sirekap-obj-data.kpu.go.id/wilayah/pemilu/ppwp/16/1671/167101/1671011001/{}.json"
NESTED = {
    "KOTA PALEMBANG": {
        "ILIR BARAT II": {
            "30 ILIR": {
                "TPS 001": URL.format("1671011001001"),
                "TPS 002": URL.format("1671011001002"),
            }
        }
    }
}
LISTED = [
    {"nama": "SUMATERA SELATAN", "id": 1, "kode": "16", "tingkat": 1},
    {"nama": "KOTA PALEMBANG", "id": 2, "kode": "1671", "tingkat": 2},
]
PASLON = {
    "1671": {
        "1000437": {"nama": "A - B", "nomor_urut": 1},
        "1000438": {"nama": "C - D", "nomor_urut": 2},
    },
    "1601": {"1000403": {"nama": "E - F", "nomor_urut": 1}},
}


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_nested_file_gives_every_level_and_tps() -> None:
    rows, tps = parse_region_file(NESTED)
    assert {(r.code, r.level, r.name) for r in rows} == {
        ("16", "provinsi", "SUMATERA SELATAN"),
        ("1671", "kabupaten", "KOTA PALEMBANG"),
        ("167101", "kecamatan", "ILIR BARAT II"),
        ("1671011001", "desa", "30 ILIR"),
    }
    assert tps == ["1671011001001", "1671011001002"]


@pytest.mark.parametrize(
    "bad",
    [
        [{"nama": "X", "kode": "16", "tingkat": 2}],  # code length does not fit the level
        [{"nama": "X"}],  # no kode
        {"K": {"C": {"D": {"TPS 001": "not a sirekap url"}}}},
        "just a string",
    ],
)
def test_bad_region_files_are_rejected_with_a_reason(bad: object) -> None:
    with pytest.raises(InvalidInput):
        parse_region_file(bad)


def test_import_regions_is_idempotent_and_renames(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", NESTED)
    first = import_regions(session=session, path=path, with_tps=True)
    assert (first.regions, first.tps) == (4, 2)
    again = import_regions(session=session, path=path, with_tps=True)
    assert (again.regions, again.tps) == (0, 0)
    renamed = [LISTED[0], {**LISTED[1], "nama": "PALEMBANG"}]
    import_regions(session=session, path=write(tmp_path, "l.json", renamed))
    assert session.get(Region, "1671").name == "PALEMBANG"
    assert session.get(Region, "167101").parent_code == "1671"


def test_import_paslon_creates_contests_of_the_right_kind(session: Session, tmp_path: Path) -> None:
    counts = import_paslon(
        session=session, path=write(tmp_path, "paslon-pkwkk.json", PASLON), contest_code="pkwkk"
    )
    assert (counts.contests, counts.paslon) == (2, 3)
    assert session.get(Contest, "pkwkk-1671").kind == "walikota"  # kota codes are 71 and up
    assert session.get(Contest, "pkwkk-1601").kind == "bupati"
    nomor = session.exec(select(Paslon.nomor_urut).where(Paslon.contest_id == "pkwkk-1671")).all()
    assert sorted(nomor) == [1, 2]


@pytest.fixture
def cli_database(fresh_database: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_database.create()
    upgrade_database(url=url)
    monkeypatch.setenv("REKAP_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_imports_regions_and_paslon(cli_database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["import", "regions", str(write(tmp_path, "r.json", NESTED)), "--with-tps"]
    )
    assert result.exit_code == 0, result.output
    assert "regions added: 4, TPS added: 2" in result.output
    result = runner.invoke(
        cli_app, ["import", "paslon", str(write(tmp_path, "paslon-pkwkk.json", PASLON))]
    )
    assert result.exit_code == 0, result.output
    assert "contests added: 2, paslon added: 3" in result.output


def test_cli_rejects_a_file_it_cannot_read(cli_database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(cli_app, ["import", "regions", str(bad)])
    assert result.exit_code != 0
    assert "not a readable JSON file" in str(result.exception) + result.output
