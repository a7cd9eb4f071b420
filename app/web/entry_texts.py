"""The words of the entry pages (C.Hasil and D.Hasil typed in the console), merged into
app/web/i18n.py's TEXTS, and the service's English field reasons in Bahasa Indonesia."""

import json
import re
from typing import Final

from app.domain.intake import MAX_RECAP_VALUE

ENTRY_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "entry_link": ("Isi / koreksi C.Hasil", "Enter / correct C.Hasil"),
    "entry_title": ("Isi C.Hasil", "Enter C.Hasil"),
    "entry_correct_this": ("koreksi", "correct"),
    "entry_title_correct": ("Koreksi C.Hasil", "Correct C.Hasil"),
    "entry_help": (
        "Ketik angka persis seperti tertulis di formulir. Jumlah diperiksa saat Anda mengetik; "
        "kotak yang tak terbaca biarkan kosong.",
        "Type the numbers exactly as written on the form. Sums are checked as you type; leave "
        "a box you cannot read blank.",
    ),
    "entry_sheet": ("Lembar {n}", "Sheet {n}"),
    "entry_no_photo": ("Belum ada foto lembar ini.", "No photo of this sheet yet."),
    "entry_photo_alt": ("Foto lembar {n}", "Photo of sheet {n}"),
    "entry_row": ("Uraian", "Item"),
    "entry_new": ("Kiriman baru (bukan koreksi)", "New entry (not a correction)"),
    "entry_corrects": ("Mengoreksi kiriman", "Corrects entry"),
    "entry_load": ("Muat nilai diterima", "Load the accepted values"),
    "entry_prefilled": (
        "Terisi dengan nilai yang kini diterima; ubah yang salah saja.",
        "Filled with the values accepted now; change only the wrong ones.",
    ),
    "entry_source": ("Jenis", "Kind"),
    "entry_source_ppk": ("Entri PPK", "PPK entry"),
    "entry_source_plenary": ("Keputusan pleno kecamatan", "Kecamatan plenary decision"),
    "entry_reason": ("Alasan koreksi", "Reason for the correction"),
    "entry_reason_hint": (
        "Wajib untuk koreksi dan keputusan pleno.",
        "Required for corrections and plenary decisions.",
    ),
    "entry_as_written": (
        "Angka ini memang tertulis begitu di formulir (simpan walau jumlahnya tidak cocok)",
        "The form really says so (save although its sums do not hold)",
    ),
    "entry_save": ("Simpan", "Save"),
    "entry_cancel": ("Batal", "Cancel"),
    "entry_sums_ok": ("Semua jumlah cocok.", "Every sum holds."),
    "entry_sums_off": ("Jumlah yang tidak cocok:", "Sums that do not hold:"),
    "entry_refused": (
        "Belum tersimpan. Perbaiki isian yang ditandai.",
        "Not saved. Fix the marked fields.",
    ),
    "entry_saved": ("Kiriman #{id} tersimpan.", "Entry #{id} saved."),
    "entry_findings": ("Temuan formulir ini:", "This form's findings:"),
    "entry_no_findings": ("Formulir ini tidak memuat temuan.", "This form has no findings."),
    "entry_outranked": (
        "Belum menjadi nilai diterima ({fields}): kiriman #{id} ({source}) berperingkat lebih "
        "tinggi; koreksi kiriman itu untuk menggantinya.",
        "Not the accepted value ({fields}): entry #{id} ({source}) ranks higher; correct that "
        "entry to replace it.",
    ),
    "dhasil_entry_link": ("Isi / koreksi D.Hasil", "Enter / correct D.Hasil"),
    "dhasil_entry_title": ("Isi D.Hasil Kecamatan", "Enter D.Hasil Kecamatan"),
    "dhasil_entry_help": (
        "Satu kolom per desa dan kolom jumlah kecamatan. Jumlah kolom desa dan jumlah di tiap "
        "kolom diperiksa saat Anda mengetik.",
        "One column per desa and the kecamatan total. The desa columns' sum and each column's "
        "own sums are checked as you type.",
    ),
    "dhasil_current": (
        "Terisi dengan versi {version} yang kini berlaku.",
        "Filled with version {version}, the current one.",
    ),
    "dhasil_first": ("Belum ada versi; ini versi 1.", "No version yet; this is version 1."),
    "dhasil_reason": ("Alasan versi baru", "Reason for the new version"),
    "dhasil_reason_hint": (
        "Wajib bila sudah ada versi sebelumnya.",
        "Required when a version exists already.",
    ),
    "dhasil_saved": ("D.Hasil versi {version} tersimpan.", "D.Hasil version {version} saved."),
    "dhasil_findings": ("Temuan kecamatan ini kini: {n}.", "Findings of this kecamatan now: {n}."),
    "dhasil_stale": (
        "Versi {version} baru saja disimpan orang lain; periksa nilainya lalu simpan lagi.",
        "Someone else saved version {version} meanwhile; check its values and save again.",
    ),
}

# The service's field reasons (English, the API's words) and how the console says them.
_REASONS: Final[tuple[tuple[re.Pattern[str], tuple[str, str]], ...]] = tuple(
    (re.compile(pattern), pair)
    for pattern, pair in (
        (r"must be an integer", ("harus angka bulat", "must be an integer")),
        (r"must not be negative", ("tidak boleh negatif", "must not be negative")),
        (r"must be at most (\d+)", ("paling besar {0}", "must be at most {0}")),
        (r"^unknown field", ("isian tidak dikenal", "unknown field")),
        (r"no paslon with that number", ("tidak ada paslon bernomor itu", "no such paslon")),
        (r"^contest \S+ does not cover", ("pemilihan ini tidak mencakup wilayah ini",
                                          "the contest does not cover this region")),
        (r"plenary correction must say why", ("koreksi pleno wajib menyebut alasannya",
                                              "a plenary correction must say why")),
        (r"^no submission with that id", ("tidak ada kiriman bernomor itu di TPS dan pemilihan ini",
                                          "no such entry for this TPS and contest")),
        (r"^a (\w+) submission may not correct a (\w+) submission",
         ("kiriman {0} tidak boleh mengoreksi kiriman {1}", "may not correct")),
        (r"^not a desa of", ("bukan desa di kecamatan ini", "not a desa of this kecamatan")),
        (r"desa columns add up to more than", (f"jumlah kolom desa melebihi {MAX_RECAP_VALUE:,}"
                                               .replace(",", "."), "the desa columns add up to "
                                               f"more than {MAX_RECAP_VALUE:,}")),
    )
)  # fmt: skip


_SOURCES_ID: Final = {
    "app": "aplikasi", "ppk": "PPK", "plenary": "koreksi pleno", "review": "tinjauan",
    "ocr": "bacaan foto", "sirekap": "Sirekap", "demo": "demo",
}  # fmt: skip


def service_reason(lang: str, reason: str) -> str:
    """A field reason of the service in the page's language (the service's own words in English;
    "isian ini tidak valid" for a reason the console does not know)."""
    if lang == "en":
        return reason
    for pattern, (text_id, _) in _REASONS:
        match = pattern.search(reason)
        if match:
            return text_id.format(*(_SOURCES_ID.get(g, g) for g in match.groups()))
    return "isian ini tidak valid"


def live_words() -> str:
    """The words of the live check (app/static/entry.js), both languages, as JSON."""
    words = {
        "diff": ("selisih", "difference"),
        "ok": ENTRY_TEXTS["entry_sums_ok"],
        "off": ENTRY_TEXTS["entry_sums_off"],
        "total": ("jumlah ", "total "),
    }
    return json.dumps(words)
