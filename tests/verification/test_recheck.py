"""Rechecking: stable identities, last_seen, resolution by a fixing submission, D.Hasil
versions and reconciliation, and the full recheck agreeing with the incremental one."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.models import Discrepancy, TpsResult
from app.services.intake import _stored_findings
from app.services.recheck_bulk import recheck_all
from tests.verification.conftest import (
    DESA_A,
    DESA_B,
    DESA_OTHER,
    GUB,
    GUB_FORM,
    KEC,
    TPS_A1,
    TPS_A2,
    TPS_B1,
    WALI,
    WALI_FORM,
    World,
)

BROKEN = {**GUB_FORM, "suara_paslon_1": 158}  # Σ paslon 318 ≠ suara sah 310


def _rules(answer: dict[str, Any]) -> set[str]:
    return {d["rule"] for d in answer["discrepancies"]}


def _one(answer: dict[str, Any], rule: str) -> dict[str, Any]:
    found = [d for d in answer["discrepancies"] if d["rule"] == rule]
    assert len(found) == 1, answer["discrepancies"]
    return found[0]


def test_breach_is_reported_with_its_numbers(post: Any) -> None:
    answer = post(TPS_A1, BROKEN).json()
    d = _one(answer, "PASLON_SUM")
    assert (d["field"], d["expected"], d["actual"], d["delta"]) == ("suara_sah", 318, 310, -8)
    assert d["tps_code"] == TPS_A1 and d["region_code"] == TPS_A1 and d["status"] == "open"
    assert {"kind": "submission", "id": answer["submission_id"]} in d["evidence"]
    assert "318" in d["message"] and "310" in d["message"]


def _stored(client: TestClient, world: World, rule: str, region: str = TPS_A1) -> dict[str, Any]:
    """The one stored discrepancy of a rule under a region (after a drain)."""
    page = client.get(
        "/api/v1/discrepancies", params={"region": region, "rule": rule}, headers=world.admin
    ).json()
    assert len(page["items"]) == 1, page
    return dict(page["items"][0])


def test_the_answer_holds_the_form_s_own_findings_and_the_recheck_stores_them(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    answer = post(TPS_A1, BROKEN).json()
    d = _one(answer, "PASLON_SUM")
    assert d["id"] is None and answer["recheck"] == "queued"  # not stored yet
    page = client.get("/api/v1/discrepancies", params={"region": TPS_A1}, headers=world.admin)
    assert page.json()["items"] == []
    counts = drain()
    assert (counts.tps, counts.done) == (1, 1)
    stored = _stored(client, world, "PASLON_SUM")
    assert {k: stored[k] for k in ("field", "expected", "actual", "delta", "evidence")} == {
        k: d[k] for k in ("field", "expected", "actual", "delta", "evidence")
    }
    assert drain().leased == 0  # nothing left


def test_same_breach_found_again_keeps_its_id_and_moves_last_seen(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    post(TPS_A1, BROKEN)
    drain()
    first = _stored(client, world, "PASLON_SUM")
    again = _one(post(TPS_A1, BROKEN).json(), "PASLON_SUM")
    assert (again["id"], again["first_seen"]) == (first["id"], first["first_seen"])
    drain()
    after = _stored(client, world, "PASLON_SUM")
    assert after["id"] == first["id"]
    assert after["first_seen"] == first["first_seen"]
    assert after["last_seen"] >= first["last_seen"]


def test_stored_findings_read_the_same_for_any_count(
    post: Any, session: Session, drain: Any
) -> None:
    """The answer's read of stored discrepancies: one statement a count of findings (direct),
    the session's expanding read beyond 64; both give every stored one asked for, nothing else."""
    post(TPS_A1, BROKEN)
    post(TPS_A2, {**GUB_FORM, "suara_tidak_sah": 9})
    drain()
    stored = {
        d.identity: (d.id, d.status, d.version, d.first_seen, d.last_seen)
        for d in session.exec(select(Discrepancy)).all()
    }
    assert len(stored) >= 2
    unknown = [f"no-such-identity-{i}" for i in range(70)]
    for asked in (list(stored)[:1], list(stored), [*stored, *unknown[:5]], [*stored, *unknown]):
        rows = _stored_findings(session, asked)
        got = {r.identity: (r.id, r.status, r.version, r.first_seen, r.last_seen) for r in rows}
        assert got == {i: stored[i] for i in asked if i in stored}, len(asked)


