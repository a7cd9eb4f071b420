"""One vocabulary: region levels, their TPS columns and the status words, each defined once."""

import pytest

from app.domain.regions import LEVELS, TPS_COLUMN_BY_LEVEL, child_length, child_level
from app.domain.statuses import (
    AUDITOR_STATUSES,
    DISCREPANCY_STATUSES,
    FINISHED_JOB_STATUSES,
    JOB_STATUSES,
    PHOTO_STATUSES,
    READ_STATUSES,
    UNSETTLED,
)
from app.models import Tps, TpsResult


@pytest.mark.parametrize(
    ("code", "length"),
    [("0", 2), ("16", 4), ("1671", 6), ("167101", 10), ("1671011001", 13), ("1671011001001", 13)],
)
def test_child_codes_are_one_level_longer(code: str, length: int) -> None:
    assert child_length(code) == length


def test_levels_go_down_one_at_a_time() -> None:
    walk, level = [], child_level("nasional")
    while level is not None:
        walk.append(level)
        level = child_level(level)
    assert walk == list(LEVELS) == ["provinsi", "kabupaten", "kecamatan", "desa", "tps"]


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_names_a_column_of_the_tps_tables(level: str) -> None:
    column = TPS_COLUMN_BY_LEVEL[level]
    assert hasattr(Tps, column)
    assert hasattr(TpsResult, "tps_code" if column == "code" else column)


def test_status_lists_are_subsets_of_their_whole() -> None:
    assert set(AUDITOR_STATUSES) | {"resolved"} == set(DISCREPANCY_STATUSES)
    assert set(UNSETTLED) < set(AUDITOR_STATUSES)
    assert set(READ_STATUSES) < set(PHOTO_STATUSES)
    assert set(FINISHED_JOB_STATUSES) < set(JOB_STATUSES)
