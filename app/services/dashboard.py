"""Read views for the console's dashboard: coverage and open discrepancies per child region, the
contests of a region, and the per-TPS turnout/vote-share points of the election fingerprint."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.domain.regions import (
    LENGTH_BY_LEVEL,
    TPS_COLUMN_BY_LEVEL,
    ancestors_of,
    child_level,
    contains,
    level_of,
)
from app.domain.statuses import UNSETTLED
from app.models import Discrepancy, Region, Tps, TpsResult
from app.schemas.discrepancies import DiscrepancySummary
from app.schemas.regions import ContestRead, RegionRead
from app.schemas.results import Tally
from app.services.discrepancy_query import DiscrepancyFilter, summarize
from app.services.fingerprint import FingerprintBins, fingerprint_bins
from app.services.regions import get_region, list_contests
from app.services.tallies import region_tallies
from app.services.tally import region_tally


@dataclass(frozen=True)
class ChildCoverage:
    """One child region: TPS reported / total for a contest and its unsettled discrepancies."""

    code: str
    name: str
    level: str
    tps_total: int
    tps_reported: int
    open_error: int
    open_warning: int

    @property
    def percent(self) -> float:
        """Share of TPS reported, 0..100."""
        return 100.0 * self.tps_reported / self.tps_total if self.tps_total else 0.0


@dataclass(frozen=True)
class FingerprintPoint:
    """One TPS: turnout (voters / DPT) and the paslon's share of valid votes, both 0..1."""

    tps_code: str
    turnout: float
    share: float


def region_level(code: str) -> str:
    """The level of a region code, "nasional" for "0"."""
    return "nasional" if code == "0" else (level_of(code) or "nasional")


def _under(model: Any, level: str, code: str) -> list[ColumnElement[bool]]:
    if level == "nasional":
        return []
    name = TPS_COLUMN_BY_LEVEL[level]
    if model is TpsResult and name == "code":
        name = "tps_code"
    return [col(getattr(model, name)) == code]


def contests_for_region(*, session: Session, code: str) -> list[ContestRead]:
    """Contests whose area covers the region (the nation: every provincial contest)."""
    contests = list_contests(session=session)
    contests.sort(key=lambda c: (len(c.region_code), c.id))  # the widest contest first
    covering = [c for c in contests if contains(c.region_code, code)]
    if covering or code != "0":
        return covering
    return [c for c in contests if level_of(c.region_code) == "provinsi"]


def dashboard_contests(*, session: Session, code: str) -> list[ContestRead]:
    """Contests covering the region (widest first), then the contests inside it (a province
    shows its governor race and every bupati/wali kota race of its kabupaten)."""
    contests = sorted(list_contests(session=session), key=lambda c: (len(c.region_code), c.id))
    covering = [c for c in contests if contains(c.region_code, code)]
    inside = [c for c in contests if c not in covering and contains(code, c.region_code)]
    return covering + inside


def _grouped_counts(session: Session, stmt: Any) -> dict[str, int]:
    return {str(k): int(n) for k, n in session.execute(stmt)}


def coverage_by_child(
    *, session: Session, region: RegionRead, contest: ContestRead
) -> list[ChildCoverage]:
    """For every child of the region: TPS the contest covers, TPS with accepted values, and
    unsettled discrepancies by severity."""
    level = region_level(region.code)
    below = child_level(level)
    if below is None:
        return []
    column = TPS_COLUMN_BY_LEVEL[below]  # a TPS row's column naming its region of that level
    scope = [*_under(Tps, level, region.code)]
    if contest.region_code != "0":
        scope += _under(Tps, region_level(contest.region_code), contest.region_code)
    tps_col = col(getattr(Tps, column))
    totals = _grouped_counts(session, select(tps_col, func.count()).where(*scope).group_by(tps_col))
    res_col = col(getattr(TpsResult, "tps_code" if column == "code" else column))
    reported = _grouped_counts(
        session,
        select(res_col, func.count())
        .where(col(TpsResult.contest_id) == contest.id, *_under(TpsResult, level, region.code))
        .group_by(res_col),
    )
    errors, warnings = _open_by_child(session, region.code, level)
    return [
        ChildCoverage(
            code=child.code,
            name=child.name,
            level=child.level,
            tps_total=totals.get(child.code, 0),
            tps_reported=reported.get(child.code, 0),
            open_error=errors.get(child.code, 0),
            open_warning=warnings.get(child.code, 0),
        )
        for child in region.children
    ]


def _unsettled_under(code: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Discrepancy.status).in_(UNSETTLED)]
    if code != "0":
        where.append(col(Discrepancy.region_code).startswith(code))
    return where


