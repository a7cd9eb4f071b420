"""The PPK's C.Hasil entry in the console: the paper form's sections with the sheet's photo
beside them, the sums checked as typed (app/static/entry.js) and again here, saved through the
API's own service (app/services/intake.submit_result: validation, correction rules, idempotency,
audit)."""

import json
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.domain.entry import FormSection, form_sections, live_checks, parse_counts, result_problems
from app.domain.fields import fields_for_contest
from app.errors import ContestNotFound, Forbidden, InvalidInput
from app.schemas.regions import ContestRead
from app.schemas.results import ResultCreate, ResultCreated, TpsContestView, TpsView
from app.services.access import Principal, authorize_tps_write
from app.services.intake import submit_result
from app.services.regions import list_contests
from app.services.tally import tps_view
from app.web.entry_texts import live_words, service_reason
from app.web.flash import set_flash
from app.web.i18n import field_label, translate
from app.web.routing import ConsoleRoute
from app.web.security import (
    ConsoleSessionDep,
    ConsoleUserDep,
    check_csrf,
    finish,
    secure_cookies,
)
from app.web.templating import render, request_lang

router = APIRouter(route_class=ConsoleRoute)
FIELD_PREFIX = "v_"  # an input's name: v_<field>
SOURCES = ("ppk", "plenary")


# A D.Hasil sends one input per desa and field: 36 fields x (the most desa a kecamatan has, well
# under 250, + the total) stays far below this, and its bytes below max_request_bytes.
MAX_FORM_FIELDS = 10_000


async def posted_form(request: Request) -> dict[str, str]:
    """The posted form's text fields (the value inputs are named per contest)."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return {k: v for k, v in form.items() if isinstance(v, str)}


PostedForm = Annotated[dict[str, str], Depends(posted_form)]


@dataclass
class Sheet:
    """One page of the plano: its sections and the newest photo of that page."""

    page: int
    sections: list[FormSection]
    photo_id: int | None


@dataclass
class EntryForm:
    """What the entry page shows: the TPS, the contest, the form and what was typed."""

    tps: TpsView
    contest: ContestRead
    view: TpsContestView
    sheets: list[Sheet]
    typed: dict[str, str] = field(default_factory=dict)
    corrects: int | None = None
    source: str = "ppk"
    reason: str = ""
    as_written: bool = False
    key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    problems: dict[str, str] = field(default_factory=dict)


def _sheets(view: TpsContestView, sections: tuple[FormSection, ...]) -> list[Sheet]:
    newest: dict[int, int] = {}
    for photo in view.photos:  # oldest first: the last one of a page is the newest
        if photo.get("page"):
            newest[int(photo["page"])] = int(photo["photo_id"])
    pages = sorted({s.page for s in sections})
    return [Sheet(p, [s for s in sections if s.page == p], newest.get(p)) for p in pages]


def load_entry(
    *, session: Session, user: Principal, code: str, contest_id: str | None
) -> EntryForm:
    """The entry form of a TPS and contest (the first contest covering the TPS by default); 403
    unless the user may submit results there (a PPK of its kecamatan, an admin)."""
    authorize_tps_write(user, code)
    tps = tps_view(session=session, tps_code=code)
    views = {v.contest_id: v for v in tps.contests}
    contest_id = contest_id or next(iter(views), None)
    if contest_id not in views:
        raise ContestNotFound(f"No contest {contest_id} covers TPS {code}")
    contest = next(c for c in list_contests(session=session) if c.id == contest_id)
    sections = form_sections([(p.nomor_urut, p.nama) for p in contest.paslon])
    return EntryForm(tps, contest, views[contest_id], _sheets(views[contest_id], sections))


def _correction_target(form: EntryForm, corrects: int | None) -> int | None:
    if corrects is None:
        return None
    if corrects not in {s.id for s in form.view.submissions}:
        raise InvalidInput(
            f"No submission #{corrects} for this TPS and contest",
            fields={"corrects": "no submission with that id for this TPS and contest"},
        )
    return corrects


def _render(request: Request, form: EntryForm, status_code: int = 200) -> Response:
    lang = request_lang(request)
    context: dict[str, Any] = {
        "form": form,
        "trail": [],
        "field_prefix": FIELD_PREFIX,
        "sources": SOURCES,
        "checks_json": json.dumps(live_checks(len(form.contest.paslon))),
        "words_json": live_words(),
        "refused": bool(form.problems),
        "lang_index": 1 if lang == "en" else 0,
    }
    if status_code >= 400:
        request.state.failed = True  # the request's session rolls back: nothing is stored
    return render(request, "entry.html", context, status_code=status_code)


@router.get("/tps/{code}/entry")
def entry_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    contest: Annotated[str | None, Query(max_length=20)] = None,
    corrects: Annotated[str, Query(max_length=10, pattern="^[0-9]*$")] = "",
) -> Response:
    """The form, blank; or, correcting a submission, filled with the values accepted now."""
    form = load_entry(session=session, user=user, code=code, contest_id=contest)
    form.corrects = _correction_target(form, int(corrects) if corrects else None)
    if form.corrects is not None:
        form.typed = {k: str(v) for k, v in form.view.accepted.items()}
    return _render(request, form)


def _typed_entry(form: EntryForm, posted: dict[str, str]) -> None:
    """Copy the posted choices onto the form (values as typed, to show them again)."""
    names = fields_for_contest(len(form.contest.paslon))
    form.typed = {n: posted.get(FIELD_PREFIX + n, "").strip() for n in names}
    corrects = posted.get("corrects", "").strip()
    target = int(corrects) if corrects.isdigit() and len(corrects) <= 10 else None
    form.corrects = _correction_target(form, target)
    form.source = posted.get("source", "ppk") if posted.get("source") in SOURCES else "ppk"
    form.reason = posted.get("reason", "").strip()[:1000]
    form.as_written = posted.get("as_written") == "1"
    key = posted.get("key", "")
    form.key = (
        key if 8 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum() else form.key
    )


def _problems(lang: str, form: EntryForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The values to send and what stops the save, in the page's language."""
    names = fields_for_contest(len(form.contest.paslon))
    values, typos = parse_counts(form.typed, names)
    found = {f"values.{k}": v for k, v in typos.items()}
    found |= result_problems(
        values=values,
        paslon_count=len(form.contest.paslon),
        correcting=form.corrects is not None,
        source=form.source,
        reason=form.reason,
        as_written=form.as_written,
    )
    index = 1 if lang == "en" else 0
    return values, {k: v[index] for k, v in found.items()}


