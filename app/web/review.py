"""The PPK review queue: the crop, the reading and its alternatives; Enter confirms, typing
corrects, and htmx swaps the next item in without a page reload."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.api.deps import RowId
from app.api.routes.photos import StoreDep
from app.domain.fields import MAX_FORM_VALUE
from app.domain.inputs import ascii_digits
from app.errors import InvalidInput, ReviewItemNotFound
from app.services.access import Principal
from app.services.review import add_entry, crop_image, next_item
from app.services.review_console import review_item_tps
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, check_csrf, check_scope, finish
from app.web.templating import render

router = APIRouter(route_class=ConsoleRoute)


def _kecamatan(user: Principal, asked: str | None) -> str | None:
    if asked:
        return asked
    return next((s for s in user.scopes if len(s) == 6), None)


def _item_context(session: Session, user: Principal, kecamatan: str | None) -> dict[str, object]:
    if kecamatan is None:
        return {"item": None, "kecamatan": None}
    try:
        item = next_item(session=session, principal=user, kecamatan_code=kecamatan)
    except ReviewItemNotFound:
        item = None
    return {"item": item, "kecamatan": kecamatan}


@router.get("/review")
def review_page(
    request: Request,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    kecamatan: Annotated[str | None, Query(pattern="^[0-9]{6}$")] = None,
) -> Response:
    """The next item of the reviewer's kecamatan (an admin picks the kecamatan)."""
    context = _item_context(session, user, _kecamatan(user, kecamatan))
    return render(request, "review.html", context)


def _entry_value(value: str, read_value: str, empty: str) -> int | None:
    """Typed digits correct the reading; an empty field confirms it; "empty" says no number."""
    if empty:
        return None
    text = value.strip() or read_value.strip()
    if not ascii_digits(text):  # "٣" and "²" pass str.isdigit()
        raise InvalidInput(
            f"type the number on the form (0-{MAX_FORM_VALUE})",
            fields={"value": f"0..{MAX_FORM_VALUE}"},
        )
    return int(text)


@router.post("/review/{item_id}/entries")
def review_entry(
    request: Request,
    item_id: RowId,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    kecamatan: Annotated[str, Form(pattern="^[0-9]{6}$")],
    value: Annotated[str, Form(max_length=4)] = "",
    read_value: Annotated[str, Form(max_length=4)] = "",
    empty: Annotated[str, Form(max_length=1)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record the entry, then answer with the next item (htmx) or go back to the queue."""
    check_csrf(request, csrf_token)
    entry = _entry_value(value, read_value, empty)
    done = add_entry(session=session, principal=user, item_id=item_id, value=entry)
    if not request.headers.get("hx-request"):
        return finish(request, RedirectResponse(f"/review?kecamatan={kecamatan}", status_code=303))
    context = _item_context(session, user, kecamatan) | {"last": done}
    return render(request, "_review_item.html", context)


@router.get("/review/{item_id}/crop")
def review_crop(
    request: Request,
    item_id: RowId,
    user: ConsoleUserDep,
    session: ConsoleSessionDep,
    store: StoreDep,
) -> Response:
    """The crop of the field's boxes (PNG), for reviewers of its TPS."""
    check_scope(user, review_item_tps(session=session, item_id=item_id))
    response = Response(
        crop_image(session=session, store=store, item_id=item_id), media_type="image/png"
    )
    return finish(request, response)
