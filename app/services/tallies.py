"""Every contest's overview tally of one region in three grouped queries (not three per
contest): the dashboard's overview of a province lists its 18 contests on every load and
contest switch. Only the paslon sums are added up (what the overview shows); the chosen
contest's full tally is `region_tally`."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.domain.fields import ALL_FIELDS
from app.domain.regions import contains, level_of
from app.domain.statuses import UNSETTLED
from app.models import Discrepancy, Tps, TpsResult
from app.schemas.regions import ContestRead
from app.schemas.results import Tally
from app.services.discrepancy_query import region_clause
from app.services.tally import _check_region, _under, region_tally

PASLON_FIELDS = tuple(n for n in ALL_FIELDS if n.startswith("suara_paslon_"))


def region_tallies(
    *, session: Session, code: str, contests: Sequence[ContestRead]
) -> dict[str, Tally]:
    """The tally of each contest under the region as `region_tally` gives it, with `values`
    holding the paslon sums only."""
    level = _check_region(session, code)
    ids = [c.id for c in contests]
    sums = [func.sum(getattr(TpsResult, name)) for name in PASLON_FIELDS]
    rows = session.execute(
        select(TpsResult.contest_id, func.count(), *sums)
        .where(col(TpsResult.contest_id).in_(ids), *_under(TpsResult, level, code))
        .group_by(col(TpsResult.contest_id))
    )
    totals = {r[0]: (int(r[1]), dict(zip(PASLON_FIELDS, r[2:], strict=True))) for r in rows}
    open_counts = _open_counts(session, code, ids)
    by_kabupaten = _tps_by_kabupaten(session, level, code)
    out = {}
    for contest in contests:
        tps_total = _covered(code, contest, by_kabupaten)
        if tps_total is None:  # a contest narrower than a kabupaten: counted on its own
            tally = region_tally(session=session, code=code, contest_id=contest.id)
            values = {n: v for n, v in tally.values.items() if n in PASLON_FIELDS}
            out[contest.id] = tally.model_copy(update={"values": values})
            continue
        reported, values = totals.get(contest.id, (0, {}))
        out[contest.id] = Tally(
            region_code=code, contest_id=contest.id, tps_total=tps_total, tps_reported=reported,
            values={n: int(v) for n, v in values.items() if v is not None},
            open_discrepancies={
                sev: open_counts.get((contest.id, sev), 0) for sev in ("error", "warning")
            },
        )  # fmt: skip
    return out


def _open_counts(session: Session, code: str, ids: list[str]) -> dict[tuple[str, str], int]:
    where: list[ColumnElement[bool]] = [
        col(Discrepancy.contest_id).in_(ids),
        col(Discrepancy.status).in_(UNSETTLED),
    ]
    region = region_clause(code)
    if region is not None:
        where.append(region)
    stmt = (
        select(Discrepancy.contest_id, Discrepancy.severity, func.count())
        .where(*where)
        .group_by(col(Discrepancy.contest_id), col(Discrepancy.severity))
    )
    return {(c, s): int(n) for c, s, n in session.exec(stmt)}


def _tps_by_kabupaten(session: Session, level: str, code: str) -> dict[str, int]:
    stmt = (
        select(Tps.kabupaten_code, func.count())
        .where(*_under(Tps, level, code))
        .group_by(col(Tps.kabupaten_code))
    )
    return {str(k): int(n) for k, n in session.exec(stmt)}


def _covered(code: str, contest: ContestRead, by_kabupaten: dict[str, int]) -> int | None:
    """TPS under the region that the contest covers; None when kabupaten counts cannot say."""
    if contest.region_code == "0" or contains(contest.region_code, code):
        return sum(by_kabupaten.values())
    if level_of(contest.region_code) in ("provinsi", "kabupaten"):
        prefix = contest.region_code
        return sum(n for kab, n in by_kabupaten.items() if kab.startswith(prefix))
    return None
