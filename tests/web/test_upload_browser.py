"""A PPK operator's photo journey in Debian's chromium: upload two photos (a real PPWP page and
a file that is no photo) from the TPS page on a desktop and from the kecamatan page on a phone,
see each file's progress and refusal, and the real page's status go to its final value without
a reload (the reading job runs with the real reader); then zoom, pan and rotate the photo beside
each field read. Screenshots go to test-artifacts/screenshots/."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from app.models import Photo, Tps
from tests.web.conftest import OpenPage
from tests.web.console_server import (
    PRESIDENT,
    REAL_PHOTOS,
    SIZES,
    Console,
    ensure_president,
    shot,
)

pytestmark = pytest.mark.browser

FINAL = ("read", "needs_review", "unreadable", "failed")
NOT_A_PHOTO = {"name": "bukan-foto.jpg", "mimeType": "image/jpeg", "buffer": b"catatan saja\n"}
# A file dropped onto the drop zone, as a browser's drag and drop delivers it.
DROP = """(name) => {
  const data = new DataTransfer();
  data.items.add(new File(['catatan saja\\n'], name, {type: 'image/jpeg'}));
  const zone = document.querySelector('#upload [data-dropzone]');
  const init = {dataTransfer: data, bubbles: true, cancelable: true};
  zone.dispatchEvent(new DragEvent('dragover', init));
  zone.dispatchEvent(new DragEvent('drop', init));
}"""


@pytest.fixture(autouse=True, scope="module")
def president(console: Console) -> None:
    """The real photos are PPWP pages."""
    ensure_president(console)


def _unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the bad file's refusal (chromium logs the 415 response)."""
    return [e for e in errors if "status of 415" not in e]


def _too_wide(page: Page) -> list[str]:
    """The elements reaching past the right edge of the screen (the cause of sideways scroll)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName.toLowerCase() + '.' + e.className).slice(0, 8)"""
    )


def _tps(console: Console, index: int) -> str:
    """A TPS of the demo PPK's kecamatan (by code order)."""
    kecamatan = console.accounts["ppk"].scopes[0]
    with Session(console.engine) as session:
        stmt = select(Tps.code).where(Tps.kecamatan_code == kecamatan).order_by(col(Tps.code))
        return list(session.exec(stmt))[index]


def _send_two(page: Page, real: Path, page_number: str, *, drop_bad: bool = False) -> None:
    """Choose the contest and page, add the real photo and the bad file, send."""
    page.select_option("#upload select.upload-contest", PRESIDENT)
    page.select_option("#upload select.upload-page", page_number)
    photo = {"name": real.name, "mimeType": "image/jpeg", "buffer": real.read_bytes()}
    if drop_bad:  # the photo from the file chooser, the bad file dragged onto the box
        page.set_input_files("#upload input.upload-files", [photo])
        page.evaluate(DROP, NOT_A_PHOTO["name"])
    else:
        page.set_input_files("#upload input.upload-files", [photo, NOT_A_PHOTO])
    expect(page.locator(".upload-item")).to_have_count(2)
    expect(page.locator(".upload-item select.contest").first).to_have_value(PRESIDENT)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads


# Every value the progress bars take (a <progress>'s value is its attribute).
RECORD_PROGRESS = """() => {
  window.__progress = [];
  new MutationObserver((changes) => changes.forEach(
    (c) => window.__progress.push(Number(c.target.getAttribute('value')))
  )).observe(document.querySelector('.upload-list'),
             {attributes: true, subtree: true, attributeFilter: ['value']});
}"""


def _send_slowly(page: Page, console: Console) -> None:
    """Send over a throttled uplink (about 2 MB/s, so the bar moves) with the reading held
    queued, recording the progress bars."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    conditions = {"offline": False, "latency": 20, "downloadThroughput": -1}
    cdp.send("Network.emulateNetworkConditions", conditions | {"uploadThroughput": 2_000_000})
    page.evaluate(RECORD_PROGRESS)
    console.jobs.pause()
    page.click("#upload button.upload-send")


def _check_outcome(page: Page, console: Console, name: str) -> int:
    """The bar moved; the real photo's row shows it queued, then (the reading released) its
    final status by polling, no reload; the bad file's row says why."""
    real, bad = page.locator(".upload-item").nth(0), page.locator(".upload-item").nth(1)
    try:
        expect(bad.locator(".upload-refused")).to_contain_text("Bukan foto")
        expect(bad).to_have_attribute("data-state", "refused")
        status = real.locator(".photo-status")
        expect(status).to_have_attribute("data-status", "queued")
        expect(status).to_contain_text("menunggu dibaca")
        assert real.locator("progress").evaluate("p => p.value") == 100
        seen = page.evaluate("window.__progress")
        assert any(0 < v < 100 for v in seen), f"no progress between 0 and 100: {seen}"
        shot(page, f"{name}-queued")
    finally:
        console.jobs.resume()
    page.wait_for_function(
        "(final) => final.includes(document.querySelector('.upload-item .photo-status')"
        "?.dataset.status)",
        arg=list(FINAL),
        timeout=120_000,
    )
    assert status.get_attribute("hx-get") is None  # final: polling stopped
    assert page.evaluate("window.__sameDocument") is True
    shot(page, f"{name}-final")
    return int(status.get_attribute("data-photo") or 0)


