"""The per-form rules of DOMAIN.md §4 (one TPS, one contest) as data: a list of Checks.

Each Check declares its inputs and its Relation (Σ A = Σ B, Σ A ≤ ⌈Σ B × factor⌉ + k, a value in
0..999): the Relation alone decides whether the check holds, so the same data can be evaluated
over many forms at once (app/services/verification_filter.py compiles it to SQL); the `run`
closure only words the finding of a breach.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from app.domain.fields import (
    GENDERED_ROWS,
    GENDERS,
    MAX_FORM_VALUE,
    fields_for_contest,
    paslon_field,
)
from app.domain.findings import Finding, FormContext, Severity
from app.domain.messages import ROW_LABELS, Text, joined, label, mismatch, over

Values = Mapping[str, int | None]
Known = Mapping[str, int]  # a check's inputs, all present


@dataclass(frozen=True)
class Relation:
    """What a check requires of its inputs, in integers only (exact, as in SQL):

    - "eq": Σ left = Σ right;
    - "le": Σ left ≤ round(Σ right × scale) + offset, round = ⌈⌉ ("ceil") or ⌊⌋ ("floor");
      with no right-hand fields the bound is the constant offset;
    - "range": every left value is within low..high.
    """

    kind: Literal["eq", "le", "range"]
    left: tuple[str, ...]
    right: tuple[str, ...] = ()
    scale: Fraction = Fraction(1)
    offset: int = 0
    rounding: Literal["ceil", "floor"] = "floor"
    low: int = 0
    high: int = MAX_FORM_VALUE

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every field the relation reads, left first, each once."""
        return tuple(dict.fromkeys((*self.left, *self.right)))

    def bound(self, v: Known) -> int:
        """The right-hand side: Σ right (eq) or round(Σ right × scale) + offset (le)."""
        right = sum(v[r] for r in self.right)
        if self.kind == "eq":
            return right
        num, den = self.scale.numerator, self.scale.denominator
        rounded = -((-right * num) // den) if self.rounding == "ceil" else (right * num) // den
        return rounded + self.offset

    def holds(self, v: Known) -> bool:
        """Whether the relation holds for values that has every input."""
        if self.kind == "range":
            return all(self.low <= v[x] <= self.high for x in self.left)
        left = sum(v[x] for x in self.left)
        return left == self.bound(v) if self.kind == "eq" else left <= self.bound(v)


@dataclass(frozen=True)
class Check:
    """One rule applied to one field or row: runs only when every input is present.

    `summable` marks the equality rules that also hold for sums of forms (they are what
    DHASIL_ARITHMETIC runs on D.Hasil columns and what HUNDREDS_SLIP tries to repair).
    `unless` makes the check not applicable when another rule already reports the same numbers.
    """

    rule: str
    field: str | None
    inputs: tuple[str, ...]
    run: Callable[[Known], Finding | None]
    relation: Relation
    summable: bool = False
    detail_key: str = ""
    unless: Callable[[Values], bool] | None = None


def _known_inputs(check: Check, values: Values) -> dict[str, int] | None:
    """The check's inputs as read, or None when one is missing (the check does not apply)."""
    known: dict[str, int] = {}
    for name in check.inputs:
        value = values.get(name)
        if value is None:
            return None
        known[name] = value
    return known


def breaks(check: Check, values: Values) -> bool:
    """Whether `evaluate` reports a finding, without wording it (HUNDREDS_SLIP asks this of
    hundreds of candidate values per broken form). Every Check's `run` returns a finding whenever
    its relation fails (tests/domain/test_form_rules.py checks it for every rule)."""
    known = _known_inputs(check, values)
    if known is None or check.relation.holds(known):
        return False
    return check.unless is None or not check.unless(values)


def evaluate(check: Check, values: Values) -> Finding | None:
    """The finding of one check, or None when it holds or is not applicable (an input missing)."""
    known = _known_inputs(check, values)
    if known is None or check.relation.holds(known):
        return None
    if check.unless is not None and check.unless(values):
        return None
    return check.run(known)


def equality(
    rule: str, parts: tuple[str, ...], target: str, left: Text, *, fewer_is_warning: bool = False
) -> Check:
    """A check that Σ parts = target; the finding is reported on target (expected = Σ parts)."""

    def run(v: Known) -> Finding | None:
        expected, actual = sum(v[p] for p in parts), v[target]
        severity: Severity = "warning" if fewer_is_warning and actual < expected else "error"
        text = mismatch(left, expected, label(target), actual)
        return Finding(rule, severity, target, expected, actual, *text, inputs=(*parts, target))

    return Check(
        rule,
        target,
        (*parts, target),
        run,
        Relation("eq", parts, (target,)),
        summable=True,
    )


def cap(
    rule: str,
    field: str | None,
    relation: Relation,
    limit_label: Callable[[Known], Text],
    *,
    severity: Severity = "error",
    detail_key: str = "",
    unless: Callable[[Values], bool] | None = None,
) -> Check:
    """A check that Σ relation.left ≤ its bound; expected = the bound, actual = Σ left.
    `limit_label` words the bound (the text before its number)."""
    what = relation.left

    def run(v: Known) -> Finding | None:
        actual, bound = sum(v[w] for w in what), relation.bound(v)
        text = over(joined(what), actual, limit_label(v), bound)
        inputs = relation.inputs
        return Finding(
            rule, severity, field, bound, actual, *text, detail_key=detail_key, inputs=inputs
        )

    return Check(rule, field, relation.inputs, run, relation, detail_key=detail_key, unless=unless)


def same_as(name: str) -> Callable[[Known], Text]:
    """The label of a limit that is one other field's value."""
    return lambda _v: label(name)


def digit_range(name: str) -> Check:
    """DIGIT_RANGE on one field: a number written in three boxes is 0..999."""

    def run(v: Known) -> Finding | None:
        value = v[name]
        if 0 <= value <= MAX_FORM_VALUE:
            return None
        bound = 0 if value < 0 else MAX_FORM_VALUE
        (name_id, name_en), d = label(name), abs(value - bound)
        text = (
            f"{name_id} {value} di luar 0..{MAX_FORM_VALUE} (selisih {d})",
            f"{name_en} {value} outside 0..{MAX_FORM_VALUE} (difference {d})",
        )
        return Finding("DIGIT_RANGE", "error", name, bound, value, *text, inputs=(name,))

    return Check("DIGIT_RANGE", name, (name,), run, Relation("range", (name,)))


def _gendered(row: str) -> tuple[str, str, str]:
    """The l, p, j field names of one row."""
    return (f"{row}_l", f"{row}_p", f"{row}_j")


def sum_checks(paslon_count: int) -> list[Check]:
    """The equality rules: GENDER_SUM, TURNOUT_SUM, BALLOTS_USED, BALLOT_BALANCE, PASLON_SUM,
    VALID_INVALID_SUM, TOTAL_VS_TURNOUT (these hold for sums of forms too)."""
    checks = []
    for row in GENDERED_ROWS:
        men, women, total = _gendered(row)
        row_id, row_en = ROW_LABELS[row]
        left = (f"{row_id} L + P", f"{row_en} (men + women)")
        checks.append(equality("GENDER_SUM", (men, women), total, left))
    for g in GENDERS:
        parts = (f"pengguna_dpt_{g}", f"pengguna_dptb_{g}", f"pengguna_dpk_{g}")
        checks.append(equality("TURNOUT_SUM", parts, f"pengguna_total_{g}", joined(parts)))
    checks.append(
        equality(
            "BALLOTS_USED", ("pengguna_total_j",), "surat_digunakan", label("pengguna_total_j")
        )
    )
    spent = ("surat_digunakan", "surat_rusak", "surat_tidak_digunakan")
    checks.append(equality("BALLOT_BALANCE", spent, "surat_diterima", joined(spent)))
    paslon = tuple(paslon_field(n) for n in range(1, paslon_count + 1))
    if paslon:  # a contest without paslon has no vote band to add up
        checks.append(
            equality("PASLON_SUM", paslon, "suara_sah", ("Σ suara paslon", "Σ paslon votes"))
        )
    votes = ("suara_sah", "suara_tidak_sah")
    checks.append(equality("VALID_INVALID_SUM", votes, "suara_total", joined(votes)))
    checks.append(
        equality(
            "TOTAL_VS_TURNOUT",
            ("pengguna_total_j",),
            "suara_total",
            label("pengguna_total_j"),
            fewer_is_warning=True,
        )
    )
    return checks


def _factor_text(ctx: FormContext) -> Text:
    """The reserve factor as written in each language (1,025 / 1.025)."""
    text = f"{float(ctx.reserve_factor):g}"
    return (text.replace(".", ","), text)


def reserve_label(ctx: FormContext) -> Callable[[Known], Text]:
    """BALLOT_RESERVE's limit: ⌈pemilih_dpt_j × factor⌉ + 1 (KPU's reserve, one spare)."""
    f_id, f_en = _factor_text(ctx)

    def words(v: Known) -> Text:
        dpt = v["pemilih_dpt_j"]
        return (
            f"batas ⌈pemilih DPT J {dpt} × {f_id}⌉ + 1 =",
            f"limit ⌈DPT voters (total) {dpt} × {f_en}⌉ + 1 =",
        )

    return words


def vote_label(ctx: FormContext) -> Callable[[Known], Text]:
    """TURNOUT_CAP's vote limit: Σ paslon ≤ pemilih_dpt_j × factor (integer votes: the floor)."""
    f_id, f_en = _factor_text(ctx)

    def words(v: Known) -> Text:
        dpt = v["pemilih_dpt_j"]
        return (f"pemilih DPT J {dpt} × {f_id} =", f"DPT voters (total) {dpt} × {f_en} =")

    return words


def paslon_sum_broken(paslon: tuple[str, ...]) -> Callable[[Values], bool]:
    """Whether PASLON_SUM applies and fails: then Σ paslon is already reported as wrong."""

    def broken(values: Values) -> bool:
        parts = [values.get(p) for p in paslon]
        valid = values.get("suara_sah")
        if valid is None or any(p is None for p in parts):
            return False
        return sum(p for p in parts if p is not None) != valid

    return broken


def per_gender_caps(rule: str, row: str, limit_row: str) -> list[Check]:
    """`row_g ≤ limit_row_g` for g = l, p, j."""
    return [
        cap(rule, f"{row}_{g}", Relation("le", (f"{row}_{g}",), (f"{limit_row}_{g}",)),
            same_as(f"{limit_row}_{g}"))
        for g in GENDERS
    ]  # fmt: skip


def limit_checks(ctx: FormContext) -> list[Check]:
    """The per-TPS caps: DPT_TURNOUT, BALLOT_RESERVE, TURNOUT_CAP, TPS_SIZE, DISABILITAS."""
    registered = ("pemilih_dpt_j", "pengguna_dptb_j", "pengguna_dpk_j")
    paslon = tuple(paslon_field(n) for n in range(1, ctx.paslon_count + 1))
    size: Text = ("batas pemilih per TPS", "voters per TPS limit")
    dpt_j = ("pemilih_dpt_j",)
    factor = ctx.reserve_factor
    reserve = Relation("le", ("surat_diterima",), dpt_j, factor, offset=1, rounding="ceil")
    return [
        *per_gender_caps("DPT_TURNOUT", "pengguna_dpt", "pemilih_dpt"),
        cap("BALLOT_RESERVE", "surat_diterima", reserve, reserve_label(ctx), severity="warning"),
        cap("TURNOUT_CAP", "pengguna_total_j", Relation("le", ("pengguna_total_j",), registered),
            lambda _v: joined(registered)),
        cap("TURNOUT_CAP", None, Relation("le", paslon, dpt_j, factor), vote_label(ctx),
            detail_key="paslon", unless=paslon_sum_broken(paslon)),
        cap("TPS_SIZE", "pemilih_dpt_j", Relation("le", dpt_j, offset=ctx.max_tps_size),
            lambda _v: size, severity="warning"),
        *per_gender_caps("DISABILITAS", "disabilitas", "pengguna_total"),
    ]  # fmt: skip


@lru_cache(maxsize=64)
def form_checks(ctx: FormContext) -> tuple[Check, ...]:
    """Every per-form check for a context: sums, caps, and DIGIT_RANGE on every field."""
    digits = [digit_range(name) for name in fields_for_contest(ctx.paslon_count)]
    return (*sum_checks(ctx.paslon_count), *limit_checks(ctx), *digits)


def run_checks(checks: tuple[Check, ...] | list[Check], values: Values) -> list[Finding]:
    """Every finding of those checks on those values, in check order."""
    return [f for c in checks if (f := evaluate(c, values)) is not None]
