"""Sign-in, bearer tokens and device keys: who gets in, and who stops at once."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services.auth import disable_user, revoke_device_key
from tests.auth.conftest import Identities, token_for
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def test_token_flow_returns_a_bearer_token_that_names_the_user(client, make_user):
    make_user("ana", "ppk", "167101")
    resp = client.post(TOKEN_URL, data={"username": "ana", "password": PASSWORD})
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 60 * 60
    assert body["access_token"].count(".") == 2  # a JWT


def test_wrong_password_is_401_in_the_error_shape(client, make_user):
    make_user("ana", "ppk", "167101")
    resp = client.post(TOKEN_URL, data={"username": "ana", "password": "wrong-password"})
    assert resp.status_code == 401
    assert resp.json()["error"] == "InvalidCredentials"
    assert resp.headers["www-authenticate"] == "Bearer"


def test_unknown_user_is_401_like_a_wrong_password(client):
    resp = client.post(TOKEN_URL, data={"username": "nobody", "password": PASSWORD})
    assert resp.status_code == 401
    assert resp.json()["error"] == "InvalidCredentials"


def test_missing_form_field_is_422_naming_it(client):
    resp = client.post(TOKEN_URL, data={"username": "ana"})
    assert resp.status_code == 422
    assert "password" in resp.json()["fields"]


def test_garbage_bearer_token_is_401(client):
    resp = client.get("/api/v1/contests", headers={"Authorization": "Bearer not.a.jwt"})
    assert resp.status_code == 401
    assert resp.json()["error"] == "InvalidCredentials"


def test_token_signed_with_another_key_is_401(client, make_user, settings):
    import jwt

    make_user("ana", "admin")
    forged = jwt.encode({"sub": "ana", "role": "admin", "exp": 4102444800}, "other-key")
    resp = client.get("/api/v1/contests", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401


def test_expired_token_is_401(client, make_user, settings):
    import jwt

    make_user("ana", "admin")
    expired = jwt.encode({"sub": "ana", "role": "admin", "exp": 1000}, settings.signing_secret())
    resp = client.get("/api/v1/contests", headers={"Authorization": f"Bearer {expired}"})
    assert resp.status_code == 401


def test_a_token_that_was_accepted_is_refused_once_it_expires(
    client, make_user, settings, monkeypatch
):
    """Verified tokens are remembered (app/services/auth.py): the expiry is still checked at
    every request, and a token is never taken as verified under another signing secret."""
    import time

    import jwt

    make_user("ana", "admin")
    expires = int(time.time()) + 60
    token = jwt.encode({"sub": "ana", "role": "admin", "exp": expires}, settings.signing_secret())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/contests", headers=headers).status_code == 200
    assert client.get("/api/v1/contests", headers=headers).status_code == 200

    monkeypatch.setattr(time, "time", lambda: expires + 1.0)
    resp = client.get("/api/v1/contests", headers=headers)
    assert resp.status_code == 401
    assert "expired" in resp.json()["detail"]

    monkeypatch.undo()
    monkeypatch.setattr(settings, "_signing_secret", "x" * 48)  # the key rotated
    assert client.get("/api/v1/contests", headers=headers).status_code == 401


def test_disabled_user_is_refused_at_the_next_request(client, session: Session, make_user):
    make_user("ana", "admin")
    headers = {"Authorization": f"Bearer {token_for(client, 'ana')}"}
    assert client.get("/api/v1/contests", headers=headers).status_code == 200
    disable_user(session=session, username="ana", actor="test")
    session.commit()
    resp = client.get("/api/v1/contests", headers=headers)
    assert resp.status_code == 401
    again = client.post(TOKEN_URL, data={"username": "ana", "password": PASSWORD})
    assert again.status_code == 401


def test_revoked_key_is_refused_at_the_next_request(
    client: TestClient, session: Session, identities: Identities
):
    headers = identities.headers["kpps"]
    assert client.get("/api/v1/contests", headers=headers).status_code == 200
    revoke_device_key(session=session, key_id=identities.device_key_id, actor="test")
    session.commit()
    resp = client.get("/api/v1/contests", headers=headers)
    assert resp.status_code == 401
    assert "revoked" in resp.json()["detail"]


def test_unknown_api_key_is_401(client):
    resp = client.get("/api/v1/contests", headers={"X-API-Key": "k_00000000.nothing"})
    assert resp.status_code == 401


def test_tampered_secret_of_a_real_key_is_401(client, identities: Identities):
    secret = identities.headers["kpps"]["X-API-Key"]
    resp = client.get("/api/v1/contests", headers={"X-API-Key": secret[:-2] + "xx"})
    assert resp.status_code == 401
