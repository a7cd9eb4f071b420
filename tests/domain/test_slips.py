"""HUNDREDS_SLIP: the one misread box that explains a broken sum, and when there is none."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.form_rules import breaks
from app.domain.rules import check_form, form_checks
from app.domain.slips import _explanations, one_box_candidates, stray_hundreds_candidates
from tests.domain.forms import PILKADA3, form
from tests.domain.strategies import consistent_forms


def slips(values: dict[str, int]) -> list[tuple[str | None, int | None, int | None]]:
    """(field, actual, suggestion) of every HUNDREDS_SLIP finding."""
    return [
        (f.field, f.actual, f.suggestion)
        for f in check_form(values, PILKADA3)
        if f.rule == "HUNDREDS_SLIP"
    ]


def votes(p1: int, p2: int, p3: int, invalid: int = 8) -> dict[str, int]:
    """A consistent vote section alone (sections I-III not entered: their rules do not apply)."""
    valid = p1 + p2 + p3
    return {
        "suara_paslon_1": p1, "suara_paslon_2": p2, "suara_paslon_3": p3,
        "suara_sah": valid, "suara_tidak_sah": invalid, "suara_total": valid + invalid,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("true", "read", "field"),
    [
        (8, 800, "suara_paslon_3"),  # "_ _ 8" read with the 8 in the hundreds box
        (152, 652, "suara_paslon_1"),  # hundreds 1 read as 6
        (107, 507, "suara_paslon_2"),  # hundreds 1 read as 5
        (58, 948, "suara_paslon_3"),  # stray hundreds box and tens 5 read as 4 (tier 2)
        (32, 932, "suara_paslon_3"),  # "X32": the X read as 9
    ],
)
def test_slip_is_found_with_its_suggestion(true: int, read: int, field: str) -> None:
    p = {"suara_paslon_1": 152, "suara_paslon_2": 107, "suara_paslon_3": true}
    values = votes(p["suara_paslon_1"], p["suara_paslon_2"], p["suara_paslon_3"])
    assert check_form(values, PILKADA3) == []
    values[field] = read
    assert slips(values) == [(field, read, p[field])]


def test_slip_on_a_sum_field_repairs_every_sum() -> None:
    values = form({"pengguna_total_j": 818})  # 318 with the hundreds box misread
    found = [f for f in check_form(values, PILKADA3) if f.rule == "HUNDREDS_SLIP"]
    assert [(f.field, f.suggestion, f.delta) for f in found] == [("pengguna_total_j", 318, 500)]
    assert "GENDER_SUM" in found[0].message and "BALLOTS_USED" in found[0].message


@pytest.mark.parametrize(
    "changes",
    [
        {"suara_paslon_1": 158},  # off by 8 in the units: a person's slip as likely as a misread
        {"suara_paslon_1": 250, "suara_paslon_2": 200},  # two numbers wrong
        {"suara_paslon_1": 250},  # 150 → 250 or 100 → 0 on paslon 2: ambiguous
    ],
)
def test_no_suggestion_when_no_single_box_explains_it(changes: dict[str, int]) -> None:
    assert slips(form(changes)) == []


def test_slip_on_valid_votes_names_both_sums() -> None:
    # paslon 1 150 → 250 would repair PASLON_SUM alone; suara sah 410 → 310 repairs both
    found = [f for f in check_form(form({"suara_sah": 410}), PILKADA3) if f.rule == "HUNDREDS_SLIP"]
    assert [(f.field, f.suggestion) for f in found] == [("suara_sah", 310)]
    assert found[0].message == (
        "suara sah 410 kemungkinan salah baca satu kotak angka; 310 memenuhi PASLON_SUM, "
        "VALID_INVALID_SUM (selisih 100)"
    )


def test_ambiguous_slip_gives_no_suggestion() -> None:
    # Σ paslon 250 vs valid 150: paslon 1 (200 → 100) and paslon 2 (40 → ... no) — and
    # paslon 3 (10 → ... no): exactly one; then make paslon 2 a second explanation (100 → 0).
    one = votes(100, 40, 10)
    one["suara_paslon_1"] = 200
    assert slips(one) == [("suara_paslon_1", 200, 100)]
    two = votes(100, 0, 10)
    two["suara_paslon_2"] = 100  # paslon 1 (100 → 0) would explain it as well as paslon 2
    assert slips(two) == []


def test_no_slip_on_a_consistent_or_incomplete_form() -> None:
    assert slips(form()) == []
    assert slips(form({"suara_paslon_1": 650}, drop=("suara_sah",))) == []


@pytest.mark.parametrize(
    ("value", "inside", "outside"),
    [
        (800, {8, 80, 0, 100, 700, 900}, {800, 810, 801, 808}),
        (948, {48, 98, 94, 148, 848}, {58, 948, 958, 940}),
        (5, {0, 105, 905}, {5, 9, 15, 50}),
    ],
)
def test_one_box_candidates(value: int, inside: set[int], outside: set[int]) -> None:
    candidates = one_box_candidates(value)
    assert inside <= candidates
    assert not outside & candidates


def test_stray_hundreds_candidates() -> None:
    assert 58 in stray_hundreds_candidates(948)
    assert 48 not in stray_hundreds_candidates(948)  # already tier 1
    assert stray_hundreds_candidates(48) == set()


def _every_candidate(values: dict[str, int], ctx: object) -> list[tuple[str, int]]:
    """The search as first written: every candidate of every field of each broken sum tried
    against every check reading the field (the reference the filtered search must equal)."""
    checks = [c for c in form_checks(ctx) if c.rule != "DIGIT_RANGE"]  # type: ignore[arg-type]
    out = []
    for target in (c for c in checks if c.summable and breaks(c, values)):
        for tier in (1, 2):
            found = []
            for name in target.inputs:
                pool = (one_box_candidates if tier == 1 else stray_hundreds_candidates)(
                    values[name]
                )
                involved = [(c, breaks(c, values)) for c in checks if name in c.inputs]
                for candidate in sorted(pool):
                    fixed = {**values, name: candidate}
                    if all(
                        not breaks(c, fixed) or (not c.summable and before)
                        for c, before in involved
                    ):
                        found.append((name, candidate))
            if found:
                out += found
                break
    return out


@settings(deadline=None, max_examples=300)
@given(consistent_forms, st.data())
def test_the_search_tries_only_the_solving_candidate_and_finds_the_same(
    case: tuple[dict[str, int], object], data: st.DataObject
) -> None:
    """One to three numbers changed anyhow (hundreds slips, strays, any value): the search
    that tries only each field's value solving the broken sum finds exactly the explanations
    the search over every candidate finds, hence the same HUNDREDS_SLIP findings."""
    values, ctx = case
    names = sorted(values)
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(names))
        true = values[name]
        values = {
            **values,
            name: data.draw(
                st.sampled_from(sorted(one_box_candidates(true) | {true}))
                | st.sampled_from(sorted(stray_hundreds_candidates(true) | {true}))
                | st.integers(0, 999)
            ),
        }
    checks = [c for c in form_checks(ctx) if c.rule != "DIGIT_RANGE"]  # type: ignore[arg-type]
    fast = []
    for target in (c for c in checks if c.summable and breaks(c, values)):
        fast += _explanations(target, values, checks, 1) or _explanations(target, values, checks, 2)
    assert sorted(fast) == sorted(_every_candidate(values, ctx))
