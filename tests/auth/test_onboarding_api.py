"""Bulk onboarding over HTTP: keys and accounts all-or-nothing with every bad item named,
revocation by region, and setting a password once with the token of a bulk-created account."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.models.auth import DeviceKey, User
from app.services.auth import device_key_from_secret
from tests.auth.conftest import KEC_IN, TPS_IN, TPS_OUT, Identities

V1 = "/api/v1"


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_keys_in_bulk_answer_each_secret_once(
    client: TestClient, identities: Identities, session: Session
):
    admin = identities.headers["admin"]
    body = {"keys": [{"region_code": TPS_IN, "label": "a"}, {"region_code": KEC_IN}]}
    resp = client.post(f"{V1}/keys/bulk", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    made = resp.json()["keys"]
    assert resp.json()["count"] == 2 and [k["region_code"] for k in made] == [TPS_IN, KEC_IN]
    for item in made:
        assert device_key_from_secret(session=session, secret=item["key"]).key_id == item["key_id"]
    listed = client.get(f"{V1}/keys", headers=admin).text
    assert all(item["key"] not in listed for item in made)


def test_one_bad_key_item_and_none_is_created(
    client: TestClient, identities: Identities, session: Session
):
    before = _count(session, DeviceKey)
    arabic = "".join(chr(0x660 + int(d)) for d in TPS_OUT)
    body = {
        "keys": [{"region_code": TPS_IN}, {"region_code": "1671011001999"}, {"region_code": arabic}]
    }
    resp = client.post(f"{V1}/keys/bulk", json=body, headers=identities.headers["admin"])
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "InvalidInput"
    assert sorted(resp.json()["fields"]) == ["keys[1]", "keys[2]"]
    assert _count(session, DeviceKey) == before


def test_a_single_key_for_an_unknown_tps_is_404(client: TestClient, identities: Identities):
    body = {"region_code": "1671011001999"}
    resp = client.post(f"{V1}/keys", json=body, headers=identities.headers["admin"])
    assert resp.status_code == 404 and resp.json()["error"] == "TpsNotFound"


def test_revoking_a_region_stops_its_devices_at_once(
    client: TestClient, identities: Identities, session: Session
):
    kpps = identities.headers["kpps"]
    assert client.get(f"{V1}/keys", headers=kpps).status_code == 403  # the key works
    resp = client.post(
        f"{V1}/keys/revoke", json={"region_code": KEC_IN}, headers=identities.headers["admin"]
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["revoked"] == 1 and resp.json()["key_ids"] == [identities.device_key_id]
    assert client.get(f"{V1}/keys", headers=kpps).status_code == 401
    live = session.exec(select(DeviceKey).where(col(DeviceKey.revoked_at).is_(None))).all()
    assert live == []
    unknown = client.post(
        f"{V1}/keys/revoke", json={"region_code": "1699"}, headers=identities.headers["admin"]
    )
    assert unknown.status_code == 404


def test_a_bulk_account_sets_its_password_once_then_signs_in(
    client: TestClient, identities: Identities, session: Session
):
    body = {"users": [{"username": "ppk7", "role": "ppk", "scopes": [KEC_IN]}], "valid_days": 2}
    resp = client.post(f"{V1}/users/bulk", json=body, headers=identities.headers["admin"])
    assert resp.status_code == 201, resp.text
    token = resp.json()["users"][0]["set_password_token"]
    signin = {"username": "ppk7", "password": "a new password"}
    assert client.post(f"{V1}/auth/token", data=signin).status_code == 401  # no password yet
    wrong = client.post(
        f"{V1}/auth/set-password", json={"token": token + "x", "password": "a new password"}
    )
    assert wrong.status_code == 401
    done = client.post(
        f"{V1}/auth/set-password", json={"token": token, "password": "a new password"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["username"] == "ppk7"
    assert client.post(f"{V1}/auth/token", data=signin).status_code == 200
    again = client.post(f"{V1}/auth/set-password", json={"token": token, "password": "takeover!!"})
    assert again.status_code == 401 and "used already" in again.json()["detail"]


def test_a_set_password_token_is_not_an_access_token(client: TestClient, identities: Identities):
    body = {"users": [{"username": "root2", "role": "admin"}]}
    resp = client.post(f"{V1}/users/bulk", json=body, headers=identities.headers["admin"])
    token = resp.json()["users"][0]["set_password_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{V1}/users", headers=bearer).status_code == 401


def test_bulk_users_name_every_bad_item_and_create_none(
    client: TestClient, identities: Identities, session: Session
):
    before = _count(session, User)
    body = {
        "users": [
            {"username": "fine", "role": "admin"},
            {"username": "admin1", "role": "admin"},
            {"username": "x", "role": "ppk", "scopes": ["16"]},
        ]
    }
    resp = client.post(f"{V1}/users/bulk", json=body, headers=identities.headers["admin"])
    assert resp.status_code == 422
    assert sorted(resp.json()["fields"]) == ["users[1]", "users[2]"]
    assert _count(session, User) == before
