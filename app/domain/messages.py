"""Field labels and message sentences in Bahasa Indonesia and English for every finding."""

from typing import Final

from app.domain.fields import paslon_number

ROW_LABELS: Final[dict[str, tuple[str, str]]] = {
    "pemilih_dpt": ("pemilih DPT", "DPT voters"),
    "pengguna_dpt": ("pengguna DPT", "voters from DPT"),
    "pengguna_dptb": ("pengguna DPTb", "voters from DPTb"),
    "pengguna_dpk": ("pengguna DPK", "voters from DPK"),
    "pengguna_total": ("pengguna total", "voters in total"),
    "disabilitas": ("pemilih disabilitas", "disabled voters"),
    "surat_diterima": ("surat diterima", "ballots received"),
    "surat_digunakan": ("surat digunakan", "ballots used"),
    "surat_rusak": ("surat rusak", "ballots damaged"),
    "surat_tidak_digunakan": ("surat tidak digunakan", "ballots unused"),
    "suara_sah": ("suara sah", "valid votes"),
    "suara_tidak_sah": ("suara tidak sah", "invalid votes"),
    "suara_total": ("suara total", "total votes"),
}
GENDER_LABELS: Final[dict[str, tuple[str, str]]] = {
    "l": ("L", "men"),
    "p": ("P", "women"),
    "j": ("J", "total"),
}

Text = tuple[str, str]  # (Bahasa Indonesia, English)


def label(field: str) -> Text:
    """How a field is named in messages: ("pemilih DPT L", "DPT voters (men)")."""
    if field in ROW_LABELS:
        return ROW_LABELS[field]
    number = paslon_number(field)
    if number is not None:
        return (f"suara paslon {number}", f"votes for paslon {number}")
    row, _, gender = field.rpartition("_")
    if row in ROW_LABELS and gender in GENDER_LABELS:
        (row_id, row_en), (g_id, g_en) = ROW_LABELS[row], GENDER_LABELS[gender]
        return (f"{row_id} {g_id}", f"{row_en} ({g_en})")
    return (field, field)


def joined(fields: tuple[str, ...]) -> Text:
    """Labels of several fields joined with ' + '."""
    labels = [label(f) for f in fields]
    return (" + ".join(x[0] for x in labels), " + ".join(x[1] for x in labels))


def mismatch(left: Text, expected: int, right: Text, actual: int) -> Text:
    """'<left> <expected> ≠ <right> <actual> (selisih d)' in both languages."""
    d = abs(actual - expected)
    return (
        f"{left[0]} {expected} ≠ {right[0]} {actual} (selisih {d})",
        f"{left[1]} {expected} ≠ {right[1]} {actual} (difference {d})",
    )


def over(what: Text, actual: int, limit: Text, cap: int) -> Text:
    """'<what> <actual> > <limit> <cap> (lebih d)' in both languages."""
    d = actual - cap
    return (
        f"{what[0]} {actual} > {limit[0]} {cap} (lebih {d})",
        f"{what[1]} {actual} > {limit[1]} {cap} (over by {d})",
    )


def sources_list(pairs: list[tuple[str, int, int]]) -> str:
    """'app 235 (#12), ppk 243 (#15)' from (source, value, submission id) triples."""
    return ", ".join(f"{source} {value} (#{sid})" for source, value, sid in pairs)
