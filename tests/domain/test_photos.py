"""Pure photo rules: difference hash, Hamming distance, capture window, distance."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain.photos import (
    WIB,
    capture_time_outside,
    dhash_hex,
    gps_far_from,
    hamming,
    haversine_km,
)


def test_dhash_sets_a_bit_where_the_right_neighbour_is_brighter() -> None:
    assert dhash_hex([[0, 1, 0, 1, 0]]) == "a"  # 1010
    assert dhash_hex([[5, 4, 3, 2, 1]]) == "0"
    assert len(dhash_hex([[0] * 17] * 16)) == 64  # 256 bits


def test_hamming_counts_differing_bits() -> None:
    assert hamming("ff00", "ff00") == 0
    assert hamming("ff00", "0f01") == 5
    with pytest.raises(ValueError):
        hamming("ff", "ff00")


@pytest.mark.parametrize(
    ("taken_at", "code", "outside"),
    [
        (datetime(2024, 2, 14, 13, 0, tzinfo=WIB), "ppwp", False),
        (datetime(2024, 2, 15, 23, 30, tzinfo=WIB), "ppwp", False),  # counting ran late
        (datetime(2024, 2, 16, 0, 30, tzinfo=WIB), "ppwp", True),
        (datetime(2024, 2, 14, 4, 0, tzinfo=WIB), "ppwp", True),  # before the polls opened
        (datetime(2024, 1, 20, 17, 43, tzinfo=WIB), "ppwp", True),
        (datetime(2024, 11, 27, 14, 0), "pkwkp", False),  # naive: read as WIB
        (datetime(2024, 11, 27, 16, 0, tzinfo=timezone(timedelta(hours=9))), "pkwkk", False),
        (datetime(2024, 11, 27, 14, 0, tzinfo=UTC), "xyz", False),  # unknown election: no warning
    ],
)
def test_capture_window(taken_at: datetime, code: str, outside: bool) -> None:
    assert capture_time_outside(taken_at, code) is outside


def test_distances() -> None:
    palembang, bali = (-2.98, 104.76), (-8.67, 115.25)
    assert 1250 < haversine_km(*palembang, *bali) < 1400
    assert gps_far_from(bali, palembang)
    assert not gps_far_from((-3.0, 104.7), palembang)
