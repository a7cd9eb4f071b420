"""Synthetic, internally consistent C.Hasil values whose per-kecamatan paslon sums are the
published ones. Everything is drawn from one seeded random.Random, so the demo is deterministic."""

import math
import random
from dataclasses import dataclass

from app.demo.sources import KecamatanPlan

Values = dict[str, int]
MAX_TPS_VOTERS = 600  # Pilkada 2024: at most 600 voters per TPS (KPU)
RESERVE = 1.025  # Pilkada ballot reserve: 2.5% of DPT
VALID_LIMIT = 540  # valid votes per TPS, leaving room for invalid votes and non-voters under 600


@dataclass
class TpsForms:
    """The two C.Hasil forms of one TPS: gubernur and bupati/wali kota."""

    tps_code: str
    gubernur: Values
    bupati: Values


def allocate_tps(tps_count: int, desa: dict[str, tuple[str, int]]) -> dict[str, int]:
    """Spread a kecamatan's Pilkada TPS over its desa in proportion to their Pemilu TPS
    (largest remainder), at least one per desa while there are enough TPS."""
    codes = list(desa)
    weights = [max(desa[c][1], 1) for c in codes]
    floor = 1 if tps_count >= len(codes) else 0
    counts = split_total(tps_count - floor * len(codes), [float(w) for w in weights])
    return {c: n + floor for c, n in zip(codes, counts, strict=True) if n + floor > 0}


def split_total(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that add up to exactly total (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def distribute_votes(
    votes: dict[int, int], weights: list[float], rng: random.Random
) -> list[Values]:
    """Per-TPS paslon votes: each paslon's kecamatan total split over the TPS by TPS size times a
    local preference, so every column sums to the published figure."""
    rows: list[Values] = [{} for _ in weights]
    for nomor, total in sorted(votes.items()):
        local = [w * math.exp(rng.gauss(0.0, 0.15)) for w in weights]
        for row, n in zip(rows, split_total(total, local), strict=True):
            row[f"suara_paslon_{nomor}"] = n
    return rows


def rebalance(rows: list[Values], limit: int) -> None:
    """Move votes from TPS whose valid votes exceed limit to the emptiest TPS, paslon by paslon,
    so column (kecamatan) sums stay exact while every TPS fits the 600-voter cap."""
    totals = [sum(r.values()) for r in rows]
    while max(totals) > limit:
        src = totals.index(max(totals))
        dst = totals.index(min(totals))
        field = max(rows[src], key=lambda f: rows[src][f])
        moved = min(totals[src] - limit, rows[src][field])
        rows[src][field] -= moved
        rows[dst][field] += moved
        totals[src] -= moved
        totals[dst] += moved


def _split_lp(
    total: int, rng: random.Random, low: float = 0.47, high: float = 0.53
) -> tuple[int, int]:
    men = round(total * rng.uniform(low, high))
    return men, total - men


def voter_section(turnout: int, rng: random.Random) -> Values:
    """Section I and III of a TPS whose voters cast `turnout` ballots (both forms share it)."""
    dptb = rng.randint(0, min(4, turnout // 150))
    dpk = rng.randint(0, min(3, turnout // 200))
    users_dpt = turnout - dptb - dpk
    rate = max(rng.uniform(0.62, 0.86), users_dpt / MAX_TPS_VOTERS)
    dpt = min(MAX_TPS_VOTERS, max(users_dpt, round(users_dpt / rate)))
    dpt_l, dpt_p = _split_lp(dpt, rng)
    use_l = min(dpt_l, max(users_dpt - dpt_p, round(users_dpt * dpt_l / dpt)))
    values: Values = {"pemilih_dpt_l": dpt_l, "pemilih_dpt_p": dpt_p, "pemilih_dpt_j": dpt}
    rows = {
        "dpt": (use_l, users_dpt - use_l),
        "dptb": _split_lp(dptb, rng),
        "dpk": _split_lp(dpk, rng),
    }
    for row, (men, women) in rows.items():
        values |= {
            f"pengguna_{row}_l": men,
            f"pengguna_{row}_p": women,
            f"pengguna_{row}_j": men + women,
        }
    for g in ("l", "p", "j"):
        values[f"pengguna_total_{g}"] = sum(values[f"pengguna_{r}_{g}"] for r in rows)
    dis_l, dis_p = rng.randint(0, 2), rng.randint(0, 1)
    values |= {"disabilitas_l": dis_l, "disabilitas_p": dis_p, "disabilitas_j": dis_l + dis_p}
    return values


def ballot_section(values: Values, rng: random.Random) -> Values:
    """Section II: ballots received with the 2.5% reserve, used = turnout, the rest balanced."""
    received = math.ceil(values["pemilih_dpt_j"] * RESERVE)
    used = values["pengguna_total_j"]
    spoiled = min(rng.randint(0, 2), received - used)
    return {
        "surat_diterima": received,
        "surat_digunakan": used,
        "surat_rusak": spoiled,
        "surat_tidak_digunakan": received - used - spoiled,
    }


def complete_form(voters: Values, paslon: Values, rng: random.Random) -> Values:
    """One contest's full form: shared voters, its ballots, its paslon, valid/invalid/total."""
    valid = sum(paslon.values())
    total = voters["pengguna_total_j"]
    form = dict(voters) | ballot_section(voters, rng) | paslon
    return form | {"suara_sah": valid, "suara_tidak_sah": total - valid, "suara_total": total}


def generate_kecamatan(plan: KecamatanPlan, rng: random.Random) -> list[TpsForms]:
    """Every TPS of a kecamatan with both forms, consistent by construction."""
    per_desa = allocate_tps(plan.tps_count, plan.desa)
    codes = [f"{d}{n:03d}" for d, k in per_desa.items() for n in range(1, k + 1)]
    weights = [rng.uniform(0.85, 1.15) for _ in codes]
    gub = distribute_votes(plan.gubernur_votes, weights, rng)
    bup = distribute_votes(plan.bupati_votes, weights, rng)
    rebalance(gub, VALID_LIMIT)
    rebalance(bup, VALID_LIMIT)
    forms = []
    for code, g, b in zip(codes, gub, bup, strict=True):
        valid = max(sum(g.values()), sum(b.values()))
        invalid_share = min(rng.uniform(0.01, 0.06), 1 - valid / (MAX_TPS_VOTERS - 8))
        turnout = math.ceil(valid / (1 - max(invalid_share, 0.0)))
        voters = voter_section(turnout, rng)
        forms.append(TpsForms(code, complete_form(voters, g, rng), complete_form(voters, b, rng)))
    return forms


def sum_values(rows: list[Values]) -> Values:
    """Field-wise sum of forms (a D.Hasil column or total)."""
    out: Values = {}
    for row in rows:
        for name, value in row.items():
            out[name] = out.get(name, 0) + value
    return out
