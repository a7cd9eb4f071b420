"""The running console for browser journeys: uvicorn in a thread on a fresh database holding the
whole demo (rechecked), the demo accounts and one review item; Debian's chromium through
Playwright; pages signed in as a role at desktop (1366x768) or phone (390x844) size; screenshots
to test-artifacts/screenshots/. Reading jobs of photos uploaded through the console run in a
thread of the test process with the real reader (no queue process to start).

tests/web/conftest.py turns these into fixtures: `console` and `browser` (one each per test
session), `open_page(role, size="desktop", javascript=True)` and `shot(page, name)`."""

import io
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.api.routes.photos import get_enqueuer
from app.config import Settings, get_settings
from app.db import build_engine, get_session, session_scope
from app.main import create_app
from app.models import Contest, Photo, ReviewItem, Tps
from app.services.demo import load_demo
from app.services.demo_accounts import DemoAccount, create_demo_accounts
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import recheck_all
from app.services.storage import LocalStore, sha256_of
from tests.factories import add_contest

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
PRESIDENT = "ppwp-0"
REAL_PHOTOS = Path(__file__).resolve().parents[1] / "ocr" / "fixtures" / "real"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
expect.set_options(timeout=15_000)


class JobRunner:
    """Runs the reading jobs the console enqueues, one at a time, in a daemon thread, with the
    real reader; `done` lists (job id, outcome). `pause()` holds jobs queued until `resume()`."""

    def __init__(self, settings: Settings, engine: Engine, store: LocalStore) -> None:
        self.settings, self.engine, self.store = settings, engine, store
        self.jobs: queue.Queue[int] = queue.Queue()
        self.done: list[tuple[int, str]] = []
        self.running = threading.Event()
        self.running.set()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def enqueue(self, job_id: int) -> None:
        """The console's enqueuer (the API's get_enqueuer is overridden with it)."""
        self.jobs.put(job_id)

    def pause(self) -> None:
        """Hold the next jobs queued."""
        self.running.clear()

    def resume(self) -> None:
        """Read the held jobs."""
        self.running.set()

    def _run(self) -> None:
        from app.services.ocr_reader import LibraryReader
        from app.worker.jobs import Worker, process_job

        worker = None  # the reader loads its model on the first job, not at start
        while True:
            job_id = self.jobs.get()
            self.running.wait()
            if worker is None:
                reader = LibraryReader(line=self.settings.ocr_min_confidence)
                worker = Worker(self.settings, self.engine, self.store, reader)
            self.done.append((job_id, process_job(worker, job_id)))


@dataclass
class Console:
    """The running server, its database and store, the demo accounts, the seeded review item
    and the runner of reading jobs."""

    url: str
    engine: Engine
    settings: Settings
    accounts: dict[str, DemoAccount]
    review_item: int
    jobs: JobRunner
    extra: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def crop_png() -> bytes:
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
    """One low-confidence reading in the demo PPK's kecamatan."""
    data = crop_png()
    sha = sha256_of(data)
    store.put(sha, data)
    tps = session.exec(
        select(Tps).where(Tps.kecamatan_code == kecamatan).order_by(Tps.code).limit(1)
    ).one()
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


def ensure_president(console: Console) -> None:
    """The presidential contest (the real photos are PPWP pages) when the demo lacks it; added
    by the journeys that need it, since a national contest becomes the dashboard's default."""
    with session_scope(console.engine) as session:
        if session.get(Contest, PRESIDENT) is None:
            add_contest(session, PRESIDENT, kind="presiden", region_code="0", paslon=3)


def run_console(url: str, tmp: Path) -> Iterator[Console]:
    """Migrate the database at `url`, load the demo, serve the app on a free port; yields the
    Console and stops the server afterwards."""
    upgrade_database(url=url)
    settings = Settings(
        database_url=url, data_dir=tmp, storage_url=f"file://{tmp / 'photos'}",
        queue_url=f"sqlite:///{tmp / 'queue.db'}", run_embedded_worker=False,
        rate_limit_signin="1000/minute", rate_limit_write="100000/minute",
        signin_failure_delay=0.0,
    )  # fmt: skip
    engine = build_engine(url)
    store = LocalStore(tmp / "photos")
    accounts, item = _load(engine, store)
    jobs = JobRunner(settings, engine, store)
    app = create_app(settings)

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_enqueuer] = lambda: jobs.enqueue
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Console(f"http://127.0.0.1:{port}", engine, settings, accounts, item, jobs)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def launch_browser() -> Iterator[Browser]:
    """Debian's chromium through Playwright (never `playwright install`); the screenshot folder
    is emptied first so it shows the last run only."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def signed_in_page(
    browser: Browser,
    console: Console,
    role: str,
    size: str = "desktop",
    javascript: bool = True,
    on_signin: Callable[[Page], None] | None = None,
) -> Page:
    """A new page signed in through the form as the demo account of `role` (admin, kpps, ppk,
    bawaslu) at a size of SIZES; console errors (a CSP violation, a failed request) are
    collected on page.errors."""
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded CI machine; expectations wait, never sleep
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(console.url + "/")
    assert "/signin" in page.url
    if on_signin is not None:
        on_signin(page)
    account = console.accounts[role]
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page: Page, name: str) -> None:
    """A full-page screenshot kept as test-artifacts/screenshots/<name>.png."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
