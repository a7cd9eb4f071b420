"""Review queue per kecamatan and double entry; an accepted value becomes a `review` submission."""

from collections.abc import Callable

from sqlmodel import Session, col, select

from app.domain.fields import MAX_FORM_VALUE
from app.domain.review import Decision, Entry, decide
from app.errors import InvalidInput, PhotoNotFound, ReviewEntryRejected, ReviewItemNotFound
from app.models import OcrResult, Photo, ReviewEntry, ReviewItem, Submission, Tps
from app.schemas.photos import ReviewEntryRead, ReviewItemRead
from app.services.access import Principal, authorize_tps_review
from app.services.audit import append_audit
from app.services.locking import lock_for_write
from app.services.photo_console import cut_png
from app.services.photo_findings import finding_identity, settle_finding
from app.services.photo_views import fetch
from app.services.recheck_queue import TPS_UNIT, enqueue
from app.services.recheck_store import SYSTEM_ACTOR
from app.services.storage import PhotoStore

API = "/api/v1"


def _entries(session: Session, item_id: int) -> list[ReviewEntry]:
    stmt = select(ReviewEntry).where(ReviewEntry.item_id == item_id).order_by(col(ReviewEntry.id))
    return list(session.exec(stmt).all())


def item_view(session: Session, item: ReviewItem) -> ReviewItemRead:
    """The API shape of an item, with its entries and the URLs of its images."""
    entries = _entries(session, item.id or 0)
    return ReviewItemRead(
        item_id=item.id or 0,
        photo_id=item.photo_id,
        tps_code=item.tps_code,
        contest_id=item.contest_id,
        kecamatan_code=item.kecamatan_code,
        field=item.field,
        reason=item.reason,
        status=item.status,
        read_value=item.read_value,
        confidence=item.confidence,
        alternatives=item.alternatives,
        crop_box=item.crop_box,
        image_url=f"{API}/photos/{item.photo_id}/image?variant=rectified",
        crop_url=f"{API}/review/{item.id}/crop" if item.crop_box else None,
        accepted_value=item.accepted_value,
        entries=[ReviewEntryRead(reviewer=e.reviewer, value=e.value, at=e.at) for e in entries],
    )


def next_item(*, session: Session, principal: Principal, kecamatan_code: str) -> ReviewItemRead:
    """The oldest open or disputed item of the kecamatan this person has not entered yet."""
    authorize_tps_review(principal, kecamatan_code)
    mine = select(ReviewEntry.item_id).where(ReviewEntry.reviewer == principal.actor)
    stmt = (
        select(ReviewItem)
        .where(ReviewItem.kecamatan_code == kecamatan_code)
        .where(col(ReviewItem.status).in_(("open", "disputed")))
        .where(col(ReviewItem.id).not_in(mine))
        .order_by(col(ReviewItem.id))
    )
    item = session.exec(stmt).first()
    if item is None:
        raise ReviewItemNotFound(
            f"Nothing left for {principal.actor} to review in {kecamatan_code}"
        )
    return item_view(session, item)


def add_entry(
    *, session: Session, principal: Principal, item_id: int, value: int | None
) -> ReviewItemRead:
    """Record one person's value; two that agree (or a third's decision) accept it."""
    lock_for_write(session)
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewItemNotFound(f"No review item has id {item_id}")
    authorize_tps_review(principal, item.tps_code)
    if item.status == "accepted":
        raise ReviewEntryRejected(f"Item {item_id} is already decided", fields={"item": "accepted"})
    entries = _entries(session, item_id)
    if any(e.reviewer == principal.actor for e in entries):
        raise ReviewEntryRejected(
            "Double entry needs a different person for each entry",
            fields={"reviewer": "already entered a value for this item"},
        )
    if value is not None and not 0 <= value <= MAX_FORM_VALUE:
        raise InvalidInput(
            f"A value is 0 to {MAX_FORM_VALUE}", fields={"value": f"must be 0..{MAX_FORM_VALUE}"}
        )
    entry = ReviewEntry(item_id=item_id, reviewer=principal.actor, value=value)
    session.add(entry)
    session.flush()
    decision = decide([Entry(e.reviewer, e.value) for e in [*entries, entry]])
    item.status = decision.state
    if decision.state == "accepted":
        _accept(session, item, decision, [*entries, entry])
    session.add(item)
    append_audit(
        session=session, actor=principal.actor, action="review.entry", entity="review_item",
        entity_id=str(item_id), payload={"value": value, "state": item.status,
                                         "entry_id": entry.id},
        remote=principal.remote,
    )  # fmt: skip
    if item.submission_id is not None:
        _audit_review_submission(session, principal, item)
    session.flush()
    return item_view(session, item)


