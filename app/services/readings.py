"""A finished reading becomes evidence: an `ocr` submission, the rules, findings, review items."""

from typing import Any

from sqlmodel import Session, col, select

from app.domain.cross import check_reading
from app.domain.fields import MAX_FORM_VALUE
from app.domain.messages import label
from app.domain.review_reasons import reason_in, unsure_reason
from app.domain.statuses import READ_STATUSES
from app.models import Discrepancy, OcrResult, Photo, ReviewItem, Submission, Tps
from app.services.audit import append_audit
from app.services.intake import contest_fields
from app.services.photo_findings import PhotoFinding, record_findings
from app.services.reader import ReadOutcome
from app.services.recheck import recheck_submission

FAILED_PAGE = ("not_cform", "wrong_page")
# The page was found and its fields read; `needs_review` says some are unread or below the line
# (the same line as LOW_CONFIDENCE below, which names them).
PEOPLE_SOURCES = ("app", "ppk", "plenary", "review", "sirekap")
# What one reading of a photo finds: a new reading resolves those the old one found and it not.
READING_RULES = ("LOW_CONFIDENCE", "WRONG_PAGE", "READING_MISMATCH")


def store_result(
    *,
    session: Session,
    sha256: str,
    outcome: ReadOutcome,
    job_id: int,
    images: dict[str, str | None],
    read_as: str,
) -> OcrResult:
    """The reading keyed by (bytes, engine version, what it was read against: `read_as_key`):
    written once; a second run of the same question finds it."""
    stmt = select(OcrResult).where(
        OcrResult.sha256 == sha256,
        OcrResult.engine_version == outcome.engine_version,
        OcrResult.read_as == read_as,
    )
    existing = session.exec(stmt).first()
    if existing is not None:
        return existing
    row = OcrResult(
        sha256=sha256,
        engine_version=outcome.engine_version,
        read_as=read_as,
        status=outcome.status,
        reading=outcome.reading,
        rectified_sha256=images.get("rectified"),
        annotated_sha256=images.get("annotated"),
        job_id=job_id,
    )
    session.add(row)
    session.flush()
    return row


def apply_reading(
    *, session: Session, photo_id: int, result: OcrResult, min_confidence: float
) -> str:
    """Record the reading on the photo and as evidence; returns the photo's new status."""
    photo = session.get_one(Photo, photo_id)
    tps = session.get_one(Tps, photo.tps_code)
    _, allowed = contest_fields(session, photo.contest_id)
    reading = result.reading
    photo.reading, photo.engine_version = reading, result.engine_version
    photo.ocr_result_id = result.id
    found: list[PhotoFinding] = []
    if result.status not in READ_STATUSES:
        if result.status in FAILED_PAGE:
            why_id = _failed_page_id(result.status, reading)
            found.append(_wrong_page(photo, reading.get("reason") or result.status, why_id))
        _record(session, photo, tps, found)
        photo.status = "unreadable"
        session.add(photo)
        return photo.status
    if photo.page is None:
        photo.page = reading.get("page")  # the page tag says which page it is
    elif reading.get("page") not in (None, photo.page):
        found.append(
            _wrong_page(
                photo,
                f"page {reading.get('page')}, not {photo.page}",
                f"halaman {reading.get('page')}, bukan halaman {photo.page}",
            )
        )
    fields = {k: v for k, v in reading.get("fields", {}).items() if k in allowed}
    submission = _submit(session, photo, tps, fields, result.engine_version)
    review = _low_confidence(photo, fields, min_confidence, found)
    if submission is not None:
        recheck_submission(session=session, submission=submission)
        found += _mismatches(session, photo, tps, submission)
        review |= _failed_sums(session, photo, fields)
    _record(session, photo, tps, found)
    for name, why in sorted(review.items()):
        add_review_item(session=session, photo=photo, field=name, reading=fields[name], reason=why)
    photo.status = "needs_review" if review else "read"
    session.add(photo)
    return photo.status


def _submit(
    session: Session, photo: Photo, tps: Tps, fields: dict[str, Any], engine_version: str
) -> Submission | None:
    values = {
        name: f["value"]
        for name, f in fields.items()
        if isinstance(f.get("value"), int) and 0 <= f["value"] <= MAX_FORM_VALUE
    }
    if not values:
        return None
    sub = Submission(
        tps_code=tps.code,
        contest_id=photo.contest_id,
        kecamatan_code=tps.kecamatan_code,
        source="ocr",
        submitted_by=f"ocr:{engine_version}",
        reason=f"photo {photo.id}",
        values=values,
        confidence={name: float(fields[name].get("confidence", 0.0)) for name in values},
    )
    session.add(sub)
    session.flush()
    append_audit(
        session=session,
        actor=sub.submitted_by,
        action="submission.create",
        entity="submission",
        entity_id=str(sub.id),
        payload={"tps_code": tps.code, "contest_id": photo.contest_id, "photo_id": photo.id,
                 "values": values},
    )  # fmt: skip
    return sub


def _record(session: Session, photo: Photo, tps: Tps, found: list[PhotoFinding]) -> None:
    """This reading's findings; those an earlier reading of the photo found and it not resolve."""
    record_findings(
        session=session, found=found, tps=tps, contest_id=photo.contest_id,
        photo_id=photo.id or 0, rules=READING_RULES,
    )  # fmt: skip


