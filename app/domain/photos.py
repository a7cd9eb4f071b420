"""Pure rules about photos: perceptual hash, capture-time window, distance from the kabupaten."""

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Final

# Election days by Sirekap contest code (DOMAIN.md §1): Pemilu 14 Feb 2024, Pilkada 27 Nov 2024.
ELECTION_DAYS: Final = {
    "ppwp": date(2024, 2, 14),
    "pkwkp": date(2024, 11, 27),
    "pkwkk": date(2024, 11, 27),
}
WIB: Final = timezone(timedelta(hours=7))
# Voting opens 07:00 local; counting often runs past midnight, so the window closes a day later.
WINDOW_OPENS: Final = time(7, 0)
WINDOW_DAYS: Final = 2
GPS_FAR_KM: Final = 150.0  # a kabupaten in Sumatera Selatan is well under 150 km across
# A capture time outside these years is no clock reading (EXIF "0001:01:01", "9999:12:31"): it is
# kept as evidence but never used, since moving year 1 or 9999 across time zones overflows.
USABLE_YEARS: Final = range(1900, 2201)


def dhash_hex(rows: Sequence[Sequence[int]]) -> str:
    """Difference hash of a grey image of n rows × (m+1) columns: bit = pixel < right neighbour."""
    bits = 0
    count = 0
    for row in rows:
        for left, right in zip(row, row[1:], strict=False):
            bits = (bits << 1) | (1 if left < right else 0)
            count += 1
    return format(bits, f"0{(count + 3) // 4}x")


def hamming(a_hex: str, b_hex: str) -> int:
    """Number of differing bits between two hashes of the same length, in hex."""
    if len(a_hex) != len(b_hex):
        raise ValueError("hashes of different lengths")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def capture_window(contest_code: str) -> tuple[datetime, datetime] | None:
    """The window in which a genuine photo of the form can be taken, or None if unknown."""
    day = ELECTION_DAYS.get(contest_code)
    if day is None:
        return None
    # Opening two hours early covers WITA/WIT clocks (+1h/+2h) and phones set to the wrong zone.
    opens = datetime.combine(day, WINDOW_OPENS, tzinfo=WIB) - timedelta(hours=2)
    closes = datetime.combine(day + timedelta(days=WINDOW_DAYS), time(0, 0), tzinfo=WIB)
    return opens, closes


def usable_capture_time(taken_at: datetime) -> bool:
    """Whether an EXIF capture time is a plausible clock reading (its year, as written)."""
    return taken_at.year in USABLE_YEARS


def capture_time_outside(taken_at: datetime, contest_code: str) -> bool:
    """Whether an EXIF capture time lies outside the election's window (a warning, never proof)."""
    window = capture_window(contest_code)
    if window is None:
        return False
    if not usable_capture_time(taken_at):
        return True
    moment = taken_at if taken_at.tzinfo else taken_at.replace(tzinfo=WIB)
    return not (window[0] <= moment.astimezone(UTC) < window[1])


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def gps_far_from(
    point: tuple[float, float], centroid: tuple[float, float], *, limit_km: float = GPS_FAR_KM
) -> bool:
    """Whether a photo's GPS position is farther than limit_km from its kabupaten's centre."""
    return haversine_km(point[0], point[1], centroid[0], centroid[1]) > limit_km


def gps_position(lat: float, lon: float) -> tuple[float, float] | None:
    """The position when it is one on Earth (finite, |lat| <= 90, |lon| <= 180), else None."""
    if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
        return lat, lon
    return None
