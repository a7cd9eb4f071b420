"""The presidential contest of the demo (`ppwp-0`, Pemilu 14 Feb 2024) at a few Sumatera Selatan
TPS: its three paslon, and PPK results built from each TPS's voter block. The first TPS carries the
numbers of the shared real page-2 photo (123, 274, 32) and of its page 3 (valid 427, invalid 3,
total 430): Σ paslon 429 ≠ 427, the real PASLON_SUM breach of that form."""

from app.demo.generate import Values
from app.demo.plants import Expected, KecamatanData, Plant

PRESIDENT = "ppwp-0"
PRESIDENT_PLANT = "real PPWP form (photo)"  # not planted: the real form, beside a planted one
PRESIDENT_TPS = 8  # TPS of the demo PPK's kecamatan that also hold the presidential contest
PRESIDENT_NAME = "Pemilihan Presiden dan Wakil Presiden 2024"
PASLON = (
    "H. ANIES RASYID BASWEDAN, Ph.D. - Dr. (H.C.) H. A. MUHAIMIN ISKANDAR",
    "H. PRABOWO SUBIANTO - GIBRAN RAKABUMING RAKA",
    "H. GANJAR PRANOWO, S.H., M.I.P. - Prof. Dr. H. M. MAHFUD MD",
)
# KPU's 2024 result in Sumatera Selatan, rounded: the shares the demo's TPS are split by.
SHARES = (0.19, 0.70, 0.11)
REAL_PHOTO_VOTES: Values = {
    "suara_paslon_1": 123,
    "suara_paslon_2": 274,
    "suara_paslon_3": 32,
    "suara_sah": 427,
    "suara_tidak_sah": 3,
    "suara_total": 430,
}


def _split(total: int) -> list[int]:
    parts = [int(total * share) for share in SHARES]
    parts[1] += total - sum(parts)
    return parts


def _voters_for(total: int, dpt: int) -> Values:
    """A voter block of `total` voters from the DPT (no DPTb, no DPK), split L/P."""
    men, dpt_men = total // 2, dpt // 2
    used = (men, total - men)
    block = {"pemilih_dpt": (dpt_men, dpt - dpt_men), "pengguna_dpt": used}
    block |= {"pengguna_dptb": (0, 0), "pengguna_dpk": (0, 0), "pengguna_total": used}
    return {
        f"{row}_{g}": v
        for row, (men_, women) in block.items()
        for g, v in zip("lpj", (men_, women, men_ + women), strict=True)
    }


def president_form(gubernur: Values, *, real_photo: bool) -> Values:
    """The PPWP C.Hasil of a TPS: its voter block (the real photo's totals for that TPS) and
    votes split by SHARES, every sum of DOMAIN.md §4 holding (except the real breach)."""
    if real_photo:
        return _voters_for(430, max(gubernur["pemilih_dpt_j"], 430)) | REAL_PHOTO_VOTES
    # Pemilu TPS hold at most 300 voters, about half a Pilkada TPS: half the governor's voters.
    total = gubernur["pengguna_total_j"] // 2
    form = _voters_for(total, gubernur["pemilih_dpt_j"] // 2)
    invalid = min(gubernur["suara_tidak_sah"] // 2, total)
    paslon = _split(total - invalid)
    votes = {f"suara_paslon_{i}": v for i, v in enumerate(paslon, start=1)}
    totals = {"suara_sah": sum(paslon), "suara_tidak_sah": invalid, "suara_total": total}
    return form | votes | totals


def _plain(values: Values) -> bool:
    """A TPS no plant touched: DPT within 600, the voter block's sums holding."""
    rows = ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total")
    if values["pemilih_dpt_j"] > 600 or any(v > 999 for v in values.values()):
        return False
    if any(values[f"{r}_l"] + values[f"{r}_p"] != values[f"{r}_j"] for r in rows):
        return False
    used = sum(values[f"{r}_j"] for r in rows[1:4])
    return used == values["pengguna_total_j"] == values["suara_total"]


def president_kecamatan(kecamatan: dict[str, KecamatanData]) -> str:
    """The demo PPK's kecamatan: the first with a KPPS app result beside the PPK's (the loader
    stores kecamatan in code order, so this is the one demo_accounts.planted_kecamatan finds)."""
    with_app = [c for c, d in sorted(kecamatan.items()) if any(e.source == "app" for e in d.extra)]
    return with_app[0] if with_app else min(kecamatan)


def president_tps(data: KecamatanData) -> list[tuple[str, Values]]:
    """(TPS code, governor form) of the first PRESIDENT_TPS plain TPS of the kecamatan."""
    touched = data.missing_tps | {e.tps_code for e in data.extra}
    forms = [f for f in data.forms if f.tps_code not in touched and _plain(f.gubernur)]
    return [(f.tps_code, f.gubernur) for f in forms[:PRESIDENT_TPS]]


def president_plant(data: KecamatanData) -> Plant:
    """The real photo's form at the first chosen TPS: what an auditor must see for it."""
    tps = president_tps(data)[0][0]
    return Plant(
        name=PRESIDENT_PLANT,
        kecamatan=data.code,
        description=(
            f"TPS {tps}, presidential contest: the PPK entered the real form of the shared "
            "page-2 photo (paslon 123, 274, 32; valid 427, invalid 3, total 430): Σ paslon 429 ≠ "
            "427 as on the paper, and 430 voters at a Pemilu TPS of at most 300"
        ),
        expected=[
            Expected("PASLON_SUM", "presiden", tps, "suara_sah"),
            Expected("TPS_SIZE", "presiden", tps, "pemilih_dpt_j"),
        ],
    )
