"""The console in Debian's chromium (Playwright) against a real uvicorn serving the whole demo
(tests/web/console_server.py): an auditor drills down to a planted discrepancy, sees both values,
dismisses it with a note and sees it leave the open list; a PPK reviewer confirms a review item
with Enter. Screenshots of every page go to test-artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.models import Discrepancy, ReviewEntry, ReviewItem
from tests.web.conftest import OpenPage
from tests.web.console_server import SIZES, Console, shot

pytestmark = pytest.mark.browser


def _planted(console: Console, rule: str) -> Discrepancy:
    with Session(console.engine) as session:
        stmt = select(Discrepancy).where(Discrepancy.rule == rule).order_by(Discrepancy.id)
        return session.exec(stmt).first()  # type: ignore[return-value]


def test_auditor_drills_down_and_dismisses_a_planted_discrepancy(
    console: Console, open_page: OpenPage
) -> None:
    planted = _planted(console, "PASLON_SUM")
    tps = planted.tps_code or ""
    page = open_page("bawaslu", on_signin=lambda p: shot(p, "00-signin"))
    assert page.url.endswith("/dashboard/16")
    expect(page.locator("h1")).to_contain_text("SUMATERA SELATAN")
    assert page.locator("svg.chart-hist rect").count() > 5
    shot(page, "01-dashboard-provinsi")
    for code in (tps[:4], tps[:6], tps[:10]):
        page.click(f"#children a[href^='/dashboard/{code}']")
        expect(page.locator("h1")).to_contain_text(code)
    shot(page, "02-dashboard-desa")
    page.click(f"#children a[href='/tps/{tps}']")
    card = page.locator(f"#d{planted.id}")
    expect(card).to_contain_text("PASLON_SUM")
    expect(card.locator(".values")).to_contain_text(f"{planted.expected}")
    expect(card.locator(".values")).to_contain_text(f"{planted.actual}")
    shot(page, "03-tps-page")
    card.locator("textarea[name=note]").fill("Salah tulis di salinan; plano sudah dicek.")
    card.locator("button[value=dismissed]").click()
    expect(page.locator(f"#d{planted.id}")).to_have_attribute("data-status", "dismissed")
    expect(page.locator(f"#d{planted.id}")).to_contain_text("Tersimpan")
    shot(page, "04-tps-dismissed")
    page.click("nav.main-nav a[href^='/discrepancies']")
    expect(page.locator("#discrepancy-table")).to_be_visible()
    assert page.locator(f"#row-{planted.id}").count() == 0
    assert page.locator("#discrepancy-table tbody tr").count() > 10
    shot(page, "05-discrepancies-open")
    assert page.errors == []


def test_auditor_reads_the_recap_and_english_pages(console: Console, open_page: OpenPage) -> None:
    planted = _planted(console, "DESA_VS_DHASIL")
    page = open_page("bawaslu")
    page.goto(f"{console.url}/discrepancies/{planted.id}")
    assert f"/recap/{planted.region_code[:6]}" in page.url
    section = page.locator(f"#desa-{planted.region_code}")
    expect(section.locator("td.diff").first).to_be_visible()
    shot(page, "06-recap")
    page.goto(f"{console.url}/dashboard/16?lang=en")
    expect(page.locator("nav.main-nav")).to_contain_text("Discrepancies")
    shot(page, "07-dashboard-english")
    phone = open_page("bawaslu", "phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400, "dashboard too wide"
    shot(phone, "08-dashboard-phone")
    phone.goto(f"{console.url}/tps/{_planted(console, 'SOURCES_DISAGREE').tps_code}")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the TPS page scrolls sideways on a phone ({width}px)"
    shot(phone, "09-tps-phone")
    assert page.errors == [] and phone.errors == []


def test_ppk_confirms_a_review_item_with_enter(console: Console, open_page: OpenPage) -> None:
    page = open_page("ppk")
    page.goto(console.url + "/review")
    item = page.locator(f"[data-item='{console.review_item}']")
    expect(item).to_be_visible()
    expect(item.locator(".reading")).to_have_text("58")
    shot(page, "10-review-queue")
    field = page.locator("input.entry[name=value]")
    expect(field).to_be_focused()
    url_before = page.url
    field.press("Enter")
    expect(page.locator(".queue-empty")).to_be_visible()
    assert page.url == url_before  # swapped in by htmx, no page load
    shot(page, "11-review-done")
    with Session(console.engine) as session:
        entry = session.exec(
            select(ReviewEntry).where(ReviewEntry.item_id == console.review_item)
        ).one()
    assert entry.value == 58 and entry.reviewer == f"user:{console.accounts['ppk'].username}"
    assert page.errors == []
    other = _planted(console, "PASLON_SUM").tps_code  # outside the PPK's kecamatan
    response = page.goto(f"{console.url}/tps/{other}")
    assert response is not None and response.status == 403
    expect(page.locator(".alert")).to_contain_text("tidak berwenang")
    shot(page, "13-forbidden")


def test_a_photo_opens_in_the_viewer_on_the_tps_page(console: Console, open_page: OpenPage) -> None:
    with Session(console.engine) as session:
        item = session.get_one(ReviewItem, console.review_item)
    page = open_page("ppk")
    page.goto(f"{console.url}/tps/{item.tps_code}")
    stage = page.locator(f"#photo-{item.photo_id} .viewer-stage")
    expect(stage).to_be_visible()
    stage.scroll_into_view_if_needed()  # the image loads lazily, once near the screen
    img = stage.locator("img").element_handle()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img)
    assert img.evaluate("img => img.naturalWidth") == 360
    page.locator(f"#photo-{item.photo_id} button[data-act=zoom-in]").click()
    expect(stage).to_have_attribute("data-scale", "1.25")
    shot(page, "12-tps-photo-viewer")
    assert page.errors == []


def test_reading_and_a_status_change_work_without_javascript(
    console: Console, open_page: OpenPage
) -> None:
    planted = _planted(console, "SOURCES_DISAGREE")
    page = open_page("bawaslu", javascript=False)
    page.goto(f"{console.url}/discrepancies?rule=SOURCES_DISAGREE")
    page.click(f"#row-{planted.id} a.evidence-link")
    assert f"/tps/{planted.tps_code}" in page.url
    card = page.locator(f"#d{planted.id}")
    expect(card).to_contain_text(f"{planted.expected}")
    expect(page.locator("td.diff").first).to_be_visible()  # the app's value against the PPK's
    card.locator("textarea[name=note]").fill("Panwascam diminta mengecek salinan saksi.")
    card.locator("button[value=escalated]").click()  # a plain form post and a redirect back
    expect(page.locator(f"#d{planted.id}")).to_have_attribute("data-status", "escalated")
    assert f"/tps/{planted.tps_code}" in page.url
    shot(page, "14-no-javascript-escalated")


# Per page: the tables that must fit the screen and the cells (first row) that must be in view.
FIT = """() => Array.from(document.querySelectorAll('.scroll'))
  .filter(e => !e.querySelector('.side-by-side') && e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.querySelector('table') || e).id || e.className)"""
OUT_OF_VIEW = """(selectors) => selectors.filter(s => {
  const el = document.querySelector(s);
  if (!el) return true;
  const r = el.getBoundingClientRect();
  return r.width === 0 || r.left < 0 || r.right > window.innerWidth + 1;
})"""


def _main_pages(console: Console) -> list[tuple[str, str, list[str]]]:
    tps = _planted(console, "SOURCES_DISAGREE").tps_code or ""
    key_children = ["#children tbody tr td:first-child", "#children tbody tr td:last-child"]
    return [
        ("dashboard", "/dashboard/16", ["#contests tbody tr td:first-child", *key_children]),
        ("kabupaten", f"/dashboard/{tps[:4]}", key_children),
        ("discrepancies", "/discrepancies",
         [f"#discrepancy-table tbody tr td:nth-child({n})" for n in (3, 5, 7, 8)]),
        ("tps", f"/tps/{tps}",
         [".side-by-side tbody tr td:first-child", ".side-by-side tbody tr td.accepted"]),
        ("recap", f"/recap/{tps[:6]}", []),
    ]  # fmt: skip


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_main_pages_fit_the_screen_with_their_key_columns_in_view(
    console: Console, open_page: OpenPage, size: str
) -> None:
    page = open_page("bawaslu", size)
    width = SIZES[size][0]
    problems = {}
    for name, path, keys in _main_pages(console):
        page.goto(console.url + path)
        # the sources table may scroll sideways; its field and accepted value stay in view
        page.evaluate("document.querySelectorAll('.scroll').forEach(e => e.scrollLeft = 1e6)")
        found = {
            "page_width": page.evaluate("document.documentElement.scrollWidth"),
            "overflowing": page.evaluate(FIT),
            "out_of_view": page.evaluate(OUT_OF_VIEW, keys),
        }
        if found["page_width"] > width or found["overflowing"] or found["out_of_view"]:
            problems[name] = found
        shot(page, f"20-{width}-{name}")
    assert problems == {}
    assert page.errors == []
