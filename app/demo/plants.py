"""The demo's planted problems: one documented breach per rule of DOMAIN.md §4 that needs no
photo, each in its own kecamatan, with the discrepancies an auditor must see for it."""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from app.demo.generate import RESERVE, TpsForms, Values


@dataclass(frozen=True)
class Expected:
    """One discrepancy a plant must produce: rule, contest, where, which field."""

    rule: str
    contest: str  # "gubernur" or "bupati": resolved to a contest id by the loader
    scope: str  # TPS, desa or kecamatan code the discrepancy is reported on
    field: str | None


@dataclass
class ExtraSubmission:
    """A second source's submission for a TPS (app, sirekap)."""

    tps_code: str
    contest: str
    source: str
    values: Values


@dataclass
class Plant:
    """A planted problem: what was changed (in words) and what must be found."""

    name: str
    kecamatan: str
    description: str
    expected: list[Expected] = field(default_factory=list)


@dataclass
class KecamatanData:
    """A kecamatan's generated forms, its D.Hasil per contest, extra submissions, missing TPS."""

    code: str
    forms: list[TpsForms]
    dhasil: dict[str, dict[str, Values]] = field(default_factory=dict)  # contest -> desa -> values
    dhasil_total: dict[str, Values] = field(default_factory=dict)  # contest -> values
    extra: list[ExtraSubmission] = field(default_factory=list)
    missing_tps: set[str] = field(default_factory=set)


PlantFn = Callable[[KecamatanData, random.Random], Plant]


def _any(_: TpsForms) -> bool:
    return True


def _form(
    data: KecamatanData, rng: random.Random, pick: Callable[[TpsForms], bool] = _any
) -> TpsForms:
    # TPS already touched by another plant or missing are never picked twice.
    choices = [f for f in data.forms if pick(f) and f.tps_code not in data.missing_tps]
    return rng.choice(choices)


def _rebalance_ballots(values: Values) -> None:
    """After a planted DPT change, keep section II consistent so only the intended rule breaks."""
    values["surat_diterima"] = math.ceil(values["pemilih_dpt_j"] * RESERVE)
    values["surat_tidak_digunakan"] = (
        values["surat_diterima"] - values["surat_digunakan"] - values["surat_rusak"]
    )


def plant_gender_sum(data: KecamatanData, rng: random.Random) -> Plant:
    """disabilitas_l written 2 higher on the bupati form: L + P ≠ J."""
    form = _form(data, rng)
    form.bupati["disabilitas_l"] += 2
    return Plant(
        "GENDER_SUM",
        data.code,
        f"TPS {form.tps_code}: bupati disabilitas_l +2",
        [Expected("GENDER_SUM", "bupati", form.tps_code, "disabilitas_j")],
    )


def plant_turnout_sum(data: KecamatanData, rng: random.Random) -> Plant:
    """pengguna_total_l/j not updated after one more DPK voter was written in (gubernur form)."""
    form = _form(data, rng)
    for g in ("l", "j"):
        form.gubernur[f"pengguna_dpk_{g}"] += 1
    return Plant(
        "TURNOUT_SUM",
        data.code,
        f"TPS {form.tps_code}: gubernur pengguna_dpk_l and _j +1",
        [
            Expected("TURNOUT_SUM", "gubernur", form.tps_code, f"pengguna_total_{g}")
            for g in ("l", "j")
        ],
    )


def _dpt_below_users(values: Values) -> Values:
    """Section I with the DPT written below the DPT voters (L by 2, P by 3), ballots rebalanced."""
    out = dict(values)
    out["pemilih_dpt_l"] = values["pengguna_dpt_l"] - 2
    out["pemilih_dpt_p"] = values["pengguna_dpt_p"] - 3
    out["pemilih_dpt_j"] = out["pemilih_dpt_l"] + out["pemilih_dpt_p"]
    _rebalance_ballots(out)
    return out


def _fits_dpt_plant(form: TpsForms) -> bool:
    # The rebalanced ballots must stay non-negative and within 0..999.
    return all(
        _dpt_below_users(v)["surat_tidak_digunakan"] >= 0 for v in (form.gubernur, form.bupati)
    )


