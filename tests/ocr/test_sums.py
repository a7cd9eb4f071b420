"""Numbers from box classes, box + bubble fusion, and decoding under the form's sums."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.fuse import alternatives, bubbles_agree, fuse_box, value_masses
from ocr.sums import decode_with_sums
from ocr.templates import SumRule

CLASSES = "0123456789X_"
PASLON = SumRule(
    code="PASLON_SUM", lhs=["suara_paslon_1", "suara_paslon_2", "suara_paslon_3"], rhs="suara_sah"
)
VALID = SumRule(code="VALID_INVALID_SUM", lhs=["suara_sah", "suara_tidak_sah"], rhs="suara_total")


def boxes(text: str, sure: float = 0.98) -> np.ndarray:
    """Class probabilities of three boxes reading `text` ('X' crossed, '_' blank)."""
    rows = np.full((3, 12), (1 - sure) / 11)
    for k, ch in enumerate(text):
        rows[k, CLASSES.index(ch)] = sure
    return rows


@pytest.mark.parametrize(
    ("text", "value"),
    [("X32", 32), ("_32", 32), ("032", 32), ("__3", 3), ("XX3", 3), ("123", 123), ("___", None)],
)
def test_box_patterns_spell_numbers(text: str, value: int | None) -> None:
    best, p = alternatives(boxes(text))[0]
    assert best == value
    assert p > 0.9


def test_a_pattern_that_spells_nothing_has_no_confident_value() -> None:
    # "3_2": a blank tens box between two digits is not a number.
    assert alternatives(boxes("3_2"))[0][1] < 0.1
    masses, empty = value_masses(boxes("3_2"))
    assert masses.sum() + empty < 0.1


def column(digit: int | None) -> np.ndarray:
    """A bubble column with one bubble clearly blackened (None: no bubble)."""
    probs = np.full(11, 0.001)
    probs[10 if digit is None else digit] = 1.0
    return probs / probs.sum()


def test_bubbles_that_agree_raise_and_that_disagree_lower_confidence() -> None:
    unsure = np.full(12, 0.02)
    unsure[3], unsure[8] = 0.6, 0.2
    agree = fuse_box(unsure, column(3))
    disagree = fuse_box(np.eye(12)[3] * 0.95 + 0.05 / 12, column(5))
    assert agree[3] > 0.95
    assert disagree[3] < 0.95 and disagree[5] > 0.01
    assert bubbles_agree(boxes("X32"), [column(None), column(3), column(2)])
    assert bubbles_agree(boxes("X32"), [column(0), column(3), column(2)])
    assert not bubbles_agree(boxes("X37"), [column(None), column(3), column(2)])


def confident(value: int | None, p: float = 0.999) -> list[tuple[int | None, float]]:
    return [(value, p)]


def test_a_sum_picks_the_second_reading_of_an_ambiguous_box() -> None:
    # The hundreds box of paslon 1 looks a little more like 7 than like 1.
    candidates = {
        "suara_paslon_1": [(723, 0.55), (123, 0.44)],
        "suara_paslon_2": confident(274),
        "suara_paslon_3": confident(32),
        "suara_sah": confident(429),
    }
    decoded = decode_with_sums(candidates, [PASLON])
    assert decoded.values["suara_paslon_1"] == 123
    assert decoded.changed == {"suara_paslon_1"}
    # The sum forced a change: every field of it goes to review (below the 0.8 acceptance).
    assert max(decoded.confidence.values()) < 0.8
    assert decoded.suspect == set(candidates)
    check = decoded.checks[0]
    assert check.status == "satisfied" and check.changed == ["suara_paslon_1"]


GENDER = SumRule(code="GENDER_SUM", lhs=["x_l", "x_p"], rhs="x_j")


def test_a_sum_that_forces_a_change_sends_all_its_fields_to_review() -> None:
    # Truth 100 + 273 = 373. P's hundreds box is misread 6 with high confidence; to keep the
    # sum, the decoder moves the correctly read J to 773. Neither the misread P nor the
    # untouched L may be accepted silently: all of the sum's fields end below 0.8.
    candidates = {
        "x_l": [(100, 0.99), (700, 0.005)],
        "x_p": [(673, 0.95), (273, 0.04)],
        "x_j": [(373, 0.9), (773, 0.08)],
        "other": confident(5),
    }
    decoded = decode_with_sums(candidates, [GENDER])
    assert decoded.values == {"x_l": 100, "x_p": 673, "x_j": 773, "other": 5}  # choice kept
    assert decoded.changed == {"x_j"}
    assert all(decoded.confidence[n] < 0.8 for n in ("x_l", "x_p", "x_j"))
    assert decoded.suspect == {"x_l", "x_p", "x_j"}


COLUMN_L = SumRule(code="TURNOUT_SUM", lhs=["a_l", "b_l"], rhs="x_l")
COLUMN_P = SumRule(code="TURNOUT_SUM", lhs=["a_p", "b_p"], rhs="x_p")


def test_a_field_another_sum_confirms_as_read_is_not_blamed_for_a_forced_sum() -> None:
    # Truth 100 + 273 = 373; J's hundreds box is ambiguous (8 or 3) and the row's sum moves it
    # to 373. L and P are each also the total of a column that holds as read: a confident
    # misreading of either would have broken its column, so the row's cap is not theirs. J,
    # the field the decoder moved, is still sent to a person.
    candidates = {
        "x_l": [(100, 0.99), (700, 0.005)],
        "x_p": [(273, 0.99), (278, 0.005)],
        "x_j": [(873, 0.55), (373, 0.44)],
        "a_l": confident(60),
        "b_l": confident(40),
        "a_p": confident(200),
        "b_p": confident(73),
    }
    decoded = decode_with_sums(candidates, [GENDER, COLUMN_L, COLUMN_P])
    assert decoded.values["x_j"] == 373 and decoded.changed == {"x_j"}
    assert decoded.suspect == {"x_l", "x_p", "x_j"}
    assert decoded.vouched == {"x_l", "x_p"}
    assert decoded.confidence["x_l"] > 0.8 and decoded.confidence["x_p"] > 0.8
    assert decoded.confidence["x_j"] < 0.8


def test_a_confident_misreading_is_not_vouched_for_by_the_sum_it_breaks() -> None:
    # P's hundreds box is misread 6 with no doubt left (no 273 among its readings): the row
    # moves J to 773 to hold, and P's column (200 + 73 = 273) breaks with 673. Nothing confirms
    # P, J was moved: both wrong values stay below the line; only L, confirmed by its own
    # column, is accepted.
    candidates = {
        "x_l": [(100, 0.99), (700, 0.005)],
        "x_p": confident(673),
        "x_j": [(373, 0.9), (773, 0.08)],
        "a_l": confident(60),
        "b_l": confident(40),
        "a_p": confident(200),
        "b_p": confident(73),
    }
    decoded = decode_with_sums(candidates, [GENDER, COLUMN_L, COLUMN_P])
    assert (decoded.values["x_p"], decoded.values["x_j"]) == (673, 773)
    assert decoded.vouched == {"x_l"}
    assert decoded.confidence["x_p"] < 0.8 and decoded.confidence["x_j"] < 0.8
    assert [c.status for c in decoded.checks] == ["satisfied", "satisfied", "violated"]


def test_a_field_the_decoder_moved_is_never_vouched_for() -> None:
    # P misread 673 but 273 still among its readings: P's column moves it back to 273 (all
    # values right). P was moved, J sits only in the row the move forced: both to a person.
    candidates = {
        "x_l": [(100, 0.99), (700, 0.005)],
        "x_p": [(673, 0.95), (273, 0.04)],
        "x_j": confident(373, 0.9),
        "a_l": confident(60),
        "b_l": confident(40),
        "a_p": confident(200),
        "b_p": confident(73),
    }
    decoded = decode_with_sums(candidates, [GENDER, COLUMN_L, COLUMN_P])
    assert decoded.values["x_p"] == 273 and decoded.changed == {"x_p"}
    assert decoded.vouched == {"x_l"}
    assert decoded.confidence["x_p"] < 0.8 and decoded.confidence["x_j"] < 0.8


def test_a_sum_that_holds_as_read_keeps_its_confidence() -> None:
    candidates = {"x_l": confident(100), "x_p": confident(273), "x_j": confident(373)}
    decoded = decode_with_sums(candidates, [GENDER])
    assert decoded.suspect == frozenset()
    assert min(decoded.confidence.values()) > 0.99


def test_a_clear_breach_is_reported_not_forced() -> None:
    # The real form: 123 + 274 + 32 = 429, but suara sah is written 427 in clear boxes.
    candidates = {
        "suara_paslon_1": [(123, 0.999), (121, 1e-6)],
        "suara_paslon_2": [(274, 0.999), (272, 1e-6)],
        "suara_paslon_3": [(32, 0.998), (30, 1e-6)],
        "suara_sah": [(427, 0.997), (429, 1e-6)],
    }
    decoded = decode_with_sums(candidates, [PASLON])
    assert decoded.values == {
        "suara_paslon_1": 123,
        "suara_paslon_2": 274,
        "suara_paslon_3": 32,
        "suara_sah": 427,
    }
    assert decoded.changed == frozenset()
    check = decoded.checks[0]
    assert (check.status, check.lhs_total, check.rhs_value) == ("violated", 429, 427)
    assert decoded.confidence["suara_sah"] <= 0.997


def test_a_not_filled_number_makes_its_sums_not_applicable() -> None:
    candidates = {
        "suara_sah": confident(427),
        "suara_tidak_sah": confident(None),
        "suara_total": confident(430),
    }
    decoded = decode_with_sums(candidates, [VALID])
    assert decoded.values["suara_tidak_sah"] is None
    assert decoded.checks[0].status == "not_applicable"


def test_chained_sums_are_decoded_jointly() -> None:
    # sah is ambiguous (427 or 421); only 427 satisfies both Σ paslon and sah + tidak sah = total.
    candidates = {
        "suara_paslon_1": confident(123),
        "suara_paslon_2": confident(272),
        "suara_paslon_3": confident(32),
        "suara_sah": [(421, 0.5), (427, 0.45)],
        "suara_tidak_sah": confident(3),
        "suara_total": [(430, 0.9), (436, 0.05)],
    }
    decoded = decode_with_sums(candidates, [PASLON, VALID])
    assert (decoded.values["suara_sah"], decoded.values["suara_total"]) == (427, 430)
    assert [c.status for c in decoded.checks] == ["satisfied", "satisfied"]


def test_a_sum_reaches_a_value_beyond_the_alternatives_when_the_boxes_allow_it() -> None:
    from ocr.pipeline import apply_sums
    from ocr.reading import FieldReading, PageReading

    def field(name: str, value: int, masses: dict[int, float]) -> FieldReading:
        table = np.zeros(1000)
        for v, p in masses.items():
            table[v] = p
        return FieldReading(name, value, masses[value], [(value, masses[value])], masses=table)

    gender = SumRule(code="GENDER_SUM", lhs=["x_l", "x_p"], rhs="x_j")
    reading = PageReading(
        status="read",
        fields={
            "x_l": field("x_l", 31, {31: 0.95}),
            "x_p": field("x_p", 231, {231: 0.95}),
            # The units box looked like a 0; a 2 kept a little probability, outside the top few.
            "x_j": field("x_j", 260, {260: 0.8, 262: 4e-3}),
        },
    )
    decoded = apply_sums(reading, [gender])
    assert decoded.values() == {"x_l": 31, "x_p": 231, "x_j": 262}
    assert decoded.fields["x_j"].forced and decoded.checks[0].changed == ["x_j"]
    assert decoded.fields["x_j"].confidence < 0.5  # a person should look
    # Without that probability the breach stays a breach.
    reading.fields["x_j"].masses[262] = 0.0  # type: ignore[index]
    assert apply_sums(reading, [gender]).checks[0].status == "violated"
