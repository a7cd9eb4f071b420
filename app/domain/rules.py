"""The public entry points of the rule catalogue, one per level (form, TPS, kecamatan)."""

from app.domain.accepted import (
    SOURCE_PRIORITY,
    AcceptedValue,
    SubmissionValues,
    accepted_values,
)
from app.domain.catalogue import RULES, RuleInfo
from app.domain.cross import check_cross_contest, check_reading, check_sources
from app.domain.fields import MAX_FORM_VALUE
from app.domain.findings import Finding, FormContext, Severity
from app.domain.form_rules import Values, form_checks, run_checks, sum_checks
from app.domain.reconcile import (
    DesaTally,
    DHasil,
    reconcile_kecamatan,
    reconcile_tallies,
    tally_desa,
)
from app.domain.slips import find_slips

__all__ = [
    "RULES",
    "SOURCE_PRIORITY",
    "AcceptedValue",
    "DHasil",
    "DesaTally",
    "Finding",
    "FormContext",
    "RuleInfo",
    "Severity",
    "SubmissionValues",
    "accepted_values",
    "check_cross_contest",
    "check_dhasil_arithmetic",
    "check_form",
    "check_reading",
    "check_sources",
    "reconcile_kecamatan",
    "reconcile_tallies",
    "tally_desa",
]


def check_form(values: Values, ctx: FormContext) -> list[Finding]:
    """Every per-form finding of one C.Hasil (one TPS, one contest), HUNDREDS_SLIP included.

    A field missing from `values` (or None) makes each rule that reads it not applicable. A value
    outside 0..999 cannot be a reading of three boxes: DIGIT_RANGE reports it and every other rule
    treats it as missing (no cascade of sums over an impossible number).
    """
    checks = form_checks(ctx)
    digits = [c for c in checks if c.rule == "DIGIT_RANGE"]
    others = tuple(c for c in checks if c.rule != "DIGIT_RANGE")
    readable = {k: v for k, v in values.items() if v is not None and 0 <= v <= MAX_FORM_VALUE}
    findings = run_checks(others, readable)
    return [*findings, *run_checks(digits, values), *find_slips(readable, others)]


def check_dhasil_arithmetic(values: Values, ctx: FormContext) -> list[Finding]:
    """The sum rules alone on one D.Hasil column or total (no caps, no 0..999 range, no slips).

    Returns the underlying rule codes (PASLON_SUM ...); `reconcile_kecamatan` wraps them as
    DHASIL_ARITHMETIC and drops those already explained by a comparison with the TPS.
    """
    return run_checks(sum_checks(ctx.paslon_count), values)
