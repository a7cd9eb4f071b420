"""Read side of photos: the detail with reading and discrepancies, the image variants."""

from sqlmodel import Session, col, select

from app.errors import InvalidInput, PhotoNotFound, StorageUnavailable
from app.models import OcrJob, OcrResult, Photo
from app.schemas.photos import PhotoExif, PhotoRead, PhotoSummary
from app.services.discrepancy_query import to_read
from app.services.photo_findings import tps_discrepancies
from app.services.storage import PhotoStore

VARIANTS = ("original", "rectified", "annotated")
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def load_photo(*, session: Session, photo_id: int) -> Photo:
    """The photo with that id, or PhotoNotFound."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise PhotoNotFound(f"No photo has id {photo_id}")
    return photo


def get_photo_detail(*, session: Session, photo_id: int) -> PhotoRead:
    """A photo with its status, reading, newest job and the discrepancies of its TPS and contest."""
    photo = load_photo(session=session, photo_id=photo_id)
    job = session.exec(
        select(OcrJob).where(OcrJob.photo_id == photo_id).order_by(col(OcrJob.id).desc())
    ).first()
    found = tps_discrepancies(session=session, tps_code=photo.tps_code, contest_id=photo.contest_id)
    return PhotoRead(
        photo_id=photo.id or 0,
        sha256=photo.sha256,
        tps_code=photo.tps_code,
        contest_id=photo.contest_id,
        page=photo.page,
        status=photo.status,
        reading=photo.reading,
        engine_version=photo.engine_version,
        uploaded_by=photo.uploaded_by,
        uploaded_at=photo.uploaded_at,
        format=photo.format,
        width=photo.width,
        height=photo.height,
        size=photo.size,
        exif=PhotoExif(
            taken_at=photo.exif_taken_at,
            camera=photo.exif_camera,
            lat=photo.exif_lat,
            lon=photo.exif_lon,
        ),
        job=_job_view(job),
        discrepancies=[to_read(d) for d in found],
    )


def _job_view(job: OcrJob | None) -> dict[str, object] | None:
    if job is None:
        return None
    return {
        "id": job.id,
        "status": job.status,
        "attempts": job.attempts,
        "engine_version": job.engine_version,
        "last_error": job.last_error,
    }


def photo_image(
    *, session: Session, store: PhotoStore, photo_id: int, variant: str
) -> tuple[bytes, str]:
    """The bytes and media type of one image variant of a photo."""
    if variant not in VARIANTS:
        raise InvalidInput(
            f"Unknown variant {variant!r}", fields={"variant": "original, rectified or annotated"}
        )
    photo = load_photo(session=session, photo_id=photo_id)
    if variant == "original":
        return fetch(store, photo.sha256), MEDIA_TYPES.get(photo.format, "application/octet-stream")
    result = session.exec(select(OcrResult).where(OcrResult.id == photo.ocr_result_id)).first()
    sha = None if result is None else getattr(result, f"{variant}_sha256")
    if sha is None:
        raise PhotoNotFound(
            f"Photo {photo_id} has no {variant} image (not read yet, or unreadable)"
        )
    return fetch(store, sha), "image/png"


def fetch(store: PhotoStore, sha256: str) -> bytes:
    """Bytes from the store: 404 when missing, 503 when the store is down (never a 500)."""
    try:
        return store.get(sha256)
    except KeyError as exc:
        raise PhotoNotFound(f"The image {sha256[:12]}… is not in the store") from exc
    except Exception as exc:  # boto errors, I/O errors
        raise StorageUnavailable(f"The photo store is unavailable ({type(exc).__name__})") from exc


def photo_summaries(
    *, session: Session, tps_code: str, contest_id: str | None = None
) -> list[PhotoSummary]:
    """Every photo of a TPS (of one contest when given), oldest first, for GET /tps/{tps}."""
    stmt = select(Photo).where(Photo.tps_code == tps_code).order_by(col(Photo.id))
    if contest_id is not None:
        stmt = stmt.where(Photo.contest_id == contest_id)
    return [
        PhotoSummary(
            photo_id=p.id or 0,
            contest_id=p.contest_id,
            page=p.page,
            status=p.status,
            sha256=p.sha256,
            uploaded_at=p.uploaded_at,
        )
        for p in session.exec(stmt)
    ]
