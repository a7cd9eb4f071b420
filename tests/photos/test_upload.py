"""POST /tps/{tps}/photos: durable intake, same bytes → same photo, and every bad input refused
with a clear error and nothing left behind (no row, no file)."""

import hashlib
import io

import pytest
from PIL import Image
from sqlmodel import select

from app.models import OcrJob, Photo
from tests.photos.conftest import (
    GUB,
    PRESIDEN,
    TPS_A,
    TPS_OTHER_KAB,
    WALKOT,
    PhotoEnv,
    make_jpeg,
    png_bytes,
)


def assert_nothing_stored(env: PhotoEnv) -> None:
    assert env.counts() == (0, 0)
    assert env.stored_files() == []
    assert env.enqueued == []


def test_upload_stores_bytes_and_queues_a_job(photo_env: PhotoEnv) -> None:
    data = make_jpeg(1)
    resp = photo_env.upload(TPS_A, data, page="2")
    assert resp.status_code == 202, resp.text
    body = resp.json()
    sha = hashlib.sha256(data).hexdigest()
    assert body["sha256"] == sha and body["status"] == "queued"
    photo = photo_env.session.get(Photo, body["photo_id"])
    assert photo is not None and (photo.tps_code, photo.contest_id, photo.page) == (TPS_A, GUB, 2)
    assert (photo.width, photo.height, photo.format, photo.size) == (320, 240, "JPEG", len(data))
    jobs = photo_env.session.exec(select(OcrJob).where(OcrJob.photo_id == photo.id)).all()
    assert [j.status for j in jobs] == ["queued"]
    assert photo_env.enqueued == [jobs[0].id]
    stored = photo_env.settings.data_dir / "photos" / "sha256" / sha[:2] / sha[2:4] / sha
    assert stored.read_bytes() == data
    assert photo_env.stored_files() == [stored]  # the staging file is gone


def test_same_bytes_same_tps_and_contest_is_the_same_photo(photo_env: PhotoEnv) -> None:
    data = make_jpeg(2)
    first = photo_env.upload(TPS_A, data)
    again = photo_env.upload(TPS_A, data)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["photo_id"] == first.json()["photo_id"]
    assert photo_env.counts() == (1, 1)
    assert len(photo_env.enqueued) == 1


def test_same_bytes_for_another_contest_is_another_photo(photo_env: PhotoEnv) -> None:
    data = make_jpeg(3)
    assert photo_env.upload(TPS_A, data, contest=GUB).status_code == 202
    assert photo_env.upload(TPS_A, data, contest=WALKOT).status_code == 202
    assert photo_env.counts() == (2, 2)
    assert len(photo_env.stored_files()) == 1  # content-addressed: one copy of the bytes


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text, not a photo at all", "must be JPEG, PNG or WebP"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "must be JPEG, PNG or WebP"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "must be JPEG, PNG or WebP"),
    ],
)
def test_not_an_image_is_415(photo_env: PhotoEnv, data: bytes, reason: str) -> None:
    resp = photo_env.upload(TPS_A, data)
    assert resp.status_code == 415, resp.text
    assert resp.json()["error"] == "UnsupportedImage"
    assert resp.json()["fields"] == {"file": reason}
    assert_nothing_stored(photo_env)


def test_bmp_is_415_even_though_pillow_reads_it(photo_env: PhotoEnv) -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")
    resp = photo_env.upload(TPS_A, out.getvalue())
    assert resp.status_code == 415
    assert_nothing_stored(photo_env)


def test_zero_byte_file_is_422(photo_env: PhotoEnv) -> None:
    resp = photo_env.upload(TPS_A, b"")
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "PhotoUnreadable"
    assert resp.json()["fields"] == {"file": "empty file"}
    assert_nothing_stored(photo_env)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_jpeg_is_422(photo_env: PhotoEnv, keep: float) -> None:
    data = make_jpeg(4, size=(640, 480))
    resp = photo_env.upload(TPS_A, data[: int(len(data) * keep)])
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "PhotoUnreadable"
    assert "truncated" in resp.json()["detail"]
    assert_nothing_stored(photo_env)


