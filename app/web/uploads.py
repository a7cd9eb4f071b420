"""The PPK uploads C.Hasil photos in the browser: the upload (the API's receiver and intake
services, with the console's cookie and CSRF token), each photo's status as a fragment htmx polls
until it is final, and a kecamatan-wide upload page that picks the TPS."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.api.deps import RowId, SettingsDep
from app.api.routes.photos import EnqueueDep, StoreDep
from app.api.uploads import store_upload
from app.config import Settings
from app.domain.access import Action, Verdict, decide
from app.errors import (
    AppError,
    CsrfRejected,
    Forbidden,
    ImageTooLarge,
    InvalidInput,
    PhotoUnreadable,
    RateLimited,
    UnsupportedMedia,
)
from app.services.access import Principal, authorize_tps_write
from app.services.dashboard import region_trail
from app.services.photo_console import contests_at, is_final, kecamatan_tps, photo_status
from app.services.photos import IntakeOutcome
from app.web.flash import set_flash
from app.web.i18n import translate
from app.web.routing import ConsoleRoute
from app.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    ConsoleSessionDep,
    ConsoleUserDep,
    check_csrf,
    check_scope,
    finish,
    may_see,
    secure_cookies,
)
from app.web.templating import render, request_lang

router = APIRouter(route_class=ConsoleRoute)
KECAMATAN_CODE = "^[0-9]{6}$"
# The form field at fault → what the operator should do about it.
FIELD_PROBLEMS = {"contest_id": "up_bad_contest", "page": "up_bad_page", "file": "up_no_file"}


def may_upload(user: Principal, region_code: str) -> bool:
    """Whether the user may upload photos for TPS under this code (the API's write rule)."""
    verdict = decide(user.subject, Action.SUBMIT_TPS, region_code, public_read=False)
    return verdict is Verdict.ALLOW


def upload_form(session: Session, settings: Settings, region_code: str) -> dict[str, object]:
    """What the upload widget needs: the contests held there and the size limit."""
    return {
        "upload_contests": contests_at(session=session, region_code=region_code),
        "max_bytes": settings.max_upload_bytes,
        "max_mb": settings.max_upload_bytes // (1024 * 1024),
    }


def upload_problem(lang: str, exc: AppError, settings: Settings) -> str:
    """One sentence saying why a file was refused, in the user's language."""
    mb = settings.max_upload_bytes // (1024 * 1024)
    if isinstance(exc, ImageTooLarge):
        return translate(lang, "up_too_big", mb=mb)
    if isinstance(exc, UnsupportedMedia):
        return translate(lang, "up_not_image")
    if isinstance(exc, PhotoUnreadable):
        return translate(lang, "up_broken")
    if isinstance(exc, CsrfRejected):
        return translate(lang, "err_CsrfRejected")
    if isinstance(exc, Forbidden):
        return translate(lang, "up_forbidden")
    if isinstance(exc, RateLimited):
        return translate(lang, "error_429")
    if isinstance(exc, InvalidInput) and exc.fields:
        keys = [FIELD_PROBLEMS.get(name, "error_422") for name in exc.fields]
        return " ".join(dict.fromkeys(translate(lang, k) for k in keys))
    key = f"err_{type(exc).__name__}"
    text = translate(lang, key)
    return text if text != key else translate(lang, "up_failed")


def _refused(request: Request, exc: AppError, settings: Settings) -> Response:
    request.state.failed = True  # the request's session rolls back (nothing half-stored)
    lang = request_lang(request)
    context = {"problem": upload_problem(lang, exc, settings), "status": exc.status_code}
    return render(request, "_upload_refused.html", context, status_code=exc.status_code)


def _back_to_tps(request: Request, code: str, outcome: IntakeOutcome) -> Response:
    """A plain form's upload: back to the TPS page, which says once what became of the photo."""
    photo, lang = outcome.photo, request_lang(request)
    status = translate(lang, f"ph_{photo.status}")
    line = translate(lang, "up_received", id=photo.id, status=status)
    if not outcome.created:
        line += f" ({translate(lang, 'up_known')})"
    response = RedirectResponse(f"/tps/{code}#photo-{photo.id}", status_code=303)
    set_flash(response, [line], secure=secure_cookies(request))
    return finish(request, response)


@router.post("/tps/{code}/photos")
async def upload_photo_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    settings: SettingsDep,
    store: StoreDep,
    enqueue: EnqueueDep,
) -> Response:
    """One photo for one TPS: the status fragment (htmx/XHR), or back to the TPS page (a form)."""
    fragment = bool(request.headers.get("hx-request"))
    try:
        if request.headers.get(CSRF_HEADER):  # a script's upload: refused before the body
            check_csrf(request, None)
        authorize_tps_write(user, code)
        outcome = await store_upload(
            request=request,
            session=session,
            settings=settings,
            store=store,
            enqueue=enqueue,
            tps_code=code,
            actor=user.actor,
            remote=user.remote,
            check_form=lambda form: check_csrf(request, form.get(CSRF_FIELD)),
        )
    except AppError as exc:
        if not fragment:
            raise
        return _refused(request, exc, settings)
    if not fragment:
        return _back_to_tps(request, code, outcome)
    context = {"photo": outcome.photo, "final": is_final(outcome.photo.status)}
    context["known"] = not outcome.created
    return render(request, "_photo_status.html", context, status_code=202)


@router.get("/photos/{photo_id}/status")
def photo_status_fragment(
    request: Request, photo_id: RowId, user: ConsoleUserDep, session: ConsoleSessionDep
) -> Response:
    """A photo's status; while it can still change, the fragment asks again in a second."""
    photo = photo_status(session=session, photo_id=photo_id)
    check_scope(user, photo.tps_code)
    context = {"photo": photo, "final": is_final(photo.status), "known": False}
    return render(request, "_photo_status.html", context)


@router.get("/kecamatan/{code}/photos")
def kecamatan_upload_page(
    request: Request,
    code: Annotated[str, Path(pattern=KECAMATAN_CODE)],
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    settings: SettingsDep,
) -> Response:
    """Upload photos for any TPS of a kecamatan, picked from its list."""
    check_scope(user, code)
    authorize_tps_write(user, code)
    choices = kecamatan_tps(session=session, kecamatan_code=code)
    context: dict[str, object] = {"kecamatan_code": code, "tps_choices": choices}
    context["trail"] = region_trail(session=session, code=code)
    context["visible"] = lambda c: may_see(user, c)
    context |= upload_form(session, settings, code)
    return render(request, "upload_kecamatan.html", context)
