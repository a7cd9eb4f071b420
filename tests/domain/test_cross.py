"""CROSS_CONTEST, SOURCES_DISAGREE and READING_MISMATCH."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.accepted import SubmissionValues
from app.domain.rules import check_cross_contest, check_reading, check_sources

T0 = datetime(2024, 11, 27, 14, 0, tzinfo=UTC)


def sub(sid: int, source: str, minutes: int, values: dict[str, int | None],
        supersedes: int | None = None) -> SubmissionValues:  # fmt: skip
    """A submission `minutes` after T0."""
    return SubmissionValues(sid, source, T0 + timedelta(minutes=minutes), values, supersedes)


@pytest.mark.parametrize(
    ("gubernur", "local", "expected"),
    [
        ({"pengguna_total_j": 318}, {"pengguna_total_j": 318}, []),
        ({"pengguna_total_j": 318}, {"pengguna_total_j": 320}, [("pengguna_total_j", 318, 320)]),
        ({"pemilih_dpt_l": 200}, {"pemilih_dpt_l": 201}, [("pemilih_dpt_l", 200, 201)]),
        ({"pengguna_total_j": 318}, {}, []),  # not applicable
        ({"suara_sah": 300}, {"suara_sah": 250}, []),  # votes differ by nature between contests
    ],
)
def test_cross_contest(
    gubernur: dict[str, int], local: dict[str, int], expected: list[tuple[str, int, int]]
) -> None:
    found = check_cross_contest(gubernur, local)
    assert [(f.field, f.expected, f.actual) for f in found] == expected
    assert all(f.rule == "CROSS_CONTEST" and f.severity == "warning" for f in found)


def test_cross_contest_message() -> None:
    [found] = check_cross_contest({"pengguna_total_j": 318}, {"pengguna_total_j": 320})
    assert found.message == (
        "pengguna total J: formulir gubernur 318 ≠ formulir bupati/wali kota 320 (selisih 2)"
    )


def test_sources_disagree_one_finding_per_field_listing_sources() -> None:
    found = check_sources(
        [
            sub(1, "app", 0, {"suara_sah": 235, "suara_total": 240}),
            sub(2, "ppk", 60, {"suara_sah": 243, "suara_total": 240}),
            sub(3, "sirekap", 90, {"suara_sah": 235}),
        ]
    )
    assert [(f.rule, f.field, f.expected, f.actual) for f in found] == [
        ("SOURCES_DISAGREE", "suara_sah", 243, 235)
    ]
    assert found[0].message == (
        "suara sah berbeda antar sumber: ppk 243 (#2), app 235 (#1), sirekap 235 (#3) (selisih 8)"
    )
    assert found[0].submission_ids == (2, 1, 3)


@pytest.mark.parametrize(
    "submissions",
    [
        [sub(1, "app", 0, {"suara_sah": 235})],
        [sub(1, "app", 0, {"suara_sah": 235}), sub(2, "ppk", 5, {"suara_sah": None})],
        # a correction replaces what it corrects: no disagreement left
        [sub(1, "app", 0, {"suara_sah": 235}), sub(2, "plenary", 9, {"suara_sah": 243}, 1)],
        # the same source's newer word replaces its older one
        [sub(1, "app", 0, {"suara_sah": 235}), sub(2, "app", 9, {"suara_sah": 243})],
        # an impossible number is DIGIT_RANGE's business
        [sub(1, "ppk", 0, {"suara_sah": 235}), sub(2, "sirekap", 9, {"suara_sah": 1235})],
        # photo readings are READING_MISMATCH's business
        [sub(1, "app", 0, {"suara_sah": 235}), sub(2, "ocr", 9, {"suara_sah": 835})],
    ],
)
def test_sources_agree_or_not_applicable(submissions: list[SubmissionValues]) -> None:
    assert check_sources(submissions) == []


def test_reading_mismatch() -> None:
    found = check_reading({"suara_paslon_1": 948, "suara_sah": 235, "suara_total": None},
                          {"suara_paslon_1": 58, "suara_sah": 235, "suara_total": 240})  # fmt: skip
    assert [(f.rule, f.severity, f.field, f.expected, f.actual) for f in found] == [
        ("READING_MISMATCH", "error", "suara_paslon_1", 58, 948)
    ]
    assert found[0].message == "suara paslon 1: foto terbaca 948, app mengirim 58 (selisih 890)"
