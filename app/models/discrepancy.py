"""Discrepancies (a rule breach with a stable identity) and their status history."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.evidence import tz_column, utcnow


class Discrepancy(SQLModel, table=True):
    """One breach of one rule; found again it updates last_seen instead of adding a row."""

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=200, unique=True)  # rule|contest|scope|field
    rule: str = Field(max_length=40, index=True)
    severity: str = Field(max_length=10, index=True)
    status: str = Field(default="open", max_length=15, index=True)  # app/domain/statuses.py
    # Counts status changes: a client sends it back (If-Match) to change only what it saw.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    contest_id: str = Field(foreign_key="contest.id", index=True, max_length=20)
    region_code: str = Field(max_length=13, index=True)
    kecamatan_code: str | None = Field(default=None, max_length=6, index=True)
    kabupaten_code: str | None = Field(default=None, max_length=4, index=True)
    provinsi_code: str | None = Field(default=None, max_length=2, index=True)
    tps_code: str | None = Field(default=None, max_length=13, index=True)
    field: str | None = Field(default=None, max_length=40)
    expected: int | None = None
    actual: int | None = None
    delta: int | None = None
    suggestion: int | None = None
    message: str = Field(max_length=1000)
    message_en: str = Field(default="", max_length=1000)
    evidence: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    first_seen: datetime = Field(default_factory=utcnow, sa_column=tz_column(index=True))
    last_seen: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    resolved_at: datetime | None = Field(default=None, sa_column=tz_column(nullable=True))
    resolved_by_submission_id: int | None = Field(default=None, foreign_key="submission.id")


class DiscrepancyEvent(SQLModel, table=True):
    """A status change of a discrepancy: who, when, from, to, and the note."""

    __tablename__ = "discrepancy_event"

    id: int | None = Field(default=None, primary_key=True)
    discrepancy_id: int = Field(foreign_key="discrepancy.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    actor: str = Field(max_length=100)
    from_status: str | None = Field(default=None, max_length=15)
    to_status: str = Field(max_length=15)
    note: str | None = Field(default=None, max_length=2000)
