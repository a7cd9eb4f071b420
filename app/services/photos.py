"""Photo intake: validate, store the bytes durably, insert the photo and its reading job."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, select

from app.config import Settings
from app.domain.inputs import text_problem
from app.errors import InvalidInput, StorageUnavailable, TpsNotFound
from app.models import Contest, OcrJob, Photo, Tps
from app.services.audit import append_audit
from app.services.images import ImageFacts, inspect_image
from app.services.locking import lock_for_write
from app.services.photo_checks import flag_duplicates, flag_metadata
from app.services.storage import PhotoStore

MAX_PAGE = 3
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StagedUpload:
    """An uploaded file already on local disk, with the hash and size counted while streaming."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class IntakeLimits:
    """The limits intake enforces (from settings)."""

    max_pixels: int
    phash_max_distance: int


def intake_limits(settings: Settings) -> IntakeLimits:
    """The intake limits of the settings (the API and the console upload alike)."""
    return IntakeLimits(
        max_pixels=settings.max_image_pixels, phash_max_distance=settings.phash_max_distance
    )


@dataclass(frozen=True)
class IntakeOutcome:
    """The stored photo; `job_id` is the new job to enqueue, None when the photo was known."""

    photo: Photo
    job_id: int | None

    @property
    def created(self) -> bool:
        """Whether this upload created the photo (202) rather than finding it (200)."""
        return self.job_id is not None


def intake_photo(
    *,
    session: Session,
    store: PhotoStore,
    tps_code: str,
    contest_id: str | None,
    page: int | None,
    staged: StagedUpload,
    uploaded_by: str,
    limits: IntakeLimits,
) -> IntakeOutcome:
    """Check every input, store the bytes, then add Photo + OcrJob (flushed, not committed)."""
    check_page(page)
    facts = inspect_image(staged.path, max_pixels=limits.max_pixels)  # before any lock is held
    tps = session.get(Tps, tps_code)
    if tps is None:
        raise TpsNotFound(f"No TPS has code {tps_code}")
    contest = check_contest(session=session, contest_id=contest_id, tps=tps)
    # The store is content-addressed (storing known bytes again changes nothing), so its fsync or
    # S3 round trip runs before the write lock is taken, not while other writers wait for it.
    if put_durably(store, staged):
        discard_unless_committed(session=session, store=store, sha256=staged.sha256)
    lock_for_write(session)
    known = find_photo(session=session, tps_code=tps.code, contest_id=contest.id, sha=staged.sha256)
    if known is not None:
        return IntakeOutcome(photo=known, job_id=None)
    photo = _new_photo(tps, contest, page, staged, facts, uploaded_by)
    winner = _insert_photo(session, photo)
    if winner is not photo:
        return IntakeOutcome(photo=winner, job_id=None)
    job = OcrJob(photo_id=photo.id or 0)
    session.add(job)
    session.flush()
    flag_duplicates(session=session, photo=photo, tps=tps, max_distance=limits.phash_max_distance)
    flag_metadata(
        session=session, photo=photo, tps=tps, contest=contest, unusable_time=facts.unusable_time
    )
    return IntakeOutcome(photo=photo, job_id=job.id)


def put_durably(store: PhotoStore, staged: StagedUpload) -> bool:
    """Store the bytes (True when this call stored them); a store failure is 503 (retry later),
    never a 500."""
    try:
        return store.put(staged.sha256, staged.path)
    except Exception as exc:  # boto errors, disk full, permission: the upload is not recorded
        raise StorageUnavailable(
            f"The photo store is unavailable ({type(exc).__name__}); nothing was recorded, retry"
        ) from exc


def _insert_photo(session: Session, photo: Photo) -> Photo:
    """Insert the photo; if a concurrent upload of the same bytes for the same TPS and contest
    won the race, return that one instead."""
    try:
        with session.begin_nested():
            session.add(photo)
            session.flush()
    except IntegrityError:
        known = find_photo(
            session=session, tps_code=photo.tps_code, contest_id=photo.contest_id, sha=photo.sha256
        )
        if known is None:
            raise
        return known
    return photo


