"""The rows of the access matrix (tests/auth/test_matrix.py): each endpoint, how its access is
decided, how to call it inside and outside the test scopes, and the status access must give."""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.auth.conftest import (
    CONTEST,
    DESA_IN,
    DESA_OUT,
    KEC_IN,
    KEC_OUT,
    PASSWORD,
    TPS_IN,
    TPS_OUT,
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


def photo_form(world: World) -> dict[str, Any]:
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
        lambda w, x: Req(f"{V1}/tps/{TPS[x]}/photos", photo_form(w)),
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
    Endpoint(
        "POST",
        f"{V1}/keys/bulk",
        "manage",
        201,
        lambda w, x: Req(f"{V1}/keys/bulk", {"json": {"keys": [{"region_code": TPS[x]}]}}),
    ),
    # TPS_OUT for both: revoking TPS_IN would revoke the kpps identity's own key.
    Endpoint(
        "POST",
        f"{V1}/keys/revoke",
        "manage",
        200,
        lambda w, x: Req(f"{V1}/keys/revoke", {"json": {"region_code": TPS_OUT}}),
    ),
    Endpoint(
        "POST",
        f"{V1}/users/bulk",
        "manage",
        201,
        lambda w, x: Req(
            f"{V1}/users/bulk",
            {"json": {"users": [{"username": f"b{w.unique()}", "role": "admin"}]}},
        ),
    ),
    # Open to anyone (no identity yet): the token decides; a made-up one is 401 for every caller.
    # Tokens that work: tests/auth/test_onboarding_api.py.
    Endpoint(
        "POST",
        f"{V1}/auth/set-password",
        "open",
        401,
        lambda w, x: Req(
            f"{V1}/auth/set-password", {"json": {"token": "not.a.token", "password": PASSWORD}}
        ),
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