def plant_dpt_turnout(data: KecamatanData, rng: random.Random) -> Plant:
    """The DPT written below the voters who used it (L by 2, P by 3) on both forms: DPT voters
    exceed the DPT (l, p, j), so all voters exceed DPT + DPTb + DPK as well (TURNOUT_CAP)."""
    form = _form(data, rng, _fits_dpt_plant)
    form.gubernur.update(_dpt_below_users(form.gubernur))
    form.bupati.update(_dpt_below_users(form.bupati))
    expected = [
        Expected(rule, contest, form.tps_code, fld)
        for contest in ("gubernur", "bupati")
        for rule, fld in (
            ("DPT_TURNOUT", "pengguna_dpt_l"),
            ("DPT_TURNOUT", "pengguna_dpt_p"),
            ("DPT_TURNOUT", "pengguna_dpt_j"),
            ("TURNOUT_CAP", "pengguna_total_j"),
        )
    ]
    return Plant(
        "DPT_TURNOUT",
        data.code,
        f"TPS {form.tps_code}: pemilih_dpt_l/p 2/3 below pengguna_dpt",
        expected,
    )


def plant_ballots_used(data: KecamatanData, rng: random.Random) -> Plant:
    """5 ballots moved from unused to used on the gubernur form: used ≠ voters."""
    form = _form(data, rng, lambda f: f.gubernur["surat_tidak_digunakan"] >= 5)
    form.gubernur["surat_digunakan"] += 5
    form.gubernur["surat_tidak_digunakan"] -= 5
    return Plant(
        "BALLOTS_USED",
        data.code,
        f"TPS {form.tps_code}: gubernur surat_digunakan +5",
        [Expected("BALLOTS_USED", "gubernur", form.tps_code, "surat_digunakan")],
    )


def plant_ballot_balance(data: KecamatanData, rng: random.Random) -> Plant:
    """3 damaged ballots written in without taking them off the unused count (bupati)."""
    form = _form(data, rng)
    form.bupati["surat_rusak"] += 3
    return Plant(
        "BALLOT_BALANCE",
        data.code,
        f"TPS {form.tps_code}: bupati surat_rusak +3",
        [Expected("BALLOT_BALANCE", "bupati", form.tps_code, "surat_diterima")],
    )


def plant_ballot_reserve(data: KecamatanData, rng: random.Random) -> Plant:
    """40 ballots more received than DPT + 2.5% allows (gubernur), balanced as unused."""
    form = _form(data, rng, lambda f: f.gubernur["pemilih_dpt_j"] < 550)
    form.gubernur["surat_diterima"] += 40
    form.gubernur["surat_tidak_digunakan"] += 40
    return Plant(
        "BALLOT_RESERVE",
        data.code,
        f"TPS {form.tps_code}: gubernur surat_diterima +40",
        [Expected("BALLOT_RESERVE", "gubernur", form.tps_code, "surat_diterima")],
    )


def plant_paslon_sum(data: KecamatanData, rng: random.Random) -> Plant:
    """suara_paslon_2 written 8 higher on the gubernur form: Σ paslon ≠ suara sah."""
    form = _form(data, rng)
    form.gubernur["suara_paslon_2"] += 8
    return Plant(
        "PASLON_SUM",
        data.code,
        f"TPS {form.tps_code}: gubernur suara_paslon_2 +8",
        [Expected("PASLON_SUM", "gubernur", form.tps_code, "suara_sah")],
    )


def plant_valid_invalid_sum(data: KecamatanData, rng: random.Random) -> Plant:
    """suara_tidak_sah written 4 higher on the bupati form: sah + tidak sah ≠ total."""
    form = _form(data, rng)
    form.bupati["suara_tidak_sah"] += 4
    return Plant(
        "VALID_INVALID_SUM",
        data.code,
        f"TPS {form.tps_code}: bupati suara_tidak_sah +4",
        [Expected("VALID_INVALID_SUM", "bupati", form.tps_code, "suara_total")],
    )


