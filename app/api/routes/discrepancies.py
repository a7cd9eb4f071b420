"""GET /discrepancies (+ /summary, .csv), GET and PATCH /discrepancies/{id}."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from app.api.deps import PrincipalDep, ReaderDep, RowId, SessionDep
from app.errors import InvalidInput
from app.schemas.discrepancies import (
    DiscrepancyDetail,
    DiscrepancyPage,
    DiscrepancyPatch,
    DiscrepancySummary,
)
from app.services.discrepancies import get_discrepancy, update_status
from app.services.discrepancy_query import (
    DiscrepancyFilter,
    export_csv,
    list_discrepancies,
    summarize,
)
from app.services.place_search import resolve_region

router = APIRouter(tags=["discrepancies"])


def discrepancy_filter(
    reader: ReaderDep,
    session: SessionDep,
    region: Annotated[str | None, Query(max_length=13)] = None,
    contest: Annotated[str | None, Query(max_length=20)] = None,
    rule: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=10)] = None,
    status: Annotated[str | None, Query(max_length=15)] = None,
    since: datetime | None = None,
    region_name: Annotated[str | None, Query(max_length=100)] = None,
) -> DiscrepancyFilter:
    """The filters shared by the listing, the summary and the CSV export; `region_name` names
    the region instead of `region` (one region matches, else 422 listing the candidates)."""
    if region_name is not None:
        if region is not None:
            raise InvalidInput(
                "give region or region_name, not both",
                fields={"region_name": "not together with region"},
            )
        region = resolve_region(
            session=session, text=region_name, prefixes=reader.prefixes, param="region_name"
        )
    return DiscrepancyFilter(region, contest, rule, severity, status, since, reader.prefixes)


FilterDep = Annotated[DiscrepancyFilter, Depends(discrepancy_filter)]


@router.get("/discrepancies", response_model=DiscrepancyPage)
def read_discrepancies(
    session: SessionDep,
    flt: FilterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> DiscrepancyPage:
    """One page of discrepancies in id order; pass next_cursor back for the next page."""
    return list_discrepancies(session=session, flt=flt, limit=limit, cursor=cursor)


@router.get("/discrepancies/summary", response_model=DiscrepancySummary)
def read_summary(session: SessionDep, flt: FilterDep) -> DiscrepancySummary:
    """Counts by rule, severity, status and child region."""
    return summarize(session=session, flt=flt)


@router.get("/discrepancies.csv", response_class=Response)
def read_csv(session: SessionDep, flt: FilterDep) -> Response:
    """The matching discrepancies as CSV."""
    body = "".join(export_csv(session=session, flt=flt))
    headers = {"Content-Disposition": 'attachment; filename="discrepancies.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


def expected_version(
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> int | None:
    """The version an If-Match header names (`"3"`, `W/"3"` or `3`); `*` or none: any."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput(
            'If-Match must be the ETag of the discrepancy, e.g. "3"',
            fields={"If-Match": "expected a version number in quotes"},
        )
    return int(tag)


def _etag(found: DiscrepancyDetail, response: Response) -> DiscrepancyDetail:
    response.headers["ETag"] = f'"{found.version}"'
    return found


@router.get("/discrepancies/{discrepancy_id}", response_model=DiscrepancyDetail)
def read_discrepancy(
    discrepancy_id: RowId, session: SessionDep, reader: ReaderDep, response: Response
) -> DiscrepancyDetail:
    """A discrepancy with its evidence and status history; its ETag is its version."""
    found = get_discrepancy(session=session, discrepancy_id=discrepancy_id, check=reader.check)
    return _etag(found, response)


@router.patch("/discrepancies/{discrepancy_id}", response_model=DiscrepancyDetail)
def patch_discrepancy(
    discrepancy_id: RowId,
    change: DiscrepancyPatch,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    version: Annotated[int | None, Depends(expected_version)],
) -> DiscrepancyDetail:
    """An auditor's status change (acknowledged, dismissed with a note, escalated, open);
    with If-Match or expected_status only if nobody changed it since (else 409)."""
    found = update_status(
        session=session,
        discrepancy_id=discrepancy_id,
        change=change,
        principal=principal,
        expected_version=version,
    )
    return _etag(found, response)
