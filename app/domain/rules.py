"""The public entry points of the rule catalogue, one per level (form, TPS, kecamatan)."""

from app.domain.accepted import (
    SOURCE_PRIORITY,
    AcceptedValue,
    SubmissionValues,
    accepted_values,
)
from app.domain.catalogue import RULES, RuleInfo
from app.domain.cross import check_cross_contest, check_reading, check_sources
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

    A field missing from `values` (or None) makes each rule that reads it not applicable.
    """
    checks = form_checks(ctx)
    return [*run_checks(checks, values), *find_slips(values, checks)]


def check_dhasil_arithmetic(values: Values, ctx: FormContext) -> list[Finding]:
    """The sum rules alone on one D.Hasil column or total (no caps, no 0..999 range, no slips).

    Returns the underlying rule codes (PASLON_SUM ...); `reconcile_kecamatan` wraps them as
    DHASIL_ARITHMETIC and drops those already explained by a comparison with the TPS.
    """
    return run_checks(sum_checks(ctx.paslon_count), values)
