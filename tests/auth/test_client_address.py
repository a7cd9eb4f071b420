"""The client address: X-Forwarded-For is believed only from REKAP_TRUSTED_PROXIES, so rotating
it does not buy a fresh sign-in budget; behind a trusted proxy the forwarded address counts."""

from ipaddress import ip_network
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.api.client import forwarded_client
from app.config import Settings
from app.models.auth import AuditRecord
from app.services.migrations import upgrade_database
from tests.auth.conftest import token_for
from tests.chaining import chain_now
from tests.conftest import FreshDatabase, make_test_client
from tests.serving import serve_env, serving

TOKEN_URL = "/api/v1/auth/token"
PROXIES = (ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # not a proxy: the header is ignored
        ("10.0.0.2", [], "10.0.0.2"),  # a proxy that forwarded nothing
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # client-written left part
        ("10.0.0.2", ["198.51.100.1", "10.0.0.7"], "198.51.100.1"),  # two proxies deep
        ("10.0.0.2", ["10.0.0.9", "10.0.0.7"], "10.0.0.9"),  # all proxies: the farthest
        ("10.0.0.2", ["not-an-address"], "10.0.0.2"),  # garbage stops at the last proxy
        ("10.0.0.2", [" 2001:db8::1 "], "2001:db8::1"),
        ("testclient", ["198.51.100.1"], "testclient"),
    ],
)
def test_forwarded_client(peer: str, forwarded: list[str], expected: str):
    assert forwarded_client(peer, forwarded, PROXIES) == expected


def _strict(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"rate_limit_signin": "3/minute", **update})


def _signins(client: TestClient, forwarded: list[str]) -> list[int]:
    return [
        client.post(
            TOKEN_URL,
            data={"username": "nobody", "password": "wrong password"},
            headers={"X-Forwarded-For": address},
        ).status_code
        for address in forwarded
    ]


def test_forwarded_for_counts_only_from_a_trusted_proxy(session, settings):
    strict = _strict(settings, trusted_proxies=PROXIES)
    rotating = [f"198.51.100.{n}" for n in range(5)]
    for client in make_test_client(session, strict, peer=("203.0.113.9", 40000)):
        assert _signins(client, rotating) == [401, 401, 401, 429, 429]
    for client in make_test_client(session, strict, peer=("10.0.0.2", 40000)):
        assert _signins(client, rotating) == [401] * 5
        assert _signins(client, ["198.51.100.77"] * 4) == [401, 401, 401, 429]


def test_audit_records_the_forwarded_address(session, settings, make_user):
    trusting = settings.model_copy(update={"trusted_proxies": PROXIES})
    make_user("ana", "admin")
    for client in make_test_client(session, trusting, peer=("10.0.0.2", 40000)):
        headers = {
            "Authorization": f"Bearer {token_for(client, 'ana')}",
            "X-Forwarded-For": "6.6.6.6, 192.0.2.44",
        }
        body = {"username": "budi", "password": "password1", "role": "admin"}
        assert client.post("/api/v1/users", json=body, headers=headers).status_code == 201
    assert _last_remote(session) == "192.0.2.44"


def _last_remote(session: Session) -> str | None:
    chain_now(session)
    record = session.exec(select(AuditRecord).order_by(col(AuditRecord.seq).desc())).first()
    assert record is not None
    return record.remote


@pytest.fixture
def migrated_url(fresh_database: FreshDatabase) -> str:
    """A fresh migrated database of the backend under test, for a served instance."""
    url = fresh_database.create()
    upgrade_database(url=url)
    return url


def _served_signins(base_url: str, forwarded: list[str]) -> list[int]:
    return [
        httpx.post(
            base_url + TOKEN_URL,
            data={"username": "nobody", "password": "wrong password"},
            headers={"X-Forwarded-For": address},
            timeout=10,
        ).status_code
        for address in forwarded
    ]


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_served_uvicorn_follows_the_setting(migrated_url: str, tmp_path: Path, trusted: str):
    """Through `rekap serve` from 127.0.0.1, which uvicorn alone would trust by default."""
    env = serve_env(
        migrated_url,
        tmp_path,
        REKAP_RUN_EMBEDDED_WORKER="false",
        REKAP_RATE_LIMIT_SIGNIN="3/minute",
        REKAP_SIGNIN_FAILURE_DELAY="0",
        REKAP_TRUSTED_PROXIES=trusted,
    )
    rotating = [f"198.51.100.{n}" for n in range(5)]
    with serving(env, tmp_path / "serve.log") as served:
        statuses = _served_signins(served.base_url, rotating)
    assert statuses == ([401] * 5 if trusted else [401, 401, 401, 429, 429])
