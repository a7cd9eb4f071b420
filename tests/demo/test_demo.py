"""The Sumatera Selatan demo: counts, published sums, planted problems, determinism, loading."""

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.demo.build import CONTESTS, DemoDataset, build_dataset
from app.demo.generate import sum_values
from app.demo.president import PRESIDENT, PRESIDENT_PLANT, PRESIDENT_TPS
from app.models import Contest, DHasilVersion, Paslon, Region, Submission, Tps
from app.services.demo import database_is_empty, load_demo

SEED = 20241127
# DOMAIN.md §4 rules that need no photo: the demo must plant each at least once.
PHOTO_FREE_RULES = {
    "GENDER_SUM",
    "TURNOUT_SUM",
    "DPT_TURNOUT",
    "BALLOTS_USED",
    "BALLOT_BALANCE",
    "BALLOT_RESERVE",
    "PASLON_SUM",
    "VALID_INVALID_SUM",
    "TOTAL_VS_TURNOUT",
    "TURNOUT_CAP",
    "TPS_SIZE",
    "DIGIT_RANGE",
    "DISABILITAS",
    "HUNDREDS_SLIP",
    "CROSS_CONTEST",
    "SOURCES_DISAGREE",
    "DESA_VS_DHASIL",
    "KECAMATAN_VS_DHASIL",
    "DHASIL_ARITHMETIC",
    "MISSING_TPS",
}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_dataset(SEED)


def planted_kecamatan(dataset: DemoDataset) -> set[str]:
    return {p.kecamatan for p in dataset.plants}


def test_counts_match_kpu(dataset: DemoDataset) -> None:
    assert len(dataset.sources.kabupaten) == 17
    assert len(dataset.kecamatan) == 241
    assert sum(len(p.desa) for p in dataset.sources.kecamatan.values()) == 3249
    assert sum(len(d.forms) for d in dataset.kecamatan.values()) == 13206
    for code, data in dataset.kecamatan.items():
        assert len(data.forms) == dataset.sources.kecamatan[code].tps_count


def test_paslon_sums_equal_published_kecamatan_votes(dataset: DemoDataset) -> None:
    planted = planted_kecamatan(dataset)
    checked = 0
    for code, data in dataset.kecamatan.items():
        if code in planted:
            continue
        plan = dataset.sources.kecamatan[code]
        for contest, published in (
            ("gubernur", plan.gubernur_votes),
            ("bupati", plan.bupati_votes),
        ):
            sums = sum_values([getattr(f, contest) for f in data.forms])
            assert {n: sums[f"suara_paslon_{n}"] for n in published} == published
            assert data.dhasil_total[contest] == sums
            checked += 1
    assert checked == 2 * (241 - len(planted))


def test_province_governor_totals_are_kpu_published_sirekap_figures(dataset: DemoDataset) -> None:
    # Sirekap's pkwkp province chart of 28 Nov 2024 (app/data/sumsel/pkwkp/16.json), outside plants.
    totals: Counter[int] = Counter()
    for plan in dataset.sources.kecamatan.values():
        totals.update(plan.gubernur_votes)
    assert totals == {1: 2174133, 2: 1063635, 3: 983644}


def test_values_are_realistic_outside_plants(dataset: DemoDataset) -> None:
    planted = planted_kecamatan(dataset)
    dpt = []
    for code, data in dataset.kecamatan.items():
        for form in data.forms:
            for contest in CONTESTS:
                values = getattr(form, contest)
                assert all(0 <= v <= 999 for v in values.values()), form.tps_code
                if code not in planted:
                    assert values["pemilih_dpt_j"] <= 600
                    assert values["pengguna_total_j"] <= values["pemilih_dpt_j"] + 7
            dpt.append(form.gubernur["pemilih_dpt_j"])
    assert 450 <= sum(dpt) / len(dpt) <= 520  # real Sumsel mean: 6,382,739 / 13,206 ≈ 483


def test_every_photo_free_rule_is_planted(dataset: DemoDataset) -> None:
    planted_rules = {e.rule for p in dataset.plants for e in p.expected}
    assert planted_rules >= PHOTO_FREE_RULES
    plants = [p for p in dataset.plants if p.name != PRESIDENT_PLANT]
    assert len({p.kecamatan for p in plants}) == len(plants)  # one kecamatan each


def test_same_seed_same_data_other_seed_other_data(dataset: DemoDataset) -> None:
    again = build_dataset(SEED)
    code = "167101"
    assert [f.gubernur for f in again.kecamatan[code].forms] == [
        f.gubernur for f in dataset.kecamatan[code].forms
    ]
    other = build_dataset(SEED + 1)
    assert [f.gubernur for f in other.kecamatan[code].forms] != [
        f.gubernur for f in dataset.kecamatan[code].forms
    ]


def count(session: Session, model: type, *where: object) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_load_demo_into_database(session: Session, client: TestClient) -> None:
    assert database_is_empty(session=session)
    data = load_demo(session=session, seed=SEED)
    assert not database_is_empty(session=session)
    levels = Counter(session.exec(select(Region.level)).all())
    assert levels == {"provinsi": 1, "kabupaten": 17, "kecamatan": 241, "desa": 3249}
    assert count(session, Tps) == 13206
    assert count(session, Contest) == 19  # governor, 17 bupati/wali kota, president
    assert count(session, Paslon, Paslon.contest_id == "pkwkp-16") == 3
    assert count(session, Paslon, Paslon.contest_id == PRESIDENT) == 3
    missing = sum(len(d.missing_tps) for d in data.kecamatan.values())
    extra = sum(len(d.extra) for d in data.kecamatan.values())
    assert count(session, Submission) == 2 * (13206 - missing) + extra + PRESIDENT_TPS
    assert count(session, DHasilVersion) == 2 * 241
    body = client.get("/api/v1/regions/16").json()
    assert len(body["children"]) == 17
    assert {c["level"] for c in body["children"]} == {"kabupaten"}
    assert client.get("/api/v1/regions/1671").json()["name"] == "KOTA PALEMBANG"


def test_docs_demo_md_lists_the_plants(dataset: DemoDataset) -> None:
    from pathlib import Path

    from app.demo.manifest import manifest_markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "demo.md"
    assert docs.read_text() == manifest_markdown(dataset, seed=SEED)
