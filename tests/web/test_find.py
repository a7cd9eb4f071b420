"""Finding things in the console: the header's search (TPS codes, region names, scope), and
region names in the discrepancy filters of the console and the API (ambiguous names are 422)."""

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Region
from app.services.place_search import AmbiguousRegion, fold, resolve_region, search_places
from tests.web.conftest import DESA_A, DESA_OTHER, KEC, KEC2, TPS_A1, TPS_A2, TPS_B1, World

SignedIn = Callable[[str], TestClient]
# Two desa share a name (as real SUKAJADIs do), in two kecamatan; a third holds it inside.
SUKAJADI_A, SUKAJADI_B, SUKAJADI_TIMUR = "1671011003", "1671021003", "1671021004"


def name_places(session: Session) -> None:
    """Real-looking names on the world's regions, plus the Sukajadi desa."""
    for code, name in ((KEC, "ILIR BARAT I"), (KEC2, "SUKARAMI"), (DESA_A, "BUKIT LAMA")):
        region = session.get(Region, code)
        assert region is not None
        region.name = name
    for code, name in (
        (SUKAJADI_A, "SUKAJADI"),
        (SUKAJADI_B, "SUKAJADI"),
        (SUKAJADI_TIMUR, "SUKAJADI TIMUR"),
    ):
        session.add(Region(code=code, level="desa", name=name, parent_code=code[:6]))
    session.flush()


def test_fold_drops_case_accents_and_spaces() -> None:
    assert fold("  Sukajádi   Timur ") == "sukajadi timur"
    assert fold("ÍLIR") == "ilir"


def test_search_finds_desa_by_name_case_and_accent_insensitive(
    session: Session, world: World
) -> None:
    name_places(session)
    result = search_places(session=session, text="sUkAjÁdi")
    desa = result.by_level["desa"]
    assert [p.code for p in desa] == [SUKAJADI_A, SUKAJADI_B, SUKAJADI_TIMUR]
    assert [name for _, name in desa[0].parents] == ["SUMATERA SELATAN", "KOTA PALEMBANG",
                                                     "ILIR BARAT I"]  # fmt: skip
    assert "kecamatan" not in result.by_level


def test_search_finds_tps_by_code_prefix_and_respects_scope(session: Session, world: World) -> None:
    whole = search_places(session=session, text=TPS_A1)
    assert [p.code for p in whole.by_level["tps"]] == [TPS_A1]
    prefix = search_places(session=session, text=KEC)
    assert [p.code for p in prefix.by_level["tps"]] == [TPS_A1, TPS_A2, TPS_B1]
    assert [p.code for p in prefix.by_level["kecamatan"]] == [KEC]
    outside = search_places(session=session, text="16710", prefixes=(KEC2,))
    assert {p.code for ps in outside.by_level.values() for p in ps} == {KEC2, DESA_OTHER}


def test_search_page_groups_by_level_with_parents_and_links(
    signed_in: SignedIn, session: Session
) -> None:
    client = signed_in("t-bawaslu")
    name_places(session)
    page = client.get("/search", params={"q": "sukajadi"})
    assert page.status_code == 200
    html = page.text
    assert 'id="found-desa"' in html and "Desa/kelurahan (3)" in html
    assert f'href="/dashboard/{SUKAJADI_A}"' in html
    assert "KOTA PALEMBANG › ILIR BARAT I" in html and "KOTA PALEMBANG › SUKARAMI" in html
    kec = client.get("/search", params={"q": "ilir barat"}).text
    assert f'href="/recap/{KEC}"' in kec
    tps = client.get("/search", params={"q": TPS_A1}).text
    assert f'href="/tps/{TPS_A1}"' in tps and "TPS 001" in tps


def test_search_says_so_in_indonesian_when_nothing_matches(signed_in: SignedIn) -> None:
    client = signed_in("t-bawaslu")
    page = client.get("/search", params={"q": "Atlantis"})
    assert page.status_code == 200
    assert "Tidak ditemukan wilayah atau TPS untuk “Atlantis”." in page.text
    assert 'name="q"' in client.get("/dashboard/16").text  # the header's box on every page


