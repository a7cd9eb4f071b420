"""A small world for the verification tests: two kecamatan of Kota Palembang, two contests,
an admin, a PPK of the first kecamatan, a bawaslu auditor, and a KPPS device key."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services.auth import create_device_key
from tests.domain.forms import BASE
from tests.factories import add_contest, add_regions, add_tps, add_user, bearer_headers

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
    add_regions(session, (DESA_A, DESA_B, DESA_OTHER))
    add_tps(session, (TPS_A1, TPS_A2, TPS_B1, TPS_OTHER), dpt=410)
    add_contest(session, GUB, kind="gubernur", region_code="16", paslon=3, name="Gub")
    add_contest(session, WALI, kind="walikota", region_code="1671", paslon=2, name="Wali")
    session.commit()


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    """The seeded world and a header set per identity."""
    seed_world(session)
    for name, role, scopes in (
        ("admin1", "admin", ()),
        ("ppk1", "ppk", (KEC,)),
        ("bawaslu1", "bawaslu", ("1671",)),
    ):
        add_user(session, name, role, *scopes)
    key = create_device_key(session=session, region_code=TPS_A1, label="hp", actor="test")
    session.commit()
    return World(
        admin=bearer_headers(client, "admin1"),
        ppk=bearer_headers(client, "ppk1"),
        bawaslu=bearer_headers(client, "bawaslu1"),
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
