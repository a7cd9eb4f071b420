"""GET /discrepancies (+ /summary, .csv), GET and PATCH /discrepancies/{id}."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import PrincipalDep, ReaderDep, RowId, SessionDep
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

router = APIRouter(tags=["discrepancies"])


def discrepancy_filter(
    reader: ReaderDep,
    region: Annotated[str | None, Query(max_length=13)] = None,
    contest: Annotated[str | None, Query(max_length=20)] = None,
    rule: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=10)] = None,
    status: Annotated[str | None, Query(max_length=15)] = None,
    since: datetime | None = None,
) -> DiscrepancyFilter:
    """The filters shared by the listing, the summary and the CSV export."""
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


@router.get("/discrepancies/{discrepancy_id}", response_model=DiscrepancyDetail)
def read_discrepancy(
    discrepancy_id: RowId, session: SessionDep, reader: ReaderDep
) -> DiscrepancyDetail:
    """A discrepancy with its evidence and status history."""
    return get_discrepancy(session=session, discrepancy_id=discrepancy_id, check=reader.check)


@router.patch("/discrepancies/{discrepancy_id}", response_model=DiscrepancyDetail)
def patch_discrepancy(
    discrepancy_id: RowId, change: DiscrepancyPatch, session: SessionDep, principal: PrincipalDep
) -> DiscrepancyDetail:
    """An auditor's status change (acknowledged, dismissed with a note, escalated, open)."""
    return update_status(
        session=session, discrepancy_id=discrepancy_id, change=change, principal=principal
    )
