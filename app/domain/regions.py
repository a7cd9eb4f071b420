"""Region codes (Kemendagri): the level and parents of a code follow from its length."""

from typing import Final

LEVEL_BY_LENGTH: Final = {2: "provinsi", 4: "kabupaten", 6: "kecamatan", 10: "desa", 13: "tps"}
LENGTH_BY_LEVEL: Final = {v: k for k, v in LEVEL_BY_LENGTH.items()}
LEVELS: Final = tuple(LEVEL_BY_LENGTH.values())  # top down: provinsi .. tps
NATION: Final = "0"  # the region code of the whole nation (level "nasional"): every TPS
# The column of a TPS row (Tps; TpsResult names the TPS itself tps_code) holding its region of
# each level: a region's TPS are found through these indexed columns, never by code prefix.
TPS_COLUMN_BY_LEVEL: Final = {
    "provinsi": "provinsi_code",
    "kabupaten": "kabupaten_code",
    "kecamatan": "kecamatan_code",
    "desa": "desa_code",
    "tps": "code",
}


def level_of(code: str) -> str | None:
    """The level of a region code, or None when the code is not a region code."""
    # ASCII only: str.isdigit() also accepts other scripts' digits (e.g. "١٦٧١").
    if not (code.isascii() and code.isdigit()):
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def parent_of(code: str) -> str | None:
    """The parent code (a TPS's desa, a desa's kecamatan, ...), None for a provinsi."""
    lengths = sorted(LEVEL_BY_LENGTH)
    idx = lengths.index(len(code))
    return code[: lengths[idx - 1]] if idx > 0 else None


def ancestors_of(code: str) -> dict[str, str]:
    """Every ancestor of a code keyed by level, including the code itself."""
    return {lvl: code[:n] for n, lvl in LEVEL_BY_LENGTH.items() if n <= len(code)}


def contains(region_code: str, code: str) -> bool:
    """Whether a region (by code prefix) contains another region or TPS; '0' is the nation."""
    return region_code == NATION or code.startswith(region_code)


def child_level(level: str) -> str | None:
    """The level one below ("nasional" → provinsi, desa → tps); None below a TPS."""
    if level == "nasional":
        return LEVELS[0]
    idx = LEVELS.index(level)
    return LEVELS[idx + 1] if idx + 1 < len(LEVELS) else None


def child_length(code: str) -> int:
    """The length of the codes one level below a region code (2 below the nation "0"); a TPS
    code, or no region code at all, is its own child (13)."""
    level = "nasional" if code == NATION else level_of(code)
    child = child_level(level) if level is not None else None
    return LENGTH_BY_LEVEL[child or "tps"]
