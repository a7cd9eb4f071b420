"""The campaign's bookkeeping (one request, one verdict) and its identity cases: forged and stale
credentials, devices posing as someone else, corrections of others' numbers, out-of-scope
writes and reads of every role."""

import base64
import csv
import io
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from bench.redteam_site import ADMIN, GUB, KEC_A, KEC_B, TPS_A, TPS_A2, TPS_C, Site
from bench.redteam_world import FORM, World, result_body

# Groups whose refusal is a matter of access: a 2xx there is an auth bypass.
ACCESS_GROUPS = frozenset({"forged", "scope", "provenance", "signin"})
OLD_DEFAULT_SECRET = "dev-only-insecure-secret-key-change-me-in-production"


class NotSent(Exception):
    """The HTTP client itself refused to send a request (e.g. a header it cannot encode)."""


@dataclass(frozen=True)
class Case:
    """One request and what a correct service answers: refuse (4xx), allow (2xx) or any (no 5xx).
    `check` looks inside a 2xx answer and names what leaked, if anything."""

    name: str
    group: str
    method: str
    path: str
    who: str | None = None
    expect: str = "refuse"
    kw: dict[str, Any] = field(default_factory=dict)
    check: Callable[[httpx.Response], str | None] | None = None


@dataclass
class Campaign:
    """Sends cases and keeps the verdicts and every submission the service said it stored."""

    site: Site
    world: World
    client: httpx.Client
    cases: int = 0
    requests: int = 0
    five_xx: list[str] = field(default_factory=list)
    bypasses: list[str] = field(default_factory=list)
    hostile_accepted: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lost_updates: list[str] = field(default_factory=list)  # races that lost or doubled a write
    accepted: dict[int, str] = field(default_factory=dict)  # submission id → case name

    def send(self, case: Case, headers: dict[str, str] | None = None) -> httpx.Response | None:
        """Send a case's request (None when no answer came back)."""
        self.requests += 1
        hdrs = self.world.auth(case.who) | dict(case.kw.get("headers", {})) | (headers or {})
        kw = {k: v for k, v in case.kw.items() if k != "headers"}
        try:
            resp = self.client.request(
                case.method, self.site.base + case.path, headers=hdrs, timeout=60, **kw
            )
        except httpx.LocalProtocolError as exc:  # the client refused to send it: no verdict
            self.unexpected.append(f"{case.name}: not sent ({exc})")
            raise NotSent from exc
        except httpx.TransportError:
            return None
        self.remember(case.name, resp)
        return resp

    def remember(self, name: str, resp: httpx.Response) -> None:
        """Keep the submission id of every accepted result post."""
        if resp.status_code in (200, 201) and "/results" in str(resp.request.url):
            self.accepted[int(resp.json()["submission_id"])] = name

    def run(self, case: Case) -> None:
        """Send one case and judge its answer."""
        try:
            resp = self.send(case)
        except NotSent:
            return
        problem = case.check(resp) if case.check and resp is not None and resp.is_success else None
        self.judge(case.name, case.group, case.expect, resp, problem)

    def judge(
        self, name: str, group: str, expect: str, resp: httpx.Response | None, leak: str | None
    ) -> None:
        """File one verdict: 5xx (or no answer), bypass, hostile input accepted, unexpected."""
        self.cases += 1
        status = resp.status_code if resp is not None else None
        label = f"{name} → {status if status is not None else 'no answer'}"
        if status is None or status >= 500:
            self.five_xx.append(label)
        elif leak or (expect == "refuse" and status < 400):
            target = self.bypasses if group in ACCESS_GROUPS else self.hostile_accepted
            target.append(label + (f" ({leak})" if leak else ""))
        elif expect == "allow" and status >= 400:
            self.unexpected.append(label)

    def aggregate(
        self, name: str, group: str, answers: list[httpx.Response | None], leak: str | None
    ) -> None:
        """File one verdict for many parallel requests: each 5xx, and the leak if any."""
        self.cases += 1
        for i, resp in enumerate(answers):
            if resp is None or resp.status_code >= 500:
                status = resp.status_code if resp is not None else "no answer"
                self.five_xx.append(f"{name} #{i} → {status}")
        if leak:
            target = self.bypasses if group in ACCESS_GROUPS else self.hostile_accepted
            target.append(f"{name} ({leak})")


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def tampered(token: str, **claims: Any) -> str:
    """The token with its payload changed and its signature kept."""
    head, payload, sig = token.split(".")
    padded = payload + "=" * (-len(payload) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded)) | claims
    return f"{head}.{_b64(data)}.{sig}"


