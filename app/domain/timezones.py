"""Indonesia's three time zones by province code: a time is shown in the zone of the region it
belongs to, with its label (WIB UTC+7, WITA UTC+8, WIT UTC+9; no daylight saving)."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Final

WIB: Final = ("WIB", timezone(timedelta(hours=7), "WIB"))
WITA: Final = ("WITA", timezone(timedelta(hours=8), "WITA"))
WIT: Final = ("WIT", timezone(timedelta(hours=9), "WIT"))

# Province codes (the first two digits of every region code) by zone, from Kemendagri's codes:
# Bali, Nusa Tenggara, Kalimantan Selatan/Timur/Utara and Sulawesi are WITA; Maluku and the
# Papua provinces WIT; Sumatra, Java, Kalimantan Barat/Tengah (and anything unknown) WIB.
WITA_PROVINCES: Final = frozenset(
    {"51", "52", "53", "63", "64", "65"} | {f"7{i}" for i in range(1, 7)}
)
WIT_PROVINCES: Final = frozenset({"81", "82"} | {f"9{i}" for i in range(1, 8)})


def zone_of(region_code: str | None) -> tuple[str, timezone]:
    """The label and fixed offset of the zone a region lies in (WIB when not known)."""
    province = (region_code or "")[:2]
    if province in WITA_PROVINCES:
        return WITA
    if province in WIT_PROVINCES:
        return WIT
    return WIB


def local_time(at: datetime, region_code: str | None) -> str:
    """'2024-11-27 14:05 WIB': the time in the region's zone; a naive time is UTC (SQLite)."""
    label, zone = zone_of(region_code)
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return f"{aware.astimezone(zone):%Y-%m-%d %H:%M} {label}"