def _audit_review_submission(session: Session, principal: Principal, item: ReviewItem) -> None:
    """The accepted value is evidence of its own (a `review` submission): audited like any."""
    sub = session.get_one(Submission, item.submission_id)
    append_audit(
        session=session, actor=principal.actor, action="submission.create",
        entity="submission", entity_id=str(sub.id),
        payload={"tps_code": sub.tps_code, "contest_id": sub.contest_id, "values": sub.values,
                 "review_item": item.id},
        remote=principal.remote,
    )  # fmt: skip


def _accept(
    session: Session,
    item: ReviewItem,
    decision: Decision,
    entries: list[ReviewEntry],
) -> None:
    """The accepted value becomes a `review` submission (evidence); its unit is queued for the
    recheck in the same transaction, like a post (the drainer runs the rules again)."""
    item.accepted_value = decision.value
    if decision.value is not None:
        tps = session.get_one(Tps, item.tps_code)
        sub = Submission(
            tps_code=tps.code,
            contest_id=item.contest_id,
            kecamatan_code=tps.kecamatan_code,
            source="review",
            submitted_by=" & ".join(e.reviewer for e in entries),
            reason=f"double entry, review item {item.id} (photo {item.photo_id})",
            values={item.field: decision.value},
        )
        session.add(sub)
        session.flush()
        item.submission_id = sub.id
        enqueue(session, TPS_UNIT, tps.code, item.contest_id)
    session.add(item)
    _settle_low_confidence(session, item, entries)
    session.flush()
    _close_photo_if_reviewed(session, item.photo_id)


def _settle_low_confidence(session: Session, item: ReviewItem, entries: list[ReviewEntry]) -> None:
    """People settled the field the reader was unsure of: its LOW_CONFIDENCE is resolved by the
    service (actor "system", like a recheck's resolution; the entries themselves are audited),
    the note naming who settled it and the value."""
    identity = finding_identity(
        rule="LOW_CONFIDENCE", contest_id=item.contest_id, tps_code=item.tps_code,
        field=item.field, detail_key=f"photo:{item.photo_id}",
    )  # fmt: skip
    value = "kosong" if item.accepted_value is None else str(item.accepted_value)
    settle_finding(
        session=session, identity=identity, actor=SYSTEM_ACTOR,
        note=f"diputuskan lewat entri ganda oleh {' & '.join(e.reviewer for e in entries)} "
        f"(butir {item.id}): {value}",
        submission_id=item.submission_id,
    )  # fmt: skip


def _close_photo_if_reviewed(session: Session, photo_id: int) -> None:
    left = session.exec(
        select(ReviewItem).where(ReviewItem.photo_id == photo_id, ReviewItem.status != "accepted")
    ).first()
    photo = session.get_one(Photo, photo_id)
    if left is None and photo.status == "needs_review":
        photo.status = "read"
        session.add(photo)


def crop_image(
    *,
    session: Session,
    store: PhotoStore,
    item_id: int,
    check: Callable[[str], None] | None = None,
) -> bytes:
    """A PNG of the item's boxes (and bubbles) cut from the rectified page; `check(tps_code)`
    raises when the caller may not read that TPS."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewItemNotFound(f"No review item has id {item_id}")
    if check is not None:
        check(item.tps_code)
    photo = session.get_one(Photo, item.photo_id)
    result = session.exec(select(OcrResult).where(OcrResult.id == photo.ocr_result_id)).first()
    if result is None or result.rectified_sha256 is None or item.crop_box is None:
        raise PhotoNotFound(f"Review item {item_id} has no crop")
    return cut_png(fetch(store, result.rectified_sha256), item.crop_box)