def plant_total_vs_turnout(data: KecamatanData, rng: random.Random) -> Plant:
    """3 more invalid votes (and total) than voters on one gubernur form, 2 fewer on another."""
    more, fewer = rng.sample([f for f in data.forms if f.gubernur["suara_tidak_sah"] >= 2], 2)
    for form, delta in ((more, 3), (fewer, -2)):
        form.gubernur["suara_tidak_sah"] += delta
        form.gubernur["suara_total"] += delta
    return Plant(
        "TOTAL_VS_TURNOUT",
        data.code,
        f"TPS {more.tps_code}: gubernur suara_total +3; TPS {fewer.tps_code}: -2",
        [
            Expected("TOTAL_VS_TURNOUT", "gubernur", t, "suara_total")
            for t in (more.tps_code, fewer.tps_code)
        ],
    )


def plant_tps_size(data: KecamatanData, rng: random.Random) -> Plant:
    """A TPS with 612 voters on its DPT (cap 600), recorded consistently on both forms."""
    form = _form(data, rng)
    for values in (form.gubernur, form.bupati):
        extra = 612 - values["pemilih_dpt_j"]
        values["pemilih_dpt_l"] += extra // 2
        values["pemilih_dpt_p"] += extra - extra // 2
        values["pemilih_dpt_j"] = 612
        _rebalance_ballots(values)
    return Plant(
        "TPS_SIZE",
        data.code,
        f"TPS {form.tps_code}: pemilih_dpt_j = 612 on both forms",
        [Expected("TPS_SIZE", c, form.tps_code, "pemilih_dpt_j") for c in ("gubernur", "bupati")],
    )


def plant_digit_range(data: KecamatanData, rng: random.Random) -> Plant:
    """A Sirekap-style reading with suara_paslon_1 of 4 digits, beside the PPK's entry."""
    form = _form(data, rng)
    values = dict(form.gubernur)
    values["suara_paslon_1"] += 1000
    data.extra.append(ExtraSubmission(form.tps_code, "gubernur", "sirekap", values))
    return Plant(
        "DIGIT_RANGE",
        data.code,
        f"TPS {form.tps_code}: sirekap suara_paslon_1 +1000",
        [Expected("DIGIT_RANGE", "gubernur", form.tps_code, "suara_paslon_1")],
    )


def plant_disabilitas(data: KecamatanData, rng: random.Random) -> Plant:
    """More disabled women voters than women who voted (bupati form)."""
    form = _form(data, rng)
    values = form.bupati
    values["disabilitas_p"] = values["pengguna_total_p"] + 2
    values["disabilitas_j"] = values["disabilitas_l"] + values["disabilitas_p"]
    return Plant(
        "DISABILITAS",
        data.code,
        f"TPS {form.tps_code}: bupati disabilitas_p > pengguna_total_p",
        [Expected("DISABILITAS", "bupati", form.tps_code, "disabilitas_p")],
    )


def plant_hundreds_slip(data: KecamatanData, rng: random.Random) -> Plant:
    """The Sirekap failure: a stray hundreds digit, e.g. 58 read as 958 (gubernur paslon 3)."""
    form = _form(data, rng, lambda f: f.gubernur["suara_paslon_3"] < 100)
    form.gubernur["suara_paslon_3"] += 900
    return Plant(
        "HUNDREDS_SLIP",
        data.code,
        f"TPS {form.tps_code}: gubernur suara_paslon_3 +900",
        [
            Expected("HUNDREDS_SLIP", "gubernur", form.tps_code, "suara_paslon_3"),
            Expected("PASLON_SUM", "gubernur", form.tps_code, "suara_sah"),
        ],
    )


def plant_cross_contest(data: KecamatanData, rng: random.Random) -> Plant:
    """The bupati form's DPT moves 4 voters from P to L: both forms consistent, but different."""
    form = _form(data, rng, lambda f: f.bupati["pemilih_dpt_p"] - f.bupati["pengguna_dpt_p"] >= 4)
    form.bupati["pemilih_dpt_l"] += 4
    form.bupati["pemilih_dpt_p"] -= 4
    return Plant(
        "CROSS_CONTEST",
        data.code,
        f"TPS {form.tps_code}: bupati pemilih_dpt_l +4, _p -4",
        [
            Expected("CROSS_CONTEST", "bupati", form.tps_code, f)
            for f in ("pemilih_dpt_l", "pemilih_dpt_p")
        ],
    )


