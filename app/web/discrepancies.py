"""Discrepancy pages: the filtered, sortable, paged list; evidence links; status changes."""

from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.api.deps import RowId
from app.domain.catalogue import RULES
from app.domain.statuses import DISCREPANCY_STATUSES
from app.errors import Conflict, InvalidInput
from app.schemas.discrepancies import DiscrepancyPatch, DiscrepancyRead
from app.services.access import Principal
from app.services.discrepancies import get_discrepancy, update_status
from app.services.discrepancy_query import DiscrepancyFilter
from app.services.discrepancy_table import SORTS, DiscrepancyTablePage, discrepancy_table
from app.services.place_search import AmbiguousRegion, Place, UnknownRegionName, resolve_region
from app.services.regions import list_contests
from app.web.routing import ConsoleRoute
from app.web.security import (
    ConsoleSessionDep,
    ConsoleUserDep,
    check_csrf,
    check_scope,
    finish,
    safe_next,
)
from app.web.templating import render

router = APIRouter(route_class=ConsoleRoute)
PAGE_SIZE = 50
AUDITOR_ROLES = ("bawaslu", "admin")


def evidence_url(d: DiscrepancyRead) -> str:
    """Where an auditor sees a discrepancy's evidence: its TPS page, else its kecamatan recap."""
    if d.tps_code:
        return f"/tps/{d.tps_code}#d{d.id}"
    return f"/recap/{d.region_code[:6]}?contest={d.contest_id}#d{d.id}"


def may_update(user: Principal) -> bool:
    """Whether the user's role may change statuses (the service checks the scope again)."""
    return user.role in AUDITOR_ROLES


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time.min).astimezone()
    except ValueError:
        raise InvalidInput("since must be a date", fields={"since": "YYYY-MM-DD"}) from None


def console_filter(user: Principal, request: Request, session: Session) -> DiscrepancyFilter:
    """The list's filters from the query; the region box takes a code or a name."""
    q = request.query_params
    prefixes = None if user.role == "admin" else tuple(user.scopes)
    region = (q.get("region") or "").strip() or None
    if region:
        region = resolve_region(session=session, text=region, prefixes=prefixes)
        check_scope(user, region)
    return DiscrepancyFilter(
        region=region,
        contest=q.get("contest") or None,
        rule=q.get("rule") or None,
        severity=q.get("severity") or None,
        status=q.get("status") or None,
        since=_since(q.get("since")),
        prefixes=prefixes,
    )


@router.get("/discrepancies")
def discrepancy_list(
    request: Request,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    sort: Annotated[str, Query(max_length=20)] = "newest",
    cursor: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    """The list with the API's filters (region by code or name, contest, rule, severity, status,
    since); a name several regions share lists them to pick from."""
    params = {k: v for k, v in request.query_params.items() if k not in ("cursor", "lang") and v}
    candidates: list[Place] = []
    unknown_region = False
    try:
        flt = console_filter(user, request, session)
        page = discrepancy_table(
            session=session, flt=flt, sort=sort, limit=PAGE_SIZE, cursor=cursor
        )
    except AmbiguousRegion as exc:
        candidates = exc.candidates
        page = DiscrepancyTablePage(items=[], next_cursor=None)
    except UnknownRegionName:
        unknown_region, page = True, DiscrepancyTablePage(items=[], next_cursor=None)
    context = {
        "candidates": candidates,
        "unknown_region": unknown_region,
        "pick_url": lambda code: "/discrepancies?" + urlencode(params | {"region": code}),
        "export_query": urlencode({k: v for k, v in params.items() if k != "sort"}),
        "page": page,
        "query": params,
        "sort": sort,
        "sorts": list(SORTS),
        "rules": sorted(RULES),
        "statuses": DISCREPANCY_STATUSES,
        "contests": list_contests(session=session),
        "evidence_url": evidence_url,
        "sort_url": lambda key: "/discrepancies?" + urlencode(params | {"sort": key}),
        "next_url": request.url.include_query_params(cursor=page.next_cursor)
        if page.next_cursor
        else None,
    }
    status = 422 if unknown_region else 200
    return render(request, "discrepancies.html", context, status_code=status)


@router.get("/discrepancies/{discrepancy_id}")
def discrepancy_evidence(
    discrepancy_id: RowId, user: ConsoleUserDep, session: ConsoleSessionDep
) -> Response:
    """A discrepancy's evidence page (its TPS or its kecamatan recap)."""
    found = get_discrepancy(
        session=session, discrepancy_id=discrepancy_id, check=lambda c: check_scope(user, c)
    )
    return RedirectResponse(evidence_url(found), status_code=303)


@router.post("/discrepancies/{discrepancy_id}/status")
def discrepancy_status(
    request: Request,
    discrepancy_id: RowId,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    status: Annotated[str, Form(max_length=15)],
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=300)] = "/discrepancies",
    version: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """Acknowledge, dismiss (a note is required) or escalate; htmx gets the updated fragment.
    `version` is the one the page showed: changed by someone else since, nothing is saved."""
    check_csrf(request, csrf_token)
    change = DiscrepancyPatch(status=status, note=note.strip() or None)
    try:
        found = update_status(
            session=session,
            discrepancy_id=discrepancy_id,
            change=change,
            principal=user,
            expected_version=version,
        )
    except (InvalidInput, Conflict) as exc:
        if not request.headers.get("hx-request"):
            raise
        problem = {"stale": "1"} if isinstance(exc, Conflict) else exc.fields or {}
        current = get_discrepancy(session=session, discrepancy_id=discrepancy_id)
        context = {"d": current, "can_update": True, "back": back, "problem": problem}
        return render(request, "_discrepancy.html", context, status_code=exc.status_code)
    if request.headers.get("hx-request"):
        context = {"d": found, "can_update": True, "back": back, "saved": True}
        return render(request, "_discrepancy.html", context)
    return finish(request, RedirectResponse(safe_next(back), status_code=303))
