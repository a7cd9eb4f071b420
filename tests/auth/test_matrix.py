"""The access matrix: every endpoint × every role × inside/outside scope × public reading on/off,
asserting the exact status. The table is checked against the app's route list, so a new endpoint
fails `test_every_route_is_in_the_matrix` until it is given a row here."""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
    DESA_IN,
    DESA_OUT,
    KEC_IN,
    KEC_OUT,
    PASSWORD,
    TPS_IN,
    TPS_OUT,
    make_test_client,
    seed_regions,
)
from tests.domain.forms import BASE
from tests.photos.conftest import make_jpeg

ROLES = ("public", "admin", "ppk", "bawaslu", "kpps")
SCOPES: dict[str, tuple[str, ...]] = {
    "public": (),
    "admin": (),
    "ppk": (KEC_IN,),
    "bawaslu": (KEC_IN,),
    "kpps": (TPS_IN,),  # a device key bound to one TPS
}
TPS = {"in": TPS_IN, "out": TPS_OUT}
KEC = {"in": KEC_IN, "out": KEC_OUT}
DESA = {"in": DESA_IN, "out": DESA_OUT}
# Which roles may make each kind of write at all (then only inside their scope).
WRITERS = {
    "submit": {"admin", "ppk", "kpps"},
    "review": {"admin", "ppk"},
    "kecamatan": {"admin", "ppk"},
    "discrepancy": {"admin", "bawaslu"},
    "manage": {"admin"},
}
# Routes outside the matrix, and why: the API's own documentation and static files; the
# auditor's web console (cookie sessions and CSRF, tested in tests/web).
EXCLUDED_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
EXCLUDED_PREFIXES = ("/static",)
HEALTH_PATHS = {"/healthz", "/readyz", "/metrics"}
_PASSWORD_HASH = _hasher.hash(PASSWORD)


@dataclass
class World:
    """What the requests refer to: seeded rows inside and outside the scopes."""

    discrepancy: dict[str, int]
    photo: dict[str, int]
    review_item: dict[str, int]
    spare_keys: list[str]  # one per request: a second revocation changes (and audits) nothing
    counter: Iterator[int] = field(default_factory=itertools.count)

    def unique(self) -> int:
        """A fresh number (usernames, image seeds)."""
        return next(self.counter)


@dataclass(frozen=True)
class Req:
    """One request: URL and keyword arguments for TestClient.request."""

    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """A row of the matrix: the route, how its access is decided, and its success status."""

    method: str
    path: str
    kind: str  # open|reference|list|read, or a write: submit|review|kecamatan|discrepancy|manage
    ok: int
    build: Callable[[World, str], Req]
    scope_region: Callable[[str], str] = lambda where: TPS[where]


def _photo_form(world: World) -> dict[str, Any]:
    jpeg = make_jpeg(seed=1000 + world.unique())
    return {"data": {"contest_id": CONTEST}, "files": {"file": ("c1.jpg", jpeg, "image/jpeg")}}


def _new_user(world: World) -> dict[str, Any]:
    body = {"username": f"u{world.unique()}", "password": PASSWORD, "role": "admin"}
    return {"json": body}


V1 = "/api/v1"


