"""Identities for the access tests: users of every role, a device key, a few regions and TPS."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Contest, Paslon, Region, Tps
from app.services.auth import create_device_key, create_user
from app.services.importers import tps_row

PASSWORD = "correct horse battery"
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
    session.add(Region(code="16", level="provinsi", name="SUMATERA SELATAN"))
    session.add(Region(code="1671", level="kabupaten", name="KOTA PALEMBANG", parent_code="16"))
    session.flush()
    for kec, desa, tps in ((KEC_IN, DESA_IN, TPS_IN), (KEC_OUT, DESA_OUT, TPS_OUT)):
        session.add(Region(code=kec, level="kecamatan", name=f"KEC {kec}", parent_code="1671"))
        session.flush()
        session.add(Region(code=desa, level="desa", name=f"DESA {desa}", parent_code=kec))
        session.flush()
        session.add(Tps(**tps_row(tps, dpt=300)))
    session.add(Contest(id=CONTEST, code="pkwkp", kind="gubernur", region_code="16", name="Gub"))
    session.flush()
    for nomor in (1, 2, 3):
        session.add(Paslon(contest_id=CONTEST, nomor_urut=nomor, nama=f"Paslon {nomor}"))
    session.commit()


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the API and return the bearer token."""
    resp = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["access_token"]
    return token


@pytest.fixture
def make_user(session: Session) -> Callable[..., str]:
    """Create a user; returns the username."""

    def _make(username: str, role: str, *scopes: str) -> str:
        create_user(
            session=session,
            username=username,
            password=PASSWORD,
            role=role,
            scopes=tuple(scopes),
            actor="test",
        )
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
