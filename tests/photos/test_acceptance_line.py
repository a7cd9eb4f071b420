"""One acceptance line for photo readings: what is not reviewed is accepted, and a page the reader
says needs review is still evidence."""

from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import select

from app.config import OCR_CAPS_MAX, Settings
from app.db import set_acceptance_line
from app.domain.accepted import MIN_OCR_CONFIDENCE
from app.models import OcrJob, Photo, ReviewItem, Submission, TpsResult
from app.services.reader import FakeReader, ReadOutcome, fake_field, fake_reading
from app.services.readings import apply_reading, store_result
from ocr.fuse import DISAGREE_CAP
from ocr.pipeline import NO_FRAME_CAP, REGISTRATION_CAP, UNFRAMED_CAP
from ocr.reading import ACCEPT_LINE
from ocr.sums import FORCED_CAP
from tests.photos.conftest import PRESIDEN, TPS_A, PhotoEnv, make_jpeg


def read_photo(env: PhotoEnv, seed: int, reading: dict[str, Any], line: float) -> int:
    """Upload a photo of TPS A page 2 and apply `reading` to it with acceptance line `line`."""
    resp = env.upload(TPS_A, make_jpeg(seed), contest=PRESIDEN, page="2")
    photo_id = int(resp.json()["photo_id"])
    photo = env.session.get_one(Photo, photo_id)
    job = env.session.exec(select(OcrJob).where(OcrJob.photo_id == photo_id)).one()
    result = store_result(
        session=env.session, sha256=photo.sha256,
        outcome=ReadOutcome(FakeReader().engine_version, reading), job_id=job.id or 0,
        images={}, read_as="ppwp:2",
    )  # fmt: skip
    apply_reading(session=env.session, photo_id=photo_id, result=result, min_confidence=line)
    return photo_id


def accepted(env: PhotoEnv) -> TpsResult | None:
    stmt = select(TpsResult).where(TpsResult.tps_code == TPS_A, TpsResult.contest_id == PRESIDEN)
    return env.session.exec(stmt).first()


def test_a_value_between_the_old_review_and_acceptance_lines_is_accepted(
    photo_env: PhotoEnv,
) -> None:
    # 0.85: at or above the review line (0.8), so nobody reviews it; it must then be accepted.
    reading = fake_reading({"suara_paslon_1": 123, "suara_paslon_2": 274})
    reading["fields"]["suara_paslon_3"] = fake_field(32, confidence=0.85)
    photo_id = read_photo(photo_env, 501, reading, MIN_OCR_CONFIDENCE)
    assert photo_env.session.get_one(Photo, photo_id).status == "read"
    row = accepted(photo_env)
    assert row is not None and row.suara_paslon_3 == 32


def test_the_line_the_unit_of_work_carries_decides_acceptance(photo_env: PhotoEnv) -> None:
    set_acceptance_line(photo_env.session, 0.9)  # REKAP_OCR_MIN_CONFIDENCE=0.9
    reading = fake_reading({"suara_paslon_1": 123, "suara_paslon_2": 274})
    reading["fields"]["suara_paslon_3"] = fake_field(32, confidence=0.85)
    photo_id = read_photo(photo_env, 502, reading, 0.9)
    row = accepted(photo_env)
    assert row is not None and (row.suara_paslon_1, row.suara_paslon_3) == (123, None)
    items = photo_env.session.exec(select(ReviewItem).where(ReviewItem.photo_id == photo_id))
    assert [i.field for i in items] == ["suara_paslon_3"]  # not accepted: reviewed


def test_a_page_the_reader_says_needs_review_is_evidence_not_unreadable(
    photo_env: PhotoEnv,
) -> None:
    reading = fake_reading({"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": None})
    reading["status"] = "needs_review"
    reading["reason"] = "1 not filled or not read: suara_paslon_3"
    photo_id = read_photo(photo_env, 503, reading, MIN_OCR_CONFIDENCE)
    assert photo_env.session.get_one(Photo, photo_id).status == "needs_review"
    sub = photo_env.session.exec(
        select(Submission).where(Submission.reason == f"photo {photo_id}")
    ).one()
    assert sub.values == {"suara_paslon_1": 123, "suara_paslon_2": 274}


def test_one_line_everywhere_and_above_every_cap_of_the_reader() -> None:
    assert Settings().ocr_min_confidence == MIN_OCR_CONFIDENCE == ACCEPT_LINE
    caps = (FORCED_CAP, REGISTRATION_CAP, DISAGREE_CAP, UNFRAMED_CAP, NO_FRAME_CAP)
    assert max(caps) <= OCR_CAPS_MAX
    with pytest.raises(ValidationError):
        Settings(ocr_min_confidence=0.7)  # a capped field would be accepted
    assert Settings(ocr_min_confidence=0.95).ocr_min_confidence == 0.95
