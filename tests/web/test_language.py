"""Every page of the demo in Bahasa Indonesia: no "None", no raw status token, no English
word a user would read; numbers and decimals in Indonesian form. A crawler follows the
console's own links from each role's start page, so a page added later is crawled too."""

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings, get_settings
from app.db import build_engine, get_session, session_scope
from app.main import create_app
from app.models import Photo, ReviewItem, Tps
from app.services.demo import load_demo
from app.services.demo_accounts import DemoAccount, create_demo_accounts
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import recheck_all
from app.web.security import CSRF_COOKIE
from tests.conftest import FreshDatabase

SEED = 20241127
MAX_PAGES = 70  # per role: every kind of page, a few of each
# Raw tokens of statuses and sources, and English a user would read.
RAW = re.compile(
    r"\b(None|needs_review|unreadable|queued|processing|acknowledged|dismissed|escalated|"
    r"resolved|disputed|accepted|open|read|failed|review|confidence|low|blank|sum failed|"
    r"Not Found|not found|Forbidden|Unauthorized|error|warning|page|photo|Photo|reading|"
    r"No|the|has|may|not|with|and|is|of|invalid|must)\b"
)
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?![\d.])")  # 0.85 (1.234 is a thousand)


@dataclass(frozen=True)
class Demo:
    """The demo database, its settings and accounts."""

    url: str
    settings: Settings
    accounts: dict[str, DemoAccount]


def _unsure_photo(session: Session, kecamatan: str) -> None:
    """A read photo with one unsure field in the PPK's kecamatan, so review pages have an item."""
    tps = session.exec(select(Tps).where(Tps.kecamatan_code == kecamatan).limit(1)).one()
    photo = Photo(
        sha256="cd" * 32, tps_code=tps.code, contest_id="pkwkp-16", kecamatan_code=kecamatan,
        kabupaten_code=tps.kabupaten_code, page=2, status="needs_review", phash="0" * 64,
        size=1000, width=100, height=100, format="JPEG", uploaded_by="demo-kpps",
    )  # fmt: skip
    session.add(photo)
    session.flush()
    session.add(
        ReviewItem(
            photo_id=photo.id or 0,
            tps_code=tps.code,
            contest_id="pkwkp-16",
            kecamatan_code=kecamatan,
            field="suara_paslon_3",
            reason="low confidence 0.41 (frames not found; chosen so the sums hold)",
            read_value=58,
            confidence=0.41,
            alternatives=[[58, 0.41], [None, 0.3]],
        )  # fmt: skip
    )


@pytest.fixture(scope="module")
def demo(fresh_database: FreshDatabase, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        load_demo(session=session, seed=SEED)
        recheck_all(session=session)
        accounts = {a.role: a for a in create_demo_accounts(session=session)}
        _unsure_photo(session, accounts["ppk"].scopes[0])
    engine.dispose()
    tmp: Path = tmp_path_factory.mktemp("language")
    settings = Settings(
        database_url=url, data_dir=tmp, storage_url=f"file://{tmp / 'photos'}",
        queue_url=f"sqlite:///{tmp / 'queue.db'}", run_embedded_worker=False,
        rate_limit_signin="1000/minute", signin_failure_delay=0.0,
        secret_key=secrets.token_urlsafe(48),
    )  # fmt: skip
    return Demo(url, settings, accounts)


@pytest.fixture(scope="module")
def browse(demo: Demo) -> Iterator[TestClient]:
    app = create_app(demo.settings)
    engine = build_engine(demo.url)

    def _session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session
            session.rollback()  # the crawl only reads

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_settings] = lambda: demo.settings
    with TestClient(app) as client:
        yield client
    engine.dispose()


class _Text(HTMLParser):
    """The text a user reads (attributes title/alt/placeholder too) and the links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "alt", "placeholder", "aria-label") and value:
                self.text.append(value)
            if tag == "a" and name == "href" and value and value.startswith("/"):
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _sign_in(client: TestClient, account: DemoAccount) -> None:
    client.cookies.clear()
    client.get("/signin?lang=id")
    form = {"username": account.username, "password": account.password, "next": "/",
            "csrf_token": client.cookies.get(CSRF_COOKIE) or ""}  # fmt: skip
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def _kind(path: str) -> str:
    """Pages of one kind (same route) share a kind: /tps/1671011001001 → /tps/#."""
    return re.sub(r"\d+", "#", path.split("?")[0]) + ("?" if "?" in path else "")


def _crawl(client: TestClient, start: list[str]) -> dict[str, list[str]]:
    """path → the problems found on it, over at most MAX_PAGES pages, ≤ 4 of each kind."""
    queue, seen, kinds, problems = list(start), set(), {}, {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or "lang=en" in path or path.startswith(("/static", "/signout")):
            continue
        if kinds.setdefault(_kind(path), 0) >= 4 or path.endswith(("/image", "/crop")):
            continue
        seen.add(path)
        kinds[_kind(path)] += 1
        resp = client.get(path)
        if "text/html" not in resp.headers.get("content-type", ""):
            continue
        parser = _Text()
        parser.feed(resp.text)
        found = _problems(" | ".join(parser.text))
        if found:
            problems[path] = found
        queue += [link for link in parser.links if link not in seen]
    assert len(seen) >= 10, seen
    return problems


def _problems(text: str) -> list[str]:
    words = sorted({m.group(0) for m in RAW.finditer(text)})
    decimals = sorted({m.group(0) for m in ENGLISH_DECIMAL.finditer(text)})
    return words + [f"decimal {d}" for d in decimals]


@pytest.mark.parametrize("role", ["bawaslu", "ppk"])
def test_every_demo_page_reads_in_indonesian(browse: TestClient, demo: Demo, role: str) -> None:
    _sign_in(browse, demo.accounts[role])
    start = ["/", "/discrepancies", "/review", "/tps/0000000000000", "/discrepancies/999999999"]
    problems = _crawl(browse, start)
    assert problems == {}, "\n".join(f"{p}: {v}" for p, v in problems.items())
