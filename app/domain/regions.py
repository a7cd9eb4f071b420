"""Region codes (Kemendagri): the level and parents of a code follow from its length."""

from typing import Final

LEVEL_BY_LENGTH: Final = {2: "provinsi", 4: "kabupaten", 6: "kecamatan", 10: "desa", 13: "tps"}
LENGTH_BY_LEVEL: Final = {v: k for k, v in LEVEL_BY_LENGTH.items()}


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
    return region_code == "0" or code.startswith(region_code)