def _static(path: str) -> Callable[[World, str], Req]:
    return lambda w, x: Req(path)


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/healthz", "open", 200, _static("/healthz")),
    Endpoint("GET", "/readyz", "open", 200, _static("/readyz")),
    Endpoint("GET", "/metrics", "open", 200, _static("/metrics")),
    Endpoint(
        "POST",
        f"{V1}/auth/token",
        "open",
        200,
        lambda w, x: Req(
            f"{V1}/auth/token", {"data": {"username": "admin1", "password": PASSWORD}}
        ),
    ),
    Endpoint("GET", f"{V1}/audit/checkpoint", "open", 200, _static(f"{V1}/audit/checkpoint")),
    Endpoint("GET", f"{V1}/regions", "reference", 200, _static(f"{V1}/regions")),
    Endpoint(
        "GET",
        f"{V1}/regions/{{code}}",
        "reference",
        200,
        lambda w, x: Req(f"{V1}/regions/{KEC[x]}"),
    ),
    Endpoint("GET", f"{V1}/contests", "reference", 200, _static(f"{V1}/contests")),
    Endpoint(
        "GET",
        f"{V1}/regions/{{code}}/tally",
        "read",
        200,
        lambda w, x: Req(f"{V1}/regions/{KEC[x]}/tally", {"params": {"contest": CONTEST}}),
        scope_region=lambda where: KEC[where],
    ),
    Endpoint("GET", f"{V1}/tps/{{tps}}", "read", 200, lambda w, x: Req(f"{V1}/tps/{TPS[x]}")),
    Endpoint(
        "GET",
        f"{V1}/photos/{{photo_id}}",
        "read",
        200,
        lambda w, x: Req(f"{V1}/photos/{w.photo[x]}"),
    ),
    Endpoint(
        "GET",
        f"{V1}/photos/{{photo_id}}/image",
        "read",
        200,
        lambda w, x: Req(f"{V1}/photos/{w.photo[x]}/image"),
    ),
    Endpoint(
        "GET",
        f"{V1}/discrepancies/{{discrepancy_id}}",
        "read",
        200,
        lambda w, x: Req(f"{V1}/discrepancies/{w.discrepancy[x]}"),
    ),
    Endpoint("GET", f"{V1}/discrepancies", "list", 200, _static(f"{V1}/discrepancies")),
    Endpoint(
        "GET", f"{V1}/discrepancies/summary", "list", 200, _static(f"{V1}/discrepancies/summary")
    ),
    Endpoint("GET", f"{V1}/discrepancies.csv", "list", 200, _static(f"{V1}/discrepancies.csv")),
    Endpoint(
        "POST",
        f"{V1}/tps/{{tps}}/results",
        "submit",
        201,
        lambda w, x: Req(
            f"{V1}/tps/{TPS[x]}/results", {"json": {"contest_id": CONTEST, "values": BASE}}
        ),
    ),
    Endpoint(
        "POST",
        f"{V1}/tps/{{tps}}/photos",
        "submit",
        202,
        lambda w, x: Req(f"{V1}/tps/{TPS[x]}/photos", _photo_form(w)),
    ),
    Endpoint(
        "PUT",
        f"{V1}/kecamatan/{{code}}/dhasil",
        "kecamatan",
        200,
        lambda w, x: Req(
            f"{V1}/kecamatan/{KEC[x]}/dhasil",
            {"json": {"contest_id": CONTEST, "desa": {DESA[x]: BASE}, "total": BASE}},
        ),
        scope_region=lambda where: KEC[where],
    ),
    Endpoint(
        "PATCH",
        f"{V1}/discrepancies/{{discrepancy_id}}",
        "discrepancy",
        200,
        lambda w, x: Req(
            f"{V1}/discrepancies/{w.discrepancy[x]}",
            {"json": {"status": "acknowledged", "note": "checked at the plenary"}},
        ),
    ),
    Endpoint(
        "GET",
        f"{V1}/review/next",
        "review",
        200,
        lambda w, x: Req(f"{V1}/review/next", {"params": {"kecamatan": KEC[x]}}),
        scope_region=lambda where: KEC[where],
    ),
    Endpoint(
        "POST",
        f"{V1}/review/{{item_id}}/entries",
        "review",
        201,
        lambda w, x: Req(f"{V1}/review/{w.review_item[x]}/entries", {"json": {"value": 150}}),
    ),
    # No crop is stored for the seeded items: 404 is the answer once access is granted.
    Endpoint(
        "GET",
        f"{V1}/review/{{item_id}}/crop",
        "read",
        404,
        lambda w, x: Req(f"{V1}/review/{w.review_item[x]}/crop"),
    ),
    Endpoint("GET", f"{V1}/users", "manage", 200, _static(f"{V1}/users")),
    Endpoint("POST", f"{V1}/users", "manage", 201, lambda w, x: Req(f"{V1}/users", _new_user(w))),
    Endpoint(
        "POST",
        f"{V1}/users/{{username}}/disable",
        "manage",
        200,
        lambda w, x: Req(f"{V1}/users/gone{w.unique()}/disable"),
    ),
    Endpoint("GET", f"{V1}/keys", "manage", 200, _static(f"{V1}/keys")),
    Endpoint(
        "POST",
        f"{V1}/keys",
        "manage",
        201,
        lambda w, x: Req(f"{V1}/keys", {"json": {"region_code": TPS[x], "label": "hp"}}),
    ),
    Endpoint(
        "POST",
        f"{V1}/keys/{{key_id}}/revoke",
        "manage",
        200,
        lambda w, x: Req(f"{V1}/keys/{w.spare_keys[w.unique()]}/revoke"),
    ),
]


def covers(role: str, code: str) -> bool:
    """Whether a role's test scope includes a region code."""
    return role == "admin" or any(code.startswith(s) for s in SCOPES[role])


def expected_status(ep: Endpoint, role: str, where: str, *, public_read: bool) -> int:
    """The status the access rules promise for this cell of the matrix."""
    region = ep.scope_region(where)
    if ep.kind == "open":
        return ep.ok
    if ep.kind in ("reference", "list", "read"):
        if public_read:
            return ep.ok
        if role == "public":
            return 401
        return ep.ok if ep.kind != "read" or covers(role, region) else 403
    if role == "public":
        return 401
    if role not in WRITERS[ep.kind]:
        return 403
    return ep.ok if ep.kind == "manage" or covers(role, region) else 403


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
        form = _photo_form(World({}, {}, {}, []))
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
    assert missing == [], f"add these endpoints to ENDPOINTS in {__file__}: {missing}"
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
    return int(session.exec(select(func.count()).select_from(AuditRecord)).one())
