"""The PPK review queue pages: Enter confirms the reading, typing corrects it, htmx swaps the
next item in; without JavaScript the form posts and comes back; crops stay in scope."""

import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from app.config import Settings
from app.domain.review_reasons import unsure_reason
from app.models import OcrResult, Photo, ReviewEntry, ReviewItem
from app.services.storage import LocalStore, sha256_of
from tests.web.conftest import KEC, TPS_A2, World, csrf

SignedIn = Callable[[str], TestClient]
HX = {"HX-Request": "true"}


def test_review_queue_enter_confirms_and_loads_the_next(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    client = signed_in("t-ppk")
    page = client.get("/review").text
    assert f'data-item="{world.review_item}"' in page and "60" in page and "68" in page
    resp = client.post(
        f"/review/{world.review_item}/entries",
        data={"kecamatan": KEC, "value": "", "read_value": "60", "csrf_token": csrf(client)},
        headers=HX,
    )
    assert resp.status_code == 200
    assert 'id="review-item"' in resp.text and "Antrean kosong" in resp.text
    assert "menunggu entri kedua" in resp.text  # one entry so far: double entry needs two
    entry = session.exec(select(ReviewEntry).where(ReviewEntry.item_id == world.review_item)).one()
    assert entry.value == 60 and entry.reviewer == "user:t-ppk"
    second = signed_in("t-ppk2")
    assert f'data-item="{world.review_item}"' in second.get("/review").text
    typed = second.post(
        f"/review/{world.review_item}/entries",
        data={"kecamatan": KEC, "value": "68", "read_value": "60", "csrf_token": csrf(second)},
        follow_redirects=False,
    )
    assert typed.status_code == 303  # without JavaScript: back to the queue
    assert TPS_A2 in client.get(f"/tps/{TPS_A2}").text


def test_review_shows_the_crop_of_the_rectified_page(
    signed_in: SignedIn, session: Session, settings: Settings, world: World
) -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(out, format="PNG")
    page_png = out.getvalue()
    store = LocalStore(Path(settings.storage_url.removeprefix("file://")))
    store.put(sha256_of(page_png), page_png)
    item = session.get_one(ReviewItem, world.review_item)
    photo = session.get_one(Photo, item.photo_id)
    photo.engine_version, item.crop_box = "test-engine", [100, 100, 60, 30]
    result = OcrResult(sha256=photo.sha256, engine_version="test-engine", status="ok",
                       rectified_sha256=sha256_of(page_png))  # fmt: skip
    session.add(result)
    session.flush()
    photo.ocr_result_id = result.id
    session.add_all([photo, item])
    session.commit()
    client = signed_in("t-ppk")
    assert f'src="/review/{item.id}/crop"' in client.get("/review").text
    crop = client.get(f"/review/{item.id}/crop")
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(crop.content)).size == (60 + 48, 30 + 48)  # 24 px margin
    assert signed_in("t-ppk-other").get(f"/review/{item.id}/crop").status_code == 403


def test_review_shows_one_confidence_and_an_honest_reason(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    item = session.get_one(ReviewItem, world.review_item)
    field = {"value": 427, "confidence": 0.01, "forced_by_sum": True}
    item.read_value, item.confidence, item.reason = 427, 0.01, unsure_reason(field, 0.8) or ""
    item.alternatives = [[427, 0.8], [421, 0.15], [None, 0.05]]
    session.add(item)
    session.commit()
    page = signed_in("t-ppk").get("/review").text
    assert "Keyakinan 0,01" in page
    assert "0,80" not in page and "0.80" not in page and "0.01" not in page
    assert "Sebab: keyakinan rendah 0,01 (dipilih agar jumlahnya cocok)" in page
    assert 'name="value" value="None"' not in page  # a blank alternative posts "empty"
