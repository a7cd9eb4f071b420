"""GET/PATCH /discrepancies: filters, keyset pagination under inserts, summary, CSV, PATCH
rules and history; GET /regions/{code}/tally and GET /tps/{tps}."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Discrepancy
from tests.verification.conftest import (
    DESA_A,
    GUB,
    GUB_FORM,
    KEC,
    TPS_A1,
    TPS_A2,
    TPS_B1,
    TPS_OTHER,
    WALI,
    World,
)

URL = "/api/v1/discrepancies"


def _add(
    session: Session,
    n: int,
    region: str,
    *,
    rule: str = "PASLON_SUM",
    severity: str = "error",
    contest: str = GUB,
) -> list[int]:
    rows = []
    for i in range(n):
        row = Discrepancy(
            identity=f"{rule}|{contest}|{region}|f{i}|{datetime.now(UTC)}",
            rule=rule,
            severity=severity,
            contest_id=contest,
            region_code=region,
            kecamatan_code=region[:6] if len(region) >= 6 else None,
            kabupaten_code=region[:4],
            provinsi_code=region[:2],
            tps_code=region if len(region) == 13 else None,
            field=f"f{i}",
            message="m",
        )
        session.add(row)
        rows.append(row)
    session.commit()
    return [r.id for r in rows if r.id is not None]


def _all_pages(client: TestClient, params: dict[str, Any], between: Any = None) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, params=query).json()
        ids += [d["id"] for d in page["items"]]
        if between is not None:
            between()
            between = None
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def test_pagination_is_stable_under_inserts(
    client: TestClient, world: World, session: Session
) -> None:
    first = _add(session, 25, TPS_A1)
    later: list[int] = []
    ids = _all_pages(client, {"limit": 10}, between=lambda: later.extend(_add(session, 5, TPS_A2)))
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    assert set(first) <= set(ids) and set(later) <= set(ids)


def test_region_filter_at_every_level(client: TestClient, world: World, session: Session) -> None:
    a1, a2 = _add(session, 2, TPS_A1), _add(session, 1, TPS_A2)
    b1, other = _add(session, 1, TPS_B1), _add(session, 3, TPS_OTHER)
    desa = _add(session, 1, DESA_A, rule="DESA_VS_DHASIL")
    kec = _add(session, 1, KEC, rule="KECAMATAN_VS_DHASIL")
    expect = {
        "16": a1 + a2 + b1 + other + desa + kec,
        "1671": a1 + a2 + b1 + other + desa + kec,
        KEC: a1 + a2 + b1 + desa + kec,
        DESA_A: a1 + a2 + desa,
        TPS_A1: a1,
    }
    for region, wanted in expect.items():
        assert sorted(_all_pages(client, {"region": region, "limit": 2})) == sorted(wanted), region
    assert client.get(URL, params={"region": "123"}).status_code == 422


def test_other_filters_and_summary(client: TestClient, world: World, session: Session) -> None:
    _add(session, 2, TPS_A1)
    warn = _add(session, 3, TPS_OTHER, rule="CROSS_CONTEST", severity="warning", contest=WALI)
    assert sorted(_all_pages(client, {"severity": "warning"})) == warn
    assert sorted(_all_pages(client, {"rule": "CROSS_CONTEST", "contest": WALI})) == warn
    assert _all_pages(client, {"status": "resolved"}) == []
    future = "2999-01-01T00:00:00+00:00"
    assert _all_pages(client, {"since": future}) == []
    summary = client.get(f"{URL}/summary", params={"region": "1671"}).json()
    assert summary["total"] == 5
    assert summary["by_rule"] == {"PASLON_SUM": 2, "CROSS_CONTEST": 3}
    assert summary["by_severity"] == {"error": 2, "warning": 3}
    assert summary["by_status"] == {"open": 5}
    assert summary["by_region"] == {KEC: 2, "167102": 3}


def test_csv_export(client: TestClient, world: World, session: Session) -> None:
    ids = _add(session, 3, TPS_A1)
    resp = client.get(f"{URL}.csv", params={"region": KEC})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [int(r["id"]) for r in rows] == ids
    assert rows[0]["rule"] == "PASLON_SUM" and rows[0]["tps_code"] == TPS_A1


def test_patch_rules_and_history(client: TestClient, world: World, session: Session) -> None:
    (did,) = _add(session, 1, TPS_A1)
    url = f"{URL}/{did}"
    assert client.patch(url, json={"status": "resolved"}, headers=world.admin).status_code == 422
    resp = client.patch(url, json={"status": "dismissed"}, headers=world.bawaslu)
    assert resp.status_code == 422 and "note" in resp.json()["fields"]
    assert client.patch(url, json={"status": "weird"}, headers=world.admin).status_code == 422
    assert client.patch(url, json={"status": "acknowledged"}, headers=world.ppk).status_code == 403
    assert client.patch(url, json={"status": "acknowledged"}).status_code == 401
    ok = client.patch(url, json={"status": "acknowledged", "note": "seen"}, headers=world.bawaslu)
    assert ok.status_code == 200
    done = client.patch(
        url, json={"status": "dismissed", "note": "witness confirmed"}, headers=world.bawaslu
    ).json()
    assert done["status"] == "dismissed"
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in done["history"]] == [
        ("open", "acknowledged", "user:bawaslu1"),
        ("acknowledged", "dismissed", "user:bawaslu1"),
    ]
    assert client.get(f"{URL}/999999").status_code == 404


def test_detail_shows_the_evidence(post: Any, client: TestClient, world: World, drain: Any) -> None:
    answer = post(TPS_A1, {**GUB_FORM, "suara_paslon_1": 158}).json()
    drain()
    did = client.get(URL, params={"region": TPS_A1}).json()["items"][0]["id"]
    detail = client.get(f"{URL}/{did}").json()
    sub = next(e for e in detail["evidence_detail"] if e["kind"] == "submission")
    assert sub["id"] == answer["submission_id"]
    assert sub["values"]["suara_paslon_1"] == 158 and sub["source"] == "ppk"
    assert sub["by"] == "user:ppk1"


def test_tally_sums_accepted_values(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    post(TPS_A1, GUB_FORM)
    post(TPS_A2, {**GUB_FORM, "suara_paslon_1": 158})
    drain()
    tally = client.get(f"/api/v1/regions/{KEC}/tally", params={"contest": GUB}).json()
    assert (tally["tps_total"], tally["tps_reported"]) == (3, 2)
    assert tally["values"]["suara_sah"] == 620
    assert tally["values"]["suara_paslon_1"] == 308
    assert tally["open_discrepancies"]["error"] >= 1
    desa = client.get(f"/api/v1/regions/{DESA_A}/tally", params={"contest": GUB}).json()
    assert desa["tps_total"] == 2
    nation = client.get("/api/v1/regions/16/tally", params={"contest": WALI}).json()
    assert (nation["tps_total"], nation["tps_reported"], nation["values"]) == (4, 0, {})
    missing = client.get(f"/api/v1/regions/{KEC}/tally", params={"contest": "x-1"})
    assert missing.status_code == 404
    assert client.get("/api/v1/regions/999999/tally", params={"contest": GUB}).status_code == 404


def test_tps_view_lists_every_contest(
    post: Any, client: TestClient, world: World, drain: Any
) -> None:
    post(TPS_A1, GUB_FORM)
    drain()
    view = client.get(f"/api/v1/tps/{TPS_A1}").json()
    assert [c["contest_id"] for c in view["contests"]] == [WALI, GUB]
    gub = view["contests"][1]
    assert gub["accepted"] == GUB_FORM and gub["photos"] == []
    assert len(gub["submissions"]) == 1 and gub["discrepancies"] == []
    assert client.get("/api/v1/tps/1671011001999").status_code == 404
