"""Kecamatan reconciliation: one planted change is one finding, missing data is not applicable."""

from collections.abc import Mapping

import pytest

from app.domain.findings import Finding, FormContext
from app.domain.reconcile import DesaTally, tally_desa
from app.domain.rules import DHasil, reconcile_kecamatan

CTX = FormContext.for_kind("pilkada", paslon_count=2)
DESA_A, DESA_B = "1671011001", "1671011002"
TPS = {DESA_A: [f"{DESA_A}001", f"{DESA_A}002"], DESA_B: [f"{DESA_B}001"]}


def tps_values(p1: int, p2: int, invalid: int) -> dict[str, int]:
    """A consistent vote section of one TPS."""
    return {"suara_paslon_1": p1, "suara_paslon_2": p2, "suara_sah": p1 + p2,
            "suara_tidak_sah": invalid, "suara_total": p1 + p2 + invalid}  # fmt: skip


ACCEPTED = {
    f"{DESA_A}001": tps_values(100, 50, 5),
    f"{DESA_A}002": tps_values(80, 70, 2),
    f"{DESA_B}001": tps_values(10, 20, 1),
}


def summed(*forms: Mapping[str, int]) -> dict[str, int]:
    """Field-wise sum of forms."""
    return {k: sum(f[k] for f in forms) for k in forms[0]}


def dhasil() -> DHasil:
    """The D.Hasil that agrees with ACCEPTED."""
    a = summed(ACCEPTED[f"{DESA_A}001"], ACCEPTED[f"{DESA_A}002"])
    b = summed(ACCEPTED[f"{DESA_B}001"])
    return DHasil(desa={DESA_A: a, DESA_B: b}, total=summed(a, b))


def run(accepted: Mapping[str, Mapping[str, int]], version: DHasil) -> list[Finding]:
    """reconcile_kecamatan on the two-desa kecamatan."""
    return reconcile_kecamatan(tps_by_desa=TPS, accepted=accepted, dhasil=version, ctx=CTX)


def brief(found: list[Finding]) -> list[tuple[str, str | None, str | None, int | None, int | None]]:
    """(rule, scope, field, expected, actual) of each finding."""
    return [(f.rule, f.scope, f.field, f.expected, f.actual) for f in found]


def test_consistent_kecamatan_is_clean() -> None:
    assert run(ACCEPTED, dhasil()) == []


def test_wrong_tps_value_is_one_desa_finding() -> None:
    accepted = {**ACCEPTED, f"{DESA_A}001": {**ACCEPTED[f"{DESA_A}001"], "suara_tidak_sah": 9}}
    found = run(accepted, dhasil())
    assert brief(found) == [("DESA_VS_DHASIL", DESA_A, "suara_tidak_sah", 11, 7)]
    assert (
        found[0].message
        == "suara tidak sah desa 1671011001: Σ TPS 11 ≠ kolom D.Hasil 7 (selisih 4)"
    )


def test_wrong_desa_column_is_one_desa_finding_and_its_own_arithmetic() -> None:
    v = dhasil()
    wrong = DHasil({**v.desa, DESA_B: {**v.desa[DESA_B], "suara_paslon_2": 200}}, v.total)
    assert brief(run(ACCEPTED, wrong)) == [
        ("DESA_VS_DHASIL", DESA_B, "suara_paslon_2", 20, 200),
        ("DHASIL_ARITHMETIC", DESA_B, "suara_sah", 210, 30),  # Σ paslon ≠ suara sah in column B
    ]


def test_moved_votes_in_a_column_and_total_are_desa_findings_only() -> None:
    v = dhasil()
    moved = {**v.desa[DESA_A], "suara_paslon_1": 165, "suara_paslon_2": 135}
    total = {**v.total, "suara_paslon_1": 175, "suara_paslon_2": 155}
    assert brief(run(ACCEPTED, DHasil({**v.desa, DESA_A: moved}, total))) == [
        ("DESA_VS_DHASIL", DESA_A, "suara_paslon_1", 180, 165),
        ("DESA_VS_DHASIL", DESA_A, "suara_paslon_2", 120, 135),
    ]


def test_wrong_total_is_one_kecamatan_finding_and_its_own_arithmetic() -> None:
    v = dhasil()
    wrong = DHasil(v.desa, {**v.total, "suara_tidak_sah": 14})
    found = run(ACCEPTED, wrong)
    assert brief(found) == [
        ("KECAMATAN_VS_DHASIL", None, "suara_tidak_sah", 8, 14),
        ("DHASIL_ARITHMETIC", None, "suara_total", 344, 338),  # the recap contradicts itself
    ]
    assert found[0].message == "suara tidak sah: Σ desa 8 ≠ total D.Hasil 14; Σ TPS 8 (selisih 6)"
    assert found[1].message == (
        "total D.Hasil: suara sah + suara tidak sah 344 ≠ suara total 338 (selisih 6)"
    )
    assert found[1].detail_key == "VALID_INVALID_SUM"


