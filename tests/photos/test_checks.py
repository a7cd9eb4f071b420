"""Checks on new photos (DUPLICATE_PHOTO, EXIF warnings) and the read side: GET /photos/{id},
its image, and the photos listed under GET /tps/{tps}."""

import io
from pathlib import Path

from PIL import Image
from sqlmodel import select

from app.models import Discrepancy, Photo
from tests.photos.conftest import GUB, PRESIDEN, TPS_A, TPS_B, TPS_C, PhotoEnv, make_jpeg

REAL_PHOTO = Path(__file__).resolve().parents[1] / "ocr/fixtures/real/ppwp-2024-hal2-photo-a.jpg"


def rules_of(env: PhotoEnv, tps: str) -> list[tuple[str, str]]:
    stmt = select(Discrepancy).where(Discrepancy.tps_code == tps).order_by(Discrepancy.id)  # type: ignore[arg-type]
    return [(d.rule, d.severity) for d in env.session.exec(stmt)]


def test_the_same_bytes_for_another_tps_is_a_duplicate_on_both(photo_env: PhotoEnv) -> None:
    data = make_jpeg(201)
    first = photo_env.upload(TPS_A, data).json()
    second = photo_env.upload(TPS_C, data)
    assert second.status_code == 202  # stored as evidence, and flagged
    assert rules_of(photo_env, TPS_C) == [("DUPLICATE_PHOTO", "error")]
    assert rules_of(photo_env, TPS_A) == [("DUPLICATE_PHOTO", "error")]
    flagged = photo_env.session.exec(select(Discrepancy).where(Discrepancy.tps_code == TPS_C)).one()
    assert flagged.evidence == [{"kind": "photo", "id": second.json()["photo_id"]}]
    assert TPS_A in flagged.message_en and str(first["photo_id"]) in flagged.message_en


def test_a_re_encoded_resized_copy_is_a_near_duplicate(photo_env: PhotoEnv) -> None:
    original = make_jpeg(202, size=(640, 480), quality=92)
    copy = io.BytesIO()
    Image.open(io.BytesIO(original)).resize((480, 360)).save(copy, format="JPEG", quality=60)
    assert copy.getvalue() != original
    photo_env.upload(TPS_A, original)
    photo_env.upload(TPS_B, copy.getvalue())
    assert rules_of(photo_env, TPS_B) == [("DUPLICATE_PHOTO", "error")]


def test_a_different_photo_is_not_a_duplicate(photo_env: PhotoEnv) -> None:
    photo_env.upload(TPS_A, make_jpeg(203))
    photo_env.upload(TPS_B, make_jpeg(204))
    assert rules_of(photo_env, TPS_B) == []


def test_exif_time_and_gps_are_kept_and_warned_about(photo_env: PhotoEnv) -> None:
    # The real photo was taken 2024-01-20 17:43 (+07:00) at -8.67, 115.25 (Bali): weeks before
    # the 14 Feb election day and ~1000 km from Palembang. A warning each, never an error.
    resp = photo_env.upload(TPS_A, REAL_PHOTO.read_bytes(), contest=PRESIDEN, page="2")
    assert resp.status_code == 202, resp.text
    photo = photo_env.session.get_one(Photo, resp.json()["photo_id"])
    assert photo.exif_camera == "Xiaomi M2012K11AG"
    assert photo.exif_taken_at is not None and photo.exif_taken_at.isoformat().startswith(
        "2024-01-20T"
    )
    assert photo.exif_lat is not None and round(photo.exif_lat, 2) == -8.67
    found = photo_env.session.exec(select(Discrepancy).where(Discrepancy.tps_code == TPS_A)).all()
    assert sorted((d.rule, d.severity, d.identity.rsplit(":", 1)[1]) for d in found) == [
        ("PHOTO_METADATA", "warning", "gps"),
        ("PHOTO_METADATA", "warning", "time"),
    ]


def test_a_photo_without_exif_raises_no_warning(photo_env: PhotoEnv) -> None:
    photo_env.upload(TPS_A, make_jpeg(205))
    assert rules_of(photo_env, TPS_A) == []


def test_get_photo_shows_status_job_and_discrepancies(photo_env: PhotoEnv) -> None:
    data = make_jpeg(206)
    photo_id = photo_env.upload(TPS_A, data, page="2").json()["photo_id"]
    photo_env.upload(TPS_C, data)
    body = photo_env.client.get(f"/api/v1/photos/{photo_id}").json()
    assert (body["photo_id"], body["tps_code"], body["contest_id"]) == (photo_id, TPS_A, GUB)
    assert (body["page"], body["status"], body["reading"]) == (2, "queued", None)
    assert body["job"]["status"] == "queued" and body["job"]["attempts"] == 0
    assert [d["rule"] for d in body["discrepancies"]] == ["DUPLICATE_PHOTO"]


def test_get_photo_image_serves_the_original_bytes(photo_env: PhotoEnv) -> None:
    data = make_jpeg(207)
    photo_id = photo_env.upload(TPS_A, data).json()["photo_id"]
    resp = photo_env.client.get(f"/api/v1/photos/{photo_id}/image")
    assert resp.status_code == 200
    assert resp.content == data and resp.headers["content-type"] == "image/jpeg"
    not_yet = photo_env.client.get(f"/api/v1/photos/{photo_id}/image?variant=annotated")
    assert not_yet.status_code == 404
    bad = photo_env.client.get(f"/api/v1/photos/{photo_id}/image?variant=thumbnail")
    assert bad.status_code == 422 and "variant" in bad.json()["fields"]


def test_unknown_photo_is_404(photo_env: PhotoEnv) -> None:
    resp = photo_env.client.get("/api/v1/photos/999999")
    assert resp.status_code == 404 and resp.json()["error"] == "PhotoNotFound"


def test_tps_view_lists_its_photos_per_contest(photo_env: PhotoEnv) -> None:
    photo_id = photo_env.upload(TPS_A, make_jpeg(208), contest=GUB).json()["photo_id"]
    body = photo_env.client.get(f"/api/v1/tps/{TPS_A}").json()
    by_contest = {c["contest_id"]: c["photos"] for c in body["contests"]}
    assert [p["photo_id"] for p in by_contest[GUB]] == [photo_id]
    assert by_contest[PRESIDEN] == []
