"""The kecamatan recap page: D.Hasil against Σ TPS per desa and field, with links to the TPS."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.services.recap_view import recap_view
from app.web.discrepancies import may_update
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, check_scope, may_see
from app.web.templating import render

router = APIRouter(route_class=ConsoleRoute)


@router.get("/recap/{code}")
def recap_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    contest: Annotated[str | None, Query(max_length=20)] = None,
    show: Annotated[str, Query(pattern="^(diff|all)$")] = "diff",
) -> Response:
    """Differences first (`show=all` lists every field), each linked to the TPS behind it."""
    check_scope(user, code)
    view = recap_view(session=session, kecamatan_code=code, contest_id=contest)
    context = {
        "view": view,
        "trail": view.trail,
        "visible": lambda c: may_see(user, c),
        "show_all": show == "all",
        "can_update": may_update(user),
        "back": f"/recap/{code}" + (f"?contest={view.contest.id}" if view.contest else ""),
    }
    return render(request, "recap.html", context)
