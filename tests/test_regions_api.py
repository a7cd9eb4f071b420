"""GET /regions, /regions/{code}, /contests: shapes of API.md and errors in its error shape."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Contest, Paslon, Region, Tps
from app.services.importers import tps_row


@pytest.fixture
def palembang(session: Session) -> None:
    session.add(Region(code="16", level="provinsi", name="SUMATERA SELATAN"))
    session.add(Region(code="1671", level="kabupaten", name="KOTA PALEMBANG", parent_code="16"))
    session.add(Region(code="167101", level="kecamatan", name="ILIR BARAT II", parent_code="1671"))
    session.add(Region(code="1671011001", level="desa", name="30 ILIR", parent_code="167101"))
    session.flush()
    session.add(Tps(**tps_row("1671011001002", dpt=480)))
    session.add(Tps(**tps_row("1671011001001", dpt=510)))
    session.add(
        Contest(id="pkwkk-1671", code="pkwkk", kind="walikota", region_code="1671", name="W")
    )
    session.flush()
    session.add(Paslon(contest_id="pkwkk-1671", nomor_urut=2, nama="C - D"))
    session.add(Paslon(contest_id="pkwkk-1671", nomor_urut=1, nama="A - B"))
    session.flush()


@pytest.mark.usefixtures("palembang")
def test_region_lists_children(client: TestClient) -> None:
    body = client.get("/api/v1/regions/1671").json()
    assert body == {
        "code": "1671",
        "level": "kabupaten",
        "name": "KOTA PALEMBANG",
        "parent_code": "16",
        "children": [{"code": "167101", "level": "kecamatan", "name": "ILIR BARAT II"}],
    }


@pytest.mark.usefixtures("palembang")
def test_desa_lists_its_tps_in_order_and_tps_has_its_desa(client: TestClient) -> None:
    desa = client.get("/api/v1/regions/1671011001").json()
    assert [c["code"] for c in desa["children"]] == ["1671011001001", "1671011001002"]
    assert {c["level"] for c in desa["children"]} == {"tps"}
    tps = client.get("/api/v1/regions/1671011001002").json()
    assert (tps["level"], tps["parent_code"], tps["name"]) == ("tps", "1671011001", "TPS 002")


@pytest.mark.usefixtures("palembang")
def test_nation_lists_provinces(client: TestClient) -> None:
    body = client.get("/api/v1/regions").json()
    assert [c["code"] for c in body["children"]] == ["16"]


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("1699", 404, "RegionNotFound"),
        ("1671011001999", 404, "RegionNotFound"),
        ("16x", 422, "InvalidInput"),
        ("167", 422, "InvalidInput"),
    ],
)
def test_bad_codes_get_the_error_shape(
    client: TestClient, code: str, status: int, error: str
) -> None:
    response = client.get(f"/api/v1/regions/{code}")
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert code in body["detail"] or "code" in body.get("fields", {})


@pytest.mark.usefixtures("palembang")
def test_contests_with_paslon_in_ballot_order(client: TestClient) -> None:
    contests = client.get("/api/v1/contests").json()
    assert contests == [
        {
            "id": "pkwkk-1671",
            "kind": "walikota",
            "region_code": "1671",
            "name": "W",
            "paslon": [{"nomor_urut": 1, "nama": "A - B"}, {"nomor_urut": 2, "nama": "C - D"}],
        }
    ]
