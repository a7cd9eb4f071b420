"""`X-Content-Type-Options: nosniff` on every response, and the console cookies' Secure flag
from REKAP_COOKIE_SECURE (behind a TLS proxy the app itself only sees plain HTTP)."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.services.auth import create_user
from app.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import make_test_client
from tests.factories import PASSWORD


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/contests", 200),
        ("GET", "/api/v1/regions/99", 404),
        ("POST", "/api/v1/tps/1671011001001/results", 401),
        ("GET", "/api/v1/discrepancies?limit=nope", 422),
        ("GET", "/healthz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/metrics", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/signin", 200),
    ],
)
def test_every_response_says_nosniff(client: TestClient, method: str, path: str, status: int):
    resp = client.request(method, path, json={} if method == "POST" else None)
    assert resp.status_code == status
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_a_body_refused_as_too_large_says_nosniff_too(client: TestClient, settings: Settings):
    big = b"x" * (settings.max_request_bytes + 1)
    resp = client.post("/api/v1/auth/token", content=big)
    assert resp.status_code == 413
    assert resp.headers["x-content-type-options"] == "nosniff"


@pytest.fixture(params=[False, True], ids=["cookie_secure=false", "cookie_secure=true"])
def console(
    request: pytest.FixtureRequest, session: Session, settings: Settings
) -> Iterator[tuple[TestClient, bool]]:
    """A console on plain HTTP (as behind a TLS-terminating proxy) with each setting."""
    secure: bool = request.param
    create_user(
        session=session, username="ana", password=PASSWORD, role="admin", scopes=(), actor="t"
    )
    session.commit()
    configured = settings.model_copy(update={"cookie_secure": secure})
    for client in make_test_client(session, configured):
        yield client, secure


def _cookie_line(resp: httpx.Response, name: str) -> str:
    lines = [v for k, v in resp.headers.multi_items() if k == "set-cookie" and v.startswith(name)]
    assert len(lines) == 1, resp.headers
    return lines[0].lower()


def test_console_cookies_follow_cookie_secure(console: tuple[TestClient, bool]):
    client, secure = console
    page = client.get("/signin")
    csrf_line = _cookie_line(page, CSRF_COOKIE)
    assert ("; secure" in csrf_line) is secure
    token = csrf_line.split(";", 1)[0].split("=", 1)[1]
    # A browser would not send a Secure cookie over plain HTTP; the proxy's HTTPS it would.
    client.cookies.clear()
    resp = client.post(
        "/signin",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token, "next": "/"},
        headers={"Cookie": f"{CSRF_COOKIE}={token}"},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    session_line = _cookie_line(resp, SESSION_COOKIE)
    assert ("; secure" in session_line) is secure
    assert "httponly" in session_line and "samesite=lax" in session_line
