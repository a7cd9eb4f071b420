"""The source of a submission follows from who writes it, and a correction may only replace what
the writer's source may replace (app/domain/provenance.py): a device cannot pose as the PPK or
the plenary, nor roll a plenary correction back."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services.auth import create_device_key
from tests.verification.conftest import GUB, TPS_A1, World


def _gub(client: TestClient, world: World, drain: Any) -> dict[str, Any]:
    drain()  # accepted values are stored by the recheck the post queued
    view = client.get(f"/api/v1/tps/{TPS_A1}", headers=world.admin).json()
    return next(c for c in view["contests"] if c["contest_id"] == GUB)


def _accepted(client: TestClient, world: World, drain: Any, field: str = "suara_paslon_1") -> int:
    return int(_gub(client, world, drain)["accepted"][field])


def test_device_posing_as_plenary_is_refused_and_the_ppk_value_stays(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    assert post(TPS_A1, {"suara_paslon_1": 111}).status_code == 201
    forged = post(
        TPS_A1, {"suara_paslon_1": 999}, headers=world.kpps, source="plenary", reason="recount"
    )
    assert forged.status_code == 403, forged.text
    body = forged.json()
    assert body["error"] == "Forbidden"
    assert "not plenary" in body["fields"]["source"]
    assert _accepted(client, world, drain) == 111
    assert [s["source"] for s in _gub(client, world, drain)["submissions"]] == ["ppk"]


@pytest.mark.parametrize("claimed", ["ppk", "plenary"])
def test_device_may_not_claim_a_person_s_source(
    post: Any, client: TestClient, world: World, claimed: str, drain: Any
) -> None:
    resp = post(TPS_A1, {"suara_paslon_1": 5}, headers=world.kpps, source=claimed, reason="x")
    assert resp.status_code == 403
    assert list(resp.json()["fields"]) == ["source"]
    assert _gub(client, world, drain)["submissions"] == []


def test_device_correcting_a_plenary_correction_is_refused(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    first = post(TPS_A1, {"suara_paslon_1": 111}).json()["submission_id"]
    plenary = post(
        TPS_A1, {"suara_paslon_1": 150}, source="plenary", reason="recount", corrects=first
    )
    assert plenary.status_code == 201
    fix_id = plenary.json()["submission_id"]
    for extra in ({}, {"source": "app"}):
        rollback = post(
            TPS_A1, {"suara_paslon_1": 999}, headers=world.kpps, corrects=fix_id, **extra
        )
        assert rollback.status_code == 403, rollback.text
        assert "plenary" in rollback.json()["fields"]["corrects"]
    gub = _gub(client, world, drain)
    assert gub["accepted"]["suara_paslon_1"] == 150
    assert gub["accepted_sources"]["suara_paslon_1"] == fix_id
    assert len(gub["submissions"]) == 2


def test_device_claiming_its_own_source_and_correcting_itself_works(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    mine = post(TPS_A1, {"suara_paslon_1": 120}, headers=world.kpps, source="app")
    assert mine.status_code == 201
    fix = post(
        TPS_A1, {"suara_paslon_1": 121}, headers=world.kpps, corrects=mine.json()["submission_id"]
    )
    assert fix.status_code == 201, fix.text
    assert _accepted(client, world, drain) == 121
    assert [s["source"] for s in _gub(client, world, drain)["submissions"]] == ["app", "app"]


def test_device_may_not_correct_another_device_or_the_ppk(
    post: Any, client: TestClient, world: World, session: Session, drain: Any
) -> None:
    other = create_device_key(session=session, region_code=TPS_A1, label="saksi", actor="test")
    session.commit()
    theirs = post(TPS_A1, {"suara_paslon_1": 130}, headers={"X-API-Key": other.secret}).json()
    ppk = post(TPS_A1, {"suara_paslon_2": 90}).json()
    for target in (theirs["submission_id"], ppk["submission_id"]):
        resp = post(TPS_A1, {"suara_paslon_1": 1}, headers=world.kpps, corrects=target)
        assert resp.status_code == 403
        assert list(resp.json()["fields"]) == ["corrects"]
    assert len(_gub(client, world, drain)["submissions"]) == 2


def test_ppk_corrects_app_and_ppk_but_the_plenary_only_by_plenary(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    app_sub = post(TPS_A1, {"suara_paslon_1": 140}, headers=world.kpps).json()["submission_id"]
    ppk_fix = post(TPS_A1, {"suara_paslon_1": 141}, corrects=app_sub)
    assert ppk_fix.status_code == 201
    plenary = post(
        TPS_A1,
        {"suara_paslon_1": 142},
        source="plenary",
        reason="recount",
        corrects=ppk_fix.json()["submission_id"],
    ).json()["submission_id"]
    refused = post(TPS_A1, {"suara_paslon_1": 143}, corrects=plenary)
    assert refused.status_code == 403
    assert "corrects" in refused.json()["fields"]
    again = post(
        TPS_A1, {"suara_paslon_1": 144}, source="plenary", reason="second plenary", corrects=plenary
    )
    assert again.status_code == 201
    assert _accepted(client, world, drain) == 144


def test_a_person_may_not_pose_as_the_app(post: Any, world: World) -> None:
    for headers in (world.ppk, world.admin):
        resp = post(TPS_A1, {"suara_paslon_1": 1}, headers=headers, source="app")
        assert resp.status_code == 403
        assert list(resp.json()["fields"]) == ["source"]


def test_admin_may_record_a_plenary_correction(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    first = post(TPS_A1, {"suara_paslon_1": 111}, headers=world.kpps).json()["submission_id"]
    resp = post(
        TPS_A1,
        {"suara_paslon_1": 112},
        headers=world.admin,
        source="plenary",
        reason="berita acara",
        corrects=first,
    )
    assert resp.status_code == 201
    gub = _gub(client, world, drain)
    assert gub["accepted"]["suara_paslon_1"] == 112
    assert gub["submissions"][-1]["source"] == "plenary"


def test_a_correction_s_audit_entry_commits_to_the_row_as_stored(
    post: Any, session: Session
) -> None:
    """Intake hashes the submission from the values it inserted (no read-back): the hash must be
    the one `rekap audit verify` recomputes from the stored row, reason and `corrects` included."""
    from app.services.audit import verify_audit
    from tests.chaining import chain_now

    first = post(TPS_A1, {"suara_paslon_1": 111}).json()["submission_id"]
    reason = "hitung ulang — pleno 'Kec. Ilir' «C1» ✓"
    fix = post(TPS_A1, {"suara_paslon_1": 150, "suara_sah": 0}, source="plenary", reason=reason,
               corrects=first)  # fmt: skip
    assert fix.status_code == 201, fix.text
    chain_now(session)
    report = verify_audit(session=session)
    assert report.faults == [] and report.not_covered == 0
    assert report.covered >= 2
