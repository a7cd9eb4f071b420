"""The campaign's cast, made over HTTP as an operator would: people of each role, device keys,
a disabled user and a revoked key, submissions of each source, discrepancies, a photo."""

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from bench.redteam_site import (
    ADMIN,
    GUB,
    KEC_A,
    PASSWORD,
    PRESIDEN,
    TPS_A,
    TPS_C,
    TPS_DISC,
    Site,
)

# A consistent governor form (3 paslon): every sum holds.
FORM = {
    "pemilih_dpt_l": 200, "pemilih_dpt_p": 210, "pemilih_dpt_j": 410,
    "pengguna_dpt_l": 150, "pengguna_dpt_p": 160, "pengguna_dpt_j": 310,
    "pengguna_total_l": 150, "pengguna_total_p": 160, "pengguna_total_j": 310,
    "suara_paslon_1": 150, "suara_paslon_2": 100, "suara_paslon_3": 52,
    "suara_sah": 302, "suara_tidak_sah": 8, "suara_total": 310,
}  # fmt: skip
BROKEN_FORM = FORM | {"suara_paslon_1": 160}  # Σ paslon 312 ≠ suara sah 302


@dataclass
class World:
    """Headers of every identity (None = anonymous) and the ids the cases aim at."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)
    secret: str | None = None  # the server's signing key, read from its data dir (insider)
    setup_failures: list[str] = field(default_factory=list)

    def auth(self, who: str | None) -> dict[str, str]:
        """The headers of `who` (empty for anonymous)."""
        return dict(self.headers[who]) if who else {}


def result_body(values: dict[str, Any], reason: str, **extra: Any) -> dict[str, Any]:
    """A result post for the governor contest, tagged with a unique reason."""
    return {"contest_id": GUB, "values": values, "reason": reason, **extra}


def jpeg(seed: int) -> bytes:
    """A small distinct JPEG."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, size=(6, 8, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize((320, 240), Image.Resampling.BICUBIC).save(out, format="JPEG")
    return out.getvalue()


class Setup:
    """Builds the world through the API; any unexpected answer stops the campaign."""

    def __init__(self, site: Site, client: httpx.Client) -> None:
        self.site, self.client, self.world = site, client, World()

    def call(self, method: str, path: str, who: str | None, **kw: Any) -> Any:
        """One set-up request; raises unless it succeeds."""
        resp = self.client.request(
            method, self.site.base + path, headers=self.world.auth(who), **kw
        )
        if resp.status_code >= 300:
            raise RuntimeError(f"set-up {method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json()

    def sign_in(self, name: str, username: str) -> None:
        """Sign a person in and keep their bearer header."""
        data = {"username": username, "password": PASSWORD}
        token = self.call("POST", "/api/v1/auth/token", None, data=data)["access_token"]
        self.world.tokens[name] = token
        self.world.headers[name] = {"Authorization": f"Bearer {token}"}

    def person(self, name: str, role: str, scopes: list[str]) -> None:
        """Create a user as the admin and sign them in."""
        body = {"username": f"rt-{name}", "password": PASSWORD, "role": role, "scopes": scopes}
        self.call("POST", "/api/v1/users", "admin", json=body)
        self.sign_in(name, f"rt-{name}")

    def device(self, name: str, region: str) -> None:
        """Create a device key as the admin."""
        body = {"region_code": region, "label": name}
        new = self.call("POST", "/api/v1/keys", "admin", json=body)
        self.world.headers[name] = {"X-API-Key": new["key"]}
        self.world.key_ids[name] = new["key_id"]

    def post(self, name: str, who: str, tps: str, body: dict[str, Any]) -> dict[str, Any]:
        """A set-up result post; keeps its submission id under `name`."""
        answer: dict[str, Any] = self.call("POST", f"/api/v1/tps/{tps}/results", who, json=body)
        self.world.ids[name] = int(answer["submission_id"])
        return answer

    def build(self) -> World:
        """Everyone and everything the cases need (4 sign-ins of the 10 a minute allowed)."""
        self.sign_in("admin", ADMIN)
        self.person("ppk", "ppk", [KEC_A])
        self.person("bawaslu", "bawaslu", [KEC_A])
        self.person("gone", "ppk", [KEC_A])
        self.call("POST", "/api/v1/users/rt-gone/disable", "admin")
        for name, region in (("kpps_a", TPS_A), ("witness_a", TPS_A), ("kpps_kec", KEC_A),
                             ("revoked", TPS_A)):  # fmt: skip
            self.device(name, region)
        self.call("POST", f"/api/v1/keys/{self.world.key_ids['revoked']}/revoke", "admin")
        self._evidence()
        self.world.secret = server_secret(self.site.root)
        return self.world

    def _evidence(self) -> None:
        ids = self.world.ids
        self.post("sub_dev_a", "kpps_a", TPS_A, result_body(FORM, "rt:setup kpps"))
        self.post("sub_witness", "witness_a", TPS_A, result_body(FORM, "rt:setup witness"))
        self.post("sub_ppk", "ppk", TPS_A, result_body(FORM, "rt:setup ppk"))
        plenary = result_body(FORM, "rt:setup plenary", source="plenary")
        self.post("sub_plenary", "ppk", TPS_A, plenary)
        for name, tps in (("disc_a", TPS_DISC), ("disc_c", TPS_C)):
            answer = self.post(f"sub_{name}", "admin", tps, result_body(BROKEN_FORM, f"rt:{name}"))
            ids[name] = next(d["id"] for d in answer["discrepancies"] if d["rule"] == "PASLON_SUM")
        resp = self.client.post(
            f"{self.site.base}/api/v1/tps/{TPS_C}/photos",
            headers=self.world.auth("admin"),
            data={"contest_id": PRESIDEN, "page": "2"},
            files={"file": ("c1.jpg", jpeg(1), "image/jpeg")},
        )
        if resp.status_code == 202:
            ids["photo_c"] = int(resp.json()["photo_id"])
        else:  # a finding, not a reason to stop: the photo cases then aim at a missing id
            self.world.setup_failures.append(f"set-up photo upload → {resp.status_code}")
            ids["photo_c"] = 999_999


def server_secret(data_dir: Path) -> str | None:
    """The key the server signs with when none is configured: the one kept in its data
    directory, or else the built-in development default of older versions."""
    kept = data_dir / "secret_key"
    if kept.exists():
        return kept.read_text().strip()
    from app import config

    return getattr(config, "DEV_SECRET_KEY", None)
