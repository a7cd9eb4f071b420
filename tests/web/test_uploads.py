"""Photos in the console: a PPK uploads for a TPS of their kecamatan through the API's intake
(scope, CSRF, a bad file refused per file in Indonesian, the status fragment polled until final),
the kecamatan-wide upload page, and the photo beside the numbers (each field's crop, value and
confidence)."""

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from app.api.routes.photos import get_enqueuer
from app.config import Settings
from app.models import OcrResult, Photo
from app.services.storage import LocalStore, sha256_of
from tests.conftest import make_test_client
from tests.photos.conftest import make_jpeg
from tests.web.conftest import (
    GUB,
    KEC,
    TPS_A1,
    TPS_A2,
    TPS_B1,
    TPS_OTHER,
    World,
    csrf,
    ensure_user,
    sign_in,
)

Client = Callable[[str], TestClient]


@pytest.fixture
def enqueued(client: TestClient) -> list[int]:
    """The job ids the console hands to the queue."""
    jobs: list[int] = []
    client.app.dependency_overrides[get_enqueuer] = lambda: jobs.append  # type: ignore[attr-defined]
    return jobs


def _post(
    client: TestClient,
    tps: str,
    data: bytes,
    *,
    contest: str = GUB,
    page: str = "2",
    token: str | None = "cookie",
    script: bool = True,
) -> object:
    headers = {"HX-Request": "true"} if script else {}
    form = {"contest_id": contest, "page": page}
    if token == "cookie":
        token = csrf(client)
    if token is not None and script:
        headers["X-CSRF-Token"] = token
    elif token is not None:
        form["csrf_token"] = token
    files = {"file": ("c1.jpg", data, "image/jpeg")}
    return client.post(
        f"/tps/{tps}/photos", data=form, files=files, headers=headers, follow_redirects=False
    )


def _photos(session: Session) -> list[Photo]:
    return list(session.exec(select(Photo).where(Photo.uploaded_by == "user:t-ppk")))


def test_a_ppk_uploads_a_photo_and_polls_its_status_until_final(
    signed_in: Client, world: World, session: Session, enqueued: list[int]
) -> None:
    client = signed_in(world.ppk)
    page = client.get(f"/tps/{TPS_A1}")
    assert "data-upload" in page.text and 'capture="environment"' in page.text
    assert f'<option value="{GUB}">' in page.text  # the contest held there
    resp = _post(client, TPS_A1, make_jpeg(7))
    assert resp.status_code == 202, resp.text
    (photo,) = _photos(session)
    assert (photo.tps_code, photo.contest_id, photo.page) == (TPS_A1, GUB, 2)
    assert len(enqueued) == 1  # handed to the queue once the request committed
    assert 'data-status="queued"' in resp.text and "menunggu dibaca" in resp.text
    assert f'hx-get="/photos/{photo.id}/status"' in resp.text  # htmx asks again
    again = _post(client, TPS_A1, make_jpeg(7))  # the same bytes: known, no second job
    assert "sudah pernah diunggah" in again.text and len(enqueued) == 1

    status = client.get(f"/photos/{photo.id}/status")
    assert status.status_code == 200 and "hx-get" in status.text
    photo.status = "needs_review"
    session.add(photo)
    session.commit()
    final = client.get(f"/photos/{photo.id}/status")
    assert 'data-status="needs_review"' in final.text and "perlu ditinjau" in final.text
    assert "hx-get" not in final.text  # final: polling stops
    assert f"/review?kecamatan={KEC}" in final.text


def test_without_javascript_the_form_posts_one_photo_and_returns_to_the_tps(
    signed_in: Client, world: World, session: Session, enqueued: list[int]
) -> None:
    client = signed_in(world.ppk)
    client.get(f"/tps/{TPS_A1}")
    resp = _post(client, TPS_A1, make_jpeg(8), script=False)
    assert resp.status_code == 303
    (photo,) = _photos(session)
    assert resp.headers["location"] == f"/tps/{TPS_A1}#photo-{photo.id}"
    page = client.get(resp.headers["location"]).text
    assert f"Foto #{photo.id} diterima: menunggu dibaca." in page  # said once, on the next page
    assert f'id="photo-{photo.id}"' in page
    assert "diterima: menunggu" not in client.get(f"/tps/{TPS_A1}").text
    assert len(enqueued) == 1


