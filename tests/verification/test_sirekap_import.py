"""`rekap import sirekap`: the real sample imports, and the breaches reported are exactly those
its records have, computed here by hand from the JSON (independently of app/domain)."""

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.errors import InvalidInput
from app.models import Discrepancy, Paslon, Region, Submission, Tps
from app.services.sirekap_import import import_sirekap

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sirekap" / "sample_tingkat6_tps.zip"
IDS = {"100025": 1, "100026": 2, "100027": 3}
Breach = tuple[str, str, str | None, int, int]


def _records() -> dict[str, dict[str, Any]]:
    with zipfile.ZipFile(SAMPLE) as z:
        return {Path(n).stem: json.loads(z.read(n)) for n in z.namelist() if n.endswith(".json")}


def _values(record: dict[str, Any]) -> dict[str, int]:
    admin = record.get("administrasi") or {}
    values = {k.replace("non_dpt", "dpk"): v for k, v in admin.items() if isinstance(v, int)}
    chart = record.get("chart") or {}
    values |= {f"suara_paslon_{IDS[k]}": v for k, v in chart.items() if isinstance(v, int)}
    return values


def _equalities() -> list[tuple[str, tuple[str, ...], str]]:
    eqs = [
        ("GENDER_SUM", (f"{r}_l", f"{r}_p"), f"{r}_j")
        for r in ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total")
    ]
    eqs += [
        (
            "TURNOUT_SUM",
            (f"pengguna_dpt_{g}", f"pengguna_dptb_{g}", f"pengguna_dpk_{g}"),
            f"pengguna_total_{g}",
        )
        for g in "lpj"
    ]
    eqs += [
        ("PASLON_SUM", ("suara_paslon_1", "suara_paslon_2", "suara_paslon_3"), "suara_sah"),
        ("VALID_INVALID_SUM", ("suara_sah", "suara_tidak_sah"), "suara_total"),
        ("TOTAL_VS_TURNOUT", ("pengguna_total_j",), "suara_total"),
    ]
    return eqs


def _holds(v: dict[str, int], parts: tuple[str, ...], target: str) -> bool | None:
    if any(p not in v for p in (*parts, target)):
        return None
    return sum(v[p] for p in parts) == v[target]


