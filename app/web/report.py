"""The printable report of a kecamatan for one contest: its recap (D.Hasil against Σ TPS), its
unsettled discrepancies with their evidence and history, and a block for signatures."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.domain.regions import level_of
from app.domain.statuses import UNSETTLED
from app.services.discrepancy_export import ExportRow, export_rows
from app.services.discrepancy_query import DiscrepancyFilter
from app.services.recap_view import recap_view
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, check_scope
from app.web.templating import render

router = APIRouter(route_class=ConsoleRoute)
MAX_FINDINGS = 500  # a kecamatan has a few hundred TPS; more findings than this are cut short


def unsettled(rows: list[ExportRow]) -> list[ExportRow]:
    """Findings still to be dealt with (open, acknowledged, escalated), recap findings first."""
    kept = [r for r in rows if r.discrepancy.status in UNSETTLED]
    return sorted(kept, key=lambda r: (r.discrepancy.tps_code is not None, r.discrepancy.id))


@router.get("/recap/{code}/print")
def report_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    contest: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One page to print (A4, print CSS) or save as PDF from the browser."""
    check_scope(user, code)
    view = recap_view(session=session, kecamatan_code=code, contest_id=contest)
    findings: list[ExportRow] = []
    if view.contest is not None:
        flt = DiscrepancyFilter(region=code, contest=view.contest.id)
        for row in export_rows(session=session, flt=flt):
            findings.append(row)
            if len(findings) >= MAX_FINDINGS:
                break
    context = {
        "view": view,
        "findings": unsettled(findings),
        "cut_short": len(findings) >= MAX_FINDINGS,
        "printed_at": datetime.now(UTC),
        "trail": [(level_of(c), c, name) for c, name in view.trail if level_of(c)],
    }
    return render(request, "report.html", context)
