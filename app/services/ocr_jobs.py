"""The reading-job state machine: claim with a lease, fenced completion, retries, the sweep."""

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, func, select

from app.domain.statuses import FINISHED_JOB_STATUSES
from app.models import OcrJob, Photo
from app.models.evidence import utcnow
from app.services.locking import lock_for_write


@dataclass(frozen=True)
class JobInput:
    """What a worker needs to read a claimed job, loaded before the reading starts."""

    job_id: int
    photo_id: int
    sha256: str
    contest_id: str
    page: int | None


def new_lease_owner() -> str:
    """A name unique to this attempt: host, process and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_job(
    *, session: Session, job_id: int, owner: str, lease_seconds: int, now: datetime | None = None
) -> bool:
    """Take the job if it is queued or its lease expired; True when this owner now holds it."""
    now = now or utcnow()
    stmt = (
        update(OcrJob)
        .where(
            col(OcrJob.id) == job_id,
            or_(
                col(OcrJob.status) == "queued",
                and_(col(OcrJob.status) == "running", col(OcrJob.lease_expires_at) < now),
            ),
        )
        .values(
            status="running",
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=col(OcrJob.attempts) + 1,
            updated_at=now,
        )
    )
    claimed = session.exec(stmt).rowcount == 1
    if claimed:
        session.exec(
            update(Photo)
            .where(
                col(Photo.id)
                == select(OcrJob.photo_id).where(OcrJob.id == job_id).scalar_subquery()
            )
            .values(status="processing")
        )
    return claimed


def load_job_input(*, session: Session, job_id: int) -> JobInput:
    """The photo facts of a claimed job."""
    job = session.get_one(OcrJob, job_id)
    photo = session.get_one(Photo, job.photo_id)
    return JobInput(job_id, photo.id or 0, photo.sha256, photo.contest_id, photo.page)


def fence_done(*, session: Session, job_id: int, owner: str, engine_version: str) -> bool:
    """Mark done only while this owner still holds the lease (fencing); False = someone else."""
    stmt = (
        update(OcrJob)
        .where(
            col(OcrJob.id) == job_id,
            col(OcrJob.status) == "running",
            col(OcrJob.lease_owner) == owner,
        )
        .values(status="done", engine_version=engine_version, last_error=None, updated_at=utcnow())
    )
    return bool(session.exec(stmt).rowcount == 1)


def record_failure(
    *, session: Session, job_id: int, owner: str, error: str, max_attempts: int
) -> str:
    """An attempt failed: back to queued, or failed after max_attempts. Returns the new status."""
    lock_for_write(session)
    job = session.get(OcrJob, job_id)
    if job is None or job.status != "running" or job.lease_owner != owner:
        return "lost-lease"
    job.status = "failed" if job.attempts >= max_attempts else "queued"
    job.last_error = error[:2000]
    job.lease_owner, job.lease_expires_at = None, None
    job.updated_at = job.enqueued_at = utcnow()
    session.add(job)
    _set_photo_status(session, job.photo_id, job.status)  # queued again, or failed
    return job.status


def _set_photo_status(session: Session, photo_id: int, status: str) -> None:
    photo = session.get_one(Photo, photo_id)
    photo.status = status
    session.add(photo)


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did: job ids to enqueue again, and those given up."""

    requeue: list[int]
    failed: list[int]


def sweep_jobs(
    *, session: Session, max_attempts: int, requeue_after_seconds: int, now: datetime | None = None
) -> SweepReport:
    """Expired leases → queued (or failed after max_attempts); stale queued jobs → enqueue again."""
    now = now or utcnow()
    lock_for_write(session)
    expired = session.exec(
        select(OcrJob).where(OcrJob.status == "running", col(OcrJob.lease_expires_at) < now)
    ).all()
    requeue, failed = [], []
    for job in expired:
        job.lease_owner, job.lease_expires_at, job.updated_at = None, None, now
        if job.attempts >= max_attempts:
            job.status, job.last_error = "failed", f"lease expired after {job.attempts} attempts"
            _set_photo_status(session, job.photo_id, "failed")
            failed.append(job.id or 0)
        else:
            job.status, job.enqueued_at = "queued", now
            job.last_error = f"lease expired (attempt {job.attempts})"
            _set_photo_status(session, job.photo_id, "queued")
            requeue.append(job.id or 0)
        session.add(job)
    stale = session.exec(
        select(OcrJob).where(
            OcrJob.status == "queued",
            col(OcrJob.enqueued_at) < now - timedelta(seconds=requeue_after_seconds),
        )
    ).all()
    for job in stale:
        job.enqueued_at = now
        session.add(job)
        requeue.append(job.id or 0)
    session.flush()
    return SweepReport(requeue=sorted(set(requeue)), failed=failed)


def queue_reread(*, session: Session, photo_ids: list[int] | None = None) -> list[int]:
    """A new job for every photo (or the given ones), for a new engine version. Returns job ids."""
    stmt = select(Photo.id).order_by(col(Photo.id))
    if photo_ids is not None:
        stmt = stmt.where(col(Photo.id).in_(photo_ids))
    jobs = [OcrJob(photo_id=pid) for pid in session.exec(stmt) if pid is not None]
    session.add_all(jobs)
    session.flush()
    return [j.id or 0 for j in jobs]


def photos_to_reread(*, session: Session, engine_version: str | None) -> list[int]:
    """Ids of every photo, or of those not yet read by that engine version, oldest first."""
    stmt = select(Photo.id).order_by(col(Photo.id))
    if engine_version is not None:
        stmt = stmt.where(
            (col(Photo.engine_version).is_(None)) | (col(Photo.engine_version) != engine_version)
        )
    return [pid for pid in session.exec(stmt) if pid is not None]


def count_finished(*, session: Session, job_ids: list[int]) -> int:
    """How many of these jobs are over (done or failed)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(OcrJob)
            .where(col(OcrJob.id).in_(job_ids), col(OcrJob.status).in_(FINISHED_JOB_STATUSES))
        ).one()
    )