def forged_tokens(world: World) -> dict[str, str]:
    """Bearer tokens nobody was issued: each names the admin."""
    now = int(time.time())
    admin = {"sub": ADMIN, "role": "admin", "iat": now, "exp": now + 3600}
    tokens = {
        "old default secret": jwt.encode(admin, OLD_DEFAULT_SECRET, algorithm="HS256"),
        "old default secret, made-up user": jwt.encode(
            admin | {"sub": "root"}, OLD_DEFAULT_SECRET, algorithm="HS256"
        ),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(admin)}.",
        "another secret": jwt.encode(admin, "x" * 16 + "another-secret-0123456789", "HS256"),
        "ppk token, payload role→admin": tampered(world.tokens["ppk"], sub=ADMIN, role="admin"),
        "disabled user's token": world.tokens["gone"],
        "empty bearer": "",
        "garbage bearer": "not.a.jwt",
    }
    if world.secret:  # made with the server's own key: valid signatures, invalid claims
        secret = world.secret
        tokens["expired, right key"] = jwt.encode(admin | {"exp": now - 60}, secret, "HS256")
        no_exp = {k: v for k, v in admin.items() if k != "exp"}
        tokens["no exp, right key"] = jwt.encode(no_exp, secret, "HS256")
        with warnings.catch_warnings():  # PyJWT warns that the key is short for HS512
            warnings.simplefilter("ignore")
            tokens["HS512, right key"] = jwt.encode(admin, secret, "HS512")
    return tokens


def forged_cases(world: World) -> list[Case]:
    """Every forged token and stale key against an admin read, an admin write and a result post."""
    cases = []
    targets: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/users", {}),
        ("POST", "/api/v1/keys", {"json": {"region_code": TPS_A, "label": "forged"}}),
        ("POST", f"/api/v1/tps/{TPS_A}/results", {}),
    ]
    creds = {
        f"bearer {k}": {"Authorization": f"Bearer {v}".strip()}
        for k, v in forged_tokens(world).items()
    }
    key = world.headers["kpps_a"]["X-API-Key"]
    creds["revoked device key"] = world.headers["revoked"]
    creds["real key id, wrong secret"] = {"X-API-Key": key.split(".")[0] + ".wrong"}
    creds["garbage device key"] = {"X-API-Key": "garbage"}
    for cred, headers in creds.items():
        for method, path, kw in targets:
            name = f"forged: {cred} → {method} {path}"
            if path.endswith("/results"):
                kw = {"json": result_body(FORM, f"rt:{name}")}
            cases.append(Case(name, "forged", method, path, kw={**kw, "headers": headers}))
    return cases


def only_rows_under(scope: str) -> Callable[[httpx.Response], str | None]:
    """A check that a listing (JSON page or CSV) shows only rows under `scope`."""

    def check(resp: httpx.Response) -> str | None:
        if resp.headers.get("content-type", "").startswith("application/json"):
            codes = [str(i.get("region_code", "")) for i in resp.json().get("items", [])]
        else:
            codes = [row.get("region_code", "") for row in csv.DictReader(io.StringIO(resp.text))]
        outside = sorted({c for c in codes if not c.startswith(scope)})
        return f"shows rows of {', '.join(outside)}" if outside else None

    return check


def _scope_writes(world: World) -> list[tuple[str | None, str, str, dict[str, Any]]]:
    ids, kpps = world.ids, world.key_ids["kpps_a"]
    dhasil = {"json": {"contest_id": GUB, "desa": {}, "total": {"suara_sah": 1}}}
    patch = {"json": {"status": "acknowledged", "note": "rt"}}
    jpeg = ("x.jpg", b"\xff\xd8\xff", "image/jpeg")
    photo = {"data": {"contest_id": GUB}, "files": {"file": jpeg}}
    user = {"json": {"username": "rt-evil", "password": "x" * 12, "role": "admin"}}
    key = {"json": {"region_code": TPS_C, "label": "evil"}}
    disc_a, disc_c = (
        f"/api/v1/discrepancies/{ids['disc_a']}",
        f"/api/v1/discrepancies/{ids['disc_c']}",
    )

    def res(tag: str) -> dict[str, Any]:
        return {"json": result_body(FORM, f"rt:scope {tag}")}

    return [
        ("ppk", "POST", f"/api/v1/tps/{TPS_C}/results", res("ppk")),
        ("ppk", "PUT", f"/api/v1/kecamatan/{KEC_B}/dhasil", dhasil),
        ("ppk", "POST", f"/api/v1/tps/{TPS_C}/photos", photo),
        ("ppk", "PATCH", disc_a, patch),
        ("ppk", "POST", "/api/v1/users", user),
        ("ppk", "POST", "/api/v1/keys", key),
        ("ppk", "POST", f"/api/v1/keys/{kpps}/revoke", {}),
        ("ppk", "POST", "/api/v1/users/rt-bawaslu/disable", {}),
        ("bawaslu", "POST", f"/api/v1/tps/{TPS_A}/results", res("bawaslu")),
        ("bawaslu", "PUT", f"/api/v1/kecamatan/{KEC_A}/dhasil", dhasil),
        ("bawaslu", "PATCH", disc_c, patch),
        ("bawaslu", "GET", "/api/v1/users", {}),
        ("kpps_a", "POST", f"/api/v1/tps/{TPS_A2}/results", res("kpps other tps")),
        ("kpps_a", "POST", f"/api/v1/tps/{TPS_C}/results", res("kpps other kecamatan")),
        ("kpps_a", "POST", f"/api/v1/tps/{TPS_C}/photos", photo),
        ("kpps_a", "PUT", f"/api/v1/kecamatan/{KEC_A}/dhasil", dhasil),
        ("kpps_a", "PATCH", disc_a, patch),
        ("kpps_a", "GET", "/api/v1/keys", {}),
        ("kpps_kec", "POST", f"/api/v1/tps/{TPS_C}/results", res("kecamatan key")),
        (None, "POST", f"/api/v1/tps/{TPS_A}/results", res("anonymous")),
        (None, "PUT", f"/api/v1/kecamatan/{KEC_A}/dhasil", dhasil),
        (None, "PATCH", disc_a, patch),
        (None, "POST", "/api/v1/keys", key),
    ]


