"""The accepted value per field: source priority, recency, corrections, OCR confidence."""

from datetime import UTC, datetime, timedelta

from app.domain.accepted import SOURCE_PRIORITY, SubmissionValues, accepted_values

T0 = datetime(2024, 11, 27, 14, 0, tzinfo=UTC)


def sub(sid: int, source: str, minutes: int, values: dict[str, int | None], *,
        supersedes: int | None = None, confidence: dict[str, float] | None = None,
        ) -> SubmissionValues:  # fmt: skip
    """A submission `minutes` after T0."""
    when = T0 + timedelta(minutes=minutes)
    return SubmissionValues(sid, source, when, values, supersedes, None, confidence)


def picked(submissions: list[SubmissionValues]) -> dict[str, tuple[int, int]]:
    """field → (value, submission id)."""
    return {k: (a.value, a.submission_id) for k, a in accepted_values(submissions).items()}


def test_priority_is_data_in_the_documented_order() -> None:
    assert SOURCE_PRIORITY[:4] == ("plenary", "review", "ppk", "app")
    assert SOURCE_PRIORITY.index("ocr") < SOURCE_PRIORITY.index("sirekap")


def test_higher_source_wins_even_when_older() -> None:
    subs = [sub(1, "ppk", 0, {"suara_sah": 10}), sub(2, "app", 30, {"suara_sah": 11})]
    assert picked(subs) == {"suara_sah": (10, 1)}


def test_newest_of_one_source_wins_and_ties_go_to_higher_id() -> None:
    subs = [sub(1, "app", 0, {"a": 1}), sub(2, "app", 5, {"a": 2}), sub(3, "app", 5, {"a": 3})]
    assert picked(subs) == {"a": (3, 3)}


def test_field_missing_from_the_best_source_falls_back() -> None:
    subs = [
        sub(1, "sirekap", 0, {"suara_sah": 10, "pemilih_dpt_j": 200}),
        sub(2, "plenary", 60, {"suara_sah": 12, "pemilih_dpt_j": None}),
    ]
    assert picked(subs) == {"suara_sah": (12, 2), "pemilih_dpt_j": (200, 1)}


def test_ocr_only_with_high_confidence() -> None:
    subs = [
        sub(1, "sirekap", 0, {"a": 1, "b": 1, "c": 1}),
        sub(2, "ocr", 9, {"a": 2, "b": 2, "c": 2}, confidence={"a": 0.95, "b": 0.5}),
    ]
    assert picked(subs) == {"a": (2, 2), "b": (1, 1), "c": (1, 1)}


def test_superseded_value_is_not_accepted_even_from_a_lower_source() -> None:
    # the app corrects its own value; a correction of the review replaces the review
    subs = [
        sub(1, "app", 0, {"a": 1, "b": 1}),
        sub(2, "app", 5, {"a": 5}, supersedes=1),
        sub(3, "review", 1, {"b": 7}),
    ]
    assert picked(subs) == {"a": (5, 2), "b": (7, 3)}
    correction_of_review = [*subs, sub(4, "ppk", 9, {"b": 8}, supersedes=3)]
    assert picked(correction_of_review)["b"] == (8, 4)


def test_unknown_sources_rank_last() -> None:
    subs = [sub(1, "elsewhere", 9, {"a": 1}), sub(2, "sirekap", 0, {"a": 2, "b": 2})]
    assert picked(subs) == {"a": (2, 2), "b": (2, 2)}
    assert picked([sub(1, "elsewhere", 9, {"a": 1})]) == {"a": (1, 1)}
