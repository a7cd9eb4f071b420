"""GET /review/next, POST /review/{item}/entries, GET /review/{item}/crop: double-entry review."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import PrincipalDep, ReaderDep, RowId, SessionDep
from app.api.routes.photos import StoreDep
from app.schemas.photos import ReviewEntryCreate, ReviewItemRead
from app.services.review import add_entry, crop_image, next_item

router = APIRouter(prefix="/review", tags=["review"])


@router.get("/next", response_model=ReviewItemRead)
def get_next_item(
    kecamatan: Annotated[str, Query(min_length=6, max_length=6, pattern="^[0-9]{6}$")],
    session: SessionDep,
    principal: PrincipalDep,
) -> ReviewItemRead:
    """The next field of this kecamatan for the caller to confirm or type (404 when none)."""
    return next_item(session=session, principal=principal, kecamatan_code=kecamatan)


@router.post("/{item_id}/entries", response_model=ReviewItemRead, status_code=201)
def post_entry(
    item_id: RowId, body: ReviewEntryCreate, session: SessionDep, principal: PrincipalDep
) -> ReviewItemRead:
    """One person's value; two different people who agree accept it, a third settles a dispute."""
    return add_entry(session=session, principal=principal, item_id=item_id, value=body.value)


@router.get("/{item_id}/crop")
def get_crop(item_id: RowId, session: SessionDep, store: StoreDep, reader: ReaderDep) -> Response:
    """The crop of the field's boxes from the rectified page (PNG)."""
    data = crop_image(session=session, store=store, item_id=item_id, check=reader.check)
    return Response(content=data, media_type="image/png")
