"""`rekap import sirekap PATH`: Sirekap per-TPS result records as submissions of source sirekap.

A national dump (435,296 records) imports in one transaction: every record is read and checked
first (a bad file stops the import naming the file, the line or the field, before anything is
written), then regions, TPS and submissions are written in bulk (COPY on PostgreSQL, executemany
in slices within the parameter limit elsewhere) with one audit record. The recheck of what was
imported follows, in the same transaction (`recheck=True`) or, from the command line, in batches
of kecamatan that each commit (an interrupted recheck is finished by `rekap recheck`)."""

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func
from sqlmodel import Session, col, select

from app.domain.regions import LEVEL_BY_LENGTH, parent_of
from app.domain.sirekap import PPWP_CONTEST, PPWP_PASLON
from app.errors import InvalidInput
from app.models import Discrepancy, Region, Submission, Tps
from app.models.evidence import utcnow
from app.services.audit import append_audit
from app.services.bulk import (
    JsonText,
    chunks,
    cyclic_gc_paused,
    in_slices,
    stored_keys,
    write_rows,
)
from app.services.importers import TPS_COLUMNS, ensure_contest, tps_values, upsert_paslon
from app.services.recheck_bulk import recheck_kecamatan_codes
from app.services.sirekap_read import Read, read_slices, record_sources

SOURCE = "sirekap"
REGIONS: Table = Region.__table__  # type: ignore[attr-defined]
TPS: Table = Tps.__table__  # type: ignore[attr-defined]
SUBMISSIONS: Table = Submission.__table__  # type: ignore[attr-defined]
# progress(stage, done, total): stages "read" (files), "write" (rows), "recheck" (kecamatan).
Progress = Callable[[str, int, int], None]
SUBMISSION_COLUMNS = (
    "tps_code", "contest_id", "kecamatan_code", "source", "submitted_by", "submitted_at",
    "reason", "supersedes_id", "values", "confidence",
)  # fmt: skip
REGION_COLUMNS = ("code", "level", "name", "parent_code")
DIGEST_ROWS = 5_000  # rows hashed per part of the audit digest
PASLON_NUMBERS = {sid: n for sid, (n, _) in PPWP_PASLON.items()}  # Sirekap's paslon id → nomor urut


@dataclass
class SirekapReport:
    """What an import read, stored and found."""

    files: int = 0
    imported: int = 0
    not_digitised: int = 0
    unchanged: int = 0
    regions_created: int = 0
    tps_created: int = 0
    tps_codes: list[str] = field(default_factory=list)  # the digitised records' TPS
    kecamatan: list[str] = field(default_factory=list)  # their kecamatan, to recheck
    breaches: Counter[str] = field(default_factory=Counter)


def ensure_ppwp(session: Session) -> dict[str, int]:
    """The presidential contest ppwp-0 with its three 2024 paslon; Sirekap id → nomor urut."""
    contest, _ = ensure_contest(session=session, code="ppwp", region_code="0")
    candidates = {sid: {"nomor_urut": n, "nama": nama} for sid, (n, nama) in PPWP_PASLON.items()}
    upsert_paslon(session=session, contest=contest, candidates=candidates)
    return dict(PASLON_NUMBERS)


def _parse(path: Path, report: SirekapReport, progress: Progress | None) -> dict[str, Read]:
    """Every record under path read and checked (nothing is written before this returns): the
    digitised ones by TPS code."""
    sources, prefix = record_sources(path)
    slices = read_slices(path, sources, prefix, dict(PASLON_NUMBERS))
    try:
        return _collect(slices, [prefix + s[0] for s in sources], report, progress)
    finally:
        slices.close()


def _collect(
    slices: Iterator[Any], names: list[str], report: SirekapReport, progress: Progress | None
) -> dict[str, Read]:
    records: dict[str, Read] = {}
    seen: dict[str, int] = {}  # TPS code → its record's position in names
    for read, error in slices:
        for item in read:
            code = item.code
            if code in seen:
                twice = f"{names[report.files]}: TPS {code} already read from {names[seen[code]]}"
                raise InvalidInput(twice, fields={"file": "duplicate TPS"})
            seen[code] = report.files
            report.files += 1
            if item.values is None:
                report.not_digitised += 1
            else:
                records[code] = item
        if error is not None:
            raise InvalidInput(error[0], fields=error[1])
        if progress is not None:
            progress("read", report.files, len(names))
    return records


def _placeholder_regions(session: Session, codes: list[str]) -> list[tuple[str, str, str, Any]]:
    """Regions above the TPS that are not stored yet, parents first."""
    desa = {c[:10] for c in codes}
    wanted = desa | {d[:n] for d in desa for n in (2, 4, 6)}
    missing = sorted(wanted - stored_keys(session, col(Region.code)), key=lambda c: (len(c), c))
    return [
        (c, LEVEL_BY_LENGTH[len(c)], f"{LEVEL_BY_LENGTH[len(c)].title()} {c}", parent_of(c))
        for c in missing
    ]


