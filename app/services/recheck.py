"""Incremental recheck: a new submission re-evaluates its TPS, the TPS across contests and its
kecamatan; a new D.Hasil version re-evaluates its kecamatan. Full rechecks: recheck_bulk."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from app.domain.accepted import AcceptedValue, SubmissionValues
from app.domain.evaluation import (
    CROSS_RULES,
    KECAMATAN_RULES,
    TPS_RULES,
    DHasilData,
    TpsOutcome,
    evaluate_cross,
    evaluate_kecamatan,
    evaluate_tps,
    form_context,
)
from app.domain.fields import ALL_FIELDS
from app.domain.findings import FormContext
from app.domain.regions import contains
from app.models import Contest, DHasilVersion, Discrepancy, Paslon, Submission, Tps, TpsResult
from app.schemas.discrepancies import DiscrepancyRead
from app.services.discrepancy_query import to_read
from app.services.recheck_store import apply_findings, load_existing, result_row, write_results

TPS_COLUMNS = ("code", "desa_code", "kecamatan_code", "kabupaten_code", "provinsi_code")


def contest_contexts(session: Session) -> dict[str, tuple[Contest, FormContext]]:
    """Every contest with the form context its checks need (kind, paslon count)."""
    counts = dict(
        session.exec(select(Paslon.contest_id, func.count()).group_by(col(Paslon.contest_id))).all()
    )
    return {
        c.id: (c, form_context(c.kind, int(counts.get(c.id, 0))))
        for c in session.exec(select(Contest))
    }


def as_values(row: Any) -> SubmissionValues:
    """A submission row (ORM or Core) as the rules see it."""
    return SubmissionValues(
        submission_id=row.id,
        source=row.source,
        submitted_at=aware(row.submitted_at),
        values=row.values,
        supersedes=row.supersedes_id,
        reason=row.reason,
        confidence=row.confidence,
    )


def aware(at: datetime) -> datetime:
    """SQLite hands datetimes back naive; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def outcome_from_result(row: Any) -> TpsOutcome:
    """A stored TpsResult row back as accepted values with their sources."""
    sources = row.sources or {}
    accepted = {
        name: AcceptedValue(value, int(sources.get(name, 0)), "")
        for name in ALL_FIELDS
        if (value := getattr(row, name)) is not None
    }
    return TpsOutcome(accepted=accepted)


def tps_dict(tps: Tps) -> dict[str, str]:
    """The code and ancestor codes of a TPS."""
    return {name: getattr(tps, name) for name in TPS_COLUMNS}


def _recheck_tps(
    session: Session, tps: Tps, contest_id: str, ctx: FormContext, resolved_by: int | None
) -> None:
    stmt = (
        select(Submission)
        .where(Submission.tps_code == tps.code, Submission.contest_id == contest_id)
        .order_by(col(Submission.id))
    )
    subs = [as_values(s) for s in session.exec(stmt)]
    outcome = evaluate_tps(tps_code=tps.code, contest_id=contest_id, ctx=ctx, submissions=subs)
    stored = session.get(TpsResult, (tps.code, contest_id))
    stored_sources = {(tps.code, contest_id): stored.sources} if stored is not None else {}
    if stored is not None:
        session.expunge(stored)
    write_results(session, [result_row(tps_dict(tps), contest_id, outcome)], stored_sources)
    existing = load_existing(
        session,
        col(Discrepancy.tps_code) == tps.code,
        col(Discrepancy.contest_id) == contest_id,
        col(Discrepancy.rule).in_(TPS_RULES),
    )
    apply_findings(
        session=session, found=outcome.findings, existing=existing, resolved_by=resolved_by
    )