@router.post("/tps/{code}/entry")
def entry_submit(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    posted: PostedForm,
) -> Response:
    """Check the typed form, store it through the service, then back to the TPS page with
    the new submission's number and its findings; a refused form comes back marked (422)."""
    check_csrf(request, posted.get("csrf_token"))
    lang = request_lang(request)
    form = load_entry(session=session, user=user, code=code, contest_id=posted.get("contest"))
    _typed_entry(form, posted)
    values, form.problems = _problems(lang, form)
    if form.problems:
        return _render(request, form, 422)
    try:
        answer = _store(session=session, user=user, code=code, form=form, values=values)
    except (ValidationError, InvalidInput, Forbidden) as exc:
        status, form.problems = service_problems(lang, exc)
        return _render(request, form, status)
    response = RedirectResponse(f"/tps/{code}#contest-{form.contest.id}", status_code=303)
    set_flash(response, saved_lines(lang, answer), secure=secure_cookies(request))
    return finish(request, response)


def _store(
    *, session: Session, user: Principal, code: str, form: EntryForm, values: dict[str, Any]
) -> ResultCreated:
    body = ResultCreate(
        contest_id=form.contest.id,
        values=values,
        reason=form.reason or None,
        corrects=form.corrects,
        source=form.source,
    )
    _, answer = submit_result(
        session=session,
        tps_code=code,
        body=body,
        actor=user.actor,
        writer_role=user.role,
        idempotency_key=f"console:{form.key}",
        remote=user.remote,
    )
    return answer


def service_problems(
    lang: str, exc: ValidationError | InvalidInput | Forbidden
) -> tuple[int, dict[str, str]]:
    """The status and the per-field reasons (in the page's language) of a refusal by the
    service or its schema; a refusal naming no field is not the form's to show: re-raised."""
    if isinstance(exc, ValidationError):
        return 422, {str(e["loc"][0]): service_reason(lang, e["msg"]) for e in exc.errors()}
    if not exc.fields:
        raise exc
    return exc.status_code, {k: service_reason(lang, v) for k, v in exc.fields.items()}


def saved_lines(lang: str, answer: ResultCreated) -> list[str]:
    """The flash after a save: the new submission's number, its findings, and the fields whose
    value is not the accepted one (with the submission that outranks it)."""
    lines = [translate(lang, "entry_saved", id=answer.submission_id)]
    if answer.discrepancies:
        lines.append(translate(lang, "entry_findings"))
        for d in answer.discrepancies:
            text = d.message_en if lang == "en" and d.message_en else d.message
            lines.append(f"{d.rule}: {text}")
    else:
        lines.append(translate(lang, "entry_no_findings"))
    outranked: dict[tuple[int, str], list[str]] = {}
    for name, outcome in answer.fields.items():
        if outcome.outranked_by and outcome.submission_id is not None:
            key = (outcome.submission_id, outcome.source)
            outranked.setdefault(key, []).append(field_label(lang, name))
    for (winner, source), names in sorted(outranked.items()):
        source_name = translate(lang, f"src_{source}")
        lines.append(
            translate(
                lang, "entry_outranked", fields=", ".join(names), id=winner, source=source_name
            )
        )
    return lines