def test_auditor_status_is_kept_when_found_again(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    post(TPS_A1, BROKEN)
    drain()
    first = _stored(client, world, "PASLON_SUM")
    resp = client.patch(
        f"/api/v1/discrepancies/{first['id']}", json={"status": "escalated"}, headers=world.bawaslu
    )
    assert resp.status_code == 200, resp.text
    again = _one(post(TPS_A1, BROKEN).json(), "PASLON_SUM")
    assert (again["id"], again["status"]) == (first["id"], "escalated")
    drain()
    assert _stored(client, world, "PASLON_SUM")["status"] == "escalated"


def test_fixing_submission_resolves_the_breach(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    first = post(TPS_A1, BROKEN).json()
    drain()
    d = _stored(client, world, "PASLON_SUM")
    fix = post(
        TPS_A1,
        {"suara_paslon_1": 150},
        source="plenary",
        reason="typo",
        corrects=first["submission_id"],
    ).json()
    assert "PASLON_SUM" not in _rules(fix)
    drain()
    detail = client.get(f"/api/v1/discrepancies/{d['id']}", headers=world.admin).json()
    assert detail["status"] == "resolved"
    assert detail["resolved_by_submission_id"] == fix["submission_id"]
    assert detail["resolved_at"] is not None
    assert detail["history"][-1]["to_status"] == "resolved"
    # broken again: the same row reopens
    again = _one(
        post(
            TPS_A1,
            {"suara_paslon_1": 158},
            source="plenary",
            reason="again",
            corrects=fix["submission_id"],
        ).json(),
        "PASLON_SUM",
    )
    assert (again["id"], again["status"]) == (d["id"], "open")
    drain()
    assert _stored(client, world, "PASLON_SUM")["status"] == "open"


def test_sources_disagree_and_cross_contest(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    post(TPS_A1, GUB_FORM, headers=world.kpps)
    answer = post(
        TPS_A1, {**GUB_FORM, "suara_tidak_sah": 9, "suara_total": 319, "suara_sah": 310}
    ).json()
    assert "SOURCES_DISAGREE" in _rules(answer)
    wali = post(TPS_A1, {**WALI_FORM, "pemilih_dpt_l": 201, "pemilih_dpt_j": 411}, contest=WALI)
    assert "CROSS_CONTEST" not in _rules(wali.json())  # across contests: from the queue
    drain()
    page = client.get(
        "/api/v1/discrepancies", params={"region": TPS_A1, "rule": "CROSS_CONTEST"},
        headers=world.admin,
    ).json()  # fmt: skip
    assert {d["field"] for d in page["items"]} == {"pemilih_dpt_l", "pemilih_dpt_j"}


def _dhasil(client: TestClient, world: World, desa: dict[str, Any], total: dict[str, Any]) -> Any:
    body = {"contest_id": GUB, "desa": desa, "total": total}
    return client.put(f"/api/v1/kecamatan/{KEC}/dhasil", json=body, headers=world.ppk)


def test_dhasil_rejects_desa_of_another_kecamatan(client: TestClient, world: World) -> None:
    resp = _dhasil(client, world, {DESA_OTHER: {"suara_sah": 1}, DESA_A: {"bogus": 1}}, {})
    assert resp.status_code == 422
    assert set(resp.json()["fields"]) == {f"desa.{DESA_OTHER}", f"desa.{DESA_A}.bogus"}


def test_dhasil_versions_and_reconciliation(
    post: Any, client: TestClient, world: World, session: Session, drain: Any
) -> None:
    for tps in (TPS_A1, TPS_A2):
        assert post(tps, GUB_FORM).status_code == 201
    drain()
    desa_a = {k: 2 * v for k, v in GUB_FORM.items()}
    desa_b = dict(GUB_FORM)
    total = {k: desa_a[k] + desa_b[k] for k in GUB_FORM}
    moved = {"suara_paslon_1": desa_a["suara_paslon_1"] - 1, "suara_paslon_2": 201}
    moved_total = {
        "suara_paslon_1": total["suara_paslon_1"] - 1,
        "suara_paslon_2": total["suara_paslon_2"] + 1,
    }
    first = _dhasil(
        client, world, {DESA_A: {**desa_a, **moved}, DESA_B: desa_b}, {**total, **moved_total}
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    drain()  # the reconciliation the answer showed is stored by the recheck
    found = {(d["rule"], d["region_code"], d["field"]) for d in first.json()["discrepancies"]}
    assert found == {
        ("DESA_VS_DHASIL", DESA_A, "suara_paslon_1"),
        ("DESA_VS_DHASIL", DESA_A, "suara_paslon_2"),
        ("MISSING_TPS", TPS_B1, None),
    }
    row = next(d for d in first.json()["discrepancies"] if d["field"] == "suara_paslon_2")
    assert (row["expected"], row["actual"], row["delta"]) == (200, 201, 1)
    second = _dhasil(client, world, {DESA_A: desa_a, DESA_B: desa_b}, total)
    drain()
    assert second.json()["version"] == 2
    assert {d["rule"] for d in second.json()["discrepancies"]} == {"MISSING_TPS"}
    # the missing TPS reports: everything reconciles
    answer = post(TPS_B1, GUB_FORM).json()
    assert answer["discrepancies"] == []
    drain()
    stmt = select(Discrepancy).where(col(Discrepancy.kecamatan_code) == KEC)
    statuses = {d.rule: d.status for d in session.exec(stmt)}
    assert statuses == {"DESA_VS_DHASIL": "resolved", "MISSING_TPS": "resolved"}


def test_full_recheck_agrees_with_incremental(
    post: Any, client: TestClient, world: World, session: Session, drain: Any
) -> None:
    post(TPS_A1, BROKEN)
    post(TPS_A2, {**GUB_FORM, "suara_total": 948})
    post(TPS_A1, {**WALI_FORM, "pengguna_total_j": 319}, contest=WALI)
    _dhasil(client, world, {DESA_A: {"suara_sah": 1}}, {"suara_sah": 5})
    drain()

    def snapshot() -> tuple[Any, Any]:
        rows = session.exec(select(Discrepancy).execution_options(populate_existing=True))
        disc = sorted((d.id, d.identity, d.status, d.expected, d.actual) for d in rows)
        res = session.exec(select(TpsResult).execution_options(populate_existing=True))
        return disc, sorted((r.tps_code, r.contest_id, r.suara_total) for r in res)

    before = snapshot()
    assert len(before[0]) >= 5
    stats = recheck_all(session=session)
    assert stats.tps == 4 and stats.results_written == 0
    assert snapshot() == before
    session.execute(TpsResult.__table__.delete())
    recheck_all(session=session, region="1671")
    assert snapshot() == before


def test_a_full_recheck_leaves_the_planner_statistics(
    post: Any, session: Session, drain: Any
) -> None:
    """PostgreSQL: after recheck_all the tables it read and wrote are analysed (the queue's small
    batches are planned for their real sizes, autovacuum or not); SQLite: nothing to do."""
    post(TPS_A1, BROKEN)
    drain()
    recheck_all(session=session)
    if session.get_bind().dialect.name != "postgresql":
        return
    sizes = dict(
        session.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:t)"),
            {"t": ["tps", "submission", "tps_result", "discrepancy"]},
        ).all()
    )
    assert sizes["tps_result"] == 1 and sizes["submission"] == 1
    assert sizes["tps"] >= 3 and sizes["discrepancy"] >= 1
    analysed = session.execute(
        text("SELECT count(*) FROM pg_stats WHERE tablename = 'tps_result'")
    ).scalar_one()
    assert analysed > 0


def test_rules_run_on_each_source_too(post: Any, world: World) -> None:
    ppk = post(TPS_A1, GUB_FORM).json()
    assert ppk["discrepancies"] == []
    app = post(TPS_A1, BROKEN, headers=world.kpps).json()
    paslon = _one(app, "PASLON_SUM")  # the app's own form breaks the sum; the accepted one not
    assert (paslon["expected"], paslon["actual"]) == (318, 310)
    assert paslon["evidence"] == [{"kind": "submission", "id": app["submission_id"]}]
    assert _one(app, "SOURCES_DISAGREE")["field"] == "suara_paslon_1"


def test_dhasil_contest_must_cover_the_kecamatan(
    client: TestClient, world: World, session: Session
) -> None:
    from app.models import Contest

    session.add(
        Contest(id="pkwkk-1601", code="pkwkk", kind="bupati", region_code="1601", name="Bupati OKU")
    )
    session.commit()
    body = {"contest_id": "pkwkk-1601", "desa": {}, "total": {"suara_sah": -1}}
    resp = client.put(f"/api/v1/kecamatan/{KEC}/dhasil", json=body, headers=world.admin)
    assert resp.status_code == 422
    assert set(resp.json()["fields"]) == {"contest_id", "total.suara_sah"}
    unknown = client.put("/api/v1/kecamatan/169999/dhasil", json=body, headers=world.admin)
    assert unknown.status_code == 404
