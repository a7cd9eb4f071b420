"""Human review of fields read with low confidence: one item per field, one entry per person."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.evidence import tz_column, utcnow


class ReviewItem(SQLModel, table=True):
    """A field of a photo that a person must confirm or type (PREP-style double entry)."""

    __tablename__ = "review_item"
    __table_args__ = (UniqueConstraint("photo_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    photo_id: int = Field(foreign_key="photo.id", index=True)
    tps_code: str = Field(foreign_key="tps.code", index=True, max_length=13)
    contest_id: str = Field(foreign_key="contest.id", max_length=20)
    kecamatan_code: str = Field(index=True, max_length=6)
    field: str = Field(max_length=40)
    reason: str = Field(max_length=200)
    read_value: int | None = None
    confidence: float | None = None
    alternatives: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    crop_box: list[int] | None = Field(default=None, sa_column=Column(JSON))  # x, y, w, h
    status: str = Field(default="open", max_length=10, index=True)  # app/domain/statuses.py
    accepted_value: int | None = None
    submission_id: int | None = Field(default=None, foreign_key="submission.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())


class ReviewEntry(SQLModel, table=True):
    """One person's value for a review item: evidence with who and when."""

    __tablename__ = "review_entry"
    __table_args__ = (UniqueConstraint("item_id", "reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="review_item.id", index=True)
    reviewer: str = Field(max_length=100)
    value: int | None = None  # None: the reviewer says the box is empty/unreadable
    at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