@pytest.mark.parametrize(
    ("token", "script"), [(None, True), ("forged", True), (None, False), ("forged", False)]
)
def test_an_upload_without_the_csrf_token_is_refused_and_stores_nothing(
    signed_in: Client,
    world: World,
    session: Session,
    enqueued: list[int],
    token: str | None,
    script: bool,
) -> None:
    client = signed_in(world.ppk)
    client.get(f"/tps/{TPS_A1}")
    resp = _post(client, TPS_A1, make_jpeg(9), token=token, script=script)
    assert resp.status_code == 403
    if script:
        assert "Formulir kedaluwarsa" in resp.text
    assert _photos(session) == [] and enqueued == []


def test_uploads_follow_the_api_scope_rules(
    signed_in: Client, world: World, session: Session, enqueued: list[int]
) -> None:
    other = signed_in(world.ppk_other)  # a PPK of the other kecamatan
    other.get(f"/tps/{TPS_OTHER}")
    resp = _post(other, TPS_A1, make_jpeg(10))
    assert resp.status_code == 403
    assert "tidak berwenang mengunggah foto untuk TPS ini" in resp.text
    assert other.get(f"/kecamatan/{KEC}/photos").status_code == 403
    auditor = signed_in(world.bawaslu)  # may read the TPS, may not upload
    page = auditor.get(f"/tps/{TPS_A1}")
    assert page.status_code == 200 and "data-upload" not in page.text
    assert '/photos">' not in page.text and "upload.js" not in page.text
    assert _post(auditor, TPS_A1, make_jpeg(10)).status_code == 403
    assert auditor.get(f"/kecamatan/{KEC}/photos").status_code == 403
    assert session.exec(select(Photo).where(Photo.tps_code == TPS_A1)).all() == []
    assert enqueued == []


@pytest.mark.parametrize(
    ("tps", "data", "contest", "page", "status", "message"),
    [
        (TPS_A1, b"hello, not a photo", GUB, "2", 415, "Bukan foto: kirim gambar JPEG, PNG"),
        (TPS_A1, b"", GUB, "2", 422, "Berkas kosong atau rusak"),
        (TPS_A1, None, "pkwkk-1672", "2", 422, "Pilih pemilihan yang diadakan di TPS ini"),
        (TPS_A1, None, GUB, "4", 422, "Halaman harus 1, 2 atau 3"),
        ("1671011001099", None, GUB, "2", 404, "TPS dengan kode itu tidak ada"),
    ],
)
def test_a_bad_file_or_choice_gets_one_indonesian_sentence(
    signed_in: Client,
    world: World,
    session: Session,
    enqueued: list[int],
    tps: str,
    data: bytes | None,
    contest: str,
    page: str,
    status: int,
    message: str,
) -> None:
    client = signed_in(world.ppk)
    client.get(f"/tps/{TPS_A1}")
    resp = _post(client, tps, make_jpeg(11) if data is None else data, contest=contest, page=page)
    assert resp.status_code == status, resp.text
    assert message in resp.text and 'data-status="refused"' in resp.text
    assert _photos(session) == [] and enqueued == []


def test_a_file_over_the_limit_is_refused_as_too_big(
    world: World, session: Session, settings: Settings
) -> None:
    small = settings.model_copy(update={"max_request_bytes": 64 * 1024, "max_upload_bytes": 2**20})
    ensure_user(session, world.ppk)
    jobs: list[int] = []
    for client in make_test_client(session, small):
        client.app.dependency_overrides[get_enqueuer] = lambda: jobs.append  # type: ignore[attr-defined]
        sign_in(client, world.ppk)
        client.get(f"/tps/{TPS_A1}")
        photo = make_jpeg(12, size=(1200, 900), quality=100)
        assert 64 * 1024 < len(photo) < 2**20
        assert _post(client, TPS_A1, photo).status_code == 202  # over the request cap: an upload
        resp = _post(client, TPS_A1, b"\xff\xd8" + bytes(2**20 + 10))
        assert resp.status_code == 413
        assert "Berkas terlalu besar: paling besar 1 MB." in resp.text
        assert len(jobs) == 1


