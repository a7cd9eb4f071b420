"""Validation of submitted C.Hasil / D.Hasil numbers, and the stable identity of a breach."""

from collections.abc import Collection, Mapping

from app.domain.fields import MAX_FORM_VALUE, paslon_number

# A D.Hasil number counts a whole kecamatan (or one desa of it). The most populous kecamatan
# has well under a million voters; ten million leaves room for any real recap and keeps every
# sum and difference a rule stores far inside PostgreSQL's INTEGER columns.
MAX_RECAP_VALUE = 10_000_000
_WHY_MAX = {MAX_FORM_VALUE: "three digit boxes", MAX_RECAP_VALUE: "more than any kecamatan"}


def value_error(value: object, *, max_value: int = MAX_FORM_VALUE) -> str | None:
    """Why one submitted value is unacceptable, or None when it is a valid count."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be an integer, not {type(value).__name__}"
    if value < 0:
        return "must not be negative"
    if value > max_value:
        why = _WHY_MAX.get(max_value)
        return f"must be at most {max_value}" + (f" ({why})" if why else "")
    return None


def field_error(name: str, allowed: Collection[str]) -> str | None:
    """Why a field name is unacceptable for a contest, or None when the contest has it."""
    if name in allowed:
        return None
    if paslon_number(name) is not None:
        return "the contest has no paslon with that number"
    return "unknown field"


def values_errors(
    values: Mapping[str, object],
    *,
    allowed: Collection[str],
    prefix: str = "values",
    max_value: int = MAX_FORM_VALUE,
) -> dict[str, str]:
    """Every bad field of a values object, keyed `<prefix>.<field>`, with the reason."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        reason = field_error(name, allowed) or value_error(value, max_value=max_value)
        if reason is not None:
            errors[f"{prefix}.{name}"] = reason
    return errors


def desa_sum_errors(desa: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """Fields whose desa columns add up to more than a kecamatan can hold (each column may be
    within bounds while their sum, compared with the total, would not fit an INTEGER column)."""
    sums: dict[str, int] = {}
    for column in desa.values():
        for name, value in column.items():
            if isinstance(value, int) and value_error(value, max_value=MAX_RECAP_VALUE) is None:
                sums[name] = sums.get(name, 0) + value
    return {
        f"desa.*.{name}": f"the desa columns add up to more than {MAX_RECAP_VALUE}"
        for name, total in sums.items()
        if total > MAX_RECAP_VALUE
    }
