"""Rate limits (429 with Retry-After), slowed failed sign-ins, and body limits (413)."""

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.errors import InvalidCredentials, RateLimited
from app.services.ratelimit import RateLimiter
from app.services.signin import sign_in
from tests.auth.conftest import seed_regions, token_for
from tests.conftest import make_test_client
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def strict_client(session: Session, settings: Settings) -> Iterator[TestClient]:
    """A client whose app allows 3 writes and 3 sign-ins a minute, and 2 KB bodies."""
    strict = settings.model_copy(
        update={"rate_limit_write": "3/minute", "rate_limit_signin": "3/minute",
                "max_request_bytes": 2048}
    )  # fmt: skip
    yield from make_test_client(session, strict)


def test_sign_in_over_the_limit_is_429_with_retry_after(strict_client, make_user):
    make_user("ana", "admin")
    for _ in range(3):
        wrong = strict_client.post(TOKEN_URL, data={"username": "ana", "password": "x" * 8})
        assert wrong.status_code == 401
    resp = strict_client.post(TOKEN_URL, data={"username": "ana", "password": PASSWORD})
    assert resp.status_code == 429
    assert resp.json()["error"] == "RateLimited"
    assert 1 <= int(resp.headers["retry-after"]) <= 60


def test_writes_over_the_limit_are_429_per_identity(strict_client, make_user, session):
    seed_regions(session)  # keys are only made for stored TPS
    make_user("ana", "admin")
    make_user("budi", "admin")
    ana = {"Authorization": f"Bearer {token_for(strict_client, 'ana')}"}
    budi = {"Authorization": f"Bearer {token_for(strict_client, 'budi')}"}
    body = {"region_code": "1671011001001", "label": "hp"}
    statuses = [strict_client.post("/api/v1/keys", json=body, headers=ana).status_code
                for _ in range(4)]  # fmt: skip
    assert statuses == [201, 201, 201, 429]
    limited = strict_client.post("/api/v1/keys", json=body, headers=ana)
    assert limited.json()["error"] == "RateLimited" and "retry-after" in limited.headers
    # Another identity has its own budget, and reads are not limited.
    assert strict_client.post("/api/v1/keys", json=body, headers=budi).status_code == 201
    assert strict_client.get("/api/v1/keys", headers=ana).status_code == 200


def test_body_over_the_limit_is_413_in_the_error_shape(strict_client, make_user):
    make_user("ana", "admin")
    ana = {"Authorization": f"Bearer {token_for(strict_client, 'ana')}"}
    body = {"region_code": "1671011001001", "label": "x" * 5000}
    resp = strict_client.post("/api/v1/keys", json=body, headers=ana)
    assert resp.status_code == 413
    assert resp.json()["error"] == "PayloadTooLarge"


def test_streamed_body_over_the_limit_is_413(strict_client):
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"username=" + b"a" * 500

    resp = strict_client.post(
        TOKEN_URL, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert resp.status_code == 413
    assert resp.json()["error"] == "PayloadTooLarge"


def test_failed_sign_ins_wait_longer_each_time(session, settings, make_user):
    make_user("ana", "admin")
    slow = settings.model_copy(update={"signin_failure_delay": 0.25})
    limiter = RateLimiter("memory://")
    waits: list[float] = []
    for _ in range(3):
        with pytest.raises(InvalidCredentials) as failed:
            sign_in(session=session, settings=slow, limiter=limiter, username="ana",
                    password="wrong-password", remote="10.0.0.9")  # fmt: skip
        waits.append(failed.value.delay)
    assert waits == [0.25, 0.5, 1.0]
    token = sign_in(session=session, settings=slow, limiter=limiter, username="ana",
                    password=PASSWORD, remote="10.0.0.9")  # fmt: skip
    assert token.access_token  # success does not wait: it returns a token, not a delay


def test_limiter_counts_per_key_and_reports_retry_after():
    limiter = RateLimiter("memory://")
    limiter.hit(limit="1/hour", key="a", what="writes")
    limiter.hit(limit="1/hour", key="b", what="writes")
    with pytest.raises(RateLimited) as caught:
        limiter.hit(limit="1/hour", key="a", what="writes")
    assert 3000 < caught.value.retry_after <= 3600


def test_failed_sign_in_is_logged_with_user_and_address(session, settings, make_user, caplog):
    make_user("ana", "admin")
    with caplog.at_level(logging.INFO), pytest.raises(InvalidCredentials):
        sign_in(session=session, settings=settings, limiter=RateLimiter("memory://"),
                username="ana", password="wrong-password", remote="10.0.0.7")  # fmt: skip
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    failed = [e for e in events if e.get("event") == "signin.failed"]
    assert failed and failed[0]["username"] == "ana" and failed[0]["remote"] == "10.0.0.7"
    assert "wrong-password" not in str(events)


def test_photo_uploads_get_the_upload_limit_not_the_json_one(strict_client, make_user):
    make_user("ana", "admin")
    ana = {"Authorization": f"Bearer {token_for(strict_client, 'ana')}"}
    big = b"\xff\xd8" + b"\0" * 8000  # over the 2 KB JSON limit, far under the upload limit
    photo = strict_client.post(
        "/api/v1/tps/1671011001001/photos",
        data={"contest_id": "pkwkp-16"},
        files={"file": ("c1.jpg", big, "image/jpeg")},
        headers=ana,
    )
    assert photo.status_code == 415, photo.text  # past the body limit, refused for its bytes
    results = strict_client.post(
        "/api/v1/tps/1671011001001/results",
        content=big,
        headers={**ana, "content-type": "application/json"},
    )
    assert results.status_code == 413
