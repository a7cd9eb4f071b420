"""The access matrix: every endpoint × every role × inside/outside scope × public reading on/off,
asserting the exact status. The table is checked against the app's route list, so a new endpoint
fails `test_every_route_is_in_the_matrix` until it has a row in tests/auth/matrix_table.py."""

import itertools
from collections.abc import Iterator

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.api.routes.photos import get_enqueuer
from app.config import Settings
from app.main import create_app
from app.models import AuditRecord, Discrepancy, ReviewItem, User
from app.services.auth import _hasher, create_device_key, issue_token
from tests.auth.conftest import (
    CONTEST,
    PASSWORD,
    TPS_IN,
    TPS_OUT,
    seed_regions,
)
from tests.auth.matrix_table import (
    ENDPOINTS,
    EXCLUDED_PATHS,
    EXCLUDED_PREFIXES,
    HEALTH_PATHS,
    ROLES,
    SCOPES,
    TPS,
    WRITERS,
    Endpoint,
    World,
    expected_status,
    photo_form,
)
from tests.chaining import chain_now
from tests.conftest import make_test_client

_PASSWORD_HASH = _hasher.hash(PASSWORD)


def _seed_world(session: Session, client: TestClient) -> tuple[World, dict[str, dict[str, str]]]:
    seed_regions(session)
    settings: Settings = client.app.state.test_settings  # type: ignore[attr-defined]
    headers: dict[str, dict[str, str]] = {"public": {}}
    for role in ("admin", "ppk", "bawaslu"):
        user = User(
            username=f"{role}1", password_hash=_PASSWORD_HASH, role=role, scopes=list(SCOPES[role])
        )
        session.add(user)
        token = issue_token(user=user, settings=settings).access_token
        headers[role] = {"Authorization": f"Bearer {token}"}
    for n in range(len(ROLES) * 2):
        session.add(User(username=f"gone{n}", password_hash=_PASSWORD_HASH, role="admin"))
    kpps = create_device_key(session=session, region_code=TPS_IN, label="kpps", actor="test")
    headers["kpps"] = {"X-API-Key": kpps.secret}
    spares = [
        create_device_key(session=session, region_code=TPS_OUT, label="spare", actor="t").key.key_id
        for _ in range(len(ROLES) * 2)
    ]
    discrepancy = {where: _discrepancy(session, TPS[where]) for where in ("in", "out")}
    session.commit()
    photo = {}
    for where in ("in", "out"):
        form = photo_form(World({}, {}, {}, []))
        resp = client.post(f"/api/v1/tps/{TPS[where]}/photos", headers=headers["admin"], **form)
        assert resp.status_code == 202, resp.text
        photo[where] = resp.json()["photo_id"]
    items = {where: _review_item(session, TPS[where], photo[where]) for where in ("in", "out")}
    session.commit()
    return World(discrepancy, photo, items, spares), headers


def _review_item(session: Session, tps: str, photo_id: int) -> int:
    item = ReviewItem(
        photo_id=photo_id,
        tps_code=tps,
        contest_id=CONTEST,
        kecamatan_code=tps[:6],
        field="suara_paslon_1",
        reason="low confidence",
        read_value=150,
        confidence=0.4,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    return item.id


def _discrepancy(session: Session, tps: str) -> int:
    row = Discrepancy(
        identity=f"PASLON_SUM|{CONTEST}|{tps}|suara_sah",
        rule="PASLON_SUM",
        severity="error",
        contest_id=CONTEST,
        region_code=tps,
        tps_code=tps,
        kecamatan_code=tps[:6],
        kabupaten_code=tps[:4],
        provinsi_code=tps[:2],
        field="suara_sah",
        expected=310,
        actual=309,
        delta=-1,
        message="Σ suara paslon ≠ suara sah",
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


@pytest.fixture(params=[True, False], ids=["public-read", "private-read"])
def matrix_client(request, session: Session, settings: Settings) -> Iterator[TestClient]:
    """A client with public reading on or off, and the photo queue captured."""
    configured = settings.model_copy(update={"public_read": request.param})
    for c in make_test_client(session, configured):
        c.app.state.test_settings = configured  # type: ignore[attr-defined]
        c.app.dependency_overrides[get_enqueuer] = lambda: lambda _job_id: None  # type: ignore[attr-defined]
        yield c


def app_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, minus the documented exclusions."""
    found: set[tuple[str, str]] = set()
    for ctx in iter_route_contexts(create_app().routes):
        path = getattr(ctx, "path_format", None) or getattr(ctx, "path", "")
        if path in EXCLUDED_PATHS or path.startswith(EXCLUDED_PREFIXES):
            continue
        if not path.startswith("/api/") and path not in HEALTH_PATHS:
            continue  # the web console
        for method in getattr(ctx, "methods", None) or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def test_every_route_is_in_the_matrix():
    table = {(ep.method, ep.path) for ep in ENDPOINTS}
    assert len(table) == len(ENDPOINTS), "an endpoint is listed twice"
    missing = sorted(app_routes() - table)
    assert missing == [], f"add these endpoints to tests/auth/matrix_table.py: {missing}"
    stale = sorted(table - app_routes())
    assert stale == [], f"these rows name no route any more: {stale}"


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: f"{ep.method} {ep.path}")
def test_matrix(ep: Endpoint, matrix_client: TestClient, session: Session):
    world, headers = _seed_world(session, matrix_client)
    public_read = matrix_client.app.state.test_settings.public_read  # type: ignore[attr-defined]
    wrong = []
    for role, where in itertools.product(ROLES, ("in", "out")):
        req = ep.build(world, where)
        before = _audit_count(session)
        resp = matrix_client.request(ep.method, req.url, headers=headers[role], **req.kwargs)
        want = expected_status(ep, role, where, public_read=public_read)
        if resp.status_code != want:
            wrong.append(f"{role}/{where}: {resp.status_code} (want {want}) {resp.text[:160]}")
        elif want in (401, 403):
            assert resp.json()["error"] in ("Unauthorized", "InvalidCredentials", "Forbidden")
        audited = _audit_count(session) > before
        if audited != (ep.kind in WRITERS and ep.method != "GET" and resp.status_code < 300):
            wrong.append(f"{role}/{where}: {resp.status_code}, audit record appended: {audited}")
    assert wrong == []


def _audit_count(session: Session) -> int:
    chain_now(session)
    return int(session.exec(select(func.count()).select_from(AuditRecord)).one())