def _open_by_child(
    session: Session, code: str, level: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Unsettled discrepancies of every contest per child region: (errors, warnings)."""
    child = func.substr(
        col(Discrepancy.region_code), 1, LENGTH_BY_LEVEL[child_level(level) or "tps"]
    )
    where = _unsettled_under(code)
    stmt = (
        select(child, Discrepancy.severity, func.count())
        .where(*where)
        .group_by(child, col(Discrepancy.severity))
    )
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for region_code, severity, n in session.execute(stmt):
        target = errors if severity == "error" else warnings
        target[str(region_code)] = target.get(str(region_code), 0) + int(n)
    return errors, warnings


def open_counts(*, session: Session, code: str) -> dict[str, int]:
    """Unsettled (open, acknowledged, escalated) discrepancies of every contest under a region,
    by severity."""
    stmt = (
        select(Discrepancy.severity, func.count())
        .where(*_unsettled_under(code))
        .group_by(col(Discrepancy.severity))
    )
    counts = {"error": 0, "warning": 0}
    counts.update({str(k): int(n) for k, n in session.execute(stmt)})
    return counts


def fingerprint_points(
    *, session: Session, code: str, contest_id: str, nomor_urut: int
) -> list[FingerprintPoint]:
    """Turnout and one paslon's vote share of every TPS under the region with accepted values."""
    level = region_level(code)
    votes = getattr(TpsResult, f"suara_paslon_{nomor_urut}")
    stmt = sa_select(
        TpsResult.tps_code,
        TpsResult.pengguna_total_j,
        TpsResult.pemilih_dpt_j,
        votes,
        TpsResult.suara_sah,
    ).where(col(TpsResult.contest_id) == contest_id, *_under(TpsResult, level, code))
    points = []
    for tps_code, voted, dpt, paslon, valid in session.execute(stmt):
        if not dpt or not valid or voted is None or paslon is None:
            continue
        points.append(
            FingerprintPoint(tps_code, min(voted / dpt, 1.2), min(max(paslon / valid, 0.0), 1.0))
        )
    return points


@dataclass(frozen=True)
class DashboardView:
    """Everything the dashboard page shows for one region and contest."""

    region: RegionRead
    trail: list[tuple[str, str]]  # ancestors (code, name), provinsi first, the region last
    contests: list[ContestRead]
    contest: ContestRead | None
    nomor_urut: int
    tally: Tally | None
    tallies: list[tuple[ContestRead, Tally]]  # every contest of the region, for the overview
    children: list[ChildCoverage]
    summary: DiscrepancySummary  # every contest, every status
    open_counts: dict[str, int]  # every contest, unsettled, by severity
    points: list[FingerprintPoint]  # each TPS, when there are at most `max_dots`
    bins: FingerprintBins | None  # the same TPS counted per bin (every region)


def region_trail(*, session: Session, code: str) -> list[tuple[str, str]]:
    """The region's ancestors and itself as (code, name), from the provinsi down."""
    if code == "0":
        return [("0", "Indonesia")]
    codes = list(ancestors_of(code).values())
    names = {
        r.code: r.name for r in session.exec(select(Region).where(col(Region.code).in_(codes)))
    }
    trail = [(c, names.get(c, c)) for c in codes]
    if len(code) == 13:
        trail[-1] = (code, f"TPS {code[-3:]}")
    return trail


@dataclass(frozen=True)
class ChartBins:
    """How the charts bin the fingerprint, and up to how many TPS they draw one dot each."""

    histogram: int
    grid: int
    max_dots: int


def dashboard_view(
    *,
    session: Session,
    code: str,
    contest_id: str | None,
    nomor_urut: int | None,
    chart: ChartBins = ChartBins(40, 50, 1500),
) -> DashboardView:
    """The dashboard of a region: its contests, coverage per child, discrepancy counts, the
    tally of the chosen contest (default: the first covering the region) and its fingerprint
    (counted per bin by the database; each TPS only when few enough to draw as dots)."""
    region = get_region(session=session, code=code)
    contests = dashboard_contests(session=session, code=code)
    contest = next((c for c in contests if c.id == contest_id), contests[0] if contests else None)
    numbers = [p.nomor_urut for p in contest.paslon] if contest else []
    number = nomor_urut if nomor_urut in numbers else (numbers[0] if numbers else 1)
    flt = DiscrepancyFilter(region=code)
    by_id = region_tallies(session=session, code=code, contests=contests)
    tallies = [(c, by_id[c.id]) for c in contests]
    chosen = region_tally(session=session, code=code, contest_id=contest.id) if contest else None
    bins = (
        fingerprint_bins(
            session=session,
            level=region_level(code),
            code=code,
            contest_id=contest.id,
            nomor_urut=number,
            hist_bins=chart.histogram,
            grid=chart.grid,
        )  # fmt: skip
        if contest
        else None
    )
    few = bins is not None and bins.count <= chart.max_dots
    return DashboardView(
        region=region,
        trail=region_trail(session=session, code=code),
        contests=contests,
        contest=contest,
        nomor_urut=number,
        tally=chosen,
        tallies=tallies,
        children=coverage_by_child(session=session, region=region, contest=contest)
        if contest
        else [],
        summary=summarize(session=session, flt=flt),
        open_counts=open_counts(session=session, code=code),
        points=fingerprint_points(
            session=session, code=code, contest_id=contest.id, nomor_urut=number
        )
        if contest and few
        else [],
        bins=bins,
    )
