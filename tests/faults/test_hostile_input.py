"""Hostile values and encodings sent to the API: huge integers, thousand-digit field names,
Unicode digits, NUL bytes and lone surrogates. Each must be a 4xx naming the field, never a 500,
and must leave every table as it was."""

# ruff: noqa: E501  (one request per line: the tables read as tables)

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.faults.conftest import row_counts
from tests.web.conftest import DESA_A, DESA_B, GUB, KEC, TPS_A1

HUGE = 2**63  # past SQLite's INTEGER and PostgreSQL's BIGINT
BIG = 2**31  # past PostgreSQL's INTEGER
TWENTY_NINES = "9" * 20
LONG_DIGITS = "suara_paslon_" + "9" * 5000  # int() refuses more than 4300 digits
NUL = "\x00"
SURROGATE = "\ud800"  # valid JSON (an escape), not encodable as UTF-8


@dataclass(frozen=True)
class Case:
    """One hostile request and the answer it must get: status and the field `fields` names."""

    name: str
    method: str
    url: str
    status: int
    field: str | None
    body: Any = None  # sent as JSON text with ASCII escapes (so lone surrogates survive)
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] | None = None  # a form body instead of JSON
    headers: dict[str, str] = field(default_factory=dict)


def _result(**changes: Any) -> dict[str, Any]:
    return {"contest_id": GUB, "values": {"suara_sah": 1}} | changes


def _dhasil(**changes: Any) -> dict[str, Any]:
    return {"contest_id": GUB, "desa": {}, "total": {"suara_sah": 1}} | changes


