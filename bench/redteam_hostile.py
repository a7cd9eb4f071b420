"""Hostile values, sent as the admin so only the input itself can be refused: huge, negative,
fractional and non-numeric numbers, NUL bytes in every text field and query parameter, unicode
digits, 5000-digit field names and codes, bad cursors and ids. A correct answer is a 4xx."""

from typing import Any

from bench.redteam_cases import Case
from bench.redteam_site import DESA_A, GUB, KEC_A, TPS_A
from bench.redteam_world import FORM, World, jpeg, result_body

NUL = "\x00"
LONG = "1" * 5000
BAD_NUMBERS: dict[str, Any] = {
    "2^63": 2**63, "2^31": 2**31, "-1": -1, "-2^63": -(2**63), "1.5": 1.5, "1e308": 1e308,
    "string 12": "12", "null": None, "true": True, "arabic-indic digits": "١٢",
    "string with NUL": f"12{NUL}", "list": [1], "object": {"a": 1},
}  # fmt: skip
BAD_FIELDS = {
    "5000 digits": LONG, "NUL": f"suara_sah{NUL}", "superscript 2": "suara_paslon_²",
    "arabic-indic 3": "suara_paslon_٣", "fullwidth 1": "suara_paslon_１",
    "paslon 99": "suara_paslon_99", "empty": "", "100k letters": "x" * 100_000,
}  # fmt: skip
BAD_IDS = {
    "2^63": str(2**63), "2^31": str(2**31), "0": "0", "-1": "-1", "letters": "abc",
    "superscript": "²", "NUL": "1%00", "5000 digits": LONG,
}  # fmt: skip
FILTER_PARAMS = ("region", "contest", "rule", "severity", "status", "since")


def _case(name: str, method: str, path: str, expect: str = "refuse", **kw: Any) -> Case:
    return Case(f"hostile: {name}", "hostile", method, path, "admin", expect, kw)


def result_cases() -> list[Case]:
    """POST /tps/{tps}/results with every kind of bad value, field, text and shape."""
    post = f"/api/v1/tps/{TPS_A}/results"

    def body(tag: str, **extra: Any) -> dict[str, Any]:
        return result_body(FORM, f"rt:hostile {tag}") | extra

    cases = [
        _case(f"result value {k}", "POST", post, json=body(k, values=FORM | {"suara_sah": v}))
        for k, v in BAD_NUMBERS.items()
    ]
    cases += [
        _case(f"result field {k}", "POST", post, json=body(k, values={f: 1}))
        for k, f in BAD_FIELDS.items()
    ]
    texts = {"contest_id": f"{GUB}{NUL}", "reason": f"ok{NUL}", "source": f"plenary{NUL}"}
    texts |= {"contest_id 5000": LONG, "reason 5000": "r" * 5000}
    for k, v in texts.items():
        cases.append(_case(f"result {k} NUL/long", "POST", post, json=body(k, **{k.split()[0]: v})))
    for k, v in BAD_NUMBERS.items():
        # null is the default (no correction); "12" may name a real submission (lax JSON)
        if k not in ("null", "string 12"):
            cases.append(_case(f"result corrects {k}", "POST", post, json=body(k, corrects=v)))
    for k, raw in {
        "values empty": '{"contest_id": "pkwkp-16", "values": {}}',
        "values list": '{"contest_id": "pkwkp-16", "values": [1]}',
        "body list": "[]",
        "body null": "null",
        "body not JSON": "{",
        "extra field": '{"evil": 1}',
        "value 5000 digits": '{"contest_id": "pkwkp-16", "values": {"suara_sah": ' + LONG + "}}",
    }.items():
        kw = {"content": raw.encode(), "headers": {"Content-Type": "application/json"}}
        cases.append(_case(f"result {k}", "POST", post, **kw))
    for k, tps in {
        "NUL": f"{TPS_A}%00",
        "arabic-indic": "١٦٧١٠١١٠٠١٠٠١",
        "5000 digits": LONG,
        "unknown": "0" * 13,
    }.items():
        cases.append(_case(f"result tps {k}", "POST", f"/api/v1/tps/{tps}/results", json=body(k)))
    key = {"Idempotency-Key": "k" * 5000}
    cases.append(_case("result Idempotency-Key 5000", "POST", post, json=body("key"), headers=key))
    return cases


