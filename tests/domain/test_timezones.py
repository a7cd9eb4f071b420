"""Times in the region's own zone: WIB, WITA, WIT by province code."""

from datetime import UTC, datetime

import pytest

from app.domain.timezones import local_time, zone_of

NOON_UTC = datetime(2024, 11, 27, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "label", "shown"),
    [
        ("1671011001001", "WIB", "2024-11-27 12:30 WIB"),  # Sumatera Selatan
        ("31", "WIB", "2024-11-27 12:30 WIB"),  # DKI Jakarta
        ("6171", "WIB", "2024-11-27 12:30 WIB"),  # Kalimantan Barat
        ("5171", "WITA", "2024-11-27 13:30 WITA"),  # Bali
        ("6472", "WITA", "2024-11-27 13:30 WITA"),  # Kalimantan Timur
        ("7371", "WITA", "2024-11-27 13:30 WITA"),  # Sulawesi Selatan
        ("8171", "WIT", "2024-11-27 14:30 WIT"),  # Maluku
        ("9471", "WIT", "2024-11-27 14:30 WIT"),  # Papua
    ],
)
def test_a_time_is_shown_in_the_zone_of_its_province(code: str, label: str, shown: str) -> None:
    assert zone_of(code)[0] == label
    assert local_time(NOON_UTC, code) == shown


def test_a_naive_time_is_utc() -> None:
    assert local_time(NOON_UTC.replace(tzinfo=None), "16") == "2024-11-27 12:30 WIB"