def _recheck_cross(
    session: Session, tps: Tps, kinds: dict[str, str], resolved_by: int | None
) -> None:
    rows = session.exec(select(TpsResult).where(TpsResult.tps_code == tps.code)).all()
    accepted = {r.contest_id: outcome_from_result(r) for r in rows}
    for r in rows:
        session.expunge(r)
    found = evaluate_cross(tps_code=tps.code, accepted=accepted, kinds=kinds)
    existing = load_existing(
        session, col(Discrepancy.tps_code) == tps.code, col(Discrepancy.rule).in_(CROSS_RULES)
    )
    apply_findings(session=session, found=found, existing=existing, resolved_by=resolved_by)


def latest_dhasil(session: Session, kecamatan_code: str, contest_id: str) -> DHasilData | None:
    """The newest D.Hasil version of a kecamatan and contest, as the rules see it."""
    stmt = (
        select(DHasilVersion)
        .where(
            DHasilVersion.kecamatan_code == kecamatan_code, DHasilVersion.contest_id == contest_id
        )
        .order_by(col(DHasilVersion.version).desc())
        .limit(1)
    )
    ver = session.exec(stmt).first()
    if ver is None:
        return None
    return DHasilData(version_id=ver.id or 0, desa=ver.desa, total=ver.total)


def _kecamatan_inputs(
    session: Session, kecamatan_code: str, contest: Contest
) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    rows = session.exec(
        select(TpsResult).where(
            TpsResult.kecamatan_code == kecamatan_code, TpsResult.contest_id == contest.id
        )
    ).all()
    values = {r.tps_code: outcome_from_result(r).values for r in rows}
    for r in rows:
        session.expunge(r)
    by_desa: dict[str, list[str]] = {}
    for code, desa in session.exec(
        select(Tps.code, Tps.desa_code).where(Tps.kecamatan_code == kecamatan_code)
    ):
        if contains(contest.region_code, code):
            by_desa.setdefault(desa, []).append(code)
    return values, by_desa


def recheck_kecamatan(
    *, session: Session, kecamatan_code: str, contest_id: str, resolved_by: int | None = None
) -> list[DiscrepancyRead]:
    """Reconcile one kecamatan and contest; returns its open reconciliation discrepancies."""
    dhasil = latest_dhasil(session, kecamatan_code, contest_id)
    contest = session.get(Contest, contest_id)
    if dhasil is not None and contest is not None:
        values, by_desa = _kecamatan_inputs(session, kecamatan_code, contest)
        ctx = contest_contexts(session)[contest_id][1]
        found = evaluate_kecamatan(
            kecamatan_code=kecamatan_code,
            contest_id=contest_id,
            dhasil=dhasil,
            tps_values=values,
            tps_by_desa=by_desa,
            ctx=ctx,
        )
        existing = load_existing(
            session,
            col(Discrepancy.kecamatan_code) == kecamatan_code,
            col(Discrepancy.contest_id) == contest_id,
            col(Discrepancy.rule).in_(KECAMATAN_RULES),
        )
        apply_findings(session=session, found=found, existing=existing, resolved_by=resolved_by)
    return open_discrepancies(
        session,
        col(Discrepancy.kecamatan_code) == kecamatan_code,
        col(Discrepancy.contest_id) == contest_id,
        col(Discrepancy.rule).in_(KECAMATAN_RULES),
    )


def recheck_submission(*, session: Session, submission: Submission) -> list[DiscrepancyRead]:
    """Re-evaluate everything a new submission can change; returns its TPS's open findings."""
    tps = session.get(Tps, submission.tps_code)
    assert tps is not None and submission.id is not None
    contexts = contest_contexts(session)
    _, ctx = contexts[submission.contest_id]
    _recheck_tps(session, tps, submission.contest_id, ctx, submission.id)
    kinds = {cid: contest.kind for cid, (contest, _) in contexts.items()}
    _recheck_cross(session, tps, kinds, submission.id)
    recheck_kecamatan(
        session=session,
        kecamatan_code=tps.kecamatan_code,
        contest_id=submission.contest_id,
        resolved_by=submission.id,
    )
    return open_discrepancies(
        session,
        col(Discrepancy.tps_code) == tps.code,
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


__all__: Sequence[str] = ["recheck_kecamatan", "recheck_submission", "open_discrepancies"]
