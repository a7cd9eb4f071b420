"""The PPK's D.Hasil Kecamatan entry in the console: one column per desa and the kecamatan
total, the current version's values to start from, the sums checked as typed
(app/static/entry.js) and again here, saved through the API's own service
(app/services/intake.put_dhasil: a new version, the old ones kept)."""

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.domain.entry import FormSection, dhasil_problems, form_sections, live_checks, parse_counts
from app.domain.fields import fields_for_contest
from app.domain.intake import MAX_RECAP_VALUE
from app.domain.messages import label
from app.errors import ContestNotFound, InvalidInput, RegionNotFound
from app.models import DHasilVersion
from app.schemas.regions import ContestRead, RegionChild, RegionRead
from app.schemas.results import DHasilPut, DHasilSaved
from app.services.access import Principal, authorize_kecamatan_write
from app.services.dashboard import contests_for_region
from app.services.intake import put_dhasil
from app.services.recheck import latest_dhasil
from app.services.regions import get_region
from app.web.entry import PostedForm, service_problems
from app.web.entry_texts import live_words
from app.web.flash import set_flash
from app.web.i18n import translate
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, check_csrf, finish, secure_cookies
from app.web.templating import render, request_lang

router = APIRouter(route_class=ConsoleRoute)
TOTAL = "t_"  # the total column's inputs: t_<field>; a desa's: d_<desa code>_<field>
MAX_FLASH_FINDINGS = 8


def desa_prefix(code: str) -> str:
    """The input name prefix of one desa's column."""
    return f"d_{code}_"


@dataclass
class DHasilForm:
    """What the D.Hasil entry page shows: the kecamatan, the contest, the current version and
    what was typed (desa code, or "" for the total → field → text)."""

    region: RegionRead
    contest: ContestRead
    contests: list[ContestRead]
    desa: list[RegionChild]
    sections: tuple[FormSection, ...]
    version: int  # the current version's number, 0 when none
    typed: dict[str, dict[str, str]] = field(default_factory=dict)
    reason: str = ""
    as_written: bool = False
    problems: dict[str, str] = field(default_factory=dict)
    stale: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The contest's field names."""
        return fields_for_contest(len(self.contest.paslon))


def load_dhasil(
    *, session: Session, user: Principal, code: str, contest_id: str | None
) -> DHasilForm:
    """The D.Hasil form of a kecamatan and contest (the first contest covering it by default)
    filled from the current version; 403 unless the user may write it (its PPK, an admin)."""
    authorize_kecamatan_write(user, code)
    region = get_region(session=session, code=code)
    if region.level != "kecamatan":
        raise RegionNotFound(f"No kecamatan has code {code}")
    contests = contests_for_region(session=session, code=code)
    contest = next((c for c in contests if c.id == contest_id or contest_id is None), None)
    if contest is None:
        raise ContestNotFound(f"No contest {contest_id} covers kecamatan {code}")
    desa = [c for c in region.children if c.level == "desa"]
    sections = form_sections([(p.nomor_urut, p.nama) for p in contest.paslon])
    form = DHasilForm(region, contest, contests, desa, sections, 0)
    current = latest_dhasil(session, code, contest.id)
    if current is not None:
        form.version = session.get_one(DHasilVersion, current.version_id).version
        form.typed = {k: {f: str(v) for f, v in col.items()} for k, col in current.desa.items()}
        form.typed[""] = {f: str(v) for f, v in current.total.items()}
    return form


def _render(request: Request, form: DHasilForm, status_code: int = 200) -> Response:
    lang = request_lang(request)
    kec_total = translate(lang, "kecamatan_total")
    columns = [{"prefix": desa_prefix(d.code), "name": d.name} for d in form.desa]
    totals = {
        "prefix": TOTAL,
        "parts": [desa_prefix(d.code) for d in form.desa],
        "labels": {n: list(label(n)) for n in form.names},
    }
    context: dict[str, Any] = {
        "form": form,
        "trail": [],
        "total_prefix": TOTAL,
        "desa_prefix": desa_prefix,
        "checks_json": json.dumps(live_checks(len(form.contest.paslon))),
        "columns_json": json.dumps([*columns, {"prefix": TOTAL, "name": kec_total}]),
        "totals_json": json.dumps(totals),
        "words_json": live_words(),
        "lang_index": 1 if lang == "en" else 0,
        "input_name": _input_name,
    }
    if status_code >= 400:
        request.state.failed = True  # the request's session rolls back: nothing is stored
    return render(request, "dhasil_entry.html", context, status_code=status_code)


