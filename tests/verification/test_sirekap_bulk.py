"""`rekap import sirekap` at scale: no statement beyond the bound-parameter limit (proved with a
lowered limit on a dump of a few thousand records; the national run is bench/sirekap_import.py),
and a bad file stops the whole import with exit status 2 naming the file and the line or field."""

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app import db as app_db
from app.cli import app as rekap
from app.domain.fields import ALL_FIELDS
from app.errors import ExitCode, InvalidInput
from app.models import AuditRecord, Contest, Region, Submission, Tps
from app.services import bulk, sirekap_import, sirekap_read
from app.services.importers import TPS_COLUMNS, tps_values
from app.services.sirekap_import import (
    REGION_COLUMNS,
    REGIONS,
    SUBMISSIONS,
    TPS,
    ensure_ppwp,
    import_sirekap,
    store_records,
)
from tests.chaining import chain_now

RECORDS = 1_200
LIMIT = 300  # parameters per statement in this test (PostgreSQL's own limit is 65,535)


def _record(i: int) -> dict[str, Any]:
    a, b, c = 40 + i % 50, 70 + i % 30, 10 + i % 7
    valid, invalid = a + b + c, i % 5
    admin = {"suara_sah": valid, "suara_tidak_sah": invalid, "suara_total": valid + invalid}
    admin |= {"pemilih_dpt_j": 280, "pengguna_total_j": valid + invalid}
    return {"chart": {"null": None, "100025": a, "100026": b, "100027": c}, "administrasi": admin,
            "ts": "2024-02-15 10:00:00"}  # fmt: skip


def _codes(n: int) -> list[str]:
    # 5 provinsi × 5 kabupaten × 5 kecamatan × 10 desa × ≤ 10 TPS
    return [
        f"{11 + p}{1 + k:02d}{1 + c:02d}{2001 + d}{1 + t:03d}"
        for p in range(5) for k in range(5) for c in range(5) for d in range(10) for t in range(10)
    ][:n]  # fmt: skip