def _scope_reads(world: World) -> list[tuple[str | None, str]]:
    ids = world.ids
    photo, disc_c = f"/api/v1/photos/{ids['photo_c']}", f"/api/v1/discrepancies/{ids['disc_c']}"
    return [
        (None, f"/api/v1/tps/{TPS_A}"),
        (None, "/api/v1/discrepancies"),
        (None, f"/api/v1/regions/16/tally?contest={GUB}"),
        (None, photo),
        ("ppk", f"/api/v1/tps/{TPS_C}"),
        ("ppk", f"/api/v1/regions/{KEC_B}/tally?contest={GUB}"),
        ("ppk", disc_c),
        ("ppk", photo),
        ("ppk", f"{photo}/image"),
        ("bawaslu", f"/api/v1/tps/{TPS_C}"),
        ("bawaslu", disc_c),
        ("kpps_a", f"/api/v1/tps/{TPS_A2}"),
        ("kpps_a", f"/api/v1/tps/{TPS_C}"),
        ("kpps_a", disc_c),
    ]


def scope_cases(world: World) -> list[Case]:
    """Each role outside its scope, writing and reading (public reading is off); listings of
    each scoped role must be filtered to its scope, not refused."""
    cases = [
        Case(f"scope: {who or 'anonymous'} {method} {path}", "scope", method, path, who, kw=kw)
        for who, method, path, kw in _scope_writes(world)
    ]
    cases += [
        Case(f"scope: {who or 'anonymous'} GET {path}", "scope", "GET", path, who)
        for who, path in _scope_reads(world)
    ]
    listings = (
        "/api/v1/discrepancies",
        "/api/v1/discrepancies.csv",
        "/api/v1/discrepancies?region=16",
    )
    for who, scope in (("ppk", KEC_A), ("bawaslu", KEC_A), ("kpps_a", TPS_A)):
        for path in listings:
            name = f"scope: {who} lists {path}"
            check = only_rows_under(scope)
            cases.append(Case(name, "scope", "GET", path, who, "allow", check=check))
    return cases


def provenance_cases(world: World) -> list[Case]:
    """Devices posing as PPK or plenary, corrections of what the writer may not replace; and the
    allowed counterparts, so a refusal of everything would show."""
    ids = world.ids
    post = f"/api/v1/tps/{TPS_A}/results"

    def case(name: str, who: str, expect: str = "refuse", **extra: Any) -> Case:
        body = result_body(FORM | {"suara_tidak_sah": 8}, f"rt:{name}", **extra)
        return Case(f"provenance: {name}", "provenance", "POST", post, who, expect, {"json": body})

    return [
        case("device posing as plenary", "kpps_a", source="plenary"),
        case("device posing as ppk", "kpps_a", source="ppk"),
        case("device corrects another device", "witness_a", corrects=ids["sub_dev_a"]),
        case("device corrects the ppk", "kpps_a", corrects=ids["sub_ppk"]),
        case("device corrects the plenary", "kpps_a", corrects=ids["sub_plenary"]),
        case("ppk corrects the plenary as ppk", "ppk", corrects=ids["sub_plenary"]),
        case("device corrects another TPS", "kpps_a", corrects=ids["sub_disc_c"]),
        case("ppk corrects another kecamatan", "ppk", corrects=ids["sub_disc_c"]),
        case("device corrects its own (allowed)", "kpps_a", "allow", corrects=ids["sub_dev_a"]),
        case("ppk plenary with reason (allowed)", "ppk", "allow", source="plenary"),
    ]
