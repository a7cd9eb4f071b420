"""`rekap serve` on the embedded default drains the recheck queue by itself: a post's
cross-contest finding is stored within seconds, with no second command."""

import time
from pathlib import Path

import httpx
from sqlmodel import Session

from app.db import build_engine
from app.services.auth import create_user
from app.services.migrations import upgrade_database
from tests.conftest import FreshDatabase
from tests.factories import PASSWORD
from tests.serving import serve_env, serving
from tests.verification.conftest import GUB_FORM, TPS_A1, TPS_A2, WALI, WALI_FORM, seed_world

WALI_BROKEN = {**WALI_FORM, "pemilih_dpt_l": 201, "pemilih_dpt_j": 411}


def test_serve_stores_a_posts_cross_findings_within_seconds(
    fresh_database: FreshDatabase, tmp_path: Path
) -> None:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with Session(engine) as session:
        seed_world(session)
        create_user(
            session=session, username="root", password=PASSWORD, role="admin", scopes=(),
            actor="test",
        )  # fmt: skip
        session.commit()
    engine.dispose()
    env = serve_env(url, tmp_path, REKAP_RUN_EMBEDDED_WORKER="true", REKAP_RECHECK_POLL="0.2")
    with serving(env, tmp_path / "serve.log") as served:
        api = f"{served.base_url}/api/v1"
        token = httpx.post(
            f"{api}/auth/token", data={"username": "root", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def cross_breach(tps: str) -> float:
            """Post both contests of a TPS with DPTs that disagree; seconds until the
            CROSS_CONTEST findings are listed."""
            for contest, values in (("pkwkp-16", GUB_FORM), (WALI, WALI_BROKEN)):
                body = {"contest_id": contest, "values": values}
                resp = httpx.post(f"{api}/tps/{tps}/results", json=body, headers=headers)
                assert resp.status_code == 201, resp.text
                assert resp.json()["recheck"] == "queued"
            at = time.monotonic()
            params = {"region": tps, "rule": "CROSS_CONTEST"}
            while time.monotonic() - at < 30:
                page = httpx.get(f"{api}/discrepancies", params=params, headers=headers).json()
                if page["items"]:
                    break
                time.sleep(0.05)
            fields = {d["field"] for d in page["items"]}
            assert fields == {"pemilih_dpt_l", "pemilih_dpt_j"}, served.log.read_text()
            return time.monotonic() - at

        cross_breach(TPS_A1)  # the drainer may still be starting
        assert cross_breach(TPS_A2) < 3.0
