"""Reading jobs as operators list them (`rekap jobs`): newest first, with their photo's TPS."""

from typing import Any

from sqlmodel import Session, col, select

from app.domain.statuses import JOB_STATUSES
from app.errors import InvalidInput, JobNotFound
from app.models import OcrJob, Photo
from app.schemas.jobs import OcrJobRead


def _read(job: OcrJob, photo: Photo) -> OcrJobRead:
    fields: dict[str, Any] = job.model_dump()
    return OcrJobRead(**fields, tps_code=photo.tps_code, contest_id=photo.contest_id)


def list_jobs(*, session: Session, status: str | None, limit: int) -> list[OcrJobRead]:
    """The newest `limit` jobs, of one status or all."""
    if status is not None and status not in JOB_STATUSES:
        reason = "must be one of " + ", ".join(JOB_STATUSES)
        raise InvalidInput(f"unknown job status {status!r}", fields={"status": reason})
    stmt = select(OcrJob, Photo).join(Photo, col(Photo.id) == col(OcrJob.photo_id))
    if status is not None:
        stmt = stmt.where(OcrJob.status == status)
    rows = session.exec(stmt.order_by(col(OcrJob.id).desc()).limit(limit))
    return [_read(job, photo) for job, photo in rows]


def get_job(*, session: Session, job_id: int) -> OcrJobRead:
    """One job (404 when unknown)."""
    job = session.get(OcrJob, job_id)
    if job is None:
        raise JobNotFound(f"no reading job {job_id}")
    return _read(job, session.get_one(Photo, job.photo_id))
