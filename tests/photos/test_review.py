"""Human review: a queue per kecamatan; two different people who agree accept a value (a
`review` submission), a disagreement waits for a third; every entry keeps who and when."""

from collections.abc import Callable

import pytest
from sqlmodel import select

from app.models import Discrepancy, DiscrepancyEvent, OcrJob, Photo, ReviewItem, Submission
from app.services.auth import create_user
from app.services.reader import FakeReader, ReadOutcome, fake_field, fake_reading
from app.services.readings import apply_reading, store_result
from app.services.storage import sha256_of
from tests.factories import PASSWORD
from tests.photos.conftest import KEC_A, KEC_B, PRESIDEN, TPS_A, PhotoEnv, make_jpeg

Login = Callable[[str, str], dict[str, str]]


@pytest.fixture
def login(photo_env: PhotoEnv) -> Login:
    """Create a PPK of a kecamatan and return their auth headers."""

    def _login(username: str, kecamatan: str) -> dict[str, str]:
        create_user(
            session=photo_env.session, username=username, password=PASSWORD, role="ppk",
            scopes=(kecamatan,), actor="test",
        )  # fmt: skip
        photo_env.session.commit()
        resp = photo_env.client.post(
            "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    return _login


def unsure_photo(env: PhotoEnv) -> int:
    """A photo of TPS A whose suara_paslon_3 was read as 37 with confidence 0.41."""
    resp = env.upload(TPS_A, make_jpeg(401), contest=PRESIDEN, page="2")
    photo_id = int(resp.json()["photo_id"])
    photo = env.session.get_one(Photo, photo_id)
    reading = fake_reading({"suara_paslon_1": 123, "suara_paslon_2": 274})
    reading["fields"]["suara_paslon_3"] = fake_field(37, confidence=0.41)
    reading["fields"]["suara_paslon_3"]["alternatives"] = [[37, 0.41], [32, 0.38]]
    outcome = ReadOutcome(FakeReader().engine_version, reading)
    job = env.session.exec(select(OcrJob).where(OcrJob.photo_id == photo_id)).one()
    result = store_result(
        session=env.session,
        sha256=photo.sha256,
        outcome=outcome,
        job_id=job.id or 0,
        images={},
        read_as="ppwp:2",
    )
    assert apply_reading(session=env.session, photo_id=photo_id, result=result,
                         min_confidence=0.8) == "needs_review"  # fmt: skip
    env.session.commit()
    return photo_id


def next_item(env: PhotoEnv, headers: dict[str, str]) -> object:
    return env.client.get(f"/api/v1/review/next?kecamatan={KEC_A}", headers=headers)


def enter(env: PhotoEnv, item_id: int, value: int | None, headers: dict[str, str]) -> object:
    return env.client.post(f"/api/v1/review/{item_id}/entries", json={"value": value},
                           headers=headers)  # fmt: skip


def test_two_people_who_agree_accept_the_value(photo_env: PhotoEnv, login: Login) -> None:
    photo_id = unsure_photo(photo_env)
    ani, budi = login("ani", KEC_A), login("budi", KEC_A)
    item = next_item(photo_env, ani).json()  # type: ignore[attr-defined]
    assert (item["field"], item["read_value"], item["status"]) == ("suara_paslon_3", 37, "open")
    assert item["alternatives"] == [[37, 0.41], [32, 0.38]]
    assert item["crop_box"] == [100, 200, 60, 80]
    assert item["image_url"] == f"/api/v1/photos/{photo_id}/image?variant=rectified"
    first = enter(photo_env, item["item_id"], 32, ani)
    assert first.status_code == 201 and first.json()["status"] == "open"  # type: ignore[attr-defined]
    assert next_item(photo_env, ani).status_code == 404  # type: ignore[attr-defined]  # ani is done
    assert next_item(photo_env, budi).json()["item_id"] == item["item_id"]  # type: ignore[attr-defined]
    second = enter(photo_env, item["item_id"], 32, budi).json()  # type: ignore[attr-defined]
    assert (second["status"], second["accepted_value"]) == ("accepted", 32)
    assert [(e["reviewer"], e["value"]) for e in second["entries"]] == [
        ("user:ani", 32),
        ("user:budi", 32),
    ]
    sub = photo_env.session.exec(select(Submission).where(Submission.source == "review")).one()
    assert (sub.values, sub.submitted_by) == ({"suara_paslon_3": 32}, "user:ani & user:budi")
    assert photo_env.session.get_one(Photo, photo_id).status == "read"


def test_the_settled_field_resolves_its_low_confidence_warning_with_history(
    photo_env: PhotoEnv, login: Login
) -> None:
    photo_id = unsure_photo(photo_env)
    ani, budi = login("ani", KEC_A), login("budi", KEC_A)
    item_id = next_item(photo_env, ani).json()["item_id"]  # type: ignore[attr-defined]
    warning = photo_env.session.exec(
        select(Discrepancy).where(Discrepancy.rule == "LOW_CONFIDENCE")
    ).one()
    assert (warning.field, warning.status) == ("suara_paslon_3", "open")
    enter(photo_env, item_id, 32, ani)
    enter(photo_env, item_id, 32, budi)
    photo_env.session.expire_all()
    assert photo_env.session.get_one(Photo, photo_id).status == "read"
    settled = photo_env.session.get_one(Discrepancy, warning.id)
    review = photo_env.session.exec(select(Submission).where(Submission.source == "review")).one()
    assert (settled.status, settled.resolved_by_submission_id) == ("resolved", review.id)
    events = photo_env.session.exec(
        select(DiscrepancyEvent).where(DiscrepancyEvent.discrepancy_id == warning.id)
    ).all()
    assert [(e.actor, e.from_status, e.to_status) for e in events] == [
        ("system", "open", "resolved")
    ]
    assert "user:ani & user:budi" in (events[0].note or "") and "32" in (events[0].note or "")


def test_a_box_read_as_blank_says_so_not_its_confidence(photo_env: PhotoEnv) -> None:
    resp = photo_env.upload(TPS_A, make_jpeg(402), contest=PRESIDEN, page="2")
    photo_id = int(resp.json()["photo_id"])
    reading = fake_reading({"suara_paslon_1": 123, "suara_paslon_2": 274})
    reading["fields"]["suara_paslon_3"] = fake_field(None, confidence=0.99)
    outcome = ReadOutcome(FakeReader().engine_version, reading)
    job = photo_env.session.exec(select(OcrJob).where(OcrJob.photo_id == photo_id)).one()
    result = store_result(
        session=photo_env.session, sha256=sha256_of(make_jpeg(402)), outcome=outcome,
        job_id=job.id or 0, images={}, read_as="ppwp:2",
    )  # fmt: skip
    apply_reading(session=photo_env.session, photo_id=photo_id, result=result, min_confidence=0.8)
    item = photo_env.session.exec(select(ReviewItem).where(ReviewItem.photo_id == photo_id)).one()
    assert (item.field, item.reason) == ("suara_paslon_3", "read as blank")
    warnings = select(Discrepancy).where(Discrepancy.rule == "LOW_CONFIDENCE")
    assert photo_env.session.exec(warnings).all() == []  # the reader was not unsure


def test_a_disagreement_waits_for_a_third_person(photo_env: PhotoEnv, login: Login) -> None:
    unsure_photo(photo_env)
    ani, budi, citra = login("ani", KEC_A), login("budi", KEC_A), login("citra", KEC_A)
    item_id = next_item(photo_env, ani).json()["item_id"]  # type: ignore[attr-defined]
    enter(photo_env, item_id, 32, ani)
    disputed = enter(photo_env, item_id, 37, budi).json()  # type: ignore[attr-defined]
    assert disputed["status"] == "disputed" and disputed["accepted_value"] is None
    again = enter(photo_env, item_id, 37, ani)
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert again.json()["fields"] == {"reviewer": "already entered a value for this item"}  # type: ignore[attr-defined]
    third = enter(photo_env, item_id, 32, citra).json()  # type: ignore[attr-defined]
    assert (third["status"], third["accepted_value"]) == ("accepted", 32)
    late = enter(photo_env, item_id, 32, login("dewi", KEC_A))
    assert late.status_code == 409  # type: ignore[attr-defined]


def test_a_reviewer_of_another_kecamatan_is_refused(photo_env: PhotoEnv, login: Login) -> None:
    unsure_photo(photo_env)
    item = photo_env.session.exec(select(ReviewItem)).one()
    outsider = login("eko", KEC_B)
    assert next_item(photo_env, outsider).status_code == 403  # type: ignore[attr-defined]
    assert enter(photo_env, item.id or 0, 32, outsider).status_code == 403  # type: ignore[attr-defined]
    assert photo_env.session.get_one(ReviewItem, item.id).status == "open"


def test_an_empty_queue_is_404(photo_env: PhotoEnv, login: Login) -> None:
    resp = next_item(photo_env, login("ani", KEC_A))
    assert resp.status_code == 404  # type: ignore[attr-defined]
    assert resp.json()["error"] == "ReviewItemNotFound"  # type: ignore[attr-defined]


def test_a_value_outside_0_999_is_422_and_not_recorded(photo_env: PhotoEnv, login: Login) -> None:
    unsure_photo(photo_env)
    ani = login("ani", KEC_A)
    item_id = next_item(photo_env, ani).json()["item_id"]  # type: ignore[attr-defined]
    for bad in (1000, -1):
        resp = enter(photo_env, item_id, bad, ani)
        assert resp.status_code == 422  # type: ignore[attr-defined]
        assert resp.json()["fields"] == {"value": "must be 0..999"}  # type: ignore[attr-defined]
    assert next_item(photo_env, ani).json()["entries"] == []  # type: ignore[attr-defined]
