"""The console's words in Bahasa Indonesia (default) and English: one dict, no tooling."""

from typing import Final

from app.domain.catalogue import RULES
from app.domain.messages import label
from app.web.entry_texts import ENTRY_TEXTS
from app.web.photo_texts import PHOTO_TEXTS

LANGS: Final = ("id", "en")
DEFAULT_LANG: Final = "id"

TEXTS: Final[dict[str, tuple[str, str]]] = {
    # key: (Bahasa Indonesia, English)
    "app_name": ("Konsol Auditor Rekap", "Rekap Auditor's Console"),
    "nav_dashboard": ("Dasbor", "Dashboard"),
    "nav_discrepancies": ("Temuan", "Discrepancies"),
    "nav_review": ("Antrean tinjauan", "Review queue"),
    "signin": ("Masuk", "Sign in"),
    "signout": ("Keluar", "Sign out"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "signin_title": ("Masuk ke konsol", "Sign in to the console"),
    "signin_failed": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "signin_hint": (
        "Untuk Bawaslu, PPK dan admin. Akun demo dicetak oleh perintah `rekap demo`.",
        "For Bawaslu, PPK and admins. Demo accounts are printed by `rekap demo`.",
    ),
    "scope": ("Wilayah tugas", "Scope"),
    "language": ("Bahasa", "Language"),
    "switch_lang": ("English", "Bahasa Indonesia"),
    "error_title": ("Terjadi kesalahan", "Something went wrong"),
    "error_403": ("Anda tidak berwenang melihat halaman ini.", "You may not see this page."),
    "error_404": ("Halaman atau data tidak ditemukan.", "Page or data not found."),
    "error_422": ("Isian tidak valid.", "Invalid input."),
    "error_503": (
        "Basis data sedang tidak dapat dijangkau. Coba lagi sebentar lagi; bila Anda baru saja "
        "mengirim isian, periksa dahulu apakah sudah tersimpan.",
        "The database cannot be reached right now. Try again in a moment; if you just sent a "
        "form, check first whether it was saved.",
    ),
    "back_home": ("Kembali ke dasbor", "Back to the dashboard"),
    "error_409": ("Data sudah berubah sejak halaman dimuat.", "The data changed meanwhile."),
    "error_429": ("Terlalu banyak permintaan; coba lagi sebentar.", "Too many requests."),
    "field_invalid": ("isian ini tidak valid", "invalid"),
    # What was not found or refused, by error class (the English detail shows in English only).
    "err_RegionNotFound": ("Wilayah dengan kode itu tidak ada.", "No region has that code."),
    "err_TpsNotFound": ("TPS dengan kode itu tidak ada.", "No TPS has that code."),
    "err_ContestNotFound": ("Pemilihan itu tidak ada.", "No such contest."),
    "err_DiscrepancyNotFound": ("Temuan dengan nomor itu tidak ada.", "No such discrepancy."),
    "err_PhotoNotFound": (
        "Foto atau gambar itu tidak ada (belum dibaca, atau tak terbaca).",
        "No such photo or image (not read yet, or unreadable).",
    ),
    "err_ReviewItemNotFound": ("Butir tinjauan itu tidak ada.", "No such review item."),
    "err_ReviewEntryRejected": (
        "Entri ditolak: butir sudah diputuskan atau Anda sudah mengisi.",
        "Entry refused: the item is decided or you already entered it.",
    ),
    "err_CsrfRejected": (
        "Formulir kedaluwarsa; muat ulang halaman lalu coba lagi.",
        "The form expired; reload the page and try again.",
    ),
    "err_StorageUnavailable": ("Penyimpanan foto sedang tidak tersedia.", "Photo store down."),
    # photo statuses
    "ph_queued": ("menunggu dibaca", "queued"),
    "ph_processing": ("sedang dibaca", "being read"),
    "ph_read": ("terbaca", "read"),
    "ph_needs_review": ("perlu ditinjau", "needs review"),
    "ph_unreadable": ("tak terbaca", "unreadable"),
    "ph_failed": ("gagal dibaca", "reading failed"),
    # dashboard
    "coverage": ("Cakupan TPS", "TPS coverage"),
    "tps_reported": ("TPS melapor", "TPS reported"),
    "tps_total": ("Jumlah TPS", "TPS total"),
    "region": ("Wilayah", "Region"),
    "children": ("Wilayah di bawahnya", "Regions below"),
    "open_errors": ("Galat terbuka", "Open errors"),
    "open_warnings": ("Peringatan terbuka", "Open warnings"),
    "discrepancy_counts": ("Jumlah temuan", "Discrepancy counts"),
    "by_rule": ("Menurut aturan", "By rule"),
    "by_severity": ("Menurut tingkat", "By severity"),
    "by_status": ("Menurut status", "By status"),
    "tally": ("Rekapitulasi suara", "Vote tally"),
    "tally_per_contest": ("Per pemilihan", "Per contest"),
    "contest": ("Pemilihan", "Contest"),
    "field": ("Isian", "Field"),
    "value": ("Nilai", "Value"),
    "total": ("Jumlah", "Total"),
    "count": ("Banyaknya", "Count"),
    "fingerprint": ("Sidik jari pemilihan", "Election fingerprint"),
    "turnout_hist": ("Sebaran partisipasi per TPS", "Turnout per TPS (histogram)"),
    "turnout_scatter": (
        "Partisipasi vs perolehan suara paslon {n}",
        "Turnout vs vote share of paslon {n}",
    ),
    "turnout": ("Partisipasi", "Turnout"),
    "vote_share": ("Perolehan suara", "Vote share"),
    "tps_count": ("Banyak TPS", "Number of TPS"),
    "chart_empty": ("Belum ada data TPS.", "No TPS data yet."),
    "fingerprint_note": (
        "Satu titik per TPS (untuk ribuan TPS: kotak kepadatan, makin gelap makin banyak TPS). "
        "Gumpalan di pojok kanan atas (partisipasi dan perolehan hampir 100%) patut diperiksa.",
        "One dot per TPS (for thousands of TPS: density cells, darker = more TPS). A cluster in "
        "the top-right corner (turnout and share near 100%) deserves a look.",
    ),
    "recap_link": ("Rekap D.Hasil kecamatan", "Kecamatan D.Hasil recap"),
    "tps_page": ("Halaman TPS", "TPS page"),
    "see_discrepancies": ("Lihat temuan di wilayah ini", "See discrepancies in this region"),
    # discrepancies
    "rule": ("Aturan", "Rule"),
    "severity": ("Tingkat", "Severity"),
    "status": ("Status", "Status"),
    "since": ("Sejak", "Since"),
    "filter": ("Saring", "Filter"),
    "any": ("(semua)", "(any)"),
    "sort": ("Urutan", "Sort"),
    "sort_oldest": ("Terlama dulu", "Oldest first"),
    "sort_newest": ("Terbaru dulu", "Newest first"),
    "sort_severity": ("Galat dulu", "Errors first"),
    "sort_region": ("Menurut wilayah", "By region"),
    "sort_rule": ("Menurut aturan", "By rule"),
    "sort_status": ("Menurut status", "By status"),
    "next_page": ("Halaman berikutnya", "Next page"),
    "first_page": ("Halaman pertama", "First page"),
    "message": ("Keterangan", "Message"),
    "where": ("Lokasi", "Where"),
    "evidence": ("Bukti", "Evidence"),
    "no_discrepancies": ("Tidak ada temuan.", "No discrepancies."),
    "expected": ("Seharusnya", "Expected"),
    "actual": ("Tertulis", "Actual"),
    # Sources that disagree: the most trusted value is accepted by rank, not known to be right.
    "expected_SOURCES_DISAGREE": ("Diterima (sumber terpercaya)", "Accepted (most trusted)"),
    "actual_SOURCES_DISAGREE": ("Nilai lain", "Other value"),
    "expected_col": ("Acuan", "Reference"),
    "suggestion": ("Saran", "Suggestion"),
    # severities and statuses
    "sev_error": ("galat", "error"),
    "sev_warning": ("peringatan", "warning"),
    "st_open": ("terbuka", "open"),
    "st_acknowledged": ("diakui", "acknowledged"),
    "st_dismissed": ("ditolak", "dismissed"),
    "st_escalated": ("diteruskan", "escalated"),
    "st_resolved": ("selesai", "resolved"),
    # TPS page
    "photos": ("Foto formulir", "Form photos"),
    "no_photos": ("Belum ada foto.", "No photos yet."),
    "variant_original": ("Asli", "Original"),
    "variant_rectified": ("Diluruskan", "Rectified"),
    "variant_annotated": ("Dengan bacaan", "Annotated"),
    "page": ("Halaman", "Page"),
    "submissions": ("Semua kiriman per isian", "Every submission per field"),
    "accepted": ("Nilai diterima", "Accepted value"),
    "why": ("Alasan", "Why"),
    "why_source": (
        "dari sumber {source} (kiriman #{id})",
        "from source {source} (submission #{id})",
    ),
    "accepted_rule": (
        "Aturan nilai diterima: koreksi pleno > tinjauan > PPK > aplikasi > demo > bacaan foto "
        "(keyakinan ≥ {line}) > Sirekap; yang terbaru menang dalam satu sumber.",
        "Accepted-value rule: plenary correction > review > PPK > app > demo > photo reading "
        "(confidence ≥ {line}) > Sirekap; the newest wins within one source.",
    ),
    "differs": ("berbeda", "differs"),
    "discrepancies": ("Temuan", "Discrepancies"),
    "history": ("Riwayat", "History"),
    "note": ("Catatan", "Note"),
    "note_required": ("Catatan wajib diisi untuk menolak.", "A note is required to dismiss."),
    "acknowledge": ("Akui", "Acknowledge"),
    "dismiss": ("Tolak", "Dismiss"),
    "escalate": ("Teruskan", "Escalate"),
    "reopen": ("Buka lagi", "Reopen"),
    "saved": ("Tersimpan.", "Saved."),
    "changed_meanwhile": (
        "Status ini baru saja diubah orang lain; periksa status terkini lalu putuskan lagi.",
        "Someone else changed this status meanwhile; check the current status and decide again.",
    ),
    "dpt": ("DPT", "Voter roll (DPT)"),
    "desa": ("Desa/kelurahan", "Desa/kelurahan"),
    "kecamatan": ("Kecamatan", "Kecamatan"),
    "submitted_by": ("oleh", "by"),
    "corrects": ("mengoreksi #{id}", "corrects #{id}"),
    "src_app": ("Aplikasi", "App"),
    "src_ocr": ("Bacaan foto", "Photo reading"),
    "src_ppk": ("PPK", "PPK"),
    "src_sirekap": ("Sirekap", "Sirekap"),
    "src_plenary": ("Koreksi pleno", "Plenary"),
    "src_review": ("Tinjauan", "Review"),
    "src_demo": ("Demo", "Demo"),
    # recap
    "recap_title": ("Rekap D.Hasil Kecamatan", "D.Hasil Kecamatan recap"),
    "dhasil_version": ("Versi D.Hasil", "D.Hasil version"),
    "no_dhasil": ("Belum ada D.Hasil untuk pemilihan ini.", "No D.Hasil for this contest yet."),
    "sum_tps": ("Σ TPS", "Σ TPS"),
    "dhasil": ("D.Hasil", "D.Hasil"),
    "difference": ("Selisih", "Difference"),
    "tps_behind": ("TPS di desa ini", "TPS in this desa"),
    "all_fields": ("Tampilkan semua isian", "Show every field"),
    "all_match": ("Semua isian cocok.", "Every field matches."),
    "kecamatan_total": ("Jumlah kecamatan", "Kecamatan total"),
    # review queue
    "review_title": ("Antrean tinjauan bacaan foto", "Photo reading review queue"),
    "review_help": (
        "Tekan Enter untuk membenarkan bacaan, atau ketik angka yang benar lalu Enter. Setiap "
        "isian perlu dua orang yang sepakat.",
        "Press Enter to confirm the reading, or type the right number and press Enter. Every "
        "field needs two people who agree.",
    ),
    "reading": ("Bacaan", "Reading"),
    "alternatives": ("Alternatif", "Alternatives"),
    "confidence": ("Keyakinan", "Confidence"),
    "confirm": ("Benarkan", "Confirm"),
    "your_value": ("Nilai Anda", "Your value"),
    "rv_open": ("menunggu entri kedua", "waiting for a second entry"),
    "rv_disputed": ("berbeda, menunggu orang ketiga", "disputed, waiting for a third person"),
    "rv_accepted": ("diterima", "accepted"),
    "box_empty": ("Kotak kosong / tak terbaca", "Box empty / unreadable"),
    "queue_empty": ("Antrean kosong. Terima kasih!", "The queue is empty. Thank you!"),
    "crop": ("Potongan kotak", "Box crop"),
    "reason": ("Sebab", "Reason"),
    "blank": ("kosong", "blank"),
    # search, region names in filters, exports and the printable report
    "search": ("Cari", "Search"),
    "search_label": ("Kode TPS, nama desa atau kecamatan", "TPS code, desa or kecamatan name"),
    "search_placeholder": ("mis. Sukajadi atau 1671011001001", "e.g. Sukajadi or 1671011001001"),
    "search_help": (
        "Ketik kode TPS (lengkap atau awalannya) atau sebagian nama wilayah.",
        "Type a TPS code (whole or its beginning) or part of a region's name.",
    ),
    "search_none": ("Tidak ditemukan wilayah atau TPS untuk “{q}”.", "Nothing found for “{q}”."),
    "search_more": (
        "Masih ada hasil lain; ketik lebih lengkap.",
        "There are more; type more of the name.",
    ),
    "level_provinsi": ("Provinsi", "Province"),
    "level_kabupaten": ("Kabupaten/kota", "Kabupaten/kota"),
    "level_kecamatan": ("Kecamatan", "Kecamatan"),
    "level_desa": ("Desa/kelurahan", "Desa/kelurahan"),
    "level_tps": ("TPS", "TPS"),
    "region_ambiguous": (
        "Nama wilayah “{q}” dipakai beberapa wilayah; pilih salah satu:",
        "Several regions are named “{q}”; pick one:",
    ),
    "region_hint": ("kode atau nama", "code or name"),
    "region_unknown": (
        "Tidak ada wilayah bernama “{q}” di wilayah tugas Anda; periksa ejaannya atau cari di "
        "kotak pencarian di atas.",
        "No region in your scope is named “{q}”; check the spelling or use the search box above.",
    ),
    "export": ("Unduh", "Download"),
    "export_csv": ("CSV (Excel)", "CSV (Excel)"),
    "export_xlsx": ("XLSX", "XLSX"),
    "print_report": ("Laporan cetak", "Printable report"),
    "print_title": ("Laporan Rekapitulasi Kecamatan", "Kecamatan recapitulation report"),
    "print_now": ("Cetak", "Print"),
    "printed_at": ("Dicetak", "Printed"),
    "open_findings": ("Temuan belum selesai", "Unsettled discrepancies"),
    "recap_totals": ("Rekap kecamatan: D.Hasil dan Σ TPS", "Kecamatan recap: D.Hasil and Σ TPS"),
    "signatures": ("Tanda tangan", "Signatures"),
    "sign_ppk": ("Ketua PPK", "Chair of the PPK"),
    "sign_panwascam": ("Panwaslu Kecamatan", "Kecamatan election supervisor"),
    "sign_saksi": ("Saksi paslon {n}", "Witness of paslon {n}"),
    "sign_name": ("nama dan tanda tangan", "name and signature"),
    "region_code": ("Kode wilayah", "Region code"),
    "first_seen": ("Pertama ditemukan", "First seen"),
    "last_seen": ("Terakhir ditemukan", "Last seen"),
    "ev_submission": ("kiriman", "submission"),
    "ev_photo": ("foto", "photo"),
    "ev_dhasil_version": ("versi D.Hasil", "D.Hasil version"),
    "ev_dhasil": ("D.Hasil", "D.Hasil"),
    **ENTRY_TEXTS,  # the entry pages (app/web/entry_texts.py)
    **PHOTO_TEXTS,  # photo upload and viewer (app/web/photo_texts.py)
}


def normalize_lang(lang: str | None) -> str | None:
    """A supported language code, or None for anything else."""
    return lang if lang in LANGS else None


def translate(lang: str, key: str, **params: object) -> str:
    """The text for a key in a language; the key itself when it is not in the dictionary."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def value_label(lang: str, side: str, rule: str) -> str:
    """How a discrepancy's expected/actual value is named for this rule."""
    key = f"{side}_{rule}"
    return translate(lang, key if key in TEXTS else side)


def field_label(lang: str, name: str) -> str:
    """A readable name of a canonical field ("suara paslon 2", "votes for paslon 2")."""
    pair = label(name)
    return pair[1] if lang == "en" else pair[0]


def rule_description(lang: str, code: str) -> str:
    """What a rule checks, from the rule catalogue (empty for an unknown code)."""
    info = RULES.get(code)
    if info is None:
        return ""
    return info.description_en if lang == "en" else info.description_id