def dhasil_cases() -> list[Case]:
    """PUT /kecamatan/{code}/dhasil with bad totals, desa keys, texts and paths."""
    put = f"/api/v1/kecamatan/{KEC_A}/dhasil"

    def body(**extra: Any) -> dict[str, Any]:
        return {"contest_id": GUB, "desa": {}, "total": {"suara_sah": 1}} | extra

    cases = [
        _case(f"dhasil total {k}", "PUT", put, json=body(total={"suara_sah": v}))
        for k, v in BAD_NUMBERS.items()
    ]
    for k, desa in {
        "value 2^63": {DESA_A: {"suara_sah": 2**63}},
        "key NUL": {f"{DESA_A}{NUL}": {"suara_sah": 1}},
        "key 5000 digits": {LONG: {"suara_sah": 1}},
        "field 5000 digits": {DESA_A: {LONG: 1}},
    }.items():
        cases.append(_case(f"dhasil desa {k}", "PUT", put, json=body(desa=desa)))
    cases.append(_case("dhasil contest NUL", "PUT", put, json=body(contest_id=f"{GUB}{NUL}")))
    cases.append(_case("dhasil reason NUL", "PUT", put, json=body(reason=f"ok{NUL}")))
    for k, code in {"NUL": f"{KEC_A}%00", "arabic-indic": "١٦٧١٠١", "5000": LONG}.items():
        cases.append(
            _case(f"dhasil path {k}", "PUT", f"/api/v1/kecamatan/{code}/dhasil", json=body())
        )
    return cases


def discrepancy_cases(world: World) -> list[Case]:
    """NUL in every filter of every listing; bad cursors, limits, dates and ids; bad PATCHes."""
    cases = []
    for path in ("/api/v1/discrepancies/summary", "/api/v1/discrepancies.csv"):
        for param in FILTER_PARAMS:
            cases.append(_case(f"{path} {param} NUL", "GET", path, params={param: f"1{NUL}"}))
    for param in (*FILTER_PARAMS, "cursor", "limit"):
        cases.append(_case(f"discrepancies {param} NUL", "GET", "/api/v1/discrepancies",
                           params={param: f"1{NUL}"}))  # fmt: skip
    listing = "/api/v1/discrepancies"
    for k, v in {
        "letters": "abc",
        "-1": "-1",
        "2^63": str(2**63),
        "superscript": "²",
        "arabic-indic": "١",
        "5000 digits": LONG,
    }.items():
        cases.append(_case(f"cursor {k}", "GET", listing, params={"cursor": v}))
    for k, v in {"2^63": str(2**63), "-1": "-1", "superscript": "²"}.items():
        cases.append(_case(f"limit {k}", "GET", listing, params={"limit": v}))
    for k, v in {
        "year 1": "0001-01-01T00:00:00+14:00",
        "year 9999": "9999-12-31T23:59:59-14:00",
    }.items():
        cases.append(_case(f"since {k}", "GET", listing, "any", params={"since": v}))
    cases.append(_case("since not a date", "GET", listing, params={"since": "yesterday"}))
    for k, v in BAD_IDS.items():
        cases.append(_case(f"discrepancy id {k}", "GET", f"{listing}/{v}"))
        cases.append(_case(f"patch id {k}", "PATCH", f"{listing}/{v}", json={"status": "open"}))
    one = f"{listing}/{world.ids['disc_c']}"
    for k, change in {
        "status NUL": {"status": f"open{NUL}"},
        "note NUL": {"status": "acknowledged", "note": f"n{NUL}"},
        "status 5000": {"status": "s" * 5000},
        "note 100k": {"status": "escalated", "note": "n" * 100_000},
        "status resolved": {"status": "resolved"},
        "dismissed without note": {"status": "dismissed"},
    }.items():
        cases.append(_case(f"patch {k}", "PATCH", one, json=change))
    return cases


