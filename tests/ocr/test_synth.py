"""Synthetic forms and the benchmark's bookkeeping: sums hold, ink lands in boxes, scores count."""

import numpy as np
import pytest

from ocr.bench.cases import case_kind, generate_cases
from ocr.bench.photo_sim import HARD_KINDS, photograph
from ocr.bench.report import figures_table, replace_section, silent_lines, target_lines
from ocr.bench.score import (
    FieldOutcome,
    PageOutcome,
    Tally,
    add_case,
    summarize,
    wrong_fields,
)
from ocr.bench.synth import DigitBank, box_tokens, consistent_values, fill_page
from ocr.forms.kwk import kwk_form
from ocr.forms.render import render_page


def _bank() -> DigitBank:
    """A tiny fake handwriting bank: each digit a filled bar (enough to put ink in a box)."""
    images = np.zeros((10, 28, 28), np.float32)
    images[:, 6:22, 11:17] = 1.0
    return DigitBank(images, np.arange(10, dtype=np.int64))


@pytest.mark.parametrize("seed", range(25))
def test_consistent_values_satisfy_every_sum_of_the_form(seed: int) -> None:
    count = seed % 6 + 1
    form = kwk_form(count)
    values = consistent_values(count, np.random.default_rng(seed))
    rules = [*form.sums, *(rule for page in form.pages for rule in page.sums)]
    assert len(rules) == 13
    for rule in rules:
        assert sum(values[n] for n in rule.lhs) == values[rule.rhs], rule.code
    assert all(0 <= v <= 999 for v in values.values())
    assert values["pemilih_dpt_j"] <= 600
    assert set(values) == {f.name for page in form.pages for f in page.fields}


def test_box_tokens_keep_the_digits_and_mark_unused_leading_boxes() -> None:
    rng = np.random.default_rng(3)
    seen = set()
    for _ in range(200):
        lead, *rest = box_tokens(32, rng)
        assert rest == ["3", "2"]
        seen.add(lead)
    assert seen == {"X", "", "0"}
    assert box_tokens(507, rng) == ["5", "0", "7"]


def test_fill_page_puts_ink_where_the_truth_says() -> None:
    form = kwk_form(2)
    page = form.page_template(2)
    dpi = 50.0
    scale = dpi / form.dpi
    blank = render_page(form, 2, dpi=dpi)
    values = {"suara_paslon_1": 7, "suara_paslon_2": 140}
    img, truth = fill_page(blank, page, scale, values, _bank(), np.random.default_rng(5))
    assert truth["suara_paslon_2"] == ["1", "4", "0"]
    for field in page.fields:
        for box, token in zip(field.boxes, truth[field.name], strict=True):
            x0, y0 = round((box.x + 8) * scale), round((box.y + 8) * scale)
            x1, y1 = round((box.x + box.w - 8) * scale), round((box.y + box.h - 8) * scale)
            inked = (img[y0:y1, x0:x1].min(axis=2) < 128).any()
            assert inked == (token != ""), (field.name, token)


def test_photograph_is_deterministic_and_8_to_12_megapixels() -> None:
    page = np.full((600, 400, 3), 255, np.uint8)
    a = photograph(page, np.random.default_rng(9), "angle")
    b = photograph(page, np.random.default_rng(9), "angle")
    assert a.jpeg == b.jpeg
    assert 8e6 <= a.size[0] * a.size[1] <= 12.1e6
    assert 60 <= a.quality <= 95
    inside = (a.page_corners >= 0).all() and (a.page_corners[:, 0] <= a.size[0]).all()
    assert inside and (a.page_corners[:, 1] <= a.size[1]).all()


def _outcome(value: int | None, confidence: float, boxes: list[str]) -> PageOutcome:
    field = FieldOutcome(boxes, value, value, value, confidence)
    return PageOutcome("f", 2, {"a": field}, 0.1)