def _latest_texts(session: Session, codes: set[str]) -> dict[str, str]:
    """The newest sirekap values stored per TPS among codes, as the JSON text a Read holds (one
    scan, no IN list)."""
    stmt = (
        select(Submission.tps_code, Submission.values)
        .where(Submission.source == SOURCE, Submission.contest_id == PPWP_CONTEST)
        .order_by(col(Submission.id))
    )
    rows = session.exec(stmt).all()
    return {code: json.dumps(v, sort_keys=True) for code, v in rows if code in codes}


def _submission(read: Read, actor: str, now: datetime) -> tuple[Any, ...]:
    code, at = read.code, read.stamped_at or now
    return (code, PPWP_CONTEST, code[:6], SOURCE, actor, at, None, None, JsonText(read.values),
            None)  # fmt: skip


def _audit_import(
    session: Session, *, path: Path, rows: list[tuple[Any, ...]], report: SirekapReport, actor: str
) -> None:
    """One audit record per import; its digest pins every imported row's TPS and values: the
    SHA-256 of json.dumps([[tps, values], ...], sort_keys=True), built from each row's text and
    hashed in parts (a national import's whole text would be 130 MB twice over)."""
    digest = hashlib.sha256(b"[")
    for i, part in enumerate(chunks(rows, DIGEST_ROWS)):
        pinned = ", ".join([f'["{r[0]}", {r[8]}]' for r in part])  # TPS codes are digits
        digest.update(((", " if i else "") + pinned).encode())
    digest.update(b"]")
    append_audit(
        session=session,
        actor=actor,
        action="submission.import",
        entity="import",
        entity_id=path.name,
        payload={"source": SOURCE, "imported": report.imported, "unchanged": report.unchanged,
                 "rows_sha256": digest.hexdigest()},
    )  # fmt: skip


def store_records(
    *,
    session: Session,
    path: Path,
    actor: str = "import:sirekap",
    progress: Progress | None = None,
) -> SirekapReport:
    """Read and check every record under path, then write placeholder regions, TPS and the
    changed records' submissions in bulk in the caller's transaction (flushed, not committed).
    Nothing is written when a record is bad: InvalidInput names the file and the reason."""
    report = SirekapReport()
    with cyclic_gc_paused():
        records = _parse(path, report, progress)  # every record checked before any write
        _store(session, path=path, records=records, report=report, actor=actor, progress=progress)
    return report


def _store(
    session: Session,
    *,
    path: Path,
    records: dict[str, Read],
    report: SirekapReport,
    actor: str,
    progress: Progress | None,
) -> None:
    """Write what was read: placeholder regions, new TPS, changed submissions, one audit."""
    ensure_ppwp(session)
    codes = sorted(records)
    regions = _placeholder_regions(session, codes)
    stored_tps = stored_keys(session, col(Tps.code))
    new_tps = [c for c in codes if c not in stored_tps]
    latest = _latest_texts(session, set(codes))
    now = utcnow()
    changed = [records[c] for c in codes if latest.get(c) != records[c].values]
    rows = [_submission(read, actor, now) for read in changed]
    report.unchanged = len(codes) - len(rows)
    report.imported = len(rows)
    total = len(regions) + len(new_tps) + len(rows)
    done = 0

    def step(table_done: int) -> None:
        if progress is not None:
            progress("write", done + table_done, total)

    report.regions_created = write_rows(session, REGIONS, REGION_COLUMNS, regions, progress=step)
    done += report.regions_created
    tps = (tps_values(c, dpt=records[c].dpt) for c in new_tps)
    report.tps_created = write_rows(session, TPS, TPS_COLUMNS, tps, progress=step)
    done += report.tps_created
    write_rows(session, SUBMISSIONS, SUBMISSION_COLUMNS, rows, progress=step)
    _audit_import(session, path=path, rows=rows, report=report, actor=actor)
    report.tps_codes = codes
    report.kecamatan = sorted({c[:6] for c in codes})
    session.flush()


def count_breaches(session: Session, codes: list[str]) -> Counter[str]:
    """Open discrepancies of the given TPS by rule (IN lists cut into slices)."""
    breaches: Counter[str] = Counter()
    for part in in_slices(codes):
        stmt = (
            select(Discrepancy.rule, func.count())
            .where(col(Discrepancy.tps_code).in_(part), Discrepancy.status != "resolved")
            .group_by(col(Discrepancy.rule))
        )
        for rule, n in session.exec(stmt).all():
            breaches[rule] += n
    return breaches


def import_sirekap(
    *,
    session: Session,
    path: Path,
    actor: str = "import:sirekap",
    progress: Progress | None = None,
) -> SirekapReport:
    """Import every record under path, create missing regions/TPS, recheck what changed, all in
    the caller's transaction."""
    report = store_records(session=session, path=path, actor=actor, progress=progress)
    recheck_kecamatan_codes(session=session, codes=report.kecamatan)
    report.breaches = count_breaches(session, report.tps_codes)
    return report
