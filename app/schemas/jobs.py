"""The shape of a photo-reading job (`rekap jobs list|show --json`)."""

from datetime import datetime

from pydantic import BaseModel


class OcrJobRead(BaseModel):
    """A reading job; `id, status, attempts, engine_version, last_error` as in a photo's `job`."""

    id: int
    photo_id: int
    tps_code: str
    contest_id: str
    status: str  # queued, running, done, failed
    attempts: int
    engine_version: str | None
    last_error: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    enqueued_at: datetime
    updated_at: datetime
