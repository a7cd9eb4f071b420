"""Read views over accepted values: a region's tally for a contest, and one TPS in full."""

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.domain.fields import ALL_FIELDS
from app.domain.regions import TPS_COLUMN_BY_LEVEL, contains, level_of
from app.domain.statuses import UNSETTLED
from app.errors import ContestNotFound, InvalidInput, RegionNotFound, TpsNotFound
from app.models import Contest, Discrepancy, Region, Submission, Tps, TpsResult
from app.schemas.results import SubmissionRead, Tally, TpsContestView, TpsView
from app.services.discrepancy_query import region_clause, to_read
from app.services.photo_views import photo_summaries


def _check_region(session: Session, code: str) -> str:
    level = "nasional" if code == "0" else level_of(code)
    if level is None:
        raise InvalidInput(f"'{code}' is not a region code", fields={"code": "not a region code"})
    if level == "tps":
        if session.get(Tps, code) is None:
            raise TpsNotFound(f"No TPS has code {code}")
    elif level != "nasional" and session.get(Region, code) is None:
        raise RegionNotFound(f"No region has code {code}")
    return level


def _under(model: Any, level: str, code: str) -> list[ColumnElement[bool]]:
    """Rows of Tps or TpsResult under a region, through the indexed ancestor columns."""
    if level == "nasional":
        return []
    name = TPS_COLUMN_BY_LEVEL[level]
    if level == "tps" and model is TpsResult:
        name = "tps_code"
    return [col(getattr(model, name)) == code]


def _tps_total(session: Session, level: str, code: str, contest: Contest) -> int:
    """TPS under the region that the contest covers."""
    clauses = _under(Tps, level, code)
    if contest.region_code != "0":
        clauses += _under(Tps, level_of(contest.region_code) or "nasional", contest.region_code)
    return int(session.exec(select(func.count()).select_from(Tps).where(*clauses)).one())


def region_tally(*, session: Session, code: str, contest_id: str) -> Tally:
    """Σ accepted values of every TPS under a region for one contest, with coverage and counts."""
    level = _check_region(session, code)
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise ContestNotFound(f"No contest has id {contest_id}")
    where = [col(TpsResult.contest_id) == contest_id, *_under(TpsResult, level, code)]
    sums = [func.sum(getattr(TpsResult, name)) for name in ALL_FIELDS]
    row = session.execute(select(func.count(), *sums).where(*where)).one()
    values = {n: int(v) for n, v in zip(ALL_FIELDS, row[1:], strict=True) if v is not None}
    d_where = [col(Discrepancy.contest_id) == contest_id, col(Discrepancy.status).in_(UNSETTLED)]
    region = region_clause(code)
    if region is not None:
        d_where.append(region)
    counts = dict(
        session.exec(
            select(Discrepancy.severity, func.count())
            .where(*d_where)
            .group_by(col(Discrepancy.severity))
        ).all()
    )
    return Tally(
        region_code=code,
        contest_id=contest_id,
        tps_total=_tps_total(session, level, code, contest),
        tps_reported=int(row[0]),
        values=values,
        open_discrepancies={
            "error": int(counts.get("error", 0)),
            "warning": int(counts.get("warning", 0)),
        },
    )


def _contest_view(session: Session, tps: Tps, contest: Contest) -> TpsContestView:
    result = session.get(TpsResult, (tps.code, contest.id), populate_existing=True)
    accepted: dict[str, int] = {}
    sources: dict[str, int] = {}
    if result is not None:
        accepted = {n: v for n in ALL_FIELDS if (v := getattr(result, n)) is not None}
        sources = {str(k): int(v) for k, v in (result.sources or {}).items()}
    subs = session.exec(
        select(Submission)
        .where(Submission.tps_code == tps.code, Submission.contest_id == contest.id)
        .order_by(col(Submission.id))
    )
    found = session.exec(
        select(Discrepancy)
        .where(Discrepancy.tps_code == tps.code, Discrepancy.contest_id == contest.id)
        .order_by(col(Discrepancy.id))
        .execution_options(populate_existing=True)
    )
    return TpsContestView(
        contest_id=contest.id,
        accepted=accepted,
        accepted_sources=sources,
        submissions=[SubmissionRead.model_validate(s, from_attributes=True) for s in subs],
        photos=[
            p.model_dump(mode="json")
            for p in photo_summaries(session=session, tps_code=tps.code, contest_id=contest.id)
        ],
        discrepancies=[to_read(d) for d in found],
    )


def tps_view(*, session: Session, tps_code: str) -> TpsView:
    """A TPS with, per contest covering it: accepted values, submissions, photos, discrepancies."""
    tps = session.get(Tps, tps_code)
    if tps is None:
        raise TpsNotFound(f"No TPS has code {tps_code}")
    contests = [
        c
        for c in session.exec(select(Contest).order_by(col(Contest.id)))
        if contains(c.region_code, tps.code)
    ]
    return TpsView(
        **{k: getattr(tps, k) for k in TpsView.model_fields if k != "contests"},
        contests=[_contest_view(session, tps, c) for c in contests],
    )