def test_ppk_search_stays_inside_its_kecamatan(signed_in: SignedIn, session: Session) -> None:
    client = signed_in("t-ppk")
    name_places(session)
    html = client.get("/search", params={"q": "sukajadi"}).text
    assert SUKAJADI_A in html and SUKAJADI_B not in html and SUKAJADI_TIMUR not in html


def test_resolve_region_names_one_region_or_lists_candidates(
    session: Session, world: World
) -> None:
    name_places(session)
    assert resolve_region(session=session, text="Sukajadi Timur") == SUKAJADI_TIMUR
    assert resolve_region(session=session, text="ilir barat i") == KEC
    assert resolve_region(session=session, text=KEC2) == KEC2
    assert resolve_region(session=session, text="sukajadi", prefixes=(KEC,)) == SUKAJADI_A
    try:
        resolve_region(session=session, text="sukajadi")
    except AmbiguousRegion as exc:
        assert [p.code for p in exc.candidates] == [SUKAJADI_A, SUKAJADI_B]
        assert SUKAJADI_A in exc.detail and SUKAJADI_B in exc.detail
    else:
        raise AssertionError("an ambiguous name must be refused")


def test_api_list_takes_a_region_name_and_refuses_an_ambiguous_one(
    client: TestClient, session: Session, world: World
) -> None:
    name_places(session)
    by_code = client.get("/api/v1/discrepancies", params={"region": KEC}).json()["items"]
    by_name = client.get("/api/v1/discrepancies", params={"region_name": "Ilir Barat I"})
    assert by_name.status_code == 200
    assert [d["id"] for d in by_name.json()["items"]] == [d["id"] for d in by_code]
    assert by_code and all(d["region_code"].startswith(KEC) for d in by_code)
    summary = client.get("/api/v1/discrepancies/summary", params={"region_name": "ilir barat i"})
    assert summary.json()["region_code"] == KEC
    ambiguous = client.get("/api/v1/discrepancies", params={"region_name": "sukajadi"})
    assert ambiguous.status_code == 422
    body = ambiguous.json()
    assert body["error"] == "AmbiguousRegion" and "region_name" in body["fields"]
    assert SUKAJADI_A in body["detail"] and SUKAJADI_B in body["detail"]
    unknown = client.get("/api/v1/discrepancies.csv", params={"region_name": "Atlantis"})
    assert unknown.status_code == 422 and "region_name" in unknown.json()["fields"]
    both = client.get("/api/v1/discrepancies", params={"region_name": "sukarami", "region": "16"})
    assert both.status_code == 422 and "region_name" in both.json()["fields"]


def test_console_list_takes_a_region_name_and_lists_candidates(
    signed_in: SignedIn, session: Session
) -> None:
    client = signed_in("t-bawaslu")
    name_places(session)
    named = client.get("/discrepancies", params={"region": "ilir barat i", "status": "open"})
    assert named.status_code == 200
    shown = set(re.findall(r'id="row-(\d+)"', named.text))
    coded = client.get("/discrepancies", params={"region": KEC, "status": "open"}).text
    assert shown and shown == set(re.findall(r'id="row-(\d+)"', coded))
    ambiguous = client.get("/discrepancies", params={"region": "Sukajadi", "status": "open"})
    assert ambiguous.status_code == 200
    assert 'id="region-candidates"' in ambiguous.text
    assert f"region={SUKAJADI_A}" in ambiguous.text and f"region={SUKAJADI_B}" in ambiguous.text
    assert "status=open" in ambiguous.text  # picking one keeps the other filters
    assert 'id="row-' not in ambiguous.text


def test_console_list_says_in_indonesian_when_no_region_has_the_name(
    signed_in: SignedIn, session: Session
) -> None:
    client = signed_in("t-ppk")
    name_places(session)
    page = client.get("/discrepancies", params={"region": "Sukarami", "status": "open"})
    assert page.status_code == 422  # outside the PPK's kecamatan: as if no region had the name
    assert "Tidak ada wilayah bernama “Sukarami” di wilayah tugas Anda" in page.text
    assert 'id="filters"' in page.text and 'id="row-' not in page.text