def test_a_ppk_uploads_from_the_tps_page_and_looks_at_the_photo(
    console: Console, open_page: OpenPage
) -> None:
    tps = _tps(console, 1)
    page = open_page("ppk")
    page.goto(f"{console.url}/tps/{tps}#upload")
    _send_two(page, REAL_PHOTOS / "ppwp-2024-hal2-photo-a.jpg", "2", drop_bad=True)
    shot(page, "40-photo-upload-desktop-chosen")
    _send_slowly(page, console)
    photo_id = _check_outcome(page, console, "41-photo-upload-desktop")
    with Session(console.engine) as session:
        photo = session.get_one(Photo, photo_id)
    assert (photo.tps_code, photo.contest_id, photo.page) == (tps, PRESIDENT, 2)
    assert photo.status in FINAL and photo.uploaded_by == f"user:{console.accounts['ppk'].username}"

    page.reload()
    panel = page.locator(f"#photo-{photo_id}")
    stage = panel.locator(".viewer-stage")
    expect(stage).to_be_visible()
    if photo.reading and photo.reading.get("fields"):
        expect(panel.locator("table.field-reads tbody tr").first).to_be_visible()
        crop = panel.locator("img.field-crop").first
        crop.scroll_into_view_if_needed()
        crop.element_handle().wait_for_element_state("visible")
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=crop.element_handle()
        )
    panel.locator("button[data-act=zoom-in]").click()
    panel.locator("button[data-act=zoom-in]").click()
    expect(stage).to_have_attribute("data-scale", "1.56")
    panel.locator("button[data-act=rotate-right]").click()
    expect(stage).to_have_attribute("data-rotate", "90")
    box = stage.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)
    expect(stage).not_to_have_attribute("data-scale", "1.56")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 + 30, steps=4)
    page.mouse.up()
    assert "translate(0px, 0px)" not in (stage.locator("img").get_attribute("style") or "")
    shot(page, "42-photo-viewer-zoomed-rotated")
    stage.focus()
    stage.press("r")
    expect(stage).to_have_attribute("data-rotate", "180")
    stage.press("0")
    expect(stage).to_have_attribute("data-scale", "1.00")
    expect(stage).to_have_attribute("data-rotate", "0")
    assert _unexpected(page.errors) == []


def test_a_ppk_uploads_from_the_kecamatan_page_on_a_phone(
    console: Console, open_page: OpenPage
) -> None:
    tps = _tps(console, 2)
    kecamatan = tps[:6]
    page = open_page("ppk", "phone")
    page.goto(f"{console.url}/kecamatan/{kecamatan}/photos")
    expect(page.locator("#upload input.upload-camera")).to_have_attribute("capture", "environment")
    page.fill("#upload input.upload-tps", tps)
    _send_two(page, REAL_PHOTOS / "ppwp-2024-hal3-photo-a.jpg", "3")
    expect(page.locator(".upload-item .tps").first).to_contain_text(tps)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES["phone"][0], f"the upload page is {width}px wide: {_too_wide(page)}"
    shot(page, "43-photo-upload-phone-chosen")
    _send_slowly(page, console)
    photo_id = _check_outcome(page, console, "44-photo-upload-phone")
    with Session(console.engine) as session:
        photo = session.get_one(Photo, photo_id)
    assert (photo.tps_code, photo.page) == (tps, 3)
    page.goto(f"{console.url}/tps/{tps}#photo-{photo_id}")
    expect(page.locator(f"#photo-{photo_id} .viewer-stage")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES["phone"][0], f"the TPS page is {width}px wide: {_too_wide(page)}"
    shot(page, "45-photo-tps-phone")
    assert _unexpected(page.errors) == []
