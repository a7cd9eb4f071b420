"""Dashboard pages: a region's coverage, discrepancy counts, tally and fingerprint charts."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.services.access import Principal
from app.services.dashboard import ChartBins, dashboard_view
from app.web.charts import GRID, HIST_BINS, MAX_DOTS, density_grid, fingerprint, histogram_of_bins
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, check_scope, may_see
from app.web.templating import render

router = APIRouter(route_class=ConsoleRoute)


def home_region(principal: Principal) -> str:
    """Where a user's dashboard starts: their first scope; the nation for an admin."""
    return principal.scopes[0] if principal.scopes else "0"


@router.get("/dashboard")
def dashboard_home(user: ConsoleUserDep) -> Response:
    """The dashboard of the user's own scope."""
    return RedirectResponse(f"/dashboard/{home_region(user)}", status_code=303)


@router.get("/dashboard/{code}")
def dashboard_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    contest: Annotated[str | None, Query(max_length=20)] = None,
    paslon: Annotated[int | None, Query(ge=1, le=6)] = None,
) -> Response:
    """Coverage per child region, counts by rule and severity, the tally and the charts."""
    check_scope(user, code)
    view = dashboard_view(
        session=session, code=code, contest_id=contest, nomor_urut=paslon,
        chart=ChartBins(HIST_BINS, GRID, MAX_DOTS),
    )  # fmt: skip
    bins = view.bins
    context = {
        "view": view,
        "histogram": histogram_of_bins(bins.histogram if bins else []),
        "scatter": fingerprint([(p.tps_code, p.turnout, p.share) for p in view.points])
        if view.points or bins is None
        else density_grid(bins.cells),
        "home": home_region(user),
        "visible": lambda c: may_see(user, c),
    }
    return render(request, "dashboard.html", context)
