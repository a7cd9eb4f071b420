"""A small world for the verification tests: two kecamatan of Kota Palembang, two contests,
an admin, a PPK of the first kecamatan, a bawaslu auditor, and a KPPS device key."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Contest, Paslon, Region, Tps
from app.services.auth import create_device_key, create_user
from app.services.importers import tps_row
from tests.domain.forms import BASE

PASSWORD = "correct horse battery"
KEC = "167101"
KEC2 = "167102"
DESA_A, DESA_B = "1671011001", "1671011002"
DESA_OTHER = "1671021001"
TPS_A1, TPS_A2, TPS_B1 = "1671011001001", "1671011001002", "1671011002001"
TPS_OTHER = "1671021001001"
GUB, WALI = "pkwkp-16", "pkwkk-1671"
GUB_FORM: dict[str, int] = dict(BASE)
WALI_FORM: dict[str, int] = {
    **{k: v for k, v in BASE.items() if k != "suara_paslon_3"},
    "suara_paslon_1": 210,
}


@dataclass(frozen=True)
class World:
    """Request headers per identity."""

    admin: dict[str, str]
    ppk: dict[str, str]
    bawaslu: dict[str, str]
    kpps: dict[str, str]


def seed_world(session: Session) -> None:
    """Regions, TPS, the governor contest (3 paslon) and the mayor contest (2 paslon)."""
    session.add(Region(code="16", level="provinsi", name="SUMATERA SELATAN"))
    session.add(Region(code="1671", level="kabupaten", name="KOTA PALEMBANG", parent_code="16"))
    for kec in (KEC, KEC2):
        session.add(Region(code=kec, level="kecamatan", name=f"KEC {kec}", parent_code="1671"))
    for desa in (DESA_A, DESA_B, DESA_OTHER):
        session.add(Region(code=desa, level="desa", name=f"DESA {desa}", parent_code=desa[:6]))
    session.flush()
    for code in (TPS_A1, TPS_A2, TPS_B1, TPS_OTHER):
        session.add(Tps(**tps_row(code, dpt=410)))
    session.add(Contest(id=GUB, code="pkwkp", kind="gubernur", region_code="16", name="Gub"))
    session.add(Contest(id=WALI, code="pkwkk", kind="walikota", region_code="1671", name="Wali"))
    session.flush()
    for contest, count in ((GUB, 3), (WALI, 2)):
        for nomor in range(1, count + 1):
            session.add(Paslon(contest_id=contest, nomor_urut=nomor, nama=f"Paslon {nomor}"))
    session.commit()


def _token(client: TestClient, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    """The seeded world and a header set per identity."""
    seed_world(session)
    for name, role, scopes in (
        ("admin1", "admin", ()),
        ("ppk1", "ppk", (KEC,)),
        ("bawaslu1", "bawaslu", ("1671",)),
    ):
        create_user(
            session=session,
            username=name,
            password=PASSWORD,
            role=role,
            scopes=scopes,
            actor="test",
        )
    key = create_device_key(session=session, region_code=TPS_A1, label="hp", actor="test")
    session.commit()
    return World(
        admin=_token(client, "admin1"),
        ppk=_token(client, "ppk1"),
        bawaslu=_token(client, "bawaslu1"),
        kpps={"X-API-Key": key.secret},
    )


@pytest.fixture
def post(client: TestClient, world: World) -> Callable[..., Any]:
    """POST a result for a TPS as the PPK (or given headers); returns the response."""

    def _post(
        tps: str,
        values: dict[str, Any],
        *,
        contest: str = GUB,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Any:
        body = {"contest_id": contest, "values": values, **extra}
        return client.post(
            f"/api/v1/tps/{tps}/results",
            json=body,
            headers=headers if headers is not None else world.ppk,
        )

    return _post
