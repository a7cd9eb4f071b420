"""Table-driven tests of every per-form rule: a breach, a pass at the boundary, not applicable."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.findings import Finding, FormContext
from app.domain.form_rules import breaks, evaluate, form_checks
from app.domain.rules import check_form
from tests.domain.forms import BASE, PEMILU3, PILKADA3, form

Expected = tuple[str, str | None, int | None, int | None]  # severity, field, expected, actual

VOTES_421 = {"suara_paslon_1": 261, "suara_sah": 421, "suara_total": 429}  # Σ paslon > 410 × 1.025
CASES: list[tuple[str, str, dict[str, int], tuple[str, ...], Expected | None]] = [
    # rule, case id, changes, dropped fields, expected finding of that rule (None = none)
    ("GENDER_SUM", "breach", {"pemilih_dpt_j": 411}, (), ("error", "pemilih_dpt_j", 410, 411)),
    ("GENDER_SUM", "disabilitas", {"disabilitas_l": 3}, (), ("error", "disabilitas_j", 4, 3)),
    ("GENDER_SUM", "missing l", {"pemilih_dpt_j": 411}, ("pemilih_dpt_l",), None),
    (
        "GENDER_SUM",
        "all zero",
        {"disabilitas_l": 0, "disabilitas_p": 0, "disabilitas_j": 0},
        (),
        None,
    ),
    (
        "TURNOUT_SUM",
        "breach l",
        {"pengguna_total_l": 155},
        (),
        ("error", "pengguna_total_l", 154, 155),
    ),
    ("TURNOUT_SUM", "breach j", {"pengguna_dpk_j": 4}, (), ("error", "pengguna_total_j", 319, 318)),
    ("TURNOUT_SUM", "missing dpk", {"pengguna_total_l": 155}, ("pengguna_dpk_l",), None),
    ("DPT_TURNOUT", "breach", {"pengguna_dpt_p": 211}, (), ("error", "pengguna_dpt_p", 210, 211)),
    ("DPT_TURNOUT", "boundary", {"pengguna_dpt_p": 210}, (), None),
    ("DPT_TURNOUT", "missing dpt", {"pengguna_dpt_p": 211}, ("pemilih_dpt_p",), None),
    (
        "BALLOTS_USED",
        "breach",
        {"surat_digunakan": 319},
        (),
        ("error", "surat_digunakan", 318, 319),
    ),
    ("BALLOTS_USED", "missing", {"surat_digunakan": 319}, ("pengguna_total_j",), None),
    ("BALLOT_BALANCE", "breach", {"surat_rusak": 4}, (), ("error", "surat_diterima", 422, 421)),
    ("BALLOT_BALANCE", "missing", {"surat_rusak": 4}, ("surat_tidak_digunakan",), None),
    (
        "BALLOT_RESERVE",
        "breach",
        {"surat_diterima": 423, "surat_tidak_digunakan": 102},
        (),
        ("warning", "surat_diterima", 422, 423),
    ),
    ("BALLOT_RESERVE", "boundary", {"surat_diterima": 422, "surat_tidak_digunakan": 101}, (), None),
    (
        "BALLOT_RESERVE",
        "exact ceil",
        {
            "pemilih_dpt_l": 190,
            "pemilih_dpt_j": 400,
            "surat_diterima": 411,
            "surat_tidak_digunakan": 90,
        },
        (),
        None,
    ),
    (
        "BALLOT_RESERVE",
        "exact ceil +1",
        {
            "pemilih_dpt_l": 190,
            "pemilih_dpt_j": 400,
            "surat_diterima": 412,
            "surat_tidak_digunakan": 91,
        },
        (),
        ("warning", "surat_diterima", 411, 412),
    ),
    ("BALLOT_RESERVE", "missing dpt", {"surat_diterima": 500}, ("pemilih_dpt_j",), None),
    ("PASLON_SUM", "breach", {"suara_paslon_1": 151}, (), ("error", "suara_sah", 311, 310)),
    ("PASLON_SUM", "missing paslon", {"suara_paslon_1": 151}, ("suara_paslon_3",), None),
    ("VALID_INVALID_SUM", "breach", {"suara_tidak_sah": 9}, (), ("error", "suara_total", 319, 318)),
    ("VALID_INVALID_SUM", "missing", {"suara_tidak_sah": 9}, ("suara_total",), None),
    (
        "TOTAL_VS_TURNOUT",
        "more votes",
        {"suara_total": 320},
        (),
        ("error", "suara_total", 318, 320),
    ),
    ("TOTAL_VS_TURNOUT", "fewer", {"suara_total": 317}, (), ("warning", "suara_total", 318, 317)),
    ("TOTAL_VS_TURNOUT", "missing", {"suara_total": 320}, ("pengguna_total_j",), None),
    (
        "TURNOUT_CAP",
        "voters",
        {"pengguna_total_j": 419},
        (),
        ("error", "pengguna_total_j", 418, 419),
    ),
    ("TURNOUT_CAP", "voters boundary", {"pengguna_total_j": 418}, (), None),
    ("TURNOUT_CAP", "votes", VOTES_421, (), ("error", None, 420, 421)),
    (
        "TURNOUT_CAP",
        "votes boundary",
        {**VOTES_421, "suara_paslon_1": 260, "suara_sah": 420},
        (),
        None,
    ),
    # while Σ paslon ≠ suara sah, PASLON_SUM reports the paslon votes: the cap does not repeat it
    ("TURNOUT_CAP", "votes, paslon sum broken", {"suara_paslon_1": 261}, (), None),
    (
        "TURNOUT_CAP",
        "votes, no suara sah",
        {"suara_paslon_1": 261},
        ("suara_sah",),
        ("error", None, 420, 421),
    ),
    ("TURNOUT_CAP", "missing dptb", {"pengguna_total_j": 419}, ("pengguna_dptb_j",), None),
    ("TPS_SIZE", "breach", {"pemilih_dpt_j": 601}, (), ("warning", "pemilih_dpt_j", 600, 601)),
    ("TPS_SIZE", "boundary", {"pemilih_dpt_j": 600}, (), None),
    ("TPS_SIZE", "missing", {}, ("pemilih_dpt_j",), None),
    ("DIGIT_RANGE", "over", {"suara_sah": 1000}, (), ("error", "suara_sah", 999, 1000)),
    ("DIGIT_RANGE", "negative", {"surat_rusak": -1}, (), ("error", "surat_rusak", 0, -1)),
    ("DIGIT_RANGE", "boundary 999", {"suara_sah": 999}, (), None),
    ("DIGIT_RANGE", "boundary 0", {"surat_rusak": 0}, (), None),
    ("DISABILITAS", "breach", {"disabilitas_l": 155}, (), ("error", "disabilitas_l", 154, 155)),
    ("DISABILITAS", "boundary", {"disabilitas_l": 154}, (), None),
    ("DISABILITAS", "missing", {"disabilitas_l": 155}, ("pengguna_total_l",), None),
]


def of_rule(findings: list[Finding], rule: str) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]


def test_reference_form_is_clean() -> None:
    assert check_form(BASE, PILKADA3) == []


@pytest.mark.parametrize(
    ("rule", "changes", "drop", "expected"),
    [pytest.param(r, c, d, e, id=f"{r}-{i}") for r, i, c, d, e in CASES],
)
def test_rule_table(
    rule: str, changes: dict[str, int], drop: tuple[str, ...], expected: Expected | None
) -> None:
    found = of_rule(check_form(form(changes, drop=drop), PILKADA3), rule)
    if expected is None:
        assert found == []
    else:
        assert [(f.severity, f.field, f.expected, f.actual) for f in found] == [expected]


def test_missing_everything_is_not_a_pass_or_a_failure() -> None:
    assert check_form({}, PILKADA3) == []
    assert check_form(dict.fromkeys(BASE), PILKADA3) == []


@pytest.mark.parametrize(
    ("ctx", "dpt_j", "received", "expected"),
    [
        (PEMILU3, 410, 420, None),  # ⌈410 × 1.02⌉ + 1 = 420
        (PEMILU3, 410, 421, 420),
        (PILKADA3, 410, 421, None),
        (FormContext.for_kind("pilkada", paslon_count=3), 0, 2, 1),
    ],
)
def test_ballot_reserve_factor_comes_from_the_context(
    ctx: FormContext, dpt_j: int, received: int, expected: int | None
) -> None:
    values = {"pemilih_dpt_j": dpt_j, "surat_diterima": received}
    found = of_rule(check_form(values, ctx), "BALLOT_RESERVE")
    assert [f.expected for f in found] == ([] if expected is None else [expected])


def test_tps_size_for_pemilu_is_300() -> None:
    found = of_rule(check_form({"pemilih_dpt_j": 301}, PEMILU3), "TPS_SIZE")
    assert [(f.expected, f.actual) for f in found] == [(300, 301)]


def test_messages_name_fields_numbers_and_difference() -> None:
    [found] = of_rule(check_form(form({"suara_paslon_1": 158}), PILKADA3), "PASLON_SUM")
    assert found.message == "Σ suara paslon 318 ≠ suara sah 310 (selisih 8)"
    assert found.message_en == "Σ paslon votes 318 ≠ valid votes 310 (difference 8)"
    assert found.delta == -8
    assert found.inputs == ("suara_paslon_1", "suara_paslon_2", "suara_paslon_3", "suara_sah")


def test_gender_message_and_identity() -> None:
    [found] = of_rule(check_form(form({"pemilih_dpt_j": 411}), PILKADA3), "GENDER_SUM")
    assert found.message == "pemilih DPT L + P 410 ≠ pemilih DPT J 411 (selisih 1)"
    assert (
        found.message_en == "DPT voters (men + women) 410 ≠ DPT voters (total) 411 (difference 1)"
    )
    identity = found.identity(contest_id="pkwkp-16", evaluated_code="1671011001001")
    assert identity == "GENDER_SUM|pkwkp-16|1671011001001|pemilih_dpt_j|"


def test_turnout_cap_votes_has_its_own_detail_key() -> None:
    [found] = of_rule(check_form(form(VOTES_421), PILKADA3), "TURNOUT_CAP")
    assert (found.field, found.detail_key) == (None, "paslon")
    assert "× 1,025" in found.message and "× 1.025" in found.message_en


def test_out_of_range_value_is_digit_range_only() -> None:
    found = check_form(form({"suara_paslon_1": 1150}), PILKADA3)
    assert [(f.rule, f.field, f.actual) for f in found] == [("DIGIT_RANGE", "suara_paslon_1", 1150)]
    found = check_form(form({"pemilih_dpt_l": -3}), PILKADA3)
    assert [(f.rule, f.field, f.actual) for f in found] == [("DIGIT_RANGE", "pemilih_dpt_l", -3)]


def test_contest_without_paslon_has_no_vote_sum() -> None:
    ctx = FormContext.for_kind("pilkada", paslon_count=0)
    assert check_form({"suara_sah": 5, "suara_tidak_sah": 1, "suara_total": 6}, ctx) == []


@pytest.mark.parametrize("name", sorted(BASE))
@pytest.mark.parametrize("step", [-1, 1, 100])
def test_every_field_of_the_reference_form_is_guarded(name: str, step: int) -> None:
    changed = form({name: (BASE[name] + step) % 1000})
    assert [f for f in check_form(changed, PILKADA3) if f.severity == "error"] != []


@settings(max_examples=300, deadline=None)
@given(
    ctx=st.sampled_from([PILKADA3, PEMILU3]),
    changes=st.dictionaries(st.sampled_from(sorted(BASE)), st.integers(-5, 1200), max_size=6),
    dropped=st.sets(st.sampled_from(sorted(BASE)), max_size=4),
)
def test_breaks_says_exactly_when_a_check_reports(
    ctx: FormContext, changes: dict[str, int], dropped: set[str]
) -> None:
    """HUNDREDS_SLIP asks `breaks` instead of wording a finding: it must agree with `evaluate`
    (every rule's `run` words a finding whenever its relation fails)."""
    values: dict[str, int | None] = {**BASE, **changes}
    for name in dropped:
        values[name] = None
    for check in form_checks(ctx):
        assert breaks(check, values) == (evaluate(check, values) is not None), check.rule
