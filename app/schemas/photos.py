"""Photo and review shapes of API.md."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.schemas.discrepancies import DiscrepancyRead


class PhotoAccepted(BaseModel):
    """The answer to an upload: 202 for a new photo, 200 for the same bytes again."""

    photo_id: int
    sha256: str
    status: str


class PhotoExif(BaseModel):
    """EXIF evidence kept from the upload (advisory: EXIF can be edited)."""

    taken_at: datetime | None = None
    camera: str | None = None
    lat: float | None = None
    lon: float | None = None


class PhotoRead(BaseModel):
    """A photo with its status, reading and discrepancies."""

    photo_id: int
    sha256: str
    tps_code: str
    contest_id: str
    page: int | None
    status: str
    reading: dict[str, Any] | None = None
    engine_version: str | None = None
    uploaded_by: str
    uploaded_at: datetime
    format: str
    width: int
    height: int
    size: int
    exif: PhotoExif
    job: dict[str, Any] | None = None
    discrepancies: list[DiscrepancyRead]


class PhotoSummary(BaseModel):
    """A photo as listed under a TPS."""

    photo_id: int
    contest_id: str
    page: int | None
    status: str
    sha256: str
    uploaded_at: datetime


class ReviewEntryRead(BaseModel):
    """One person's entry: evidence with who and when."""

    reviewer: str
    value: int | None
    at: datetime


class ReviewItemRead(BaseModel):
    """A field to confirm or type, with the crop it was read from."""

    item_id: int
    photo_id: int
    tps_code: str
    contest_id: str
    kecamatan_code: str
    field: str
    reason: str
    status: str
    read_value: int | None
    confidence: float | None
    alternatives: list[Any]
    crop_box: list[int] | None
    image_url: str
    crop_url: str | None
    accepted_value: int | None = None
    entries: list[ReviewEntryRead] = []


class ReviewEntryCreate(BaseModel):
    """A reviewer's value for the field (null: the box is empty or unreadable)."""

    value: int | None
