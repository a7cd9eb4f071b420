"""Discrepancy shapes of API.md: the item, a page, the detail with evidence, the PATCH body."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.inputs import Line, Text


class EvidenceRef(BaseModel):
    """A pointer to the evidence behind a breach: a submission, a D.Hasil version, a photo."""

    kind: str
    id: int


class DiscrepancyRead(BaseModel):
    """One breach with a stable identity."""

    id: int
    rule: str
    severity: str
    status: str
    version: int = 1  # counts status changes; send it back as If-Match to change only this one
    contest_id: str
    region_code: str
    tps_code: str | None = None
    field: str | None = None
    expected: int | None = None
    actual: int | None = None
    delta: int | None = None
    suggestion: int | None = None
    message: str
    message_en: str = ""
    evidence: list[EvidenceRef] = []
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None = None
    resolved_by_submission_id: int | None = None


class DiscrepancyPage(BaseModel):
    """A page of discrepancies; pass next_cursor back as `cursor` for the next page."""

    items: list[DiscrepancyRead]
    next_cursor: str | None


class DiscrepancyEventRead(BaseModel):
    """One status change."""

    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


class EvidenceDetail(BaseModel):
    """The content of one piece of evidence (values of a submission or D.Hasil version)."""

    kind: str
    id: int
    source: str | None = None
    by: str | None = None
    at: datetime | None = None
    tps_code: str | None = None
    kecamatan_code: str | None = None
    version: int | None = None
    reason: str | None = None
    values: dict[str, Any] = {}


class DiscrepancyDetail(DiscrepancyRead):
    """A discrepancy with its evidence spelled out and its status history."""

    evidence_detail: list[EvidenceDetail] = []
    history: list[DiscrepancyEventRead] = []


class DiscrepancyPatch(BaseModel):
    """An auditor's status change: acknowledged, dismissed (note required) or escalated."""

    model_config = ConfigDict(extra="forbid")

    status: Line = Field(max_length=15)
    note: Text | None = Field(default=None, max_length=2000)
    # Optional: the status the auditor saw; a different stored status is 409 (a stale decision).
    expected_status: Line | None = Field(default=None, max_length=15)


class DiscrepancySummary(BaseModel):
    """Counts of the discrepancies matching the filters."""

    region_code: str
    total: int
    by_rule: dict[str, int]
    by_severity: dict[str, int]
    by_status: dict[str, int]
    by_region: dict[str, int]
