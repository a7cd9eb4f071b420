"""A consistent reference C.Hasil (3 paslon, Pilkada) the table-driven tests change one value of."""

from app.domain.findings import FormContext

PILKADA3 = FormContext.for_kind("pilkada", paslon_count=3)
PEMILU3 = FormContext.for_kind("pemilu", paslon_count=3)

BASE: dict[str, int] = {
    "pemilih_dpt_l": 200, "pemilih_dpt_p": 210, "pemilih_dpt_j": 410,
    "pengguna_dpt_l": 150, "pengguna_dpt_p": 160, "pengguna_dpt_j": 310,
    "pengguna_dptb_l": 3, "pengguna_dptb_p": 2, "pengguna_dptb_j": 5,
    "pengguna_dpk_l": 1, "pengguna_dpk_p": 2, "pengguna_dpk_j": 3,
    "pengguna_total_l": 154, "pengguna_total_p": 164, "pengguna_total_j": 318,
    "disabilitas_l": 2, "disabilitas_p": 1, "disabilitas_j": 3,
    # ⌈410 × 1.025⌉ = 421 received = 318 used + 3 damaged + 100 unused
    "surat_diterima": 421, "surat_digunakan": 318, "surat_rusak": 3, "surat_tidak_digunakan": 100,
    "suara_paslon_1": 150, "suara_paslon_2": 100, "suara_paslon_3": 60,
    "suara_sah": 310, "suara_tidak_sah": 8, "suara_total": 318,
}  # fmt: skip


def form(changes: dict[str, int] | None = None, *, drop: tuple[str, ...] = ()) -> dict[str, int]:
    """BASE with some values changed and some fields left out."""
    values = {**BASE, **(changes or {})}
    for name in drop:
        values.pop(name)
    return values
