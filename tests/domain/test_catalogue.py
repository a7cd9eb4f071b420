"""The catalogue covers every code of DOMAIN.md §4; the rules emit only catalogued codes."""

import inspect
import re

from app.domain import cross, form_rules, reconcile, slips
from app.domain.findings import FormContext
from app.domain.rules import RULES

DOMAIN_CODES = {
    "GENDER_SUM", "TURNOUT_SUM", "DPT_TURNOUT", "BALLOTS_USED", "BALLOT_BALANCE",
    "BALLOT_RESERVE", "PASLON_SUM", "VALID_INVALID_SUM", "TOTAL_VS_TURNOUT", "TURNOUT_CAP",
    "TPS_SIZE", "DIGIT_RANGE", "DISABILITAS", "HUNDREDS_SLIP", "CROSS_CONTEST",
    "READING_MISMATCH", "SOURCES_DISAGREE", "LOW_CONFIDENCE", "WRONG_PAGE", "DUPLICATE_PHOTO",
    "DESA_VS_DHASIL", "KECAMATAN_VS_DHASIL", "DHASIL_ARITHMETIC", "MISSING_TPS",
}  # fmt: skip
# Codes the project adds to DOMAIN.md's list (documented in docs/rules.md and the README changelog).
EXTENSION_CODES = {"PHOTO_METADATA"}
PHOTO_CODES = {
    "READING_MISMATCH",
    "LOW_CONFIDENCE",
    "WRONG_PAGE",
    "DUPLICATE_PHOTO",
    "PHOTO_METADATA",
}


def test_catalogue_covers_domain_codes() -> None:
    assert set(RULES) == DOMAIN_CODES | EXTENSION_CODES
    assert {code for code, info in RULES.items() if info.needs_photo} == PHOTO_CODES
    assert all(info.code == code and info.description_id and info.description_en
               for code, info in RULES.items())  # fmt: skip


def test_severities() -> None:
    assert RULES["TOTAL_VS_TURNOUT"].severities == ("error", "warning")
    assert RULES["BALLOT_RESERVE"].severity == "warning"
    assert RULES["PASLON_SUM"].severities == ("error",)


def test_every_code_in_the_rule_modules_is_catalogued() -> None:
    source = "".join(inspect.getsource(m) for m in (cross, form_rules, reconcile, slips))
    quoted = set(re.findall(r'"([A-Z]{3,}(?:_[A-Z]+)*)"', source))
    assert quoted == DOMAIN_CODES - {"LOW_CONFIDENCE", "WRONG_PAGE", "DUPLICATE_PHOTO"}
    assert {c.rule for c in form_rules.form_checks(FormContext())} <= set(RULES)