def test_moved_votes_in_the_total_are_kecamatan_findings_only() -> None:
    v = dhasil()
    total = {**v.total, "suara_paslon_1": 210, "suara_paslon_2": 120}
    assert brief(run(ACCEPTED, DHasil(v.desa, total))) == [
        ("KECAMATAN_VS_DHASIL", None, "suara_paslon_1", 190, 210),
        ("KECAMATAN_VS_DHASIL", None, "suara_paslon_2", 140, 120),
    ]


def test_arithmetic_breach_of_the_dhasil_where_tps_cannot_tell() -> None:
    accepted = {k: v for k, v in ACCEPTED.items() if k != f"{DESA_B}001"}  # desa B not entered
    v = dhasil()
    wrong = DHasil({**v.desa, DESA_B: {**v.desa[DESA_B], "suara_sah": 31}},
                   {**v.total, "suara_sah": 331})  # fmt: skip
    found = run(accepted, wrong)  # the total adds up the columns: its breach is the column's
    assert sorted(brief(found), key=str) == sorted(
        [
            ("DHASIL_ARITHMETIC", DESA_B, "suara_sah", 30, 31),  # PASLON_SUM in the column
            ("DHASIL_ARITHMETIC", DESA_B, "suara_total", 32, 31),  # VALID_INVALID_SUM
            ("MISSING_TPS", f"{DESA_B}001", None, None, None),
        ],
        key=str,
    )
    assert {f.detail_key for f in found if f.rule == "DHASIL_ARITHMETIC"} == {
        "PASLON_SUM",
        "VALID_INVALID_SUM",
    }


def test_missing_tps_makes_its_desa_not_applicable() -> None:
    accepted = {k: v for k, v in ACCEPTED.items() if k != f"{DESA_A}002"}
    found = run(accepted, dhasil())
    assert brief(found) == [("MISSING_TPS", f"{DESA_A}002", None, None, None)]
    assert found[0].severity == "warning"


def test_missing_tps_without_a_desa_column_is_not_reported() -> None:
    v = dhasil()
    only_a = DHasil({DESA_A: v.desa[DESA_A]}, v.total)
    accepted = {k: val for k, val in ACCEPTED.items() if k != f"{DESA_B}001"}
    assert run(accepted, only_a) == []


def test_tps_checked_against_the_total_when_the_desa_has_no_column() -> None:
    v = dhasil()
    only_a = DHasil({DESA_A: v.desa[DESA_A]}, v.total)
    assert run(ACCEPTED, only_a) == []
    accepted = {**ACCEPTED, f"{DESA_B}001": {**ACCEPTED[f"{DESA_B}001"], "suara_paslon_1": 11,
                                             "suara_sah": 31, "suara_total": 32}}  # fmt: skip
    assert brief(run(accepted, only_a)) == [
        ("KECAMATAN_VS_DHASIL", None, "suara_sah", 331, 330),
        ("KECAMATAN_VS_DHASIL", None, "suara_total", 339, 338),
        ("KECAMATAN_VS_DHASIL", None, "suara_paslon_1", 191, 190),
    ]


def test_missing_field_is_not_applicable() -> None:
    v = dhasil()
    drop = {
        d: {k: x for k, x in col.items() if k != "suara_tidak_sah"} for d, col in v.desa.items()
    }
    accepted = {k: {**val, "suara_tidak_sah": None} for k, val in ACCEPTED.items()}
    total = {k: x for k, x in v.total.items() if k != "suara_tidak_sah"}
    assert run(accepted, DHasil(drop, total)) == []
    # a total no TPS can confirm is still checked by its own arithmetic
    found = run(accepted, DHasil(drop, {**total, "suara_tidak_sah": 99}))
    assert [(f.rule, f.detail_key, f.field, f.expected, f.actual) for f in found] == [
        ("DHASIL_ARITHMETIC", "VALID_INVALID_SUM", "suara_total", 429, 338)
    ]


@pytest.mark.parametrize(
    ("codes", "accepted", "expected"),
    [
        (["t1", "t2"], {"t1": {"a": 1, "b": 2}, "t2": {"a": 3}}, DesaTally(2, {"a": 4}, ())),
        (["t1", "t2"], {"t1": {"a": 1}}, DesaTally(2, {"a": 1}, ("t2",))),
        ([], {}, DesaTally(0, {}, ())),
    ],
)
def test_tally_desa(
    codes: list[str], accepted: dict[str, dict[str, int]], expected: DesaTally
) -> None:
    tally = tally_desa(codes, accepted)
    assert tally == expected
    assert tally.known("a") == (4 if expected.tps_total == 2 and not expected.missing_tps else None)
