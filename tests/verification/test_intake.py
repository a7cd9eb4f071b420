"""POST /tps/{tps}/results: validation naming each bad field, idempotency, corrections."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Submission, Tps
from tests.verification.conftest import (
    GUB,
    GUB_FORM,
    TPS_A1,
    TPS_OTHER,
    WALI,
    World,
)


def test_consistent_submission_is_stored_without_discrepancies(post: Any) -> None:
    resp = post(TPS_A1, GUB_FORM)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert isinstance(body["submission_id"], int)
    assert body["discrepancies"] == []


def test_every_bad_field_is_named_and_nothing_is_stored(
    post: Any, client: TestClient, world: World
) -> None:
    values = {
        **GUB_FORM,
        "suara_sah": -1,
        "suara_tidak_sah": 1.5,
        "suara_total": "318",
        "surat_rusak": True,
        "surat_diterima": 1000,
        "suara_paslon_4": 1,
        "bogus": 3,
    }
    resp = post(TPS_A1, values)
    assert resp.status_code == 422
    fields = resp.json()["fields"]
    assert set(fields) == {
        "values.suara_sah",
        "values.suara_tidak_sah",
        "values.suara_total",
        "values.surat_rusak",
        "values.surat_diterima",
        "values.suara_paslon_4",
        "values.bogus",
    }
    assert "negative" in fields["values.suara_sah"]
    assert "paslon" in fields["values.suara_paslon_4"]
    view = client.get(f"/api/v1/tps/{TPS_A1}", headers=world.admin).json()
    assert all(c["submissions"] == [] for c in view["contests"])


def test_unknown_tps_is_404_and_unknown_contest_is_422(post: Any) -> None:
    assert post("1671011001999", GUB_FORM).status_code == 404
    resp = post(TPS_A1, GUB_FORM, contest="pkwkp-99")
    assert resp.status_code == 422
    assert "contest_id" in resp.json()["fields"]


def test_contest_that_does_not_cover_the_tps_is_422(
    client: TestClient, world: World, session: Any
) -> None:
    from app.models import Contest

    session.add(
        Contest(id="pkwkk-1601", code="pkwkk", kind="bupati", region_code="1601", name="Bupati OKU")
    )
    session.commit()
    body = {"contest_id": "pkwkk-1601", "values": {"suara_sah": 1}}
    resp = client.post(f"/api/v1/tps/{TPS_A1}/results", json=body, headers=world.admin)
    assert resp.status_code == 422
    assert "does not cover" in resp.json()["fields"]["contest_id"]


def test_mayor_contest_has_two_paslon(post: Any) -> None:
    resp = post(TPS_A1, {"suara_paslon_3": 5}, contest=WALI)
    assert resp.status_code == 422
    assert list(resp.json()["fields"]) == ["values.suara_paslon_3"]


def test_plenary_correction_without_reason_is_422(post: Any) -> None:
    first = post(TPS_A1, GUB_FORM).json()["submission_id"]
    resp = post(TPS_A1, {"suara_sah": 309}, source="plenary", corrects=first)
    assert resp.status_code == 422
    assert list(resp.json()["fields"]) == ["reason"]


def test_correcting_an_unknown_submission_is_422(post: Any) -> None:
    resp = post(TPS_A1, GUB_FORM, corrects=999999, reason="x")
    assert resp.status_code == 422
    assert "corrects" in resp.json()["fields"]


def test_writes_need_an_identity_and_a_scope(client: TestClient, world: World, post: Any) -> None:
    assert post(TPS_A1, GUB_FORM, headers={}).status_code == 401
    # the PPK of 167101 may not write a TPS of 167102; the device only its own TPS
    assert post(TPS_OTHER, GUB_FORM).status_code == 403
    assert post(TPS_OTHER, GUB_FORM, headers=world.kpps).status_code == 403
    resp = post(TPS_A1, GUB_FORM, headers=world.kpps)
    assert resp.status_code == 201
    view = client.get(f"/api/v1/tps/{TPS_A1}", headers=world.admin).json()
    gub = next(c for c in view["contests"] if c["contest_id"] == GUB)
    assert gub["submissions"][0]["source"] == "app"
    assert gub["submissions"][0]["submitted_by"].startswith("device:")


def test_idempotency_key_replays_the_first_answer(client: TestClient, world: World) -> None:
    url = f"/api/v1/tps/{TPS_A1}/results"
    body = {"contest_id": GUB, "values": GUB_FORM}
    headers = {**world.ppk, "Idempotency-Key": "abc-1"}
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = client.post(url, json={**body, "values": {**GUB_FORM, "suara_sah": 1}}, headers=headers)
    assert other.status_code == 409
    view = client.get(f"/api/v1/tps/{TPS_A1}", headers=world.admin).json()
    gub = next(c for c in view["contests"] if c["contest_id"] == GUB)
    assert len(gub["submissions"]) == 1


def test_same_key_of_another_principal_is_independent(client: TestClient, world: World) -> None:
    url = f"/api/v1/tps/{TPS_A1}/results"
    body = {"contest_id": GUB, "values": GUB_FORM}
    a = client.post(url, json=body, headers={**world.ppk, "Idempotency-Key": "k"})
    b = client.post(url, json=body, headers={**world.kpps, "Idempotency-Key": "k"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["submission_id"] != b.json()["submission_id"]


def test_correction_chain_keeps_every_submission_and_accepts_the_latest(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    first = post(TPS_A1, {**GUB_FORM, "suara_paslon_1": 160}).json()
    assert [d["rule"] for d in first["discrepancies"]].count("PASLON_SUM") == 1
    fix = post(
        TPS_A1,
        {"suara_paslon_1": 150},
        source="plenary",
        reason="recount",
        corrects=first["submission_id"],
    )
    assert fix.status_code == 201, fix.text
    assert fix.json()["discrepancies"] == []
    assert fix.json()["fields"]["suara_paslon_1"]["accepted"] == 150  # at once, before the recheck
    drain()
    view = client.get(f"/api/v1/tps/{TPS_A1}", headers=world.admin).json()
    gub = next(c for c in view["contests"] if c["contest_id"] == GUB)
    assert [s["values"].get("suara_paslon_1") for s in gub["submissions"]] == [160, 150]
    assert gub["submissions"][1]["supersedes_id"] == first["submission_id"]
    assert gub["accepted"]["suara_paslon_1"] == 150
    assert gub["accepted_sources"]["suara_paslon_1"] == fix.json()["submission_id"]
    assert gub["accepted"]["suara_sah"] == GUB_FORM["suara_sah"]


def test_a_ppk_value_outranked_by_a_review_says_which_value_is_accepted_and_why(
    post: Any, session: Session, world: World
) -> None:
    tps = session.get_one(Tps, TPS_A1)
    review = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=tps.kecamatan_code, source="review",
        submitted_by="user:a & user:b", values={"suara_paslon_1": 150},
    )  # fmt: skip
    session.add(review)
    session.commit()
    answer = post(TPS_A1, {**GUB_FORM, "suara_paslon_1": 160}).json()
    outranked = answer["fields"]["suara_paslon_1"]
    assert (outranked["accepted"], outranked["source"]) == (150, "review")
    assert outranked["submission_id"] == review.id
    assert f"send corrects: {review.id}" in outranked["outranked_by"]
    own = answer["fields"]["suara_sah"]
    assert (own["accepted"], own["source"], own["outranked_by"]) == (
        GUB_FORM["suara_sah"], "ppk", None,
    )  # fmt: skip
    fixed = post(TPS_A1, {"suara_paslon_1": 160}, corrects=review.id).json()
    assert fixed["fields"]["suara_paslon_1"]["accepted"] == 160
    assert fixed["fields"]["suara_paslon_1"]["outranked_by"] is None