def _input_name(key: str) -> str | None:
    """The input a problem key of the service names (desa.<code>.<field>, total.<field>)."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "desa" and parts[1] != "*":
        return desa_prefix(parts[1]) + parts[2]
    if len(parts) == 2 and parts[0] == "total":
        return TOTAL + parts[1]
    return None


@router.get("/recap/{code}/entry")
def dhasil_page(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    contest: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The D.Hasil table filled with the current version (blank before the first)."""
    return _render(request, load_dhasil(session=session, user=user, code=code, contest_id=contest))


def _typed(form: DHasilForm, posted: dict[str, str]) -> None:
    form.typed = {
        d.code: {n: posted.get(desa_prefix(d.code) + n, "").strip() for n in form.names}
        for d in form.desa
    }
    form.typed[""] = {n: posted.get(TOTAL + n, "").strip() for n in form.names}
    form.reason = posted.get("reason", "").strip()[:1000]
    form.as_written = posted.get("as_written") == "1"


def _checked(lang: str, form: DHasilForm) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """The counts to send (desa columns, total); form.problems says what stops the save."""
    found: dict[str, tuple[str, str]] = {}
    desa: dict[str, dict[str, int]] = {}
    for d in form.desa:
        desa[d.code], typos = parse_counts(
            form.typed[d.code], form.names, max_value=MAX_RECAP_VALUE
        )
        found |= {f"desa.{d.code}.{k}": v for k, v in typos.items()}
    total, typos = parse_counts(form.typed[""], form.names, max_value=MAX_RECAP_VALUE)
    found |= {f"total.{k}": v for k, v in typos.items()}
    found |= dhasil_problems(
        desa=desa,
        total=total,
        names=form.names,
        paslon_count=len(form.contest.paslon),
        new_version=form.version > 0,
        reason=form.reason,
        as_written=form.as_written,
    )
    index = 1 if lang == "en" else 0
    form.problems = {k: v[index] for k, v in found.items()}
    return desa, total


@router.post("/recap/{code}/entry")
def dhasil_submit(
    request: Request,
    code: str,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    posted: PostedForm,
) -> Response:
    """Check the typed D.Hasil, store it as a new version through the service, then back to
    the recap page; a refused table comes back marked (422), a version saved meanwhile by
    someone else comes back with theirs named (409)."""
    check_csrf(request, posted.get("csrf_token"))
    lang = request_lang(request)
    form = load_dhasil(session=session, user=user, code=code, contest_id=posted.get("contest"))
    shown = posted.get("version", "")
    _typed(form, posted)
    if shown != str(form.version):
        form.stale = True
        return _render(request, form, 409)
    desa, total = _checked(lang, form)
    if form.problems:
        return _render(request, form, 422)
    try:
        body = DHasilPut(
            contest_id=form.contest.id,
            desa={k: v for k, v in desa.items() if v},
            total=total,
            reason=form.reason or None,
        )
        saved = put_dhasil(
            session=session, kecamatan_code=code, body=body, actor=user.actor, remote=user.remote
        )
    except (ValidationError, InvalidInput) as exc:
        status, form.problems = service_problems(lang, exc)
        return _render(request, form, status)
    response = RedirectResponse(f"/recap/{code}?contest={form.contest.id}", status_code=303)
    set_flash(response, saved_lines(lang, saved), secure=secure_cookies(request))
    return finish(request, response)


def saved_lines(lang: str, saved: DHasilSaved) -> list[str]:
    """The flash after a save: the version number and the kecamatan's open findings now."""
    lines = [translate(lang, "dhasil_saved", version=saved.version)]
    lines.append(translate(lang, "dhasil_findings", n=len(saved.discrepancies)))
    for d in saved.discrepancies[:MAX_FLASH_FINDINGS]:
        text = d.message_en if lang == "en" and d.message_en else d.message
        lines.append(f"{d.rule}: {text}")
    return lines
