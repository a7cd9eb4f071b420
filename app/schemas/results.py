"""Shapes of result intake (C.Hasil submissions, D.Hasil versions) and of the read views."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.discrepancies import DiscrepancyRead, EvidenceRef
from app.schemas.inputs import Line, RowRef, Text


class ResultCreate(BaseModel):
    """A C.Hasil submission; values are checked against the contest by the service."""

    model_config = ConfigDict(extra="forbid")

    contest_id: Line = Field(max_length=20)
    values: dict[str, Any] = Field(min_length=1)
    reason: Text | None = Field(default=None, max_length=1000)
    corrects: RowRef | None = None
    source: Literal["app", "ppk", "plenary"] | None = None


class FieldOutcome(BaseModel):
    """The value accepted for one field after a submission, and where it came from;
    `outranked_by` says why, when it is not the value just sent, and what would replace it."""

    accepted: int | None
    submission_id: int | None
    source: str
    outranked_by: str | None = None


class PostedFinding(BaseModel):
    """A finding of the rules of one TPS and contest (the form's arithmetic on the accepted and on
    each source's values, sources that disagree), computed while the post is stored. `id`,
    `version` and the times are those of the stored discrepancy with the same identity; `id` is
    null until the recheck stores a new one (GET /discrepancies shows it then)."""

    id: int | None = None
    rule: str
    severity: str
    status: str = "open"
    version: int = 1
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
    first_seen: datetime | None = None
    last_seen: datetime | None = None


RECHECK_QUEUED = "queued"


class ResultCreated(BaseModel):
    """The stored submission; the findings of its TPS and contest's own forms, computed at once
    (`discrepancies`); per field sent the value now accepted (`fields`). The cross-contest and
    kecamatan findings follow from the recheck queue (`recheck`: "queued")."""

    submission_id: int
    discrepancies: list[PostedFinding]
    fields: dict[str, FieldOutcome] = Field(default_factory=dict)
    recheck: str = RECHECK_QUEUED


class DHasilPut(BaseModel):
    """A D.Hasil Kecamatan version: one column per desa and the kecamatan total."""

    model_config = ConfigDict(extra="forbid")

    contest_id: Line = Field(max_length=20)
    desa: dict[str, dict[str, Any]]
    total: dict[str, Any]
    reason: Text | None = Field(default=None, max_length=1000)


class DHasilSaved(BaseModel):
    """The new version number and the kecamatan's reconciliation with it, computed at once from
    the accepted values stored then (`discrepancies`); the recheck queue stores them
    (`recheck`: "queued")."""

    version: int
    discrepancies: list[PostedFinding]
    recheck: str = RECHECK_QUEUED


class Tally(BaseModel):
    """Sums of accepted values under a region for one contest."""

    region_code: str
    contest_id: str
    tps_total: int
    tps_reported: int
    values: dict[str, int]
    open_discrepancies: dict[str, int]


class SubmissionRead(BaseModel):
    """One stored submission."""

    id: int
    source: str
    submitted_by: str
    submitted_at: datetime
    reason: str | None
    supersedes_id: int | None
    values: dict[str, int]


class TpsContestView(BaseModel):
    """One contest at one TPS: accepted values, every submission, photos, discrepancies."""

    contest_id: str
    accepted: dict[str, int]
    accepted_sources: dict[str, int]
    submissions: list[SubmissionRead]
    photos: list[dict[str, Any]]
    discrepancies: list[DiscrepancyRead]


class TpsView(BaseModel):
    """A TPS with every contest that covers it."""

    code: str
    number: int
    desa_code: str
    kecamatan_code: str
    kabupaten_code: str
    provinsi_code: str
    dpt: int | None
    contests: list[TpsContestView]
