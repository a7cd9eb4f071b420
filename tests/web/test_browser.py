"""The console in Debian's chromium (Playwright) against a real uvicorn serving the whole demo:
an auditor drills down to a planted discrepancy, sees both values, dismisses it with a note and
sees it leave the open list; a PPK reviewer confirms a review item with Enter. Screenshots of
every page go to test-artifacts/screenshots/."""

import io
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings, get_settings
from app.db import build_engine, get_session, session_scope
from app.main import create_app
from app.models import Discrepancy, Photo, ReviewEntry, ReviewItem, Tps
from app.services.demo import load_demo
from app.services.demo_accounts import DemoAccount, create_demo_accounts
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import recheck_all
from app.services.storage import LocalStore, sha256_of

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SEED = 20241127
expect.set_options(timeout=15_000)


@dataclass(frozen=True)
class Console:
    """The running server, its database and the demo accounts."""

    url: str
    engine: Engine
    accounts: dict[str, DemoAccount]
    review_item: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _crop_png() -> bytes:
    """A stand-in photo crop: three handwritten-looking digit boxes reading 058."""
    image = Image.new("RGB", (360, 140), "white")
    draw = ImageDraw.Draw(image)
    for i, digit in enumerate("058"):
        draw.rectangle((10 + i * 115, 10, 115 + i * 115, 130), outline="black", width=3)
        draw.text((35 + i * 115, 20), digit, fill="navy", font=ImageFont.load_default(size=90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _seed_review_item(session: Session, store: LocalStore, kecamatan: str) -> int:
    """One low-confidence reading in the demo PPK's kecamatan (the photo helper's tables)."""
    data = _crop_png()
    sha = sha256_of(data)
    store.put(sha, data)
    tps = session.exec(select(Tps).where(Tps.kecamatan_code == kecamatan).limit(1)).one()
    photo = Photo(
        sha256=sha, tps_code=tps.code, contest_id="pkwkp-16", kecamatan_code=kecamatan,
        kabupaten_code=tps.kabupaten_code, page=2, status="needs_review", phash="0" * 64,
        size=len(data), width=360, height=140, format="PNG", uploaded_by="demo-kpps",
    )  # fmt: skip
    session.add(photo)
    session.flush()
    item = ReviewItem(
        photo_id=photo.id or 0, tps_code=tps.code, contest_id="pkwkp-16",
        kecamatan_code=kecamatan, field="suara_paslon_3", reason="low confidence",
        read_value=58, confidence=0.42, alternatives=[[58, 0.42], [68, 0.31], [958, 0.2]],
    )  # fmt: skip
    session.add(item)
    session.flush()
    return item.id or 0


def _load(engine: Engine, store: LocalStore) -> tuple[dict[str, DemoAccount], int]:
    with session_scope(engine) as session:
        load_demo(session=session, seed=SEED)
        recheck_all(session=session)
        accounts = {a.role: a for a in create_demo_accounts(session=session)}
        item = _seed_review_item(session, store, accounts["ppk"].scopes[0])
    return accounts, item


@pytest.fixture(scope="module")
def console(fresh_database: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """uvicorn in a thread on a fresh SQLite database with the demo, rechecked, and accounts."""
    url = fresh_database.create()  # type: ignore[attr-defined]
    upgrade_database(url=url)
    tmp = tmp_path_factory.mktemp("console")
    settings = Settings(
        database_url=url, data_dir=tmp, storage_url=f"file://{tmp / 'photos'}",
        queue_url=f"sqlite:///{tmp / 'queue.db'}", run_embedded_worker=False,
        rate_limit_signin="1000/minute", signin_failure_delay=0.0,
    )  # fmt: skip
    engine = build_engine(url)
    accounts, item = _load(engine, LocalStore(tmp / "photos"))
    app = create_app(settings)

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_settings] = lambda: settings
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Console(f"http://127.0.0.1:{port}", engine, accounts, item)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[object]:
    """Debian's chromium through Playwright (never `playwright install`)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):  # the folder shows the last run only
        old.unlink()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(
    browser: object,
    console: Console,
    role: str,
    width: int = 1280,
    javascript: bool = True,
    height: int = 900,
) -> object:
    """A new page signed in through the form as the demo account of a role; console errors
    (a CSP violation, a failed request) are collected on page.errors."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded CI machine; expectations wait, never sleep
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(console.url + "/")
    assert "/signin" in page.url
    if role == "bawaslu" and width > 1000:
        _shot(page, "00-signin")
    account = console.accounts[role]
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _planted(console: Console, rule: str) -> Discrepancy:
    with Session(console.engine) as session:
        stmt = select(Discrepancy).where(Discrepancy.rule == rule).order_by(Discrepancy.id)
        return session.exec(stmt).first()  # type: ignore[return-value]


def test_auditor_drills_down_and_dismisses_a_planted_discrepancy(
    console: Console, browser: object
) -> None:
    planted = _planted(console, "PASLON_SUM")
    tps = planted.tps_code or ""
    page = _page(browser, console, "bawaslu")
    assert page.url.endswith("/dashboard/16")
    expect(page.locator("h1")).to_contain_text("SUMATERA SELATAN")
    assert page.locator("svg.chart-hist rect").count() > 5
    _shot(page, "01-dashboard-provinsi")
    for code in (tps[:4], tps[:6], tps[:10]):
        page.click(f"#children a[href^='/dashboard/{code}']")
        expect(page.locator("h1")).to_contain_text(code)
    _shot(page, "02-dashboard-desa")
    page.click(f"#children a[href='/tps/{tps}']")
    card = page.locator(f"#d{planted.id}")
    expect(card).to_contain_text("PASLON_SUM")
    expect(card.locator(".values")).to_contain_text(f"{planted.expected}")
    expect(card.locator(".values")).to_contain_text(f"{planted.actual}")
    _shot(page, "03-tps-page")
    card.locator("textarea[name=note]").fill("Salah tulis di salinan; plano sudah dicek.")
    card.locator("button[value=dismissed]").click()
    expect(page.locator(f"#d{planted.id}")).to_have_attribute("data-status", "dismissed")
    expect(page.locator(f"#d{planted.id}")).to_contain_text("Tersimpan")
    _shot(page, "04-tps-dismissed")
    page.click("nav.main-nav a[href^='/discrepancies']")
    expect(page.locator("#discrepancy-table")).to_be_visible()
    assert page.locator(f"#row-{planted.id}").count() == 0
    assert page.locator("#discrepancy-table tbody tr").count() > 10
    _shot(page, "05-discrepancies-open")
    assert page.errors == []


def test_auditor_reads_the_recap_and_english_pages(console: Console, browser: object) -> None:
    planted = _planted(console, "DESA_VS_DHASIL")
    page = _page(browser, console, "bawaslu")
    page.goto(f"{console.url}/discrepancies/{planted.id}")
    assert f"/recap/{planted.region_code[:6]}" in page.url
    section = page.locator(f"#desa-{planted.region_code}")
    expect(section.locator("td.diff").first).to_be_visible()
    _shot(page, "06-recap")
    page.goto(f"{console.url}/dashboard/16?lang=en")
    expect(page.locator("nav.main-nav")).to_contain_text("Discrepancies")
    _shot(page, "07-dashboard-english")
    phone = _page(browser, console, "bawaslu", width=390)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400, "dashboard too wide"
    _shot(phone, "08-dashboard-phone")
    phone.goto(f"{console.url}/tps/{_planted(console, 'SOURCES_DISAGREE').tps_code}")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the TPS page scrolls sideways on a phone ({width}px)"
    _shot(phone, "09-tps-phone")
    assert page.errors == [] and phone.errors == []


def test_ppk_confirms_a_review_item_with_enter(console: Console, browser: object) -> None:
    page = _page(browser, console, "ppk")
    page.goto(console.url + "/review")
    item = page.locator(f"[data-item='{console.review_item}']")
    expect(item).to_be_visible()
    expect(item.locator(".reading")).to_have_text("58")
    _shot(page, "10-review-queue")
    field = page.locator("input.entry[name=value]")
    expect(field).to_be_focused()
    url_before = page.url
    field.press("Enter")
    expect(page.locator(".queue-empty")).to_be_visible()
    assert page.url == url_before  # swapped in by htmx, no page load
    _shot(page, "11-review-done")
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
    _shot(page, "13-forbidden")


def test_a_photo_opens_zoomed_on_the_tps_page(console: Console, browser: object) -> None:
    with Session(console.engine) as session:
        item = session.get_one(ReviewItem, console.review_item)
    page = _page(browser, console, "ppk")
    page.goto(f"{console.url}/tps/{item.tps_code}")
    zoom = page.locator(f"#zoom-{item.photo_id}")
    expect(zoom).to_be_hidden()
    page.click(f"a[href='#zoom-{item.photo_id}']")
    expect(zoom).to_be_visible()
    assert zoom.locator("img").evaluate("img => img.naturalWidth") == 360
    _shot(page, "12-tps-photo-zoom")
    assert page.errors == []


def test_reading_and_a_status_change_work_without_javascript(
    console: Console, browser: object
) -> None:
    planted = _planted(console, "SOURCES_DISAGREE")
    page = _page(browser, console, "bawaslu", javascript=False)
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
    _shot(page, "14-no-javascript-escalated")


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


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_main_pages_fit_the_screen_with_their_key_columns_in_view(
    console: Console, browser: object, width: int, height: int
) -> None:
    page = _page(browser, console, "bawaslu", width=width, height=height)
    problems = {}
    for name, path, keys in _main_pages(console):
        page.goto(console.url + path)  # type: ignore[attr-defined]
        # the sources table may scroll sideways; its field and accepted value stay in view
        page.evaluate("document.querySelectorAll('.scroll').forEach(e => e.scrollLeft = 1e6)")  # type: ignore[attr-defined]
        found = {
            "page_width": page.evaluate("document.documentElement.scrollWidth"),  # type: ignore[attr-defined]
            "overflowing": page.evaluate(FIT),  # type: ignore[attr-defined]
            "out_of_view": page.evaluate(OUT_OF_VIEW, keys),  # type: ignore[attr-defined]
        }
        if found["page_width"] > width or found["overflowing"] or found["out_of_view"]:
            problems[name] = found
        _shot(page, f"20-{width}-{name}")
    assert problems == {}
    assert page.errors == []  # type: ignore[attr-defined]
