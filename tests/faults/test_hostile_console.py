"""Hostile values sent to the console's pages and forms: an HTML error page (422 naming the
parameter, or 404 for what cannot exist), never a 500, and nothing stored."""

# ruff: noqa: E501  (one request per line: the tables read as tables)

from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.faults.conftest import row_counts
from tests.web.conftest import GUB, KEC, csrf

NINES = "9" * 20
NUL = "\x00"


@dataclass(frozen=True)
class Page:
    """One hostile console request, the status it must get and the parameter the page names."""

    name: str
    method: str
    url: str
    status: int
    field: str | None
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None  # POSTed with the page's CSRF token


STATUS = "/discrepancies/{disc}/status"
ENTRIES = "/review/{item}/entries"
# fmt: off
PAGES = [
    Page("list cursor 20 nines", "GET", "/discrepancies", 422, "cursor", {"cursor": NINES}),
    Page("list cursor superscript", "GET", "/discrepancies", 422, "cursor", {"cursor": "²"}),
    Page("list cursor arabic-indic", "GET", "/discrepancies", 422, "cursor", {"cursor": "٣"}),
    Page("list keyed cursor huge", "GET", "/discrepancies", 422, "cursor", {"sort": "rule", "cursor": f"X~{NINES}"}),
    Page("list rule NUL", "GET", "/discrepancies", 422, "rule", {"rule": NUL}),
    Page("lang NUL", "GET", "/discrepancies", 422, "lang", {"lang": f"en{NUL}"}),
    Page("parameter name NUL", "GET", "/discrepancies", 422, "parameter name", {f"x{NUL}": "1"}),
    Page("evidence id huge", "GET", f"/discrepancies/{NINES}", 422, "discrepancy_id"),
    Page("status id huge", "POST", f"/discrepancies/{NINES}/status", 422, "discrepancy_id", form={"status": "acknowledged"}),
    Page("status note NUL", "POST", STATUS, 422, "note", form={"status": "dismissed", "note": f"ok{NUL}"}),
    Page("status back NUL", "POST", STATUS, 422, "back", form={"status": "acknowledged", "back": f"/x{NUL}"}),
    Page("tps code NUL", "GET", "/tps/1671011001001%00", 422, "code"),
    Page("recap contest NUL", "GET", f"/recap/{KEC}", 422, "contest", {"contest": f"{GUB}{NUL}"}),
    Page("dashboard contest NUL", "GET", "/dashboard/16", 422, "contest", {"contest": NUL}),
    Page("review kecamatan arabic-indic", "GET", "/review", 422, "kecamatan", {"kecamatan": "١٦٧١٠١"}),
    Page("review value superscript", "POST", ENTRIES, 422, "value", form={"kecamatan": KEC, "value": "²"}),
    Page("review value arabic-indic", "POST", ENTRIES, 422, "value", form={"kecamatan": KEC, "value": "٣"}),
    Page("review crop id huge", "GET", f"/review/{NINES}/crop", 422, "item_id"),
    Page("sign-in next NUL", "GET", "/signin", 422, "next", {"next": f"/{NUL}"}),
    Page("sign-in username NUL", "POST", "/signin", 422, "username", form={"username": f"t-admin{NUL}", "password": "x"}),
    Page("sign-in password NUL", "POST", "/signin", 422, "password", form={"username": "t-admin", "password": f"x{NUL}"}),
]
# Refused (or answered) without a 5xx before this defence too: kept so they stay so.
ALREADY_REFUSED = [
    Page("list cursor NUL", "GET", "/discrepancies", 422, "cursor", {"cursor": NUL}),
    Page("list region NUL", "GET", "/discrepancies", 422, "region", {"region": f"16{NUL}"}),
    Page("list sort NUL", "GET", "/discrepancies", 422, "sort", {"sort": NUL}),
    Page("list since year 1", "GET", "/discrepancies", 422, "since", {"since": "0001-01-01"}),
    Page("list since year 1 day 2", "GET", "/discrepancies", 200, None, {"since": "0001-01-02"}),
    Page("list since year 9999", "GET", "/discrepancies", 200, None, {"since": "9999-12-31"}),
    Page("list since arabic-indic", "GET", "/discrepancies", 422, "since", {"since": "٢٠٢٤-٠١-٠١"}),
    Page("evidence id superscript", "GET", "/discrepancies/²", 422, "discrepancy_id"),
    Page("evidence id NUL", "GET", "/discrepancies/1%00", 422, "discrepancy_id"),
    Page("status NUL", "POST", STATUS, 422, "status", form={"status": f"dismissed{NUL}", "note": "ok"}),
    Page("tps code 20 nines", "GET", f"/tps/{NINES}", 404, None),
    Page("recap code NUL", "GET", "/recap/167101%00", 422, "code"),
    Page("dashboard code NUL", "GET", "/dashboard/16%00", 422, "code"),
    Page("dashboard paslon huge", "GET", "/dashboard/16", 422, "paslon", {"paslon": NINES}),
    Page("photo image id huge", "GET", f"/photos/{NINES}/image", 422, "photo_id"),
    Page("photo image variant NUL", "GET", "/photos/{photo}/image", 422, "variant", {"variant": NUL}),
    Page("review kecamatan NUL", "GET", "/review", 422, "kecamatan", {"kecamatan": f"16710{NUL}"}),
    Page("review item huge", "POST", f"/review/{NINES}/entries", 422, "item_id", form={"kecamatan": KEC, "value": "1"}),
    Page("review value NUL", "POST", ENTRIES, 422, "value", form={"kecamatan": KEC, "value": f"1{NUL}"}),
]
# fmt: on


@pytest.mark.parametrize("page", PAGES + ALREADY_REFUSED, ids=lambda p: p.name)
def test_hostile_page_request_is_an_error_page_and_changes_nothing(
    page: Page, admin_console: TestClient, session: Session, row_ids: dict[str, int]
) -> None:
    before = row_counts(session)
    url = page.url.format(**row_ids)
    if page.form is None:
        resp = admin_console.request(page.method, url, params=page.params, follow_redirects=False)
    else:
        form = page.form | {"csrf_token": csrf(admin_console)}
        resp = admin_console.post(url, data=form, params=page.params, follow_redirects=False)
    assert resp.status_code == page.status, resp.text[-800:]
    if page.field is not None:
        assert resp.headers["content-type"].startswith("text/html")
        assert f"<code>{page.field}</code>" in resp.text
    assert row_counts(session) == before