def photo_and_review_cases(world: World) -> list[Case]:
    """Photo ids, variants, multipart fields; review ids and kecamatan codes."""
    photo = world.ids["photo_c"]
    cases = [_case(f"photo id {k}", "GET", f"/api/v1/photos/{v}") for k, v in BAD_IDS.items()]
    for k, v in {"NUL": f"rectified{NUL}", "5000": "x" * 5000}.items():
        cases.append(
            _case(
                f"photo variant {k}", "GET", f"/api/v1/photos/{photo}/image", params={"variant": v}
            )
        )
    upload = f"/api/v1/tps/{TPS_A}/photos"
    for k, form in {
        "page superscript": {"page": "²"},
        "page 2^63": {"page": str(2**63)},
        "page -1": {"page": "-1"},
        "contest NUL": {"contest_id": f"{GUB}{NUL}"},
        "contest 5000": {"contest_id": LONG},
    }.items():
        data = {"contest_id": GUB} | form
        cases.append(
            _case(
                f"upload {k}",
                "POST",
                upload,
                data=data,
                files={"file": ("p.jpg", jpeg(7), "image/jpeg")},
            )
        )
    for k, content in {"empty file": b"", "not an image": b"hello " * 100}.items():
        cases.append(
            _case(
                f"upload {k}",
                "POST",
                upload,
                data={"contest_id": GUB},
                files={"file": ("p.jpg", content, "image/jpeg")},
            )
        )
    for k, v in BAD_IDS.items():
        cases.append(
            _case(f"review entry id {k}", "POST", f"/api/v1/review/{v}/entries", json={"value": 1})
        )
        cases.append(_case(f"review crop id {k}", "GET", f"/api/v1/review/{v}/crop"))
    for k, v in {"NUL": f"16710{NUL}", "arabic-indic": "١٦٧١٠١", "5000": LONG}.items():
        cases.append(
            _case(
                f"review next kecamatan {k}", "GET", "/api/v1/review/next", params={"kecamatan": v}
            )
        )
    return cases


def identity_cases() -> list[Case]:
    """Regions, TPS and tally paths; people, keys and sign-in fields."""
    cases = []
    for k, v in {"NUL": "16%00", "5000 digits": LONG, "arabic-indic": "١٦"}.items():
        cases.append(_case(f"region {k}", "GET", f"/api/v1/regions/{v}"))
        cases.append(_case(f"tps read {k}", "GET", f"/api/v1/tps/{v}"))
        cases.append(
            _case(f"tally {k}", "GET", f"/api/v1/regions/{v}/tally", params={"contest": GUB})
        )
    cases.append(
        _case("tally contest NUL", "GET", "/api/v1/regions/16/tally", params={"contest": NUL})
    )
    cases.append(_case("tally without contest", "GET", "/api/v1/regions/16/tally"))
    user = {"username": "rt-new", "password": "long enough 123", "role": "ppk", "scopes": [KEC_A]}
    for k, change in {
        "username NUL": {"username": f"ana{NUL}"},
        "password NUL": {"password": f"long enough{NUL}"},
        "role NUL": {"role": f"admin{NUL}"},
        "scope NUL": {"scopes": [f"{KEC_A}{NUL}"]},
        "scope arabic-indic": {"scopes": ["١٦٧١٠١"]},
        "username 5000": {"username": "u" * 5000},
        "role superuser": {"role": "superuser"},
    }.items():
        cases.append(_case(f"user {k}", "POST", "/api/v1/users", json=user | change))
    for k, key in {
        "label NUL": {"region_code": TPS_A, "label": f"hp{NUL}"},
        "region NUL": {"region_code": f"{KEC_A}{NUL}"},
        "region arabic-indic": {"region_code": "١٦٧١٠١"},
        "region 5000": {"region_code": LONG},
    }.items():
        cases.append(_case(f"key {k}", "POST", "/api/v1/keys", json=key))
    cases.append(_case("disable NUL", "POST", "/api/v1/users/ana%00/disable"))
    cases.append(_case("revoke NUL", "POST", "/api/v1/keys/k_1%00/revoke"))
    for k, form in {
        "username NUL": {"username": f"rt-admin{NUL}", "password": "x"},
        "username 5000": {"username": "u" * 5000, "password": "x"},
    }.items():
        cases.append(_case(f"sign-in {k}", "POST", "/api/v1/auth/token", data=form))
    cases.append(
        _case(
            "set-password forged token",
            "POST",
            "/api/v1/auth/set-password",
            json={"token": "forged", "password": "long enough 123"},
        )
    )
    return cases


def hostile_cases(world: World) -> list[Case]:
    """Every hostile-input case."""
    return (
        result_cases()
        + dhasil_cases()
        + discrepancy_cases(world)
        + photo_and_review_cases(world)
        + identity_cases()
    )
