"""Incremental recheck: a new submission re-evaluates its TPS, the TPS across contests and its
kecamatan; a new D.Hasil version re-evaluates its kecamatan. Both are thin wrappers over the
verification engine (app/services/verification.py); full rechecks: recheck_bulk."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, func, select

from app.domain.evaluation import (
    CROSS_RULES,
    KECAMATAN_RULES,
    DHasilData,
)
from app.domain.regions import TPS_COLUMN_BY_LEVEL
from app.domain.rules import DesaTally
from app.models import DHasilVersion, Discrepancy, Submission, Tps, TpsResult
from app.schemas.discrepancies import DiscrepancyRead
from app.services.discrepancy_query import to_read
from app.services.verification import (
    RECHECK_LOCK,
    as_values,
    aware,
    contest_contexts,
    lock_kecamatan,
    outcome_from_result,
    verify_units,
)


def tps_dict(tps: Tps) -> dict[str, str]:
    """The code and ancestor codes of a TPS."""
    return {name: getattr(tps, name) for name in TPS_COLUMN_BY_LEVEL.values()}


SUBMISSION_COLUMNS = tuple(
    getattr(Submission, c)
    for c in ("id", "source", "submitted_at", "values", "supersedes_id", "reason", "confidence")
)
RESULTS = TpsResult.__table__
TPS_TABLE = Tps.__table__  # type: ignore[attr-defined]


def latest_dhasil(session: Session, kecamatan_code: str, contest_id: str) -> DHasilData | None:
    """The newest D.Hasil version of a kecamatan and contest, as the rules see it."""
    stmt = (
        select(DHasilVersion)
        .where(
            DHasilVersion.kecamatan_code == kecamatan_code,
            DHasilVersion.contest_id == contest_id,
        )
        .order_by(col(DHasilVersion.version).desc())
        .limit(1)
    )
    ver = session.exec(stmt).first()
    if ver is None:
        return None
    return DHasilData(version_id=ver.id or 0, desa=ver.desa, total=ver.total)


def desa_tallies(
    session: Session, kecamatan_code: str, contest_id: str, fields: Sequence[str]
) -> dict[str, DesaTally]:
    """Σ accepted values per desa of a kecamatan, computed by the database (see tally_desa)."""
    joined = TPS_TABLE.outerjoin(
        RESULTS, and_(RESULTS.c.tps_code == TPS_TABLE.c.code, RESULTS.c.contest_id == contest_id)
    )
    aggregates = [agg(RESULTS.c[f]) for f in fields for agg in (func.sum, func.count)]
    stmt = (
        select(TPS_TABLE.c.desa_code, func.count(), func.count(RESULTS.c.tps_code), *aggregates)
        .select_from(joined)
        .where(TPS_TABLE.c.kecamatan_code == kecamatan_code)
        .group_by(TPS_TABLE.c.desa_code)
    )
    missing: dict[str, list[str]] = {}
    gaps = (
        select(TPS_TABLE.c.code, TPS_TABLE.c.desa_code)
        .select_from(joined)
        .where(TPS_TABLE.c.kecamatan_code == kecamatan_code, RESULTS.c.tps_code.is_(None))
    )
    for code, desa in session.execute(gaps):
        missing.setdefault(desa, []).append(code)
    tallies = {}
    for desa, n_tps, n_res, *agg in session.execute(stmt):
        sums = {
            f: int(agg[2 * i])
            for i, f in enumerate(fields)
            if agg[2 * i + 1] == n_res and n_res > 0
        }
        tallies[desa] = DesaTally(int(n_tps), sums, tuple(sorted(missing.get(desa, []))))
    return tallies


def recheck_kecamatan(
    *, session: Session, kecamatan_code: str, contest_id: str, resolved_by: int | None = None
) -> list[DiscrepancyRead]:
    """Reconcile one kecamatan and contest; returns its open reconciliation discrepancies."""
    lock_kecamatan(session, kecamatan_code)
    verify_units(session, set(), {(kecamatan_code, contest_id)}, resolved_by=resolved_by)
    return open_discrepancies(
        session,
        col(Discrepancy.kecamatan_code) == kecamatan_code,
        col(Discrepancy.contest_id) == contest_id,
        col(Discrepancy.rule).in_(KECAMATAN_RULES),
    )


def recheck_submission(*, session: Session, submission: Submission) -> list[DiscrepancyRead]:
    """Re-evaluate everything a new submission can change (its TPS unit; when its accepted values
    changed, the TPS across contests and its kecamatan); returns its TPS's open findings."""
    assert submission.id is not None
    lock_kecamatan(session, submission.kecamatan_code)
    unit = (submission.tps_code, submission.contest_id)
    verify_units(session, {unit}, set(), resolved_by=submission.id)
    return open_discrepancies(
        session,
        col(Discrepancy.tps_code) == submission.tps_code,
        or_(
            col(Discrepancy.contest_id) == submission.contest_id,
            col(Discrepancy.rule).in_(CROSS_RULES),
        ),
    )


def open_discrepancies(session: Session, *where: ColumnElement[bool]) -> list[DiscrepancyRead]:
    """The not-resolved discrepancies matching the clauses, in id order."""
    stmt = (
        select(Discrepancy)
        .where(col(Discrepancy.status) != "resolved", *where)
        .order_by(col(Discrepancy.id))
        .execution_options(populate_existing=True)
    )
    return [to_read(d) for d in session.exec(stmt)]


__all__: Sequence[str] = [
    "RECHECK_LOCK",
    "as_values",
    "aware",
    "contest_contexts",
    "lock_kecamatan",
    "open_discrepancies",
    "outcome_from_result",
    "recheck_kecamatan",
    "recheck_submission",
    "verify_units",
]
