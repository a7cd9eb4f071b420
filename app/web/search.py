"""The header's search box: TPS by code, regions by code or name, grouped by level."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.services.access import Principal
from app.services.place_search import Place, search_places
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep
from app.web.templating import render

router = APIRouter(route_class=ConsoleRoute)


def reader_prefixes(user: Principal) -> tuple[str, ...] | None:
    """The region prefixes a console user may read; None for an admin (everything)."""
    return None if user.role == "admin" else tuple(user.scopes)


def place_links(place: Place) -> list[tuple[str, str]]:
    """(text key, url) of the pages a found place opens: TPS page, recap, dashboard."""
    if place.level == "tps":
        return [("tps_page", f"/tps/{place.code}")]
    links = [("nav_dashboard", f"/dashboard/{place.code}")]
    if place.level == "kecamatan":
        links.append(("recap_link", f"/recap/{place.code}"))
    links.append(("nav_discrepancies", f"/discrepancies?region={place.code}&status=open"))
    return links


@router.get("/search")
def search_page(
    request: Request,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Results grouped provinsi → TPS, each with its parents' names and links."""
    result = search_places(session=session, text=q, prefixes=reader_prefixes(user))
    context = {"result": result, "q": q, "links": place_links}
    return render(request, "search.html", context)