def _dump(path: Path, records: dict[str, object]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, body in records.items():
            z.writestr(f"dump/{name}", body if isinstance(body, str) else json.dumps(body))
    return path


@pytest.fixture
def widest_statement(session: Session) -> Iterator[list[int]]:
    """The largest number of bound parameters of any one statement the session ran."""
    seen = [0]
    conn = session.connection()

    def count(_c: Any, _cur: Any, _sql: str, params: Any, _ctx: Any, many: bool) -> None:
        del many  # insertmanyvalues passes one flat set per statement, executemany a list
        nested = (
            params
            and isinstance(params, list | tuple)
            and isinstance(params[0], list | tuple | dict)
        )
        rows = params if nested else [params or ()]
        seen[0] = max([seen[0], *(len(r) for r in rows)])

    event.listen(conn, "before_cursor_execute", count)
    yield seen
    event.remove(conn, "before_cursor_execute", count)


def test_a_dump_wider_than_the_parameter_limit_imports_in_slices(
    session: Session, tmp_path: Path, widest_statement: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "SLICE_PARAMETERS", LIMIT)
    monkeypatch.setattr(bulk, "IN_SLICE", LIMIT - 20)  # room for the other conditions
    monkeypatch.setattr(sirekap_import, "DIGEST_ROWS", 7)  # the audit digest hashed in parts
    codes = _codes(RECORDS)
    dump = _dump(tmp_path / "d.zip", {f"{c}.json": _record(i) for i, c in enumerate(codes)})
    report = import_sirekap(session=session, path=dump)
    assert (report.files, report.imported, report.tps_created) == (RECORDS, RECORDS, RECORDS)
    assert 0 < widest_statement[0] <= LIMIT
    stored = session.exec(
        select(Submission.tps_code, func.count())
        .where(Submission.source == "sirekap")
        .group_by(col(Submission.tps_code))
    ).all()
    assert sorted(stored) == [(c, 1) for c in codes]  # every record once
    assert session.exec(select(func.count()).select_from(Tps)).one() == RECORDS
    regions = session.exec(select(func.count()).select_from(Region)).one()
    assert regions == len({c[:n] for c in codes for n in (2, 4, 6, 10)})
    sub = session.exec(select(Submission).where(Submission.tps_code == codes[7])).one()
    assert sub.values == {**_record(7)["administrasi"], "suara_paslon_1": 47,
                          "suara_paslon_2": 77, "suara_paslon_3": 10}  # fmt: skip
    pinned = [[c, {**_record(i)["administrasi"], "suara_paslon_1": 40 + i % 50,
                   "suara_paslon_2": 70 + i % 30, "suara_paslon_3": 10 + i % 7}]
              for i, c in enumerate(codes)]  # fmt: skip
    chain_now(session)  # the audit entry waits in the outbox until chained
    audit = session.exec(select(AuditRecord).where(AuditRecord.action == "submission.import")).one()
    expected = hashlib.sha256(json.dumps(pinned, sort_keys=True).encode()).hexdigest()
    assert audit.payload["rows_sha256"] == expected
    again = import_sirekap(session=session, path=dump)
    assert (again.imported, again.unchanged) == (0, RECORDS)


@pytest.fixture
def cli_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """The command's session_scope() yields the test's rolled-back session."""

    @contextmanager
    def scope() -> Iterator[Session]:
        yield session
        session.flush()

    monkeypatch.setattr(app_db, "session_scope", scope)
    return session


BAD = {
    "malformed JSON": (
        '{"chart": {"100025": 10,\n "100026": }}',
        r"d\.zip:dump/1101012001002\.json: line 2, column 12: malformed JSON",
    ),
    "bad value": (
        {"administrasi": {"suara_sah": "12a"}, "chart": {}},
        r"1101012001002\.json: administrasi\.suara_sah: '12a' is not a count",
    ),
    "negative count": (
        {"chart": {"100026": -4}},
        r"1101012001002\.json: chart\.100026: -4 is not a count",
    ),
    "a bool": ({"chart": {"100025": True}}, r"1101012001002\.json: chart\.100025: True is not a"),
    "not a TPS": ({"chart": {}}, r"dump/rekap\.json: not named after a TPS"),
    "not an object": ([1, 2], r"1101012001002\.json: expected a JSON object, got list"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_record_stops_the_import_naming_file_and_place(
    cli_session: Session, tmp_path: Path, case: str
) -> None:
    body, message = BAD[case]
    name = "rekap.json" if case == "not a TPS" else "1101012001002.json"
    good = {f"{c}.json": _record(i) for i, c in enumerate(_codes(40)) if c != "1101012001002"}
    dump = _dump(tmp_path / "d.zip", {**good, name: body})
    result = CliRunner().invoke(rekap, ["import", "sirekap", str(dump)])
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output
    # nothing of the import was written, not even the contest or the good records' TPS
    assert cli_session.get(Contest, "ppwp-0") is None
    assert cli_session.exec(select(func.count()).select_from(Submission)).one() == 0
    assert cli_session.exec(select(func.count()).select_from(Tps)).one() == 0


def test_the_command_shows_progress_and_the_breaches(cli_session: Session, tmp_path: Path) -> None:
    records = {f"{c}.json": _record(i) for i, c in enumerate(_codes(30))}
    records["1101012001003.json"]["chart"]["100025"] += 5  # type: ignore[index]
    dump = _dump(tmp_path / "d.zip", records)
    result = CliRunner().invoke(rekap, ["import", "sirekap", str(dump)])
    assert result.exit_code == 0, result.output
    assert "files: 30, imported: 30" in result.output and "PASLON_SUM: 1" in result.output
    assert "writing rows" in result.output or "recheck" in result.output  # the progress bar


def test_a_large_dump_is_read_by_several_processes_with_the_same_result_and_errors(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sirekap_read, "PARALLEL_FROM", 10)  # 60 records: the pool's path
    monkeypatch.setattr(sirekap_read, "CHUNK", 7)
    codes = _codes(60)
    records: dict[str, object] = {f"{c}.json": _record(i) for i, c in enumerate(codes)}
    report = store_records(session=session, path=_dump(tmp_path / "ok.zip", records))
    assert (report.files, report.imported, report.tps_codes) == (60, 60, codes)
    records[f"{codes[45]}.json"] = {"chart": {"100027": 1.5}}
    records[f"{codes[52]}.json"] = "{"  # a later bad record: the first one in order is named
    with pytest.raises(InvalidInput, match=rf"{codes[45]}\.json: chart\.100027: 1\.5 is not"):
        store_records(session=session, path=_dump(tmp_path / "bad.zip", records))


def test_bulk_rows_keep_every_character_and_null_they_were_given(session: Session) -> None:
    # On PostgreSQL the rows go as COPY text built by bulk.py: a tab, newline, return or
    # backslash inside a value must come back as it was, None as NULL, JSON either way.
    odd = "Desa\tA\nB\\C\rD \\N"
    regions = [
        ("71", "provinsi", odd, None),
        ("7101", "kabupaten", "Kab \\t", "71"),
        ("710101", "kecamatan", "Kec", "7101"),
        ("7101012001", "desa", "D", "710101"),
    ]
    bulk.write_rows(session, REGIONS, REGION_COLUMNS, regions)
    bulk.write_rows(session, TPS, TPS_COLUMNS, [tps_values("7101012001001")])
    ensure_ppwp(session)
    at = datetime(2024, 2, 15, 3, 4, 5, tzinfo=UTC)
    columns = ("tps_code", "contest_id", "kecamatan_code", "source", "submitted_by",
               "submitted_at", "reason", "values", "confidence")  # fmt: skip
    first = ("cli:a\tb", at, odd, bulk.JsonText('{"suara_sah": 3}'), {"x\ty": 0.5, 'q"\\': 1.0})
    second = ("cli:b", at, None, {"suara_sah": 4}, None)
    keys = ("7101012001001", "ppwp-0", "710101", "sirekap")
    assert bulk.write_rows(session, SUBMISSIONS, columns, [keys + first, keys + second]) == 2
    session.expire_all()
    stored = session.get(Region, "71")
    assert stored is not None and (stored.name, stored.parent_code) == (odd, None)
    assert session.exec(select(Region.name).where(Region.code == "7101")).one() == "Kab \\t"
    got = session.exec(select(Submission).order_by(col(Submission.id))).all()
    assert [(s.submitted_by, s.reason, s.values, s.confidence) for s in got] == [
        ("cli:a\tb", odd, {"suara_sah": 3}, {"x\ty": 0.5, 'q"\\': 1.0}),
        ("cli:b", None, {"suara_sah": 4}, None),
    ]
    assert [s.submitted_at.replace(tzinfo=UTC) for s in got] == [at, at]  # SQLite: naive UTC


def _zip_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    body = json.dumps(_record(1))
    plain = _dump(tmp_path / "plain.zip", {"1101012001002.json": body, "1101012001001.json": "{}"})
    yield plain
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as z:
        z.comment = b"an archive comment"
        z.writestr("dir/", "")
        z.writestr("dir/1101012001003.json", body, compress_type=zipfile.ZIP_STORED)
        z.writestr("désa/1101012001004.json", body)  # a UTF-8 name
    yield odd
    appended = tmp_path / "appended.zip"  # a zip after other bytes, as a self-extractor is
    appended.write_bytes(b"#!/bin/sh\nexit 0\n" + plain.read_bytes())
    yield appended
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)  # Zip64 end records, as 435k need
    yield _dump(tmp_path / "zip64.zip", {f"{c}.json": body for c in _codes(5)})


def test_zip_members_read_from_the_central_directory_match_zipfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds = 0
    for path in _zip_kinds(tmp_path, monkeypatch):
        with zipfile.ZipFile(path) as z:
            expected = [(i.filename, i.header_offset, i.compress_size, i.compress_type, i.CRC,
                         i.flag_bits) for i in z.infolist()]  # fmt: skip
            bodies = {i.filename: z.read(i) for i in z.infolist()}
        members = sirekap_read.zip_members(path)
        assert members == expected, path.name  # the fast path, not zipfile's, and the same
        sources, _ = sirekap_read.record_sources(path)
        assert {s[0]: sirekap_read._reader(path)(s) for s in sources} == {
            n: b for n, b in bodies.items() if n.endswith(".json")
        }
        kinds += 1
    assert kinds == 4


def test_the_values_text_is_what_json_dumps_gives_for_every_field() -> None:
    # values_text skips json.dumps's escaping: sound only while every field name needs none.
    assert all(re.fullmatch(r"[a-z0-9_]+", f) for f in ALL_FIELDS)
    values = {f: (i * 7919) % 1000 for i, f in enumerate(reversed(ALL_FIELDS))}
    assert sirekap_read.values_text(values) == json.dumps(values, sort_keys=True)
    assert sirekap_read.values_text({}) == "{}" and sirekap_read.values_text({"a": 0}) == '{"a": 0}'