def check_contest(*, session: Session, contest_id: str | None, tps: Tps) -> Contest:
    """The contest the photo belongs to; 422 when missing, unknown or not held at the TPS."""
    if not contest_id:
        raise InvalidInput("contest_id is required", fields={"contest_id": "required"})
    if problem := text_problem(contest_id, multiline=False):  # a multipart field: no schema
        raise InvalidInput(f"contest_id: {problem}", fields={"contest_id": problem})
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise InvalidInput(f"No contest {contest_id!r}", fields={"contest_id": "unknown contest"})
    if contest.region_code != "0" and not tps.code.startswith(contest.region_code):
        raise InvalidInput(
            f"Contest {contest.id} is not held at TPS {tps.code}",
            fields={"contest_id": f"does not cover TPS {tps.code}"},
        )
    return contest


def check_page(page: int | None) -> None:
    """A C.Hasil has pages 1 to 3."""
    if page is not None and not 1 <= page <= MAX_PAGE:
        raise InvalidInput(f"page {page} does not exist", fields={"page": "must be 1, 2 or 3"})


def find_photo(*, session: Session, tps_code: str, contest_id: str, sha: str) -> Photo | None:
    """The photo with these bytes for this TPS and contest, if any."""
    stmt = select(Photo).where(
        Photo.tps_code == tps_code, Photo.contest_id == contest_id, Photo.sha256 == sha
    )
    return session.exec(stmt).first()


def _new_photo(
    tps: Tps,
    contest: Contest,
    page: int | None,
    staged: StagedUpload,
    facts: ImageFacts,
    uploaded_by: str,
) -> Photo:
    return Photo(
        sha256=staged.sha256,
        tps_code=tps.code,
        contest_id=contest.id,
        kecamatan_code=tps.kecamatan_code,
        kabupaten_code=tps.kabupaten_code,
        page=page,
        phash=facts.phash,
        size=staged.size,
        width=facts.width,
        height=facts.height,
        format=facts.format,
        exif_taken_at=facts.taken_at,
        exif_camera=facts.camera,
        exif_lat=facts.lat,
        exif_lon=facts.lon,
        uploaded_by=uploaded_by,
    )


def upload_photo(
    *,
    session: Session,
    store: PhotoStore,
    tps_code: str,
    form: dict[str, str],
    staged: StagedUpload | None,
    actor: str,
    remote: str | None,
    limits: IntakeLimits,
) -> IntakeOutcome:
    """The upload use case: parse the form fields, intake the photo, append to the audit chain."""
    if staged is None:
        raise InvalidInput("No file was sent", fields={"file": "required"})
    outcome = intake_photo(
        session=session,
        store=store,
        tps_code=tps_code,
        contest_id=form.get("contest_id") or None,
        page=parse_page(form.get("page")),
        staged=staged,
        uploaded_by=actor,
        limits=limits,
    )
    if outcome.created:
        append_audit(
            session=session,
            actor=actor,
            action="photo.upload",
            entity="photo",
            entity_id=str(outcome.photo.id),
            payload={"sha256": staged.sha256, "tps": tps_code, "contest": outcome.photo.contest_id},
            remote=remote,
        )
    return outcome


def parse_page(text: str | None) -> int | None:
    """The optional page form field as an integer; 422 when it is not one."""
    if text is None or text.strip() == "":
        return None
    if not (text.strip().isascii() and text.strip().isdecimal()):
        raise InvalidInput(f"page {text!r} is not a number", fields={"page": "must be 1, 2 or 3"})
    return int(text)


def discard_unless_committed(*, session: Session, store: PhotoStore, sha256: str) -> None:
    """Remove the bytes this request stored if its transaction ends without a commit (a check,
    the audit append or the commit itself failed): no file is left behind without its row."""
    state = {"committed": False, "done": False}

    def _after_commit(sess: Session) -> None:
        if not sess.in_nested_transaction():  # a released savepoint is not the commit
            state["committed"] = True

    def _after_end(_: Session, transaction: SessionTransaction) -> None:
        # Listeners cannot be removed while their event runs: they stay, and do nothing, once
        # the request's (outermost) transaction has ended.
        if state["done"] or transaction.parent is not None:
            return
        state["done"] = True
        if state["committed"]:
            return
        try:
            store.discard(sha256)
        except Exception:  # the request already failed; a leftover blob is only garbage
            log.warning("photo.discard_failed", sha256=sha256, exc_info=True)

    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_transaction_end", _after_end)


def enqueue_after_commit(*, session: Session, job_id: int, enqueue: Callable[[int], None]) -> None:
    """Hand the job to the queue when (and only if) the session's transaction commits."""

    def _after_commit(_: Session) -> None:
        enqueue(job_id)

    event.listen(session, "after_commit", _after_commit, once=True)
