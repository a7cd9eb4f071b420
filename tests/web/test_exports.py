"""The console's exports (CSV with BOM, XLSX) of the filtered discrepancy list, with region names,
notes and status history; and the printable kecamatan report."""

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.models import Discrepancy
from app.services.discrepancy_export import export_rows
from app.services.discrepancy_query import DiscrepancyFilter
from tests.web.conftest import GUB, KEC, TPS_B1, csrf

SignedIn = Callable[[str], TestClient]
NOTE = "angka Σ dicek ke plano ≠ salinan"


def _triaged(client: TestClient, session: Session) -> Discrepancy:
    """PASLON_SUM at TPS_B1 acknowledged with a note through the console."""
    found = session.exec(
        select(Discrepancy).where(Discrepancy.rule == "PASLON_SUM", Discrepancy.tps_code == TPS_B1)
    ).one()
    client.get(f"/tps/{TPS_B1}")
    data = {"status": "acknowledged", "note": NOTE, "csrf_token": csrf(client)}
    resp = client.post(f"/discrepancies/{found.id}/status", data=data, follow_redirects=False)
    assert resp.status_code == 303
    return found


def test_csv_export_has_bom_names_notes_and_history(signed_in: SignedIn, session: Session) -> None:
    client = signed_in("t-bawaslu")
    found = _triaged(client, session)
    resp = client.get("/discrepancies.csv", params={"region": KEC})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert 'filename="temuan-167101-' in resp.headers["content-disposition"]
    assert resp.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    expected = session.exec(
        select(Discrepancy.id)
        .where(Discrepancy.kecamatan_code == KEC)
        .order_by(col(Discrepancy.id))
    ).all()
    assert [int(r["#"]) for r in rows] == list(expected)
    row = next(r for r in rows if int(r["#"]) == found.id)
    assert row["Provinsi"] == "SUMATERA SELATAN" and row["Kabupaten/kota"] == "KOTA PALEMBANG"
    assert row["Kecamatan"] == f"KEC {KEC}" and row["TPS"] == "TPS 001"
    assert row["Status"] == "diakui" and row["Aturan"] == "PASLON_SUM"
    assert row["Catatan"] == NOTE
    assert row["Riwayat"].endswith(f"WIB · user:t-bawaslu · terbuka → diakui: “{NOTE}”")
    assert row["Acuan"] and row["Tertulis"] and "Σ" in row["Keterangan"]


def test_csv_export_keeps_the_list_filters(signed_in: SignedIn, session: Session) -> None:
    client = signed_in("t-bawaslu")
    resp = client.get("/discrepancies.csv", params={"rule": "PASLON_SUM", "region": "16"})
    rules = {r["Aturan"] for r in csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig")))}
    assert rules == {"PASLON_SUM"}
    bad = client.get("/discrepancies.csv", params={"rule": "NOPE"})
    assert bad.status_code == 422


def test_xlsx_export_opens_with_openpyxl(signed_in: SignedIn, session: Session) -> None:
    client = signed_in("t-bawaslu")
    found = _triaged(client, session)
    resp = client.get("/discrepancies.xlsx", params={"region": KEC, "status": "acknowledged"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(resp.content), read_only=True).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:8] == ("#", "Kode wilayah", "Provinsi", "Kabupaten/kota", "Kecamatan",
                          "Desa/kelurahan", "TPS", "Pemilihan")  # fmt: skip
    assert [r[0] for r in rows] == [found.id]
    line = dict(zip(header, rows[0], strict=True))
    assert line["Kode wilayah"] == TPS_B1 and line["Pemilihan"] == GUB
    assert isinstance(line["Acuan"], int) and line["Catatan"] == NOTE
    assert "terbuka → diakui" in str(line["Riwayat"])
    styled = load_workbook(io.BytesIO(resp.content)).active
    assert styled is not None and styled["A1"].font.bold and styled.freeze_panes == "A2"
    assert styled.column_dimensions["Q"].width == 60  # the message column is wide


def test_export_rows_read_in_batches_see_every_row_once(session: Session) -> None:
    from tests.web.conftest import seed_console_world

    seed_console_world(session)
    flt = DiscrepancyFilter(region="16")
    whole = [r.discrepancy.id for r in export_rows(session=session, flt=flt)]
    batched = [r.discrepancy.id for r in export_rows(session=session, flt=flt, batch=2)]
    assert len(whole) >= 3 and batched == whole


def test_printable_report_has_recap_open_findings_with_evidence_and_signatures(
    signed_in: SignedIn, session: Session
) -> None:
    client = signed_in("t-bawaslu")
    found = _triaged(client, session)
    recap = client.get(f"/recap/{KEC}", params={"contest": GUB}).text
    assert f'href="/recap/{KEC}/print?contest={GUB}"' in recap
    page = client.get(f"/recap/{KEC}/print", params={"contest": GUB})
    assert page.status_code == 200
    html = page.text
    assert "Laporan Rekapitulasi Kecamatan" in html and "KOTA PALEMBANG (1671)" in html
    assert 'id="report-totals"' in html and "DESA_VS_DHASIL" in html
    assert f'id="f{found.id}"' in html and NOTE in html and "diakui" in html
    assert "kiriman #" in html  # the evidence each finding points at
    assert html.count("Saksi paslon") == 3 and "Ketua PPK" in html
    dismissed = session.exec(
        select(Discrepancy).where(Discrepancy.kecamatan_code == KEC, Discrepancy.id != found.id)
    ).first()
    assert dismissed is not None
    client.post(
        f"/discrepancies/{dismissed.id}/status",
        data={"status": "dismissed", "note": "sudah dicek", "csrf_token": csrf(client)},
    )
    after = client.get(f"/recap/{KEC}/print", params={"contest": GUB}).text
    assert f'id="f{dismissed.id}"' not in after and f'id="f{found.id}"' in after


def test_printable_report_is_scoped(signed_in: SignedIn) -> None:
    client = signed_in("t-ppk-other")
    assert client.get(f"/recap/{KEC}/print").status_code == 403