RESULTS = "/api/v1/tps/{tps}/results"
DHASIL = "/api/v1/kecamatan/{kec}/dhasil"
# fmt: off
CASES = [
    # --- C.Hasil submissions
    Case("field 5000 digits", "POST", RESULTS, 422, f"values.{LONG_DIGITS}", _result(values={LONG_DIGITS: 1})),
    Case("field superscript 2", "POST", RESULTS, 422, "values.suara_paslon_²", _result(values={"suara_paslon_²": 1})),
    Case("corrects 2^63", "POST", RESULTS, 422, "corrects", _result(corrects=HUGE)),
    Case("corrects 2^31", "POST", RESULTS, 422, "corrects", _result(corrects=BIG)),
    Case("corrects -2^63", "POST", RESULTS, 422, "corrects", _result(corrects=-HUGE)),
    Case("corrects true", "POST", RESULTS, 422, "corrects", _result(corrects=True)),
    Case("corrects as text", "POST", RESULTS, 422, "corrects", _result(corrects="1")),
    Case("reason NUL", "POST", RESULTS, 422, "reason", _result(reason=f"salah{NUL}hitung")),
    Case("reason control", "POST", RESULTS, 422, "reason", _result(reason="salah\x1bhitung")),
    Case("contest_id NUL", "POST", RESULTS, 422, "contest_id", _result(contest_id=f"pkwkp{NUL}")),
    Case("results tps path NUL", "POST", "/api/v1/tps/167101%00/results", 422, "tps", _result()),
    # --- D.Hasil versions
    Case("total 2^63", "PUT", DHASIL, 422, "total.suara_sah", _dhasil(total={"suara_sah": HUGE})),
    Case("total 2^31", "PUT", DHASIL, 422, "total.suara_sah", _dhasil(total={"suara_sah": BIG})),
    Case("total over bound", "PUT", DHASIL, 422, "total.suara_sah", _dhasil(total={"suara_sah": 10**7 + 1})),
    Case("desa 2^63", "PUT", DHASIL, 422, f"desa.{DESA_A}.suara_sah", _dhasil(desa={DESA_A: {"suara_sah": HUGE}})),
    Case("desa sum over bound", "PUT", DHASIL, 422, "desa.*.suara_sah", _dhasil(desa={DESA_A: {"suara_sah": 10**7}, DESA_B: {"suara_sah": 10**7}})),
    Case("desa 2^31", "PUT", DHASIL, 422, f"desa.{DESA_A}.suara_sah", _dhasil(desa={DESA_A: {"suara_sah": BIG}})),
    Case("dhasil field 5000 digits", "PUT", DHASIL, 422, f"total.{LONG_DIGITS}", _dhasil(total={LONG_DIGITS: 1})),
    Case("dhasil field superscript", "PUT", DHASIL, 422, "total.suara_paslon_²", _dhasil(total={"suara_paslon_²": 1})),
    Case("dhasil reason NUL", "PUT", DHASIL, 422, "reason", _dhasil(reason=NUL)),
    Case("dhasil contest NUL", "PUT", DHASIL, 422, "contest_id", _dhasil(contest_id=NUL)),
    Case("kecamatan path NUL", "PUT", "/api/v1/kecamatan/1671%00/dhasil", 422, "code", _dhasil()),
    # --- discrepancies: cursors, ids, filters, status changes
    Case("cursor 20 nines", "GET", "/api/v1/discrepancies", 422, "cursor", params={"cursor": TWENTY_NINES}),
    Case("cursor 2^31", "GET", "/api/v1/discrepancies", 422, "cursor", params={"cursor": str(BIG)}),
    Case("cursor superscript", "GET", "/api/v1/discrepancies", 422, "cursor", params={"cursor": "²"}),
    Case("cursor arabic-indic", "GET", "/api/v1/discrepancies", 422, "cursor", params={"cursor": "٣"}),
    Case("region superscript", "GET", "/api/v1/discrepancies", 422, "region", params={"region": "¹⁶"}),
    Case("contest NUL", "GET", "/api/v1/discrepancies", 422, "contest", params={"contest": NUL}),
    Case("rule NUL", "GET", "/api/v1/discrepancies", 422, "rule", params={"rule": NUL}),
    Case("severity NUL", "GET", "/api/v1/discrepancies", 422, "severity", params={"severity": NUL}),
    Case("csv rule NUL", "GET", "/api/v1/discrepancies.csv", 422, "rule", params={"rule": NUL}),
    Case("patch note NUL", "PATCH", "/api/v1/discrepancies/{disc}", 422, "note", {"status": "dismissed", "note": f"ok{NUL}"}),
    # --- photos and review
    Case("review next arabic-indic", "GET", "/api/v1/review/next", 422, "kecamatan", params={"kecamatan": "١٦٧١٠١"}),
    # --- regions, TPS, tally
    Case("region superscript digits", "GET", "/api/v1/regions/¹⁶", 422, "code"),
    Case("tps path NUL", "GET", "/api/v1/tps/%00", 422, "tps"),
    Case("tally contest NUL", "GET", "/api/v1/regions/16/tally", 422, "contest", params={"contest": NUL}),
    Case("tally arabic-indic code", "GET", "/api/v1/regions/١٦/tally", 422, "code", params={"contest": GUB}),
    # --- people, device keys, sign-in
    Case("password NUL", "POST", "/api/v1/users", 422, "password", {"username": "ana", "password": f"long enough{NUL}", "role": "admin"}),
    Case("scope NUL", "POST", "/api/v1/users", 422, "scopes.0", {"username": "ana", "password": "long enough", "role": "ppk", "scopes": [f"167101{NUL}"]}),
    Case("scope arabic-indic", "POST", "/api/v1/users", 422, "scope", {"username": "ana", "password": "long enough", "role": "ppk", "scopes": ["١٦٧١٠١"]}),
    Case("disable path NUL", "POST", "/api/v1/users/ana%00/disable", 422, "username"),
    Case("key label NUL", "POST", "/api/v1/keys", 422, "label", {"region_code": TPS_A1, "label": f"hp{NUL}"}),
    Case("key region NUL", "POST", "/api/v1/keys", 422, "region_code", {"region_code": f"{TPS_A1[:12]}{NUL}"}),
    Case("key region superscript", "POST", "/api/v1/keys", 422, "tps", {"region_code": "¹" * 13}),
    Case("revoke path NUL", "POST", "/api/v1/keys/k_1%00/revoke", 422, "key_id"),
    Case("sign-in username NUL", "POST", "/api/v1/auth/token", 422, "username", data={"username": f"t-admin{NUL}", "password": "x"}),
]
# Refused (or answered) without a 5xx before this defence too: kept so they stay so.
ALREADY_REFUSED = [
    Case("values 2^63", "POST", RESULTS, 422, "values.suara_sah", _result(values={"suara_sah": HUGE})),
    Case("values 2^31", "POST", RESULTS, 422, "values.suara_sah", _result(values={"suara_sah": BIG})),
    Case("values -2^63", "POST", RESULTS, 422, "values.suara_sah", _result(values={"suara_sah": -HUGE})),
    Case("field arabic-indic 3", "POST", RESULTS, 422, "values.suara_paslon_٣", _result(values={"suara_paslon_٣": 1})),
    Case("field fullwidth 1", "POST", RESULTS, 422, "values.suara_paslon_１", _result(values={"suara_paslon_１": 1})),
    Case("field NUL", "POST", RESULTS, 422, f"values.suara_sah{NUL}", _result(values={f"suara_sah{NUL}": 1})),
    Case("reason surrogate", "POST", RESULTS, 422, "reason", _result(reason=f"x{SURROGATE}")),
    Case("idempotency key too long", "POST", RESULTS, 422, "Idempotency-Key", _result(), headers={"Idempotency-Key": "k" * 201}),
    Case("desa key NUL", "PUT", DHASIL, 422, f"desa.{DESA_A}{NUL}", _dhasil(desa={f"{DESA_A}{NUL}": {"suara_sah": 1}})),
    Case("cursor NUL", "GET", "/api/v1/discrepancies", 422, "cursor", params={"cursor": NUL}),
    Case("region NUL", "GET", "/api/v1/discrepancies", 422, "region", params={"region": f"16{NUL}"}),
    Case("status NUL", "GET", "/api/v1/discrepancies", 422, "status", params={"status": NUL}),
    Case("since year 1", "GET", "/api/v1/discrepancies", 200, None, params={"since": "0001-01-01T00:00:00+14:00"}),
    Case("since year 9999", "GET", "/api/v1/discrepancies", 200, None, params={"since": "9999-12-31T23:59:59-14:00"}),
    Case("summary region NUL", "GET", "/api/v1/discrepancies/summary", 422, "region", params={"region": NUL}),
    Case("discrepancy id huge", "GET", f"/api/v1/discrepancies/{TWENTY_NINES}", 422, "discrepancy_id"),
    Case("discrepancy id superscript", "GET", "/api/v1/discrepancies/²", 422, "discrepancy_id"),
    Case("discrepancy id NUL", "GET", "/api/v1/discrepancies/1%00", 422, "discrepancy_id"),
    Case("patch id huge", "PATCH", f"/api/v1/discrepancies/{TWENTY_NINES}", 422, "discrepancy_id", {"status": "acknowledged"}),
    Case("patch status NUL", "PATCH", "/api/v1/discrepancies/{disc}", 422, "status", {"status": f"dismissed{NUL}"}),
    Case("photo id huge", "GET", f"/api/v1/photos/{TWENTY_NINES}", 422, "photo_id"),
    Case("photo id superscript", "GET", "/api/v1/photos/²", 422, "photo_id"),
    Case("photo image id huge", "GET", f"/api/v1/photos/{TWENTY_NINES}/image", 422, "photo_id"),
    Case("photo variant NUL", "GET", "/api/v1/photos/{photo}/image", 422, "variant", params={"variant": NUL}),
    Case("review next NUL", "GET", "/api/v1/review/next", 422, "kecamatan", params={"kecamatan": f"16710{NUL}"}),
    Case("review item huge", "POST", f"/api/v1/review/{TWENTY_NINES}/entries", 422, "item_id", {"value": 1}),
    Case("review value 2^63", "POST", "/api/v1/review/{item}/entries", 422, "value", {"value": HUGE}),
    Case("review crop huge", "GET", f"/api/v1/review/{TWENTY_NINES}/crop", 422, "item_id"),
    Case("region path NUL", "GET", "/api/v1/regions/16%00", 422, "code"),
    Case("region 20 nines", "GET", f"/api/v1/regions/{TWENTY_NINES}", 422, "code"),
    Case("tps 20 nines", "GET", f"/api/v1/tps/{TWENTY_NINES}", 404, None),
    Case("tally path NUL", "GET", "/api/v1/regions/16%00/tally", 422, "code", params={"contest": GUB}),
    Case("username NUL", "POST", "/api/v1/users", 422, "username", {"username": f"ana{NUL}", "password": "long enough", "role": "admin"}),
    Case("role NUL", "POST", "/api/v1/users", 422, "role", {"username": "ana", "password": "long enough", "role": f"admin{NUL}"}),
]
# fmt: on


def _url(case: Case, ids: dict[str, int]) -> str:
    return case.url.format(tps=TPS_A1, kec=KEC, **ids)


def _send(client: TestClient, case: Case, url: str, headers: dict[str, str]) -> Any:
    if case.data is not None:
        return client.request(case.method, url, data=case.data, params=case.params)
    content = None if case.body is None else json.dumps(case.body).encode()
    return client.request(
        case.method,
        url,
        content=content,
        params=case.params,
        headers=headers | case.headers | {"Content-Type": "application/json"},
    )


@pytest.mark.parametrize("case", CASES + ALREADY_REFUSED, ids=lambda c: c.name)
def test_hostile_request_is_refused_and_changes_nothing(
    case: Case,
    client: TestClient,
    session: Session,
    admin_api: dict[str, str],
    row_ids: dict[str, int],
) -> None:
    before = row_counts(session)
    resp = _send(client, case, _url(case, row_ids), admin_api)
    assert resp.status_code == case.status, resp.text[:500]
    if case.status >= 400:
        body = resp.json()
        assert set(body) <= {"error", "detail", "fields"} and body["detail"]
        if case.field is not None:
            assert case.field in body.get("fields", {}), body
    assert row_counts(session) == before