def test_truncated_png_is_422(photo_env: PhotoEnv) -> None:
    data = png_bytes((400, 300))
    resp = photo_env.upload(TPS_A, data[: len(data) // 2])
    assert resp.status_code == 422, resp.text
    assert_nothing_stored(photo_env)


def test_over_the_byte_limit_is_413(photo_env: PhotoEnv) -> None:
    photo_env.settings.max_upload_bytes = 20_000
    data = make_jpeg(5, size=(1600, 1200), quality=95)
    assert len(data) > 20_000
    resp = photo_env.upload(TPS_A, data)
    assert resp.status_code == 413, resp.text
    assert resp.json()["error"] == "ImageTooLarge"
    assert resp.json()["fields"] == {"file": "larger than 20000 bytes"}
    assert_nothing_stored(photo_env)


def test_decompression_bomb_is_413(photo_env: PhotoEnv) -> None:
    bomb = png_bytes((30_000, 30_000), mode="1")  # 900 megapixels in ~100 kB
    assert len(bomb) < 200_000
    resp = photo_env.upload(TPS_A, bomb)
    assert resp.status_code == 413, resp.text
    assert "pixel" in resp.json()["detail"]
    assert_nothing_stored(photo_env)


def test_pixel_count_over_the_setting_is_413(photo_env: PhotoEnv) -> None:
    photo_env.settings.max_image_pixels = 100_000
    resp = photo_env.upload(TPS_A, make_jpeg(6, size=(400, 300)))
    assert resp.status_code == 413, resp.text
    assert resp.json()["fields"] == {"file": "more than 100000 pixels"}
    assert_nothing_stored(photo_env)


def test_unknown_tps_is_404(photo_env: PhotoEnv) -> None:
    resp = photo_env.upload("1671011001999", make_jpeg(7))
    assert resp.status_code == 404, resp.text
    assert resp.json()["error"] == "TpsNotFound"
    assert_nothing_stored(photo_env)


@pytest.mark.parametrize(
    ("contest", "reason"),
    [
        (None, "required"),
        ("", "required"),
        ("pkwkk-9999", "unknown contest"),
        ("pkwkk-1672", "unknown contest"),
    ],
)
def test_missing_or_unknown_contest_is_422(
    photo_env: PhotoEnv, contest: str | None, reason: str
) -> None:
    resp = photo_env.upload(TPS_A, make_jpeg(8), contest=contest)
    assert resp.status_code == 422, resp.text
    assert resp.json()["fields"] == {"contest_id": reason}
    assert_nothing_stored(photo_env)


def test_contest_not_held_at_the_tps_is_422(photo_env: PhotoEnv) -> None:
    resp = photo_env.upload(TPS_OTHER_KAB, make_jpeg(9), contest=WALKOT)  # kota 1671's mayor
    assert resp.status_code == 422, resp.text
    assert resp.json()["fields"] == {"contest_id": f"does not cover TPS {TPS_OTHER_KAB}"}
    assert_nothing_stored(photo_env)


@pytest.mark.parametrize("page", ["0", "4", "two", "²", "-1", "9" * 500])
def test_bad_page_is_422(photo_env: PhotoEnv, page: str) -> None:
    resp = photo_env.upload(TPS_A, make_jpeg(10), page=page)
    assert resp.status_code == 422, resp.text
    assert resp.json()["fields"] == {"page": "must be 1, 2 or 3"}
    assert_nothing_stored(photo_env)


def test_no_file_is_422(photo_env: PhotoEnv) -> None:
    resp = photo_env.client.post(
        f"/api/v1/tps/{TPS_A}/photos", data={"contest_id": GUB}, headers=photo_env.headers
    )
    assert resp.status_code in (415, 422), resp.text
    assert_nothing_stored(photo_env)


def test_json_body_is_415(photo_env: PhotoEnv) -> None:
    resp = photo_env.client.post(
        f"/api/v1/tps/{TPS_A}/photos", json={"contest_id": GUB}, headers=photo_env.headers
    )
    assert resp.status_code == 415, resp.text
    assert resp.json()["fields"] == {"body": "must be multipart/form-data with a boundary"}
    assert_nothing_stored(photo_env)


def test_anonymous_upload_is_401(photo_env: PhotoEnv) -> None:
    resp = photo_env.client.post(
        f"/api/v1/tps/{TPS_A}/photos",
        data={"contest_id": GUB},
        files={"file": ("c1.jpg", make_jpeg(11), "image/jpeg")},
    )
    assert resp.status_code == 401
    assert_nothing_stored(photo_env)


def test_webp_and_png_are_accepted(photo_env: PhotoEnv) -> None:
    for fmt in ("WEBP", "PNG"):
        out = io.BytesIO()
        Image.open(io.BytesIO(make_jpeg(12))).save(out, format=fmt)
        resp = photo_env.upload(TPS_A, out.getvalue(), contest=PRESIDEN if fmt == "PNG" else GUB)
        assert resp.status_code == 202, resp.text
        photo = photo_env.session.get(Photo, resp.json()["photo_id"])
        assert photo is not None and photo.format == fmt


def test_a_lost_insert_race_returns_the_winning_photo(photo_env: PhotoEnv) -> None:
    # Two uploads of the same bytes that both passed the look-up: the second insert hits
    # UNIQUE(tps_code, contest_id, sha256) and must answer with the first photo, not a 500.
    from app.services.photos import _insert_photo

    first = photo_env.upload(TPS_A, make_jpeg(13)).json()
    winner = photo_env.session.get_one(Photo, first["photo_id"])
    loser = Photo(**winner.model_dump(exclude={"id"}))
    assert _insert_photo(photo_env.session, loser) is winner
    assert photo_env.counts() == (1, 1)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # JPEG magic, then nothing sensible
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # PNG magic, no IHDR
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x01" * 32,  # WebP magic, broken chunk
    ],
)
def test_magic_bytes_without_an_image_are_422(photo_env: PhotoEnv, data: bytes) -> None:
    resp = photo_env.upload(TPS_A, data)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "PhotoUnreadable"
    assert_nothing_stored(photo_env)
