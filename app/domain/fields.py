"""The canonical C.Hasil field names of DOMAIN.md §2, flat as in API.md."""

import re
from typing import Final

MAX_PASLON: Final = 6
# Three digit boxes per number on a C.Hasil form: a TPS number is 0..999.
MAX_FORM_VALUE: Final = 999
GENDERS: Final = ("l", "p", "j")

GENDERED_ROWS: Final = (
    "pemilih_dpt",
    "pengguna_dpt",
    "pengguna_dptb",
    "pengguna_dpk",
    "pengguna_total",
    "disabilitas",
)
BALLOT_FIELDS: Final = ("surat_diterima", "surat_digunakan", "surat_rusak", "surat_tidak_digunakan")
VOTE_FIELDS: Final = ("suara_sah", "suara_tidak_sah", "suara_total")


def paslon_field(nomor_urut: int) -> str:
    """The flat field name of one paslon's votes: suara_paslon_<nomor urut>."""
    return f"suara_paslon_{nomor_urut}"


# ASCII digits, at most three: str.isdigit() also accepts "²" and "٣", and int() refuses
# (ValueError) a field name carrying thousands of digits.
_PASLON_FIELD: Final = re.compile(r"suara_paslon_([0-9]{1,3})")


def paslon_number(field: str) -> int | None:
    """The nomor urut in a suara_paslon_<n> field name, or None for any other field."""
    match = _PASLON_FIELD.fullmatch(field)
    return int(match.group(1)) if match else None


GENDERED_FIELDS: Final = tuple(f"{row}_{g}" for row in GENDERED_ROWS for g in GENDERS)
PASLON_FIELDS: Final = tuple(paslon_field(n) for n in range(1, MAX_PASLON + 1))
ALL_FIELDS: Final = GENDERED_FIELDS + BALLOT_FIELDS + VOTE_FIELDS + PASLON_FIELDS


def fields_for_contest(paslon_count: int) -> tuple[str, ...]:
    """Every field of a C.Hasil form for a contest with that many paslon."""
    return GENDERED_FIELDS + BALLOT_FIELDS + VOTE_FIELDS + PASLON_FIELDS[:paslon_count]
