"""Photos of C.Hasil pages, their reading jobs (the truth about background work) and readings."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.evidence import tz_column, utcnow


class Photo(SQLModel, table=True):
    """One uploaded photo of one page for one TPS and contest; the bytes are keyed by sha256."""

    __tablename__ = "photo"
    __table_args__ = (UniqueConstraint("tps_code", "contest_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    tps_code: str = Field(foreign_key="tps.code", index=True, max_length=13)
    contest_id: str = Field(foreign_key="contest.id", index=True, max_length=20)
    kecamatan_code: str = Field(index=True, max_length=6)
    kabupaten_code: str = Field(index=True, max_length=4)
    page: int | None = None
    status: str = Field(default="queued", max_length=15, index=True)  # app/domain/statuses.py
    phash: str = Field(max_length=64)  # 256-bit dHash, hex
    size: int
    width: int
    height: int
    format: str = Field(max_length=10)
    exif_taken_at: datetime | None = Field(default=None, sa_column=tz_column(nullable=True))
    exif_camera: str | None = Field(default=None, max_length=200)
    exif_lat: float | None = None
    exif_lon: float | None = None
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=tz_column(index=True))
    engine_version: str | None = Field(default=None, max_length=60)
    reading: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # The reading this photo was given: its images and crops come from that row, never from
    # another reading of the same bytes against another contest or page. No foreign key: it
    # would close a cycle (photo → result → job → photo) that table creation cannot order.
    ocr_result_id: int | None = None


class OcrJob(SQLModel, table=True):
    """A reading job: claimed with a lease, fenced by lease_owner, requeued by the sweep."""

    __tablename__ = "ocr_job"

    id: int | None = Field(default=None, primary_key=True)
    photo_id: int = Field(foreign_key="photo.id", index=True)
    status: str = Field(default="queued", max_length=10, index=True)  # app/domain/statuses.py
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_column=tz_column(nullable=True))
    engine_version: str | None = Field(default=None, max_length=60)
    last_error: str | None = Field(default=None, max_length=2000)
    enqueued_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())


class OcrResult(SQLModel, table=True):
    """The reading of one photo's bytes by one engine version against one form and page
    (`read_as`, see `read_as_key`): written once, read many times."""

    __tablename__ = "ocr_result"
    __table_args__ = (UniqueConstraint("sha256", "engine_version", "read_as"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    engine_version: str = Field(max_length=60)
    read_as: str = Field(default="", max_length=40)
    status: str = Field(max_length=20)  # ok, or the reader's failure status
    reading: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rectified_sha256: str | None = Field(default=None, max_length=64)
    annotated_sha256: str | None = Field(default=None, max_length=64)
    job_id: int | None = Field(default=None, foreign_key="ocr_job.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())


def read_as_key(contest_code: str, page: int | None) -> str:
    """What a reading was read against: the contest's form code and the page asked for
    ("*" when the upload named none). The same bytes read against another is another reading."""
    return f"{contest_code}:{'*' if page is None else page}"
