"""Load Sirekap-format regions and candidate lists into the database (idempotent upserts)."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from app.domain.regions import LEVELS, level_of, parent_of
from app.errors import InvalidInput
from app.models import Contest, Paslon, Region, Tps

PROVINCE_NAMES = {"16": "SUMATERA SELATAN", "31": "DKI JAKARTA"}
TINGKAT_LEVEL = dict(enumerate(LEVELS[:4], start=1))  # KPU's tingkat 1..4: provinsi .. desa
_URL_CODES = re.compile(r"/(\d{2})/(\d{4})/(\d{6})/(\d{10})(?:/(\d{13}))?(?:\.json)?$")


@dataclass(frozen=True)
class RegionRow:
    """One region parsed from a file."""

    code: str
    level: str
    name: str


@dataclass
class ImportCounts:
    """What an import created."""

    regions: int = 0
    tps: int = 0
    contests: int = 0
    paslon: int = 0


def read_json(path: Path) -> Any:
    """Parse a JSON file, naming the file in the error."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable JSON file ({exc})") from exc


def parse_region_file(data: Any) -> tuple[list[RegionRow], list[str]]:
    """Regions and TPS codes from either Sirekap format: a `[{nama, kode, tingkat}]` list, or the
    nested `{kabupaten: {kecamatan: {desa: {"TPS 001": <sirekap url>}}}}` scrape."""
    if isinstance(data, list):
        return [_row_from_element(e) for e in data], []
    if isinstance(data, dict):
        rows: dict[str, RegionRow] = {}
        tps: list[str] = []
        for path, url in _walk_nested(data, ()):
            _add_nested(rows, tps, path, url)
        return list(rows.values()), tps
    raise InvalidInput("regions file: expected a JSON list or object")


def _row_from_element(element: Any) -> RegionRow:
    try:
        code, name, tingkat = str(element["kode"]), str(element["nama"]), int(element["tingkat"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"regions file: element {element!r} lacks kode/nama/tingkat") from exc
    level = TINGKAT_LEVEL.get(tingkat)
    if level is None or level_of(code) != level:
        raise InvalidInput(f"regions file: code {code!r} does not fit tingkat {tingkat}")
    return RegionRow(code=code, level=level, name=name)


def _walk_nested(
    node: dict[str, Any], names: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], str]]:
    for name, child in node.items():
        if isinstance(child, dict):
            yield from _walk_nested(child, (*names, name))
        elif isinstance(child, str):
            yield (*names, name), child


def _add_nested(
    rows: dict[str, RegionRow], tps: list[str], names: tuple[str, ...], url: str
) -> None:
    match = _URL_CODES.search(url)
    if match is None or len(names) != 4:
        raise InvalidInput(f"regions file: cannot read codes from {url!r}")
    prov, kab, kec, desa, tps_code = match.groups()
    levels = (("kabupaten", kab), ("kecamatan", kec), ("desa", desa))
    rows.setdefault(prov, RegionRow(prov, "provinsi", PROVINCE_NAMES.get(prov, f"PROVINSI {prov}")))
    for (level, code), name in zip(levels, names[:3], strict=True):
        rows.setdefault(code, RegionRow(code, level, name))
    tps.append(tps_code or desa + names[3].split()[-1].zfill(3))


def upsert_regions(*, session: Session, rows: list[RegionRow]) -> int:
    """Insert regions that are not stored yet, parents first; returns how many were added."""
    existing = set(session.exec(select(Region.code)).all())
    new = [r for r in sorted(rows, key=lambda r: len(r.code)) if r.code not in existing]
    if new:
        session.execute(
            insert(Region),
            [
                {"code": r.code, "level": r.level, "name": r.name, "parent_code": parent_of(r.code)}
                for r in new
            ],
        )
    for row in rows:  # names of placeholder regions get their real names
        if row.code in existing:
            region = session.get(Region, row.code)
            if region is not None and region.name != row.name:
                region.name = row.name
    session.flush()
    return len(new)


TPS_COLUMNS = ("code", "number", "desa_code", "kecamatan_code", "kabupaten_code",
               "provinsi_code", "dpt")  # fmt: skip


