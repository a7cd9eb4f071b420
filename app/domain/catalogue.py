"""The rule catalogue: every code of DOMAIN.md §4 with its severity and description (docs, UI)."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.domain.findings import Severity


@dataclass(frozen=True)
class RuleInfo:
    """One rule: its stable code, severity, what it checks, and whether it needs a photo.

    `severity` is the worst severity the rule reports; `severities` all it can report
    (TOTAL_VS_TURNOUT: error for more votes than voters, warning for fewer).
    """

    code: str
    severity: Severity
    description_id: str
    description_en: str
    needs_photo: bool = False
    severities: tuple[Severity, ...] = ()


def _rule(code: str, severity: str, text_id: str, text_en: str, photo: bool = False) -> RuleInfo:
    """A catalogue entry; severity 'error/warning' means both can be reported."""
    levels: tuple[Severity, ...] = ("error", "warning")
    if severity == "warning":
        levels = ("warning",)
    elif severity == "error":
        levels = ("error",)
    return RuleInfo(code, levels[0], text_id, text_en, photo, levels)


_RULES = (
    _rule("GENDER_SUM", "error", "x_l + x_p = x_j untuk setiap baris L/P/J",
          "x_l + x_p = x_j for every L/P/J row"),
    _rule("TURNOUT_SUM", "error", "pengguna_total = pengguna_dpt + pengguna_dptb + pengguna_dpk "
          "(L, P, J)", "voters in total = from DPT + DPTb + DPK (men, women, total)"),
    _rule("DPT_TURNOUT", "error", "pengguna_dpt ≤ pemilih_dpt (L, P, J)",
          "voters from DPT ≤ DPT voters (men, women, total)"),
    _rule("BALLOTS_USED", "error", "surat_digunakan = pengguna_total_j",
          "ballots used = voters in total"),
    _rule("BALLOT_BALANCE", "error", "surat_diterima = surat_digunakan + surat_rusak + "
          "surat_tidak_digunakan", "ballots received = used + damaged + unused"),
    _rule("BALLOT_RESERVE", "warning", "surat_diterima ≤ ⌈pemilih_dpt_j × 1,025⌉ + 1 "
          "(Pemilu: 1,02)", "ballots received ≤ ⌈DPT voters × 1.025⌉ + 1 (Pemilu: 1.02)"),
    _rule("PASLON_SUM", "error", "Σ suara_paslon = suara_sah", "Σ paslon votes = valid votes"),
    _rule("VALID_INVALID_SUM", "error", "suara_sah + suara_tidak_sah = suara_total",
          "valid + invalid votes = total votes"),
    _rule("TOTAL_VS_TURNOUT", "error/warning", "suara_total = pengguna_total_j (lebih banyak "
          "suara daripada pemilih: galat; lebih sedikit: peringatan)", "total votes = voters in "
          "total (more votes than voters: error; fewer: warning)"),
    _rule("TURNOUT_CAP", "error", "pengguna_total_j ≤ pemilih_dpt_j + pengguna_dptb_j + "
          "pengguna_dpk_j, dan Σ suara_paslon ≤ pemilih_dpt_j × 1,025", "voters in total ≤ DPT "
          "+ DPTb + DPK voters, and Σ paslon votes ≤ DPT voters × 1.025"),
    _rule("TPS_SIZE", "warning", "pemilih_dpt_j ≤ 600 (Pilkada; Pemilu 300)",
          "DPT voters ≤ 600 per TPS (Pilkada; Pemilu 300)"),
    _rule("DIGIT_RANGE", "error", "setiap angka per TPS 0..999 (tiga kotak angka)",
          "every per-TPS number is 0..999 (three digit boxes)"),
    _rule("DISABILITAS", "error", "disabilitas_x ≤ pengguna_total_x (L, P, J)",
          "disabled voters ≤ voters in total (men, women, total)"),
    _rule("HUNDREDS_SLIP", "warning", "satu kotak angka salah baca menjelaskan jumlah yang "
          "tidak cocok; nilai usulan dilaporkan", "one misread digit box explains a broken sum; "
          "the suggested value is reported"),
    _rule("CROSS_CONTEST", "warning", "DPT dan pengguna hak pilih formulir gubernur dan "
          "bupati/wali kota di TPS yang sama berbeda", "DPT and turnout of the governor and "
          "regent/mayor forms of one TPS differ"),
    _rule("READING_MISMATCH", "error", "angka terbaca dari foto berbeda dari angka yang "
          "dikirim orang atau aplikasi", "a value read from the photo differs from the value a "
          "person or app submitted", photo=True),
    _rule("SOURCES_DISAGREE", "warning", "dua kiriman untuk TPS, kontestasi dan isian yang "
          "sama berbeda", "two submissions for the same TPS, contest and field disagree"),
    _rule("LOW_CONFIDENCE", "warning", "angka terbaca dengan keyakinan rendah, atau kotak dan "
          "bulatan tidak cocok", "a value was read with low confidence, or its boxes and "
          "bubbles disagree", photo=True),
    _rule("WRONG_PAGE", "error", "foto bukan halaman atau kontestasi yang disebut, atau bukan "
          "C.Hasil", "the photo is not the page or contest it was uploaded as, or not a C.Hasil",
          photo=True),
    _rule("DUPLICATE_PHOTO", "error", "foto yang sama (atau hampir sama) dikirim untuk dua TPS",
          "the same (or a near-identical) photo was submitted for two TPS", photo=True),
    # Extension beyond DOMAIN.md §4 (issue 4): EXIF capture time or GPS that does not fit the TPS.
    _rule("PHOTO_METADATA", "warning", "waktu foto (EXIF) di luar hari pemungutan suara "
          "atau GPS jauh dari kabupaten TPS (petunjuk, bukan bukti)", "the photo's EXIF capture "
          "time is outside election day or its GPS is far from the TPS's kabupaten (a hint, never "
          "proof)", photo=True),
    _rule("DESA_VS_DHASIL", "error", "Σ TPS suatu desa ≠ kolom desa itu di D.Hasil Kecamatan",
          "Σ TPS of a desa ≠ that desa's D.Hasil Kecamatan column"),
    _rule("KECAMATAN_VS_DHASIL", "error", "Σ desa ≠ total D.Hasil Kecamatan (dan Σ TPS juga ≠ "
          "total)", "Σ desa ≠ D.Hasil Kecamatan total (and Σ TPS ≠ total too)"),
    _rule("DHASIL_ARITHMETIC", "error/warning", "angka D.Hasil melanggar aturan jumlah",
          "the D.Hasil numbers break the sum rules"),
    _rule("MISSING_TPS", "warning", "TPS belum punya hasil diterima padahal desanya sudah "
          "direkap", "a TPS has no accepted result while its desa is already recapitulated"),
)  # fmt: skip

RULES: Mapping[str, RuleInfo] = MappingProxyType({r.code: r for r in _RULES})
