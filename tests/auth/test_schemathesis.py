"""Schemathesis against the app's own OpenAPI document, in process, with real credentials:
no 5xx, and every documented response matches its schema. Bounded: a few cases per operation,
as an admin and as a KPPS device."""

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlmodel import Session

from app.api.routes.photos import get_enqueuer
from app.config import Settings, get_settings
from app.db import get_session
from app.main import create_app
from app.models import User
from app.services.auth import create_device_key, issue_token
from tests.auth.conftest import TPS_IN, seed_regions
from tests.auth.hostile_schema import hostile_openapi

MAX_EXAMPLES = 6  # × 2 identities; 25 with an admin also finds nothing (≈ 50 s here)
# The app is built once (schemathesis reads its schema at collection); each test plugs its
# rolled-back session and settings in through these overrides.
_wired: dict[str, Any] = {}
app = create_app(
    Settings(
        rate_limit_write="100000/minute",
        rate_limit_signin="100000/minute",
        secret_key=secrets.token_urlsafe(48),
    )
)


def _session() -> Iterator[Session]:
    session: Session = _wired["session"]
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


app.dependency_overrides[get_session] = _session
app.dependency_overrides[get_settings] = lambda: _wired["settings"]
app.dependency_overrides[get_enqueuer] = lambda: lambda _job_id: None
# Hostile values too: huge integers and NUL/control/non-ASCII-digit strings in every request
# parameter and body (tests/auth/hostile_schema.py), and NUL bytes in generated text.
schema = schemathesis.openapi.from_dict(hostile_openapi(app.openapi()))
schema.app, schema.location = app, "/openapi.json"
schema.config.generation.update(allow_x00=True, codec="utf-8")


@pytest.fixture(params=["admin", "kpps"])
def admin_headers(request, session: Session, settings: Settings) -> Iterator[dict[str, str]]:
    """Wire the app to this test's session, with a few regions to find; the credentials of an
    admin (every operation is reachable) or of a KPPS device key (most answers are 403)."""
    _wired.update(session=session, settings=settings)
    seed_regions(session)
    if request.param == "kpps":
        key = create_device_key(session=session, region_code=TPS_IN, label="fuzz", actor="t")
        session.commit()
        yield {"X-API-Key": key.secret}
    else:
        user = User(username="fuzz-admin", password_hash="x", role="admin", scopes=[])
        session.add(user)
        session.commit()
        yield {"Authorization": f"Bearer {issue_token(user=user, settings=settings).access_token}"}
    _wired.clear()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_and_never_fails(case, admin_headers):
    # The generated credentials are junk (the security schemes' own fuzz); use the fixture's.
    for name in [h for h in (case.headers or {}) if h.lower() in ("authorization", "x-api-key")]:
        del case.headers[name]
    case.call_and_validate(
        headers=admin_headers, checks=[not_a_server_error, response_schema_conformance]
    )
