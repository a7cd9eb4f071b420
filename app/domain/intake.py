"""Validation of submitted C.Hasil / D.Hasil numbers, and the stable identity of a breach."""

from collections.abc import Collection, Mapping

from app.domain.fields import paslon_number

MAX_FORM_VALUE = 999  # three digit boxes per number


def value_error(value: object, *, max_value: int | None = MAX_FORM_VALUE) -> str | None:
    """Why one submitted value is unacceptable, or None when it is a valid count."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be an integer, not {type(value).__name__}"
    if value < 0:
        return "must not be negative"
    if max_value is not None and value > max_value:
        return f"must be at most {max_value} (three digit boxes)"
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
    max_value: int | None = MAX_FORM_VALUE,
) -> dict[str, str]:
    """Every bad field of a values object, keyed `<prefix>.<field>`, with the reason."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        reason = field_error(name, allowed) or value_error(value, max_value=max_value)
        if reason is not None:
            errors[f"{prefix}.{name}"] = reason
    return errors
