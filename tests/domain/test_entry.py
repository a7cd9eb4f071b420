"""The entry pages' rules: the plano's sections, typed text to counts, the live check's data
writing the rule's own sentence, and what stops a save."""

import pytest

from app.domain.entry import (
    desa_total_problems,
    dhasil_problems,
    form_sections,
    live_checks,
    parse_counts,
    result_problems,
    sum_findings,
)
from app.domain.fields import fields_for_contest
from tests.domain.forms import BASE, form


def test_the_sections_hold_every_field_of_the_contest_once_in_print_order() -> None:
    sections = form_sections([(1, "A"), (2, "B"), (3, "C")])
    assert [s.number for s in sections] == ["I", "II", "III", "IV", "V"]
    assert [s.page for s in sections] == [1, 1, 1, 2, 3]
    names = [f for s in sections for row in s.rows for f in row.fields]
    assert sorted(names) == sorted(fields_for_contest(3)) and len(names) == len(set(names))
    assert sections[3].rows[1].label[0] == "2. B"


@pytest.mark.parametrize(
    ("typed", "value", "problem"),
    [("7", 7, None), (" 012 ", 12, None), ("", None, None), ("1.000", None, "paling besar 999"),
     ("-3", None, "harus angka bulat"), ("3a", None, "harus angka bulat"), ("²", None, "harus")],
)  # fmt: skip
def test_typed_text_becomes_a_count_or_a_reason(
    typed: str, value: int | None, problem: str | None
) -> None:
    values, problems = parse_counts({"suara_sah": typed}, ["suara_sah"])
    assert values.get("suara_sah") == value
    assert problems["suara_sah"][0].startswith(problem) if problem else problems == {}


def test_a_recap_count_may_carry_thousands_dots() -> None:
    values, _ = parse_counts({"suara_sah": "12.345"}, ["suara_sah"], max_value=10_000_000)
    assert values == {"suara_sah": 12345}


@pytest.mark.parametrize(
    "change",
    [{"suara_sah": 300}, {"pemilih_dpt_j": 411}, {"surat_rusak": 4}, {"suara_total": 317},
     {"pengguna_dpk_p": 3}],
)  # fmt: skip
def test_the_live_check_writes_the_rules_own_sentence(change: dict[str, int]) -> None:
    values = form(change)
    written = []
    for check in live_checks(3):  # what app/static/entry.js computes from the data
        parts = [values[p] for p in check["parts"]]  # type: ignore[attr-defined]
        expected, actual = sum(parts), values[str(check["target"])]
        if expected != actual:
            left, right = check["left"][0], check["label"][0]  # type: ignore[index]
            written.append(
                f"{left} {expected} ≠ {right} {actual} (selisih {abs(actual - expected)})"
            )
    assert written and written == [f.message for f in sum_findings(values, 3)]


def test_a_consistent_form_has_no_problem_and_a_broken_sum_names_its_field() -> None:
    kw = {"paslon_count": 3, "correcting": False, "source": "ppk", "reason": ""}
    assert result_problems(values=BASE, as_written=False, **kw) == {}  # type: ignore[arg-type]
    broken = form({"suara_sah": 300, "suara_total": 308})
    problems = result_problems(values=broken, as_written=False, **kw)  # type: ignore[arg-type]
    assert list(problems) == ["values.suara_sah"]
    assert result_problems(values=broken, as_written=True, **kw) == {}  # type: ignore[arg-type]


def test_fewer_votes_than_voters_is_only_a_warning_and_does_not_stop_a_save() -> None:
    fewer = form({"suara_tidak_sah": 6, "suara_total": 316})
    assert [f.severity for f in sum_findings(fewer, 3)] == ["warning"]
    problems = result_problems(values=fewer, paslon_count=3, correcting=False, source="ppk",
                               reason="", as_written=False)  # fmt: skip
    assert problems == {}


@pytest.mark.parametrize(("correcting", "source"), [(True, "ppk"), (False, "plenary")])
def test_a_correction_or_a_plenary_decision_must_say_why(correcting: bool, source: str) -> None:
    problems = result_problems(values=BASE, paslon_count=3, correcting=correcting, source=source,
                               reason="  ", as_written=False)  # fmt: skip
    assert list(problems) == ["reason"]


def test_the_desa_columns_must_add_up_to_the_total_when_all_are_filled() -> None:
    names = fields_for_contest(3)
    desa = {"1": BASE, "2": BASE}
    total = {k: 2 * v for k, v in BASE.items()}
    assert desa_total_problems(desa, total, names) == {}
    off = desa_total_problems(desa, total | {"suara_sah": 621}, names)
    assert off == {
        "total.suara_sah": (
            "Σ desa 620 ≠ jumlah suara sah 621 (selisih 1)",
            "Σ desa 620 ≠ total valid votes 621 (difference 1)",
        )
    }
    partial = {"1": BASE, "2": {k: v for k, v in BASE.items() if k != "suara_sah"}}
    assert desa_total_problems(partial, total | {"suara_sah": 621}, names) == {}


def test_a_new_dhasil_version_must_say_why() -> None:
    total = {k: 2 * v for k, v in BASE.items()}
    kw = {"desa": {"1": BASE, "2": BASE}, "total": total, "names": fields_for_contest(3),
          "paslon_count": 3, "reason": "", "as_written": False}  # fmt: skip
    assert dhasil_problems(new_version=False, **kw) == {}  # type: ignore[arg-type]
    assert list(dhasil_problems(new_version=True, **kw)) == ["reason"]  # type: ignore[arg-type]