def _low_confidence(
    photo: Photo, fields: dict[str, Any], min_confidence: float, found: list[PhotoFinding]
) -> dict[str, str]:
    """A review reason per unsure field; LOW_CONFIDENCE (warning, added to `found`) for each,
    except a box read as blank with confidence (people confirm it, but the reader was not
    unsure)."""
    review = {}
    for name, f in sorted(fields.items()):
        why = unsure_reason(f, min_confidence)
        if why is None:
            continue
        review[name] = why
        if why == "read as blank":  # confidently blank: people confirm it, nothing unsure
            continue
        value = "kosong" if f.get("value") is None else f.get("value")
        found.append(
            PhotoFinding(
                rule="LOW_CONFIDENCE",
                severity="warning",
                field=name,
                message=f"{label(name)[0]} terbaca {value}: {reason_in('id', why)}",
                message_en=f"{label(name)[1]} read as {f.get('value')}: {why}",
                detail_key=f"photo:{photo.id}",
                actual=f.get("value"),
            )
        )
    return review


def _failed_page_id(status: str, reading: dict[str, Any]) -> str:
    """Why a page could not be read, in Indonesian, from what the reader identified (its own
    reason is English, the API's language, and stays in message_en)."""
    form, page = reading.get("form"), reading.get("page")
    if status == "wrong_page" and form is not None and page is not None:
        return f"foto menunjukkan {form} halaman {page}"
    if status == "wrong_page":
        return "foto menunjukkan halaman atau formulir lain"
    return "bukan halaman formulir C.Hasil yang dikenali"


def _wrong_page(photo: Photo, why: str, why_id: str) -> PhotoFinding:
    return PhotoFinding(
        rule="WRONG_PAGE",
        severity="error",
        field=None,
        message=f"Foto {photo.id} bukan halaman/kontestasi yang disebut: {why_id}",
        message_en=f"Photo {photo.id} is not the page or contest it was uploaded as: {why}",
        detail_key=f"photo:{photo.id}",
    )


def _mismatches(session: Session, photo: Photo, tps: Tps, ocr: Submission) -> list[PhotoFinding]:
    """READING_MISMATCH against the newest submission of every people/app source."""
    stmt = (
        select(Submission)
        .where(Submission.tps_code == tps.code, Submission.contest_id == photo.contest_id)
        .where(col(Submission.source).in_(PEOPLE_SOURCES))
        .order_by(col(Submission.id))
    )
    newest = {s.source: s for s in session.exec(stmt)}
    found = []
    for source, sub in sorted(newest.items()):
        for f in check_reading(ocr.values, sub.values, source=source):
            found.append(
                PhotoFinding(
                    rule=f.rule,
                    severity=f.severity,
                    field=f.field,
                    message=f.message,
                    message_en=f.message_en,
                    detail_key=f"photo:{photo.id}:{source}",
                    expected=f.expected,
                    actual=f.actual,
                )  # fmt: skip
            )
    return found


SUM_RULES = ("PASLON_SUM", "VALID_INVALID_SUM", "GENDER_SUM", "TURNOUT_SUM", "BALLOT_BALANCE")


def _failed_sums(session: Session, photo: Photo, fields: dict[str, Any]) -> dict[str, str]:
    """Fields the reading gave whose sums failed: each goes to a person."""
    stmt = select(Discrepancy).where(
        Discrepancy.tps_code == photo.tps_code,
        Discrepancy.contest_id == photo.contest_id,
        col(Discrepancy.rule).in_(SUM_RULES),
        Discrepancy.status != "resolved",
    )
    review: dict[str, str] = {}
    for d in session.exec(stmt):
        named = [d.field] if d.field else []
        for name in named + _sum_inputs(d.rule, fields):
            if name in fields:
                review.setdefault(name, f"sum failed: {d.rule}")
    return review


def _sum_inputs(rule: str, fields: dict[str, Any]) -> list[str]:
    if rule == "PASLON_SUM":
        return [n for n in fields if n.startswith("suara_paslon_")] + ["suara_sah"]
    if rule == "VALID_INVALID_SUM":
        return ["suara_sah", "suara_tidak_sah", "suara_total"]
    return []


def add_review_item(
    *, session: Session, photo: Photo, field: str, reading: dict[str, Any], reason: str
) -> ReviewItem | None:
    """A review item for one field of one photo (once; a re-read keeps the open item)."""
    stmt = select(ReviewItem).where(ReviewItem.photo_id == photo.id, ReviewItem.field == field)
    if session.exec(stmt).first() is not None:
        return None
    boxes = reading.get("boxes") or []
    item = ReviewItem(
        photo_id=photo.id or 0,
        tps_code=photo.tps_code,
        contest_id=photo.contest_id,
        kecamatan_code=photo.kecamatan_code,
        field=field,
        reason=reason[:200],
        read_value=reading.get("value"),
        confidence=reading.get("confidence"),
        alternatives=reading.get("alternatives") or [],
        crop_box=union_box(boxes),
    )
    session.add(item)
    return item


def union_box(boxes: list[list[int]]) -> list[int] | None:
    """One box (x, y, w, h) around every digit box and bubble column of a field."""
    if not boxes:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return [x0, y0, x1 - x0, y1 - y0]