def test_scores_count_silent_errors_only_when_confident() -> None:
    tally = Tally()
    truth, tokens = {"a": 32}, {"a": ["X", "3", "2"]}
    add_case(tally, truth, tokens, ("f", 2), _outcome(32, 0.99, ["X", "3", "2"]), 0.9)
    add_case(tally, truth, tokens, ("f", 2), _outcome(82, 0.99, ["X", "8", "2"]), 0.9)
    add_case(tally, truth, tokens, ("f", 2), _outcome(82, 0.50, ["blank", "8", "2"]), 0.9)
    add_case(tally, truth, tokens, ("f", 3), _outcome(32, 0.99, ["X", "3", "2"]), 0.9)
    s = summarize(tally)
    assert s["page_identification"] == 0.75
    assert s["field_accuracy_after_sums"] == 0.25
    assert s["silent_errors"] == 1
    assert s["flagged_rate"] == 0.5
    assert s["box_accuracy"] == 0.5  # 3 + 2 + 1 + 0 of 12 (an unread page scores none)
    assert s["digit_box_accuracy"] == 0.5  # 2 + 1 + 1 + 0 of 8


def test_report_replaces_only_its_section() -> None:
    text = (
        "# Benchmarks\n\n## API\n\nkeep me\n\n## OCR\n\nstale figures\n\n## Storage\n\nkeep too\n"
    )
    table = figures_table({"normal": {"pages": 3, "silent_error_rate": None}})
    new = replace_section(text, "OCR", table)
    assert "keep me" in new and "keep too" in new and "stale figures" not in new
    assert "| photos | 3 |" in new and "| silent error rate | n/a |" in new
    assert replace_section("", "OCR", "x").startswith("# Benchmarks\n\n## OCR\n\nx")


def test_target_lines_say_met_or_not_met_with_the_figure() -> None:
    normal = {
        "field_accuracy_after_sums": 0.99,
        "silent_error_rate": 0.0,
        "silent_errors": 0,
        "fields": 600,
        "cpu_seconds_median": 0.1,
        "cpu_seconds_p95": 0.35,
    }
    text = target_lines(normal, load=9.0)
    assert "99.00%, NOT met" in text
    assert "silent errors <= 0.1%: 0.00%, met" in text
    assert "p95 0.35 s, NOT met" in text
    assert "below 0.50%" in text and "load average 9.0" in text


def test_hard_kinds_follow_the_tps_and_all_appear() -> None:
    normal = 8  # not a multiple of 3: the first hard TPS is partly normal
    kinds = {i: case_kind(i, normal) for i in range(40)}
    assert all(kinds[i] == "normal" for i in range(normal))
    for tps in range(3, 13):
        assert len({kinds[i] for i in range(3 * tps, 3 * tps + 3)}) == 1
    assert {kinds[i] for i in range(normal, 40)} == set(HARD_KINDS)


def test_only_gives_every_hard_case_one_kind_and_the_same_pages() -> None:
    mixed = list(generate_cases(1, 3, 5, _bank()))
    blurred = list(generate_cases(1, 3, 5, _bank(), only="blur"))
    assert [c.kind for c in blurred] == ["normal", "blur", "blur", "blur"]
    assert [c.kind for c in mixed][1:] != ["blur"] * 3
    assert [c.values for c in blurred] == [c.values for c in mixed]


def test_wrong_fields_list_only_wrong_values_and_mark_the_silent_ones() -> None:
    truth, tokens = {"a": 32}, {"a": ["X", "3", "2"]}
    assert wrong_fields(truth, tokens, _outcome(32, 0.99, ["X", "3", "2"]), 0.8) == []
    [silent] = wrong_fields(truth, tokens, _outcome(82, 0.99, ["X", "8", "2"]), 0.8)
    assert (silent["written"], silent["reported"], silent["silent"]) == ("X32", 82, True)
    [flagged] = wrong_fields(truth, tokens, _outcome(82, 0.5, ["X", "8", "2"]), 0.8)
    assert flagged["silent"] is False


def test_silent_lines_name_each_silent_error_and_nothing_else() -> None:
    errors = [
        {
            "case": 7,
            "kind": "normal",
            "page": 1,
            "field": "pemilih_dpt_l",
            "written": "201",
            "reported": 401,
            "boxes": ["4", "0", "1"],
            "fused": 401,
            "confidence": 0.81,
            "silent": True,
        },
        {
            "case": 8,
            "kind": "normal",
            "page": 1,
            "field": "surat_rusak",
            "written": "XX3",
            "reported": 8,
            "boxes": ["X", "X", "8"],
            "fused": 8,
            "confidence": 0.2,
            "silent": False,
        },
    ]
    text = silent_lines(errors)
    assert "`pemilih_dpt_l`: 201 -> 401" in text and "surat_rusak" not in text
    assert silent_lines(errors[1:]) == ""
