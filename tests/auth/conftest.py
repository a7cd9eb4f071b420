"""Identities for the access tests: users of every role, a device key, a few regions and TPS."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services.auth import create_device_key
from tests.factories import PASSWORD, add_contest, add_regions, add_tps, add_user, bearer_headers

KEC_IN, KEC_OUT = "167101", "167102"
DESA_IN, DESA_OUT = "1671011001", "1671021001"
TPS_IN, TPS_OUT = "1671011001001", "1671021001001"
CONTEST = "pkwkp-16"


@dataclass(frozen=True)
class Identities:
    """Request headers for each role, scoped inside KEC_IN / TPS_IN."""

    headers: dict[str, dict[str, str]]
    device_key_id: str


def seed_regions(session: Session) -> None:
    """Provinsi 16 → kabupaten 1671 → two kecamatan, one desa and one TPS each; one contest."""
    add_regions(session, (DESA_IN, DESA_OUT))
    add_tps(session, (TPS_IN, TPS_OUT), dpt=300)
    add_contest(session, CONTEST, kind="gubernur", region_code="16", paslon=3, name="Gub")
    session.commit()


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the API and return the bearer token."""
    return bearer_headers(client, username, password)["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def make_user(session: Session) -> Callable[..., str]:
    """Create a user; returns the username."""

    def _make(username: str, role: str, *scopes: str) -> str:
        add_user(session, username, role, *scopes)
        session.commit()  # a failing request rolls the shared session back to here
        return username

    return _make


@pytest.fixture
def identities(session: Session, client: TestClient, make_user: Callable[..., str]) -> Identities:
    """Regions seeded; admin, ppk (KEC_IN), bawaslu (KEC_IN), kpps device (TPS_IN), public."""
    seed_regions(session)
    headers: dict[str, dict[str, str]] = {"public": {}}
    for role, scopes in (("admin", ()), ("ppk", (KEC_IN,)), ("bawaslu", (KEC_IN,))):
        make_user(f"{role}1", role, *scopes)
        headers[role] = {"Authorization": f"Bearer {token_for(client, f'{role}1')}"}
    new = create_device_key(session=session, region_code=TPS_IN, label="hp kpps", actor="test")
    headers["kpps"] = {"X-API-Key": new.secret}
    session.commit()
    return Identities(headers=headers, device_key_id=new.key.key_id)
