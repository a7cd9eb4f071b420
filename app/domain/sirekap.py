"""Sirekap's public per-TPS result records (Pemilu 2024 `hhcw`, DOMAIN.md §5) as form values."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from app.domain.fields import ALL_FIELDS, paslon_field

PPWP_CONTEST: Final = "ppwp-0"
# Sirekap candidate ids of the 2024 presidential race → nomor urut, and the pairs' names.
PPWP_PASLON: Final[dict[str, tuple[int, str]]] = {
    "100025": (1, "H. ANIES RASYID BASWEDAN, Ph.D. - Dr. (H.C.) H. A. MUHAIMIN ISKANDAR"),
    "100026": (2, "H. PRABOWO SUBIANTO - GIBRAN RAKABUMING RAKA"),
    "100027": (3, "H. GANJAR PRANOWO, S.H., M.I.P. - Prof. Dr. H. M. MAHFUD MD"),
}
WIB: Final = timedelta(hours=7)
RENAMED: Final = {f"pengguna_non_dpt_{g}": f"pengguna_dpk_{g}" for g in ("l", "p", "j")}


class BadValue(ValueError):
    """A known field of a record whose value is not a count (a whole number ≥ 0, or null)."""

    def __init__(self, key: str, value: object) -> None:
        super().__init__(f"{key}: {value!r} is not a count (a whole number >= 0, or null)")
        self.key = key
        self.value = value


@dataclass(frozen=True)
class SirekapRecord:
    """One digitised TPS record: its values, when Sirekap stamped it, and what was left out."""

    values: dict[str, int]
    stamped_at: datetime | None
    ignored: tuple[str, ...] = field(default=())


def tps_code_from_name(name: str) -> str | None:
    """The 13-digit TPS code a record's file is named after (`3101011002013.json`)."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".json")
    return stem if len(stem) == 13 and stem.isdigit() else None


def sirekap_time(ts: object) -> datetime | None:
    """Sirekap's `ts` ("YYYY-MM-DD HH:MM:SS", WIB) in UTC; None when absent or malformed."""
    # The shape is checked here and the parse left to fromisoformat (C, ~20x strptime's speed:
    # a national import reads 435k of these).
    if not isinstance(ts, str) or len(ts) != 19 or ts[10] != " " or not ts[:4].isdigit():
        return None
    try:
        return (datetime.fromisoformat(ts) - WIB).replace(tzinfo=UTC)
    except ValueError:
        return None


_KNOWN: Final = frozenset(ALL_FIELDS)


def _count(value: object) -> int | None:
    if type(value) is int and value >= 0:  # a bool is an int subclass, not an int: refused
        return value
    return None


def _section(
    items: Mapping[str, Any], rename: Mapping[str, str], prefix: str
) -> tuple[dict[str, int], list[str]]:
    """Values of the known fields; unknown keys are left out (ignored). A known field holding
    anything but a count or null raises BadValue naming `<prefix><key>`."""
    values, ignored = {}, []
    for key, raw in items.items():
        name = rename.get(key, key)
        if name not in _KNOWN:
            if raw is not None:
                ignored.append(key)
            continue
        value = _count(raw)
        if value is not None:
            values[name] = value
        elif raw is not None:
            raise BadValue(prefix + key, raw)
    return values, ignored


def parse_tps_record(data: object, paslon_by_id: Mapping[str, int]) -> SirekapRecord | None:
    """Form values of a record (chart → suara_paslon_<n>, administrasi → section I and V);
    None when the record has neither `chart` nor `administrasi` (not digitised yet).
    Raises BadValue for a known field whose value is not a count."""
    if not isinstance(data, Mapping):
        return None
    chart, admin = data.get("chart"), data.get("administrasi")
    if not isinstance(chart, Mapping) and not isinstance(admin, Mapping):
        return None
    values: dict[str, int] = {}
    ignored: list[str] = []
    if isinstance(admin, Mapping):
        values, ignored = _section(admin, RENAMED, "administrasi.")
    if isinstance(chart, Mapping):
        rename = {sid: paslon_field(n) for sid, n in paslon_by_id.items()}
        chart_values, chart_ignored = _section(chart, rename, "chart.")
        values.update(chart_values)
        ignored += [f"chart.{k}" for k in chart_ignored]
    return SirekapRecord(values, sirekap_time(data.get("ts")), tuple(ignored))