def _box_candidates(x: int) -> set[int]:
    h, t, u = x // 100, x // 10 % 10, x % 10
    near = {d * 100 + x % 100 for d in range(10)} | {t * 10 + u, h * 10 + u, h * 10 + t}
    near |= {x // 10} if u == 0 else set()
    if x >= 100:  # a spurious hundreds box plus one more misread box
        near |= {d * 10 + u for d in range(10)} | {t * 10 + d for d in range(10)}
    return near - {x}


def _slips(v: dict[str, int], tps: str) -> set[Breach]:
    found = set()
    for _rule, parts, target in _equalities():
        if _holds(v, parts, target) is not False:
            continue
        fixes = [
            (f, c)
            for f in (*parts, target)
            for c in _box_candidates(v[f])
            if all(
                _holds({**v, f: c}, p, t) is not False for _r, p, t in _equalities() if f in (*p, t)
            )
        ]
        if len(fixes) == 1:
            found.add(("HUNDREDS_SLIP", tps, fixes[0][0], v[fixes[0][0]], fixes[0][1]))
    return found


def _expected(tps: str, v: dict[str, int]) -> set[Breach]:
    out: set[Breach] = set()
    for rule, parts, target in _equalities():
        if _holds(v, parts, target) is False:
            out.add((rule, tps, target, sum(v[p] for p in parts), v[target]))
    for g in "lpj":
        if {f"pengguna_dpt_{g}", f"pemilih_dpt_{g}"} <= set(v):
            if v[f"pengguna_dpt_{g}"] > v[f"pemilih_dpt_{g}"]:
                out.add(
                    (
                        "DPT_TURNOUT",
                        tps,
                        f"pengguna_dpt_{g}",
                        v[f"pemilih_dpt_{g}"],
                        v[f"pengguna_dpt_{g}"],
                    )
                )
    registered = ("pemilih_dpt_j", "pengguna_dptb_j", "pengguna_dpk_j")
    if set(registered) | {"pengguna_total_j"} <= set(v):
        cap = sum(v[r] for r in registered)
        if v["pengguna_total_j"] > cap:
            out.add(("TURNOUT_CAP", tps, "pengguna_total_j", cap, v["pengguna_total_j"]))
    paslon = sum(v.get(f"suara_paslon_{n}", 0) for n in (1, 2, 3))
    if (
        "pemilih_dpt_j" in v
        and _holds(v, ("suara_paslon_1", "suara_paslon_2", "suara_paslon_3"), "suara_sah")
        is not False
    ):
        limit = math.floor(v["pemilih_dpt_j"] * 102 / 100)
        if paslon > limit:
            out.add(("TURNOUT_CAP", tps, None, limit, paslon))
    if v.get("pemilih_dpt_j", 0) > 300:
        out.add(("TPS_SIZE", tps, "pemilih_dpt_j", 300, v["pemilih_dpt_j"]))
    out |= {("DIGIT_RANGE", tps, f, 999, x) for f, x in v.items() if x > 999}
    # TOTAL_VS_TURNOUT reports expected = voters, actual = votes (the same orientation)
    return out | _slips(v, tps)


def test_import_reports_exactly_the_breaches_the_records_have(session: Session) -> None:
    records = _records()
    digitised = {c: r for c, r in records.items() if r.get("chart") or r.get("administrasi")}
    report = import_sirekap(session=session, path=SAMPLE)
    assert (report.files, report.imported) == (len(records), len(digitised))
    assert report.not_digitised == len(records) - len(digitised) > 0
    expected: set[Breach] = set()
    for code, record in digitised.items():
        expected |= _expected(code, _values(record))
    rows = session.exec(select(Discrepancy)).all()
    found = {(d.rule, d.tps_code or "", d.field, d.expected or 0, d.actual or 0) for d in rows}
    assert found == expected
    assert len(found) >= 10  # the sample really is inconsistent
    assert sum(report.breaches.values()) == len(expected)


def test_import_creates_contest_regions_tps_and_is_idempotent(session: Session) -> None:
    import_sirekap(session=session, path=SAMPLE)
    names = dict(
        session.exec(
            select(Paslon.nomor_urut, Paslon.nama).where(Paslon.contest_id == "ppwp-0")
        ).all()
    )
    assert names[2] == "H. PRABOWO SUBIANTO - GIBRAN RAKABUMING RAKA" and len(names) == 3
    desa = session.get(Region, "3101011002")
    assert desa is not None and desa.name == "Desa 3101011002" and desa.parent_code == "310101"
    tps = session.get(Tps, "3101011002013")
    assert tps is not None and tps.dpt == 288
    sub = session.exec(select(Submission).where(Submission.tps_code == "3101011002013")).one()
    assert sub.source == "sirekap" and sub.values["suara_paslon_2"] == 102
    assert sub.values["pengguna_dpk_j"] == 0
    again = import_sirekap(session=session, path=SAMPLE)
    assert (again.imported, again.unchanged, again.tps_created) == (0, 47, 0)
    count = session.exec(select(Submission).where(col(Submission.source) == "sirekap")).all()
    assert len(count) == 47


def test_single_file_and_folder(session: Session, tmp_path: Path) -> None:
    with zipfile.ZipFile(SAMPLE) as z:
        z.extractall(tmp_path)
    one = next(tmp_path.rglob("3101011002013.json"))
    assert import_sirekap(session=session, path=one).imported == 1
    report = import_sirekap(session=session, path=tmp_path)
    assert (report.files, report.imported, report.unchanged) == (53, 46, 1)
    (tmp_path / "notacode.json").write_text("{}")
    with pytest.raises(InvalidInput, match=r"notacode\.json: not named after a TPS"):
        import_sirekap(session=session, path=tmp_path)
