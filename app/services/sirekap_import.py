"""`rekap import sirekap PATH`: Sirekap per-TPS result records as submissions of source sirekap."""

import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.domain.regions import LEVEL_BY_LENGTH, ancestors_of
from app.domain.sirekap import (
    PPWP_CONTEST,
    PPWP_PASLON,
    SirekapRecord,
    parse_tps_record,
    tps_code_from_name,
)
from app.errors import InvalidInput
from app.models import Discrepancy, Region, Submission
from app.services.audit import append_audit
from app.services.importers import RegionRow, ensure_contest, insert_tps, upsert_paslon
from app.services.importers import upsert_regions as add_regions
from app.services.recheck_bulk import recheck_kecamatan_codes

SOURCE = "sirekap"


@dataclass
class SirekapReport:
    """What an import read, stored and found."""

    files: int = 0
    imported: int = 0
    not_digitised: int = 0
    unchanged: int = 0
    unreadable: list[str] = field(default_factory=list)
    regions_created: int = 0
    tps_created: int = 0
    breaches: Counter[str] = field(default_factory=Counter)


def iter_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every .json record in a file, a folder (recursively) or a zip."""
    if path.is_dir():
        for item in sorted(path.rglob("*.json")):
            yield item.name, item.read_bytes()
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.endswith(".json") and not name.startswith("__MACOSX"):
                    yield name, archive.read(name)
    elif path.is_file():
        yield path.name, path.read_bytes()
    else:
        raise InvalidInput(f"{path}: no such file or folder", fields={"path": "not found"})


def ensure_ppwp(session: Session) -> dict[str, int]:
    """The presidential contest ppwp-0 with its three 2024 paslon; Sirekap id → nomor urut."""
    contest, _ = ensure_contest(session=session, code="ppwp", region_code="0")
    candidates = {sid: {"nomor_urut": n, "nama": nama} for sid, (n, nama) in PPWP_PASLON.items()}
    upsert_paslon(session=session, contest=contest, candidates=candidates)
    return {sid: n for sid, (n, _) in PPWP_PASLON.items()}


def _parse(path: Path, report: SirekapReport, paslon: dict[str, int]) -> dict[str, SirekapRecord]:
    records: dict[str, SirekapRecord] = {}
    for name, raw in iter_files(path):
        report.files += 1
        code = tps_code_from_name(name)
        try:
            data: Any = json.loads(raw)
        except ValueError:
            code = None
        if code is None:
            report.unreadable.append(name)
            continue
        record = parse_tps_record(data, paslon)
        if record is None or not record.values:
            report.not_digitised += 1
        else:
            records[code] = record
    return records


def _placeholder_regions(session: Session, codes: list[str]) -> list[RegionRow]:
    wanted = {a for c in codes for lvl, a in ancestors_of(c).items() if lvl != "tps"}
    stored = set(session.exec(select(Region.code).where(col(Region.code).in_(wanted))).all())
    return [
        RegionRow(code, LEVEL_BY_LENGTH[len(code)], f"{LEVEL_BY_LENGTH[len(code)].title()} {code}")
        for code in sorted(wanted - stored)
    ]


def _latest_values(session: Session, codes: list[str]) -> dict[str, dict[str, int]]:
    stmt = (
        select(Submission.tps_code, Submission.values)
        .where(
            col(Submission.tps_code).in_(codes),
            Submission.source == SOURCE,
            Submission.contest_id == PPWP_CONTEST,
        )
        .order_by(col(Submission.id))
    )
    return {code: dict(values) for code, values in session.exec(stmt).all()}


def _submission(code: str, record: SirekapRecord, actor: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "tps_code": code,
        "contest_id": PPWP_CONTEST,
        "kecamatan_code": code[:6],
        "source": SOURCE,
        "submitted_by": actor,
        "reason": None,
        "supersedes_id": None,
        "values": record.values,
        "confidence": None,
    }
    if record.stamped_at is not None:
        row["submitted_at"] = record.stamped_at
    return row


def _audit_import(
    session: Session, *, path: Path, rows: list[dict[str, Any]], report: "SirekapReport", actor: str
) -> None:
    """One audit record per import; its digest pins every imported row's TPS and values."""
    pinned = [[r["tps_code"], r["values"]] for r in rows]
    digest = hashlib.sha256(json.dumps(pinned, sort_keys=True).encode()).hexdigest()
    append_audit(
        session=session,
        actor=actor,
        action="submission.import",
        entity="import",
        entity_id=path.name,
        payload={"source": SOURCE, "imported": report.imported, "unchanged": report.unchanged,
                 "rows_sha256": digest},
    )  # fmt: skip


def import_sirekap(*, session: Session, path: Path, actor: str = "import:sirekap") -> SirekapReport:
    """Import every record under path, create missing regions/TPS, recheck what changed."""
    report = SirekapReport()
    records = _parse(path, report, ensure_ppwp(session))
    codes = sorted(records)
    report.regions_created = add_regions(session=session, rows=_placeholder_regions(session, codes))
    dpt = {c: r.values["pemilih_dpt_j"] for c, r in records.items() if "pemilih_dpt_j" in r.values}
    report.tps_created = insert_tps(session=session, codes=codes, dpt=dpt)
    latest = _latest_values(session, codes)
    rows = [_submission(c, records[c], actor) for c in codes if latest.get(c) != records[c].values]
    report.unchanged = len(codes) - len(rows)
    report.imported = len(rows)
    for start in range(0, len(rows), 2000):
        session.execute(insert(Submission), rows[start : start + 2000])
    _audit_import(session, path=path, rows=rows, report=report, actor=actor)
    recheck_kecamatan_codes(session=session, codes=sorted({c[:6] for c in codes}))
    stmt = select(Discrepancy.rule).where(
        col(Discrepancy.tps_code).in_(codes), Discrepancy.status != "resolved"
    )
    report.breaches = Counter(session.exec(stmt).all())
    return report
