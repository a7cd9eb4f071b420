"""The TPS page: photos, every submission side by side per field against the accepted value,
and the discrepancies with the auditor's status forms; plus the photo images behind it."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.api.deps import RowId, SettingsDep
from app.api.routes.photos import StoreDep
from app.domain.fields import fields_for_contest
from app.schemas.discrepancies import DiscrepancyDetail
from app.schemas.regions import ContestRead
from app.schemas.results import SubmissionRead, TpsContestView
from app.services.dashboard import region_trail
from app.services.discrepancies import get_discrepancy
from app.services.photo_console import field_crop, photo_panels
from app.services.photo_views import load_photo, photo_image
from app.services.regions import list_contests
from app.services.tally import tps_view
from app.web.discrepancies import may_update
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, check_scope, finish, may_see
from app.web.templating import render
from app.web.uploads import may_upload, upload_form
from app.web.uploads import router as uploads_router

router = APIRouter(route_class=ConsoleRoute)


@dataclass(frozen=True)
class Cell:
    """One submission's value of one field, and whether it differs from the accepted value."""

    value: int | None
    differs: bool


@dataclass(frozen=True)
class FieldRow:
    """One field: the accepted value, the submission it came from, every submission's value."""

    name: str
    accepted: int | None
    source: str | None
    source_id: int | None
    cells: list[Cell]

    @property
    def differs(self) -> bool:
        """Whether any submission disagrees with the accepted value."""
        return any(c.differs for c in self.cells)


def field_rows(view: TpsContestView, paslon_count: int) -> list[FieldRow]:
    """The side-by-side table of one contest at one TPS (fields nobody sent are left out)."""
    by_id = {s.id: s for s in view.submissions}
    rows = []
    for name in fields_for_contest(paslon_count):
        values = [s.values.get(name) for s in view.submissions]
        accepted = view.accepted.get(name)
        if accepted is None and all(v is None for v in values):
            continue
        source_id = view.accepted_sources.get(name)
        source = by_id[source_id].source if source_id in by_id else None
        cells = [Cell(v, v is not None and accepted is not None and v != accepted) for v in values]
        rows.append(FieldRow(name, accepted, source, source_id, cells))
    return rows


@dataclass(frozen=True)
class ContestSection:
    """One contest on the TPS page."""

    contest: ContestRead | None
    view: TpsContestView
    submissions: list[SubmissionRead]
    rows: list[FieldRow]
    discrepancies: list[DiscrepancyDetail]

    @property
    def flagged(self) -> set[str]:
        """Fields a discrepancy of this contest names (their rows are marked)."""
        return {d.field for d in self.discrepancies if d.field}


@router.get("/tps/{code}")
def tps_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    settings: SettingsDep,
) -> Response:
    """Everything known about one TPS, per contest."""
    check_scope(user, code)
    tps = tps_view(session=session, tps_code=code)
    contests = {c.id: c for c in list_contests(session=session)}
    sections = []
    for view in tps.contests:
        contest = contests.get(view.contest_id)
        count = len(contest.paslon) if contest else 0
        found = [get_discrepancy(session=session, discrepancy_id=d.id) for d in view.discrepancies]
        rows = field_rows(view, count)
        sections.append(ContestSection(contest, view, view.submissions, rows, found))
    sections.sort(key=lambda s: (not s.view.discrepancies, s.view.contest_id))
    context = {
        "tps": tps,
        "sections": sections,
        "panels": photo_panels(session=session, tps_code=code, line=settings.ocr_min_confidence),
        "line": settings.ocr_min_confidence,
        "trail": region_trail(session=session, code=code),
        "visible": lambda c: may_see(user, c),
        "can_update": may_update(user),
        "back": f"/tps/{code}",
        "upload_tps": code if may_upload(user, code) else None,
    }
    if context["upload_tps"]:
        context |= upload_form(session, settings, code)
    return render(request, "tps.html", context)


@router.get("/photos/{photo_id}/image")
def photo_file(
    request: Request,
    photo_id: RowId,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    store: StoreDep,
    variant: Annotated[str, Query(max_length=10)] = "original",
) -> Response:
    """A photo's image for the console (the session cookie instead of a bearer token)."""
    check_scope(user, load_photo(session=session, photo_id=photo_id).tps_code)
    data, media_type = photo_image(session=session, store=store, photo_id=photo_id, variant=variant)
    response = Response(content=data, media_type=media_type)
    finish(request, response)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@router.get("/photos/{photo_id}/fields/{field}/crop")
def field_crop_image(
    request: Request,
    photo_id: RowId,
    field: Annotated[str, Path(pattern="^[a-z0-9_]{1,40}$")],
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    store: StoreDep,
) -> Response:
    """One field's boxes cut from the photo's rectified page (PNG), beside its value."""
    check_scope(user, load_photo(session=session, photo_id=photo_id).tps_code)
    data = field_crop(session=session, store=store, photo_id=photo_id, field=field)
    response = Response(content=data, media_type="image/png")
    finish(request, response)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# The upload routes belong with the TPS page (included here, so the console's router list stays).
router.include_router(uploads_router)
