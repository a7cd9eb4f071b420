"""The province dashboard at scale: its statements do not grow with the number of contests, and
the fingerprint the database counts per bin is the one the TPS points give."""

from sqlalchemy import event
from sqlmodel import Session

from app.models import Contest, Paslon
from app.services.dashboard import ChartBins, dashboard_view, fingerprint_points
from app.services.fingerprint import fingerprint_bins
from app.web.charts import GRID, HIST_BINS, _bin
from tests.web.conftest import GUB, World


def _statements(session: Session, code: str, contest: str | None = None) -> int:
    seen: list[str] = []
    engine = session.get_bind()

    def _count(*_: object) -> None:
        seen.append("x")

    event.listen(engine, "before_cursor_execute", _count)
    try:
        dashboard_view(session=session, code=code, contest_id=contest, nomor_urut=None)
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return len(seen)


def test_dashboard_statements_do_not_grow_with_the_contests(session: Session, world: World) -> None:
    _statements(session, "16")  # warm: one-time look-ups of the session
    before = _statements(session, "16")
    for n in range(1, 7):  # six more contests inside the province
        cid = f"pkwkk-16{n:02d}"
        session.add(Contest(id=cid, code="pkwkk", kind="bupati", region_code=f"16{n:02d}",
                            name=f"Bupati {n}"))  # fmt: skip
        session.flush()
        session.add(Paslon(contest_id=cid, nomor_urut=1, nama="P1"))
    session.flush()
    assert _statements(session, "16") == before


def test_binned_fingerprint_matches_the_points(session: Session, world: World) -> None:
    points = fingerprint_points(session=session, code="16", contest_id=GUB, nomor_urut=1)
    assert points
    bins = fingerprint_bins(
        session=session, level="provinsi", code="16", contest_id=GUB, nomor_urut=1,
        hist_bins=HIST_BINS, grid=GRID,
    )  # fmt: skip
    histogram = [0] * HIST_BINS
    cells: dict[tuple[int, int], int] = {}
    for p in points:
        histogram[_bin(p.turnout, HIST_BINS)] += 1
        key = (_bin(p.turnout, GRID), _bin(p.share, GRID))
        cells[key] = cells.get(key, 0) + 1
    assert (bins.count, bins.histogram, bins.cells) == (len(points), histogram, cells)
    view = dashboard_view(session=session, code="16", contest_id=GUB, nomor_urut=1,
                          chart=ChartBins(HIST_BINS, GRID, max_dots=0))  # fmt: skip
    assert view.points == [] and view.bins == bins  # many TPS: the database's counts only
