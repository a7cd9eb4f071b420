"""Hostile photos: EXIF strings with NUL and control bytes, capture times in year 1 or 9999,
a GPS position past the pole, a NUL in the upload's form; and a failure after the bytes
were stored, which must not leave a file without its row."""

from typing import Any

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from sqlmodel import select

import app.services.photos as photos_service
from app.models import Discrepancy
from tests.faults.conftest import row_counts
from tests.photos.conftest import GUB, TPS_A, PhotoEnv, make_jpeg

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
MAKE, MODEL = 0x010F, 0x0110


def jpeg_with_exif(seed: int, *, tags: dict[int, Any], exif_ifd: dict[int, Any] | None = None,
                   gps: dict[int, Any] | None = None) -> bytes:  # fmt: skip
    """A JPEG whose EXIF holds exactly these tags."""
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[tag] = value
    for ifd, values in ((EXIF_IFD, exif_ifd), (GPS_IFD, gps)):
        for tag, value in (values or {}).items():
            exif.get_ifd(ifd)[tag] = value
    return make_jpeg(seed, exif=exif.tobytes())


def time_warnings(env: PhotoEnv) -> list[Discrepancy]:
    """PHOTO_METADATA time warnings of TPS_A."""
    stmt = select(Discrepancy).where(Discrepancy.tps_code == TPS_A)
    return [d for d in env.session.exec(stmt) if d.identity.endswith(":time")]


@pytest.mark.parametrize(
    ("written", "offset"),
    [("0001:01:01 00:00:00", None), ("0001:01:01 00:00:00", "+14:00"),
     ("9999:12:31 23:59:59", "-12:00"), ("9999:12:31 23:59:59", None)],
)  # fmt: skip
def test_a_capture_time_no_clock_gives_is_kept_as_evidence_and_warned_about(
    photo_env: PhotoEnv, written: str, offset: str | None
) -> None:
    ifd = {DATE_TIME_ORIGINAL: written} | ({OFFSET_TIME_ORIGINAL: offset} if offset else {})
    resp = photo_env.upload(TPS_A, jpeg_with_exif(301, tags={MAKE: "x"}, exif_ifd=ifd))
    assert resp.status_code == 202, resp.text
    shown = photo_env.client.get(
        f"/api/v1/photos/{resp.json()['photo_id']}", headers=photo_env.headers
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["exif"]["taken_at"] is None  # unusable, so not used as a time
    [warning] = time_warnings(photo_env)
    assert warning.severity == "warning" and written in warning.message_en  # the raw text


def test_exif_camera_strings_lose_nul_and_control_bytes(photo_env: PhotoEnv) -> None:
    data = jpeg_with_exif(302, tags={MAKE: "Xiao\x00mi\x1b", MODEL: "M2012\x00K11AG\x07"})
    resp = photo_env.upload(TPS_A, data)
    assert resp.status_code == 202, resp.text
    shown = photo_env.client.get(
        f"/api/v1/photos/{resp.json()['photo_id']}", headers=photo_env.headers
    )
    assert shown.json()["exif"]["camera"] == "Xiaomi M2012K11AG"


def test_gps_off_the_earth_is_no_position(photo_env: PhotoEnv) -> None:
    degrees = (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1))  # past the pole
    gps = {1: "S", 2: degrees, 3: "E", 4: degrees}
    resp = photo_env.upload(TPS_A, jpeg_with_exif(303, tags={MAKE: "x"}, gps=gps))
    assert resp.status_code == 202, resp.text
    exif = photo_env.client.get(
        f"/api/v1/photos/{resp.json()['photo_id']}", headers=photo_env.headers
    ).json()["exif"]
    assert exif["lat"] is None and exif["lon"] is None


def test_a_nul_in_the_upload_form_is_422_and_stores_nothing(photo_env: PhotoEnv) -> None:
    before = row_counts(photo_env.session)
    resp = photo_env.upload(TPS_A, make_jpeg(304), contest=f"{GUB}\x00")
    assert resp.status_code == 422, resp.text
    assert "contest_id" in resp.json()["fields"]
    assert row_counts(photo_env.session) == before
    assert photo_env.stored_files() == []


@pytest.mark.parametrize("failing", ["flag_metadata", "append_audit"])
def test_a_failure_after_the_bytes_were_stored_leaves_no_file(
    photo_env: PhotoEnv, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError(f"{failing} broke")

    monkeypatch.setattr(photos_service, failing, broken)
    before = row_counts(photo_env.session)
    with pytest.raises(RuntimeError, match="broke"):
        photo_env.upload(TPS_A, make_jpeg(305))
    assert row_counts(photo_env.session) == before
    assert photo_env.stored_files() == []
    monkeypatch.undo()
    assert photo_env.upload(TPS_A, make_jpeg(305)).status_code == 202  # a retry stores it
    assert len(photo_env.stored_files()) == 1


def test_bytes_another_photo_already_uses_survive_a_failed_upload(
    photo_env: PhotoEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_jpeg(306)
    assert photo_env.upload(TPS_A, data, contest=GUB).status_code == 202
    monkeypatch.setattr(photos_service, "append_audit", lambda **_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        photo_env.upload(TPS_A, data, contest="pkwkk-1671")  # same bytes, another contest
    assert len(photo_env.stored_files()) == 1
