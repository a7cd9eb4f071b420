"""The election fingerprint of a region counted by the database: TPS per turnout bin and per
(turnout, vote share) cell, so a province's 13,000 TPS are a few hundred grouped rows, not
13,000 rows the service bins itself (the dashboard's slowest part before)."""

from dataclasses import dataclass, field

from sqlalchemy import Integer, and_, cast, func
from sqlmodel import Session, col, select

from app.models import TpsResult
from app.services.tally import _under


@dataclass(frozen=True)
class FingerprintBins:
    """TPS with a turnout and a vote share: how many, per turnout bin, per grid cell."""

    count: int
    histogram: list[int]
    cells: dict[tuple[int, int], int] = field(default_factory=dict)


def fingerprint_bins(
    *, session: Session, level: str, code: str, contest_id: str, nomor_urut: int,
    hist_bins: int, grid: int,
) -> FingerprintBins:  # fmt: skip
    """Counts of the TPS `fingerprint_points` would list, binned as the charts bin them: bin =
    ⌊fraction × bins⌋ clamped to the last bin (integer division, exact on both backends)."""
    voted, dpt = col(TpsResult.pengguna_total_j), col(TpsResult.pemilih_dpt_j)
    paslon, valid = col(getattr(TpsResult, f"suara_paslon_{nomor_urut}")), col(TpsResult.suara_sah)
    # Turnout is capped at 1.2 like the points; a bin past the last one is the last one.
    t_hist = cast(voted * hist_bins, Integer) / dpt
    t_grid = cast(voted * grid, Integer) / dpt
    s_grid = cast(paslon * grid, Integer) / valid
    stmt = (
        select(t_hist, t_grid, s_grid, func.count())
        .where(col(TpsResult.contest_id) == contest_id, *_under(TpsResult, level, code))
        .where(and_(dpt > 0, valid > 0, voted.is_not(None), paslon.is_not(None)))
        .group_by(t_hist, t_grid, s_grid)
    )
    histogram = [0] * hist_bins
    cells: dict[tuple[int, int], int] = {}
    count = 0
    for th, tg, sg, n in session.execute(stmt):
        n = int(n)
        count += n
        histogram[_clamp(th, hist_bins)] += n
        key = (_clamp(tg, grid), _clamp(sg, grid))
        cells[key] = cells.get(key, 0) + n
    return FingerprintBins(count, histogram, cells)


def _clamp(value: int | None, bins: int) -> int:
    return min(max(int(value or 0), 0), bins - 1)
