"""The auditor's journey in Debian's chromium at desktop 1366x768 and phone 390x844: search a
desa by name in the header, open one of its discrepancies, triage it (status and note), export
the list as CSV and XLSX (the downloaded files' content checked: BOM, names, history) and open
the printable kecamatan report. Screenshots: test-artifacts/screenshots/auditor-*.png."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from app.models import Discrepancy, Region
from tests.web.conftest import OpenPage
from tests.web.console_server import Console, shot

pytestmark = pytest.mark.browser
SIZES = ("desktop", "phone")


def _open_tps_finding(console: Console, index: int) -> tuple[Discrepancy, str, str]:
    """An open TPS discrepancy no other journey touches, its desa's and kecamatan's names."""
    with Session(console.engine) as session:
        stmt = (
            select(Discrepancy)
            .where(Discrepancy.status == "open", col(Discrepancy.tps_code).is_not(None))
            .where(col(Discrepancy.rule).in_(("SOURCES_DISAGREE", "TURNOUT_SUM", "GENDER_SUM")))
            .order_by(col(Discrepancy.id))
        )
        found = session.exec(stmt).all()[index]
        tps = found.tps_code or ""
        desa, kec = session.get(Region, tps[:10]), session.get(Region, tps[:6])
        assert desa is not None and kec is not None
        return found, desa.name, kec.name


def _download(page: Page, link: str) -> Path:
    with page.expect_download() as info:
        page.click(link)
    return Path(info.value.path())


@pytest.mark.parametrize("size", SIZES)
def test_auditor_searches_triages_exports_and_prints(
    console: Console, open_page: OpenPage, size: str
) -> None:
    found, desa_name, kec_name = _open_tps_finding(console, SIZES.index(size))
    tps = found.tps_code or ""
    desa, note = tps[:10], f"Dicek ke plano ({size}): angka Σ ≠ salinan"
    page = open_page("bawaslu", size)
    page.fill("header form.search input[name=q]", desa_name.lower())
    page.click("header form.search button")
    hit = page.locator(f"#found-desa li[data-code='{desa}']")
    expect(hit).to_contain_text(kec_name)
    width = 1366 if size == "desktop" else 390
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"auditor-01-search-{size}")

    hit.locator("a[href^='/discrepancies']").click()
    expect(page.locator(f"#row-{found.id}")).to_be_visible()
    page.locator(f"#row-{found.id} a.evidence-link").click()
    card = page.locator(f"#d{found.id}")
    card.locator("textarea[name=note]").fill(note)
    card.locator("button[value=acknowledged]").click()
    expect(page.locator(f"#d{found.id}")).to_have_attribute("data-status", "acknowledged")
    shot(page, f"auditor-02-triaged-{size}")

    page.goto(f"{console.url}/discrepancies?region={desa}")
    expect(page.locator(f"#row-{found.id}")).to_be_visible()
    shot(page, f"auditor-03-list-exports-{size}")
    raw = _download(page, "#export-csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r["#"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    row = rows[str(found.id)]
    assert (row["Desa/kelurahan"], row["Kecamatan"], row["Status"]) == (
        desa_name,
        kec_name,
        "diakui",
    )
    assert row["Catatan"] == note and f"terbuka → diakui: “{note}”" in row["Riwayat"]
    xlsx = io.BytesIO(_download(page, "#export-xlsx").read_bytes())
    sheet = load_workbook(xlsx, read_only=True).active
    assert sheet is not None
    header, *lines = list(sheet.iter_rows(values_only=True))
    line = next(dict(zip(header, r, strict=True)) for r in lines if r[0] == found.id)
    assert line["Desa/kelurahan"] == desa_name and note in str(line["Riwayat"])

    page.goto(f"{console.url}/recap/{tps[:6]}?contest={found.contest_id}")
    page.click("#print-report")
    expect(page.locator("#signatures")).to_be_visible()
    expect(page.locator(f"#f{found.id}")).to_contain_text(note)
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    shot(page, f"auditor-04-report-print-{size}")
    assert page.errors == []  # type: ignore[attr-defined]
