"""POST /tps/{tps}/photos, GET /photos/{id}, GET /photos/{id}/image."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import ReaderDep, RowId, SessionDep, SettingsDep, TpsWriterDep
from app.api.uploads import store_upload
from app.schemas.photos import PhotoAccepted, PhotoRead
from app.services.photo_views import get_photo_detail, load_photo, photo_image
from app.services.storage import PhotoStore, store_for

router = APIRouter(tags=["photos"])


def get_store(settings: SettingsDep) -> PhotoStore:
    """The photo store named by the settings."""
    return store_for(settings.storage_url, settings.s3_endpoint_url)


def get_enqueuer() -> Callable[[int], None]:
    """Hands a job id to the queue (imported lazily: the API must start without a queue)."""
    from app.worker.enqueue import enqueue_job

    enqueue: Callable[[int], None] = enqueue_job
    return enqueue


StoreDep = Annotated[PhotoStore, Depends(get_store)]
EnqueueDep = Annotated[Callable[[int], None], Depends(get_enqueuer)]
UPLOAD_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "contest_id"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "contest_id": {"type": "string"},
                        "page": {"type": "integer", "minimum": 1, "maximum": 3},
                    },
                }
            }
        },
        "required": True,
    }
}


@router.post(
    "/tps/{tps}/photos", status_code=202, response_model=PhotoAccepted, openapi_extra=UPLOAD_DOC
)
async def post_photo(
    tps: str,
    request: Request,
    response: Response,
    principal: TpsWriterDep,
    session: SessionDep,
    settings: SettingsDep,
    store: StoreDep,
    enqueue: EnqueueDep,
) -> PhotoAccepted:
    """Upload a photo of a C.Hasil page: 202 once stored and queued, 200 for the same bytes."""
    outcome = await store_upload(
        request=request,
        session=session,
        settings=settings,
        store=store,
        enqueue=enqueue,
        tps_code=tps,
        actor=principal.actor,
        remote=principal.remote,
    )
    response.status_code = 202 if outcome.created else 200
    photo = outcome.photo
    return PhotoAccepted(photo_id=photo.id or 0, sha256=photo.sha256, status=photo.status)


@router.get("/photos/{photo_id}", response_model=PhotoRead)
def read_photo(photo_id: RowId, session: SessionDep, reader: ReaderDep) -> PhotoRead:
    """A photo: status, reading (when read) and the discrepancies of its TPS and contest."""
    detail = get_photo_detail(session=session, photo_id=photo_id)
    reader.check(detail.tps_code)
    return detail


@router.get("/photos/{photo_id}/image")
def read_photo_image(
    photo_id: RowId,
    session: SessionDep,
    store: StoreDep,
    reader: ReaderDep,
    variant: Annotated[str, Query()] = "original",
) -> Response:
    """The original bytes, or the rectified / annotated page the reader produced."""
    reader.check(load_photo(session=session, photo_id=photo_id).tps_code)
    data, media_type = photo_image(session=session, store=store, photo_id=photo_id, variant=variant)
    return Response(content=data, media_type=media_type)