def plant_sources_disagree(data: KecamatanData, rng: random.Random) -> Plant:
    """A KPPS app result that moves 10 votes from paslon 1 to paslon 3 (consistent in itself)."""
    form = _form(data, rng, lambda f: f.gubernur["suara_paslon_1"] >= 10)
    values = dict(form.gubernur)
    values["suara_paslon_1"] -= 10
    values["suara_paslon_3"] += 10
    data.extra.append(ExtraSubmission(form.tps_code, "gubernur", "app", values))
    return Plant(
        "SOURCES_DISAGREE",
        data.code,
        f"TPS {form.tps_code}: app result moves 10 votes 1 → 3",
        [
            Expected("SOURCES_DISAGREE", "gubernur", form.tps_code, f)
            for f in ("suara_paslon_1", "suara_paslon_3")
        ],
    )


def plant_missing_tps(data: KecamatanData, rng: random.Random) -> Plant:
    """A TPS whose C.Hasil never arrived although its desa is in the D.Hasil."""
    form = _form(data, rng)
    data.missing_tps.add(form.tps_code)
    return Plant(
        "MISSING_TPS",
        data.code,
        f"TPS {form.tps_code}: no submission at all",
        [Expected("MISSING_TPS", c, form.tps_code, None) for c in ("gubernur", "bupati")],
    )


def plant_desa_vs_dhasil(data: KecamatanData, rng: random.Random) -> Plant:
    """At the recap 15 votes move from paslon 1 to paslon 2 in one desa column (and the total)."""
    desa = rng.choice(sorted(data.dhasil["gubernur"]))
    for values in (data.dhasil["gubernur"][desa], data.dhasil_total["gubernur"]):
        values["suara_paslon_1"] -= 15
        values["suara_paslon_2"] += 15
    return Plant(
        "DESA_VS_DHASIL",
        data.code,
        f"D.Hasil gubernur desa {desa}: 15 votes 1 → 2",
        [
            Expected("DESA_VS_DHASIL", "gubernur", desa, f)
            for f in ("suara_paslon_1", "suara_paslon_2")
        ],
    )


def plant_kecamatan_vs_dhasil(data: KecamatanData, rng: random.Random) -> Plant:  # noqa: ARG001
    """The D.Hasil total moves 20 votes from paslon 2 to paslon 1; the desa columns are right."""
    total = data.dhasil_total["bupati"]
    total["suara_paslon_1"] += 20
    total["suara_paslon_2"] -= 20
    return Plant(
        "KECAMATAN_VS_DHASIL",
        data.code,
        "D.Hasil bupati total: 20 votes 2 → 1",
        [
            Expected("KECAMATAN_VS_DHASIL", "bupati", data.code, f)
            for f in ("suara_paslon_1", "suara_paslon_2")
        ],
    )


def plant_dhasil_arithmetic(data: KecamatanData, rng: random.Random) -> Plant:  # noqa: ARG001
    """The D.Hasil total's invalid votes written 6 higher: sah + tidak sah ≠ total in the recap."""
    data.dhasil_total["gubernur"]["suara_tidak_sah"] += 6
    return Plant(
        "DHASIL_ARITHMETIC",
        data.code,
        "D.Hasil gubernur total suara_tidak_sah +6",
        [
            Expected("DHASIL_ARITHMETIC", "gubernur", data.code, "suara_total"),
            Expected("KECAMATAN_VS_DHASIL", "gubernur", data.code, "suara_tidak_sah"),
        ],
    )


FORM_PLANTS: tuple[PlantFn, ...] = (
    plant_gender_sum,
    plant_turnout_sum,
    plant_dpt_turnout,
    plant_ballots_used,
    plant_ballot_balance,
    plant_ballot_reserve,
    plant_paslon_sum,
    plant_valid_invalid_sum,
    plant_total_vs_turnout,
    plant_tps_size,
    plant_digit_range,
    plant_disabilitas,
    plant_hundreds_slip,
    plant_cross_contest,
    plant_sources_disagree,
    plant_missing_tps,
)
DHASIL_PLANTS: tuple[PlantFn, ...] = (
    plant_desa_vs_dhasil,
    plant_kecamatan_vs_dhasil,
    plant_dhasil_arithmetic,
)