def tps_values(code: str, *, dpt: int | None = None) -> tuple[Any, ...]:
    """Column values of a TPS from its 13-digit code, in TPS_COLUMNS order."""
    return code, int(code[10:]), code[:10], code[:6], code[:4], code[:2], dpt


def tps_row(code: str, *, dpt: int | None = None) -> dict[str, Any]:
    """Column values of a TPS from its 13-digit code, by column name."""
    return dict(zip(TPS_COLUMNS, tps_values(code, dpt=dpt), strict=True))


def insert_tps(*, session: Session, codes: list[str], dpt: dict[str, int] | None = None) -> int:
    """Insert TPS that are not stored yet (with their DPT when known); returns how many."""
    existing = set(session.exec(select(Tps.code)).all())
    new = sorted(set(codes) - existing)
    known = dpt or {}
    if new:
        session.execute(insert(Tps), [tps_row(c, dpt=known.get(c)) for c in new])
        session.flush()
    return len(new)


def import_regions(*, session: Session, path: Path, with_tps: bool = False) -> ImportCounts:
    """`rekap import regions FILE`: regions (and, if asked, TPS) from a Sirekap-format file."""
    rows, tps = parse_region_file(read_json(path))
    counts = ImportCounts(regions=upsert_regions(session=session, rows=rows))
    if with_tps:
        counts.tps = insert_tps(session=session, codes=tps)
    return counts


def contest_kind(code: str, region_code: str) -> str:
    """gubernur / bupati / walikota / presiden from the Sirekap contest code and region."""
    if code == "pkwkp":
        return "gubernur"
    if code == "pkwkk":
        # Kemendagri numbers kota from 71 upwards inside a province.
        return "walikota" if int(region_code[2:4]) >= 71 else "bupati"
    if code == "ppwp":
        return "presiden"
    raise InvalidInput(f"unknown contest code {code!r}", fields={"contest": "unknown code"})


def contest_name(kind: str, region_name: str) -> str:
    """A readable contest name, e.g. "Pemilihan Gubernur SUMATERA SELATAN"."""
    titles = {"gubernur": "Gubernur", "bupati": "Bupati", "walikota": "Wali Kota"}
    if kind == "presiden":
        return "Pemilihan Presiden dan Wakil Presiden 2024"
    return f"Pemilihan {titles[kind]} {region_name}"


def ensure_contest(*, session: Session, code: str, region_code: str) -> tuple[Contest, bool]:
    """The contest `<code>-<region>`, created when missing; True when it was created."""
    contest_id = f"{code}-{region_code}"
    contest = session.get(Contest, contest_id)
    if contest is not None:
        return contest, False
    region = session.get(Region, region_code) if region_code != "0" else None
    kind = contest_kind(code, region_code)
    name = contest_name(kind, region.name if region else region_code)
    contest = Contest(id=contest_id, code=code, kind=kind, region_code=region_code, name=name)
    session.add(contest)
    session.flush()
    return contest, True


def import_paslon(*, session: Session, path: Path, contest_code: str) -> ImportCounts:
    """`rekap import paslon FILE`: `{region: {sirekap id: {nama, nomor_urut}}}` → contests."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected an object keyed by region code")
    counts = ImportCounts()
    for region_code, candidates in sorted(data.items()):
        contest, created = ensure_contest(
            session=session, code=contest_code, region_code=region_code
        )
        counts.contests += created
        counts.paslon += upsert_paslon(session=session, contest=contest, candidates=candidates)
    return counts


def upsert_paslon(*, session: Session, contest: Contest, candidates: dict[str, Any]) -> int:
    """Add or rename the paslon of a contest; returns how many were added."""
    stored = {
        p.nomor_urut: p for p in session.exec(select(Paslon).where(Paslon.contest_id == contest.id))
    }
    added = 0
    for sirekap_id, info in candidates.items():
        nomor, nama = int(info["nomor_urut"]), str(info["nama"])
        paslon = stored.get(nomor)
        if paslon is None:
            session.add(
                Paslon(contest_id=contest.id, nomor_urut=nomor, nama=nama, sirekap_id=sirekap_id)
            )
            added += 1
        else:
            paslon.nama, paslon.sirekap_id = nama, sirekap_id
    session.flush()
    return added