def test_the_kecamatan_page_picks_among_its_own_tps(signed_in: Client, world: World) -> None:
    client = signed_in(world.ppk)
    assert f'href="/kecamatan/{KEC}/photos"' in client.get("/dashboard").text  # in the menu
    page = client.get(f"/kecamatan/{KEC}/photos")
    assert page.status_code == 200
    for code in (TPS_A1, TPS_A2, TPS_B1):
        assert f'<option value="{code}">' in page.text
        assert f'href="/tps/{code}#upload"' in page.text  # without JavaScript: via the TPS page
    assert TPS_OTHER not in page.text
    assert page.text.count('capture="environment"') == 1


def _page_png() -> bytes:
    """A rectified page stand-in: 600x400, white."""
    out = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(out, format="PNG")
    return out.getvalue()


def _read_photo(session: Session, settings: Settings) -> Photo:
    """A photo of TPS_A1 read with one sure field, one unsure field and one without boxes."""
    store = LocalStore(settings.data_dir / "photos")
    page = _page_png()
    store.put(sha256_of(page), page)
    fields = {
        "suara_paslon_3": {"value": 58, "confidence": 0.42, "boxes": [[300, 100, 40, 50]]},
        "suara_paslon_1": {"value": 123, "confidence": 0.97,
                           "boxes": [[100, 100, 40, 50], [150, 100, 40, 50]]},
        "suara_paslon_2": {"value": None, "confidence": None, "boxes": []},
    }  # fmt: skip
    reading = {"status": "needs_review", "page": 2, "fields": fields}
    result = OcrResult(
        sha256="cd" * 32, engine_version="t", status="needs_review", reading=reading,
        rectified_sha256=sha256_of(page),
    )  # fmt: skip
    session.add(result)
    session.flush()
    photo = Photo(
        sha256="cd" * 32, tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC,
        kabupaten_code="1671", page=2, status="needs_review", phash="0" * 64, size=10,
        width=600, height=400, format="JPEG", uploaded_by="test", reading=reading,
        ocr_result_id=result.id,
    )  # fmt: skip
    session.add(photo)
    session.commit()
    return photo


def test_the_tps_page_shows_each_field_read_beside_the_photo(
    signed_in: Client, world: World, session: Session, settings: Settings
) -> None:
    photo = _read_photo(session, settings)
    client = signed_in(world.bawaslu)
    text = client.get(f"/tps/{TPS_A1}").text
    panel = text[text.index(f'id="photo-{photo.id}"') :]
    assert "data-viewer" in panel and "viewer-stage" in panel and 'class="thumb"' not in text
    rows = panel[: panel.index("</table>")].split('<tr data-field="')[1:]
    assert [r.split('"')[0] for r in rows] == ["suara_paslon_1", "suara_paslon_2", "suara_paslon_3"]
    sure, blank, unsure = rows
    assert f"/photos/{photo.id}/fields/suara_paslon_1/crop" in sure and "0,97" in sure
    assert 'class="low"' in unsure and "0,42" in unsure and "di bawah batas keyakinan 0,8" in unsure
    assert "field-crop" not in blank and "kosong" in blank  # no boxes: no crop, no number
    assert "variant=rectified" in panel and "variant=annotated" not in panel

    crop = client.get(f"/photos/{photo.id}/fields/suara_paslon_1/crop")
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(crop.content)) as image:
        assert image.size == (90 + 2 * 24, 50 + 2 * 24)  # both boxes and the margin
    assert client.get(f"/photos/{photo.id}/fields/suara_paslon_2/crop").status_code == 404
    outsider = signed_in(world.ppk_other)
    assert outsider.get(f"/photos/{photo.id}/fields/suara_paslon_1/crop").status_code == 403
    assert outsider.get(f"/photos/{photo.id}/status").status_code == 403
