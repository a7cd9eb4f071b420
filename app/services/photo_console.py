"""What the console shows of photos beyond app/services/photo_views.py: the photo panels of a TPS
(each field read with its value, confidence and crop), one field's crop, a photo's upload status,
and the choices of the upload form (contests held at a region, the TPS of a kecamatan)."""

import io
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from app.domain.fields import fields_for_contest
from app.errors import PhotoNotFound, RegionNotFound
from app.models import Contest, OcrResult, Photo, Region, Tps
from app.services.photo_views import fetch, load_photo
from app.services.readings import union_box
from app.services.storage import PhotoStore

CROP_MARGIN = 24  # px of the rectified page around a field's boxes: the reader sees the context
FINAL_PHOTO_STATUSES = ("read", "needs_review", "unreadable", "failed")


@dataclass(frozen=True)
class FieldValue:
    """One field the reader read on a photo: its value, confidence, whether it is below the
    acceptance line, and whether the page has a crop of it."""

    name: str
    value: int | None
    confidence: float | None
    below_line: bool
    has_crop: bool


@dataclass(frozen=True)
class PhotoPanel:
    """A photo of a TPS as the TPS page shows it: the image variants it has and its fields."""

    photo_id: int
    contest_id: str
    page: int | None
    status: str
    variants: tuple[str, ...]
    fields: list[FieldValue]


@dataclass(frozen=True)
class TpsChoice:
    """A TPS of a kecamatan in the upload form's picker."""

    code: str
    number: int
    desa_name: str


def _field_order(reading: dict[str, Any]) -> list[str]:
    """The reading's fields in the form's order (paslon after the voter numbers)."""
    names = list(reading.get("fields", {}))
    paslon = sum(1 for n in names if n.startswith("suara_paslon_"))
    order = {name: i for i, name in enumerate(fields_for_contest(paslon))}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def field_values(reading: dict[str, Any] | None, line: float, rectified: bool) -> list[FieldValue]:
    """The fields of a reading, in the form's order, judged against the acceptance line."""
    if not reading:
        return []
    out = []
    for name in _field_order(reading):
        field = reading["fields"][name] or {}
        confidence = field.get("confidence")
        below = confidence is None or float(confidence) < line
        crop = rectified and bool(field.get("boxes"))
        out.append(FieldValue(name, field.get("value"), confidence, below, crop))
    return out


def photo_panels(*, session: Session, tps_code: str, line: float) -> list[PhotoPanel]:
    """Every photo of a TPS, oldest first, with its image variants and fields read."""
    stmt = (
        select(Photo, OcrResult)
        .join(OcrResult, col(OcrResult.id) == col(Photo.ocr_result_id), isouter=True)
        .where(Photo.tps_code == tps_code)
        .order_by(col(Photo.id))
    )
    panels = []
    for photo, result in session.exec(stmt):
        variants = ["original"]
        if result is not None and result.rectified_sha256:
            variants.append("rectified")
        if result is not None and result.annotated_sha256:
            variants.append("annotated")
        fields = field_values(photo.reading, line, "rectified" in variants)
        panels.append(
            PhotoPanel(
                photo.id or 0, photo.contest_id, photo.page, photo.status, tuple(variants), fields
            )
        )
    return panels


def cut_png(page_png: bytes, box: list[int], margin: int = CROP_MARGIN) -> bytes:
    """A PNG of `box` (x, y, w, h) and `margin` px around it, cut from a page image."""
    from PIL import Image

    x, y, w, h = box
    with Image.open(io.BytesIO(page_png)) as page:
        area = (
            max(x - margin, 0),
            max(y - margin, 0),
            min(x + w + margin, page.width),
            min(y + h + margin, page.height),
        )
        out = io.BytesIO()
        page.crop(area).save(out, format="PNG")
    return out.getvalue()


def field_crop(*, session: Session, store: PhotoStore, photo_id: int, field: str) -> bytes:
    """A PNG of one field's boxes cut from the photo's rectified page; 404 when there is none."""
    photo = load_photo(session=session, photo_id=photo_id)
    read = ((photo.reading or {}).get("fields") or {}).get(field) or {}
    box = union_box(read.get("boxes") or [])
    result = session.get(OcrResult, photo.ocr_result_id) if photo.ocr_result_id else None
    if box is None or result is None or result.rectified_sha256 is None:
        raise PhotoNotFound(f"Photo {photo_id} has no crop of {field!r}")
    return cut_png(fetch(store, result.rectified_sha256), box)


def photo_status(*, session: Session, photo_id: int) -> Photo:
    """The photo whose upload status the console polls."""
    return load_photo(session=session, photo_id=photo_id)


def is_final(status: str) -> bool:
    """Whether a photo's status no longer changes without someone acting (polling stops)."""
    return status in FINAL_PHOTO_STATUSES


def contests_at(*, session: Session, region_code: str) -> list[Contest]:
    """The contests held at every TPS under a region (national ones, and those whose region
    holds it), in id order."""
    prefixes = [region_code[:n] for n in (2, 4, 6, 10, 13) if n <= len(region_code)]
    stmt = select(Contest).where(
        or_(col(Contest.region_code) == "0", col(Contest.region_code).in_(prefixes))
    )
    return list(session.exec(stmt.order_by(col(Contest.id))))


def kecamatan_tps(*, session: Session, kecamatan_code: str) -> list[TpsChoice]:
    """The TPS of a kecamatan with their desa's name, by code; 404 for an unknown kecamatan."""
    region = session.get(Region, kecamatan_code)
    if region is None or region.level != "kecamatan":
        raise RegionNotFound(f"No kecamatan has code {kecamatan_code}")
    stmt = (
        select(Tps, Region.name)
        .join(Region, col(Region.code) == col(Tps.desa_code))
        .where(Tps.kecamatan_code == kecamatan_code)
        .order_by(col(Tps.code))
    )
    return [TpsChoice(tps.code, tps.number, name) for tps, name in session.exec(stmt)]
