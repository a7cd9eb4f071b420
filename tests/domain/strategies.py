"""Hypothesis strategies for internally consistent C.Hasil forms (every rule holds)."""

import math

from hypothesis import strategies as st

from app.domain.fields import paslon_field
from app.domain.findings import FormContext

ELECTION_CONTEXTS = st.sampled_from(["pilkada", "pemilu"]).flatmap(
    lambda kind: st.integers(1, 6).map(lambda n: FormContext.for_kind(kind, paslon_count=n))
)


def split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """`parts` non-negative integers summing to `total`."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def _voters(draw: st.DrawFn, ctx: FormContext) -> dict[str, int]:
    """Section I and III: DPT ≤ the TPS size, turnout within DPT, L + P = J on every row."""
    v: dict[str, int] = {}
    half = ctx.max_tps_size // 2
    for g in ("l", "p"):
        dpt = draw(st.integers(0, half))
        used_dpt = draw(st.integers(0, dpt))
        dptb = draw(st.integers(0, dpt - used_dpt))  # extra voters keep total ≤ DPT
        dpk = draw(st.integers(0, dpt - used_dpt - dptb))
        total = used_dpt + dptb + dpk
        v |= {f"pemilih_dpt_{g}": dpt, f"pengguna_dpt_{g}": used_dpt}
        v |= {f"pengguna_dptb_{g}": dptb, f"pengguna_dpk_{g}": dpk, f"pengguna_total_{g}": total}
        v[f"disabilitas_{g}"] = draw(st.integers(0, total))
    rows = ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total")
    for row in (*rows, "disabilitas"):
        v[f"{row}_j"] = v[f"{row}_l"] + v[f"{row}_p"]
    return v


@st.composite
def form_in(draw: st.DrawFn, ctx: FormContext) -> dict[str, int]:
    """A C.Hasil that breaks no rule: sums hold, ballots balance within the reserve."""
    v = _voters(draw, ctx)
    used = v["pengguna_total_j"]
    received = math.ceil(v["pemilih_dpt_j"] * ctx.reserve_factor) + draw(st.integers(0, 1))
    damaged = draw(st.integers(0, received - used))
    v |= {"surat_diterima": received, "surat_digunakan": used, "surat_rusak": damaged}
    v["surat_tidak_digunakan"] = received - used - damaged
    invalid = draw(st.integers(0, used))
    v |= {"suara_total": used, "suara_tidak_sah": invalid, "suara_sah": used - invalid}
    for n, votes in enumerate(split(draw, used - invalid, ctx.paslon_count), start=1):
        v[paslon_field(n)] = votes
    return v


def _with_ctx(ctx: FormContext) -> st.SearchStrategy[tuple[dict[str, int], FormContext]]:
    """A consistent form paired with its context."""
    return form_in(ctx).map(lambda v: (v, ctx))


consistent_forms = ELECTION_CONTEXTS.flatmap(_with_ctx)
