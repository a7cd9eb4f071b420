"""A small world for the console tests: Kota Palembang with two kecamatan, the governor contest,
PPK and app submissions that disagree, a D.Hasil with a desa difference, one review item, and a
user per role; plus a signed-in TestClient helper. Browser journeys get the running console of
tests/web/console_server.py: `console`, `browser` and `open_page` (use its `shot` to save a
screenshot)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from app.models import DHasilVersion, Photo, ReviewItem, Submission
from app.services.auth import get_user
from app.services.recheck_bulk import recheck_all
from app.web.security import CSRF_COOKIE
from tests.conftest import FreshDatabase
from tests.domain.forms import BASE, form
from tests.factories import PASSWORD, add_contest, add_regions, add_tps, add_user
from tests.web.console_server import Console, launch_browser, run_console, signed_in_page

KEC, KEC2 = "167101", "167102"
DESA_A, DESA_B, DESA_OTHER = "1671011001", "1671011002", "1671021001"
TPS_A1, TPS_A2, TPS_B1, TPS_OTHER = (
    "1671011001001",
    "1671011001002",
    "1671011002001",
    "1671021001001",
)
GUB = "pkwkp-16"
# The KPPS app moved 10 votes from paslon 1 to paslon 3 at TPS_A1: SOURCES_DISAGREE.
APP_FORM = form({"suara_paslon_1": 140, "suara_paslon_3": 70})
# TPS_B1's PPK entry: Σ paslon 310 but suara_sah written 300: PASLON_SUM (and more).
BAD_FORM = form({"suara_sah": 300, "suara_tidak_sah": 18})


@dataclass(frozen=True)
class World:
    """Usernames of the seeded users and the id of the review item."""

    admin: str
    ppk: str
    ppk_other: str
    bawaslu: str
    review_item: int


def _regions(session: Session) -> None:
    add_regions(session, (DESA_A, DESA_B, DESA_OTHER))
    add_tps(session, (TPS_A1, TPS_A2, TPS_B1, TPS_OTHER), dpt=410)
    add_contest(session, GUB, kind="gubernur", region_code="16", paslon=3, name="Gub Sumsel")


def _submissions(session: Session) -> None:
    rows = [(TPS_A1, "ppk", BASE), (TPS_A1, "app", APP_FORM), (TPS_A2, "ppk", BASE)]
    rows += [(TPS_B1, "ppk", BAD_FORM), (TPS_OTHER, "ppk", BASE)]
    for tps, source, values in rows:
        session.add(
            Submission(
                tps_code=tps,
                contest_id=GUB,
                kecamatan_code=tps[:6],
                source=source,
                submitted_by=f"test-{source}",
                values=dict(values),
            )
        )
    desa_a = {k: 2 * v for k, v in BASE.items()}
    desa_a["suara_paslon_2"] += 15  # the recap moved 15 votes to paslon 2 in desa A
    desa_a["suara_paslon_1"] -= 15
    desa_b = dict(BAD_FORM)
    total = {k: desa_a[k] + desa_b[k] for k in BASE}
    session.add(
        DHasilVersion(
            kecamatan_code=KEC,
            contest_id=GUB,
            version=1,
            entered_by="test-ppk",
            desa={DESA_A: desa_a, DESA_B: desa_b},
            total=total,
        )
    )
    session.flush()


def _review_item(session: Session) -> int:
    photo = Photo(
        sha256="ab" * 32,
        tps_code=TPS_A2,
        contest_id=GUB,
        kecamatan_code=KEC,
        kabupaten_code="1671",
        page=2,
        status="needs_review",
        phash="0" * 64,
        size=1000,
        width=100,
        height=100,
        format="JPEG",
        uploaded_by="test-ppk",
    )
    session.add(photo)
    session.flush()
    item = ReviewItem(
        photo_id=photo.id or 0,
        tps_code=TPS_A2,
        contest_id=GUB,
        kecamatan_code=KEC,
        field="suara_paslon_3",
        reason="low confidence",
        read_value=60,
        confidence=0.41,
        alternatives=[[60, 0.41], [68, 0.38]],
    )
    session.add(item)
    session.flush()
    return item.id or 0


USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "t-admin": ("admin", ()),
    "t-ppk": ("ppk", (KEC,)),
    "t-ppk2": ("ppk", (KEC,)),
    "t-ppk-other": ("ppk", (KEC2,)),
    "t-bawaslu": ("bawaslu", ("16",)),
}


def seed_console_world(session: Session) -> World:
    """Regions, submissions, D.Hasil, rechecked discrepancies and a review item."""
    _regions(session)
    _submissions(session)
    recheck_all(session=session)
    item = _review_item(session)
    session.commit()
    return World("t-admin", "t-ppk", "t-ppk-other", "t-bawaslu", item)


def ensure_user(session: Session, username: str) -> None:
    """Create one of USERS when a test first signs in as it (Argon2 hashing is slow)."""
    if get_user(session=session, username=username) is not None:
        return
    role, scopes = USERS[username]
    add_user(session, username, role, *scopes)
    session.commit()


@pytest.fixture
def world(session: Session) -> World:
    """The seeded console world (rolled back after the test)."""
    return seed_console_world(session)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form like a browser: GET for the CSRF cookie, then POST."""
    client.cookies.clear()
    assert client.get("/signin").status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    resp = client.post(
        "/signin",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text


@pytest.fixture
def signed_in(client: TestClient, world: World, session: Session) -> Callable[[str], TestClient]:
    """sign_in(username) on the shared client (creating the user); returns the client."""

    def _as(username: str) -> TestClient:
        ensure_user(session, username)
        sign_in(client, username)
        return client

    return _as


def csrf(client: TestClient) -> str:
    """The CSRF token of the signed-in client (the cookie a page set)."""
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


@pytest.fixture(scope="session")
def console(
    fresh_database: FreshDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    """One running console per test session: uvicorn on a fresh database with the demo."""
    yield from run_console(fresh_database.create(), tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="session")
def browser(console: Console) -> Iterator[Browser]:
    """One Debian chromium per test session."""
    yield from launch_browser()


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(console: Console, browser: Browser) -> Iterator[OpenPage]:
    """open_page(role, size="desktop" | "phone", javascript=True): a new signed-in page; its
    browser context closes after the test."""
    opened: list[Page] = []

    def _open(role: str, size: str = "desktop", javascript: bool = True, **kw: object) -> Page:
        page = signed_in_page(browser, console, role, size, javascript, **kw)  # type: ignore[arg-type]
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.context.close()
