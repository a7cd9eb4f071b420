"""Entering a paper form by hand: the C.Hasil's sections as printed (docs/kwk-form.md), typed
text to counts, the form's own sums as data for the live check, and what stops a save.

A sum that does not hold is almost always a typing slip, so the console refuses it; when the paper
itself is wrong the operator says so (`as_written`) and the submission is stored with its
findings, as the API would store it.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from app.domain.fields import GENDERS, MAX_FORM_VALUE, paslon_field
from app.domain.findings import Finding
from app.domain.form_rules import Check, run_checks, sum_checks
from app.domain.messages import ROW_LABELS, Text, label, mismatch

Problems = dict[str, Text]  # field key (as the service names it) → why, in both languages


@dataclass(frozen=True)
class FormRow:
    """One printed row: a gendered row's L, P, J fields, or a single field."""

    key: str
    label: Text
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FormSection:
    """One numbered section of the plano (`page`: the page it is printed on)."""

    number: str
    title: Text
    page: int
    gendered: bool
    rows: tuple[FormRow, ...]


def _gendered(row: str) -> FormRow:
    return FormRow(row, ROW_LABELS[row], tuple(f"{row}_{g}" for g in GENDERS))


def _single(name: str) -> FormRow:
    return FormRow(name, label(name), (name,))


VOTERS: Final = ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total")
BALLOTS: Final = ("surat_diterima", "surat_digunakan", "surat_rusak", "surat_tidak_digunakan")
VOTES: Final = ("suara_sah", "suara_tidak_sah", "suara_total")


def form_sections(paslon: Sequence[tuple[int, str]]) -> tuple[FormSection, ...]:
    """The C.Hasil's sections I–V in print order; `paslon` is (nomor urut, names) per pair."""
    bands = tuple(
        FormRow(paslon_field(n), (f"{n}. {name}", f"{n}. {name}"), (paslon_field(n),))
        for n, name in paslon
    )
    return (
        FormSection("I", ("Data pemilih dan pengguna hak pilih", "Voters and turnout"), 1, True,
                    tuple(_gendered(r) for r in VOTERS)),
        FormSection("II", ("Data penggunaan surat suara", "Ballot papers"), 1, False,
                    tuple(_single(f) for f in BALLOTS)),
        FormSection("III", ("Pemilih disabilitas", "Disabled voters"), 1, True,
                    (_gendered("disabilitas"),)),
        FormSection("IV", ("Perolehan suara pasangan calon", "Votes per candidate pair"), 2,
                    False, bands),
        FormSection("V", ("Suara sah dan tidak sah", "Valid and invalid votes"), 3, False,
                    tuple(_single(f) for f in VOTES)),
    )  # fmt: skip


_COUNT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})*|[0-9]+")  # 1.234 as written in Indonesian


def parse_counts(
    typed: Mapping[str, str], names: Sequence[str], *, max_value: int = MAX_FORM_VALUE
) -> tuple[dict[str, int], Problems]:
    """The counts typed for `names` (a blank box is left out), and why any other text is not
    a count, keyed by field name."""
    values: dict[str, int] = {}
    problems: Problems = {}
    for name in names:
        text = typed.get(name, "").strip()
        if not text:
            continue
        if not _COUNT.fullmatch(text):
            problems[name] = ("harus angka bulat, tanpa tanda lain", "must be a whole number")
            continue
        value = int(text.replace(".", ""))
        if value > max_value:
            problems[name] = (f"paling besar {max_value:,}".replace(",", "."),
                              f"must be at most {max_value:,}")  # fmt: skip
            continue
        values[name] = value
    return values, problems


def live_checks(paslon_count: int) -> list[dict[str, object]]:
    """The form's own sums (form_rules.sum_checks: Σ parts = target) as data for the check as
    the operator types, each with the words its finding uses."""
    return [_as_data(c) for c in sum_checks(paslon_count) if c.field]


def _as_data(check: Check) -> dict[str, object]:
    """One equality as data. Its left side's words and whether fewer than Σ parts is only a
    warning are read off the finding of a probe (each part 1, the target 0), so the live check
    writes exactly the sentence of the rule itself."""
    target, parts = check.field or "", check.inputs[:-1]
    probe = check.run({**dict.fromkeys(parts, 1), target: 0})
    assert probe is not None, check.rule  # Σ parts = len(parts) ≠ 0 breaks every equality
    split = f" {len(parts)} ≠ "
    return {
        "rule": check.rule,
        "target": target,
        "parts": list(parts),
        "left": [probe.message.split(split)[0], probe.message_en.split(split)[0]],
        "label": list(label(target)),
        "fewer_warning": probe.severity == "warning",
    }


def sum_findings(values: Mapping[str, int], paslon_count: int) -> list[Finding]:
    """Every breach of the form's own sums (errors and warnings)."""
    return run_checks(sum_checks(paslon_count), values)


def _blocking(findings: list[Finding], prefix: str) -> Problems:
    return {
        f"{prefix}.{f.field}": (f.message, f.message_en)
        for f in findings
        if f.severity == "error" and f.field
    }


def result_problems(
    *,
    values: Mapping[str, int],
    paslon_count: int,
    correcting: bool,
    source: str,
    reason: str,
    as_written: bool,
) -> Problems:
    """Why a typed C.Hasil is not saved yet: no number at all, a correction (or a plenary
    decision) without a reason, a sum that does not hold unless the paper says so."""
    problems: Problems = {}
    if not values:
        problems["values"] = ("isi sedikitnya satu angka", "enter at least one number")
    if (correcting or source == "plenary") and not reason.strip():
        problems["reason"] = ("koreksi wajib menyebut alasannya", "a correction must say why")
    if not as_written:
        problems.update(_blocking(sum_findings(values, paslon_count), "values"))
    return problems


def desa_total_problems(
    desa: Mapping[str, Mapping[str, int]], total: Mapping[str, int], names: Sequence[str]
) -> Problems:
    """Fields whose desa columns, all filled, do not add up to the kecamatan total."""
    problems: Problems = {}
    for name in names:
        parts = [column.get(name) for column in desa.values()]
        written = total.get(name)
        if written is None or not parts or any(p is None for p in parts):
            continue
        expected = sum(p for p in parts if p is not None)
        if expected != written:
            right = (f"jumlah {label(name)[0]}", f"total {label(name)[1]}")
            problems[f"total.{name}"] = mismatch(("Σ desa", "Σ desa"), expected, right, written)
    return problems


def dhasil_problems(
    *,
    desa: Mapping[str, Mapping[str, int]],
    total: Mapping[str, int],
    names: Sequence[str],
    paslon_count: int,
    new_version: bool,
    reason: str,
    as_written: bool,
) -> Problems:
    """Why a typed D.Hasil is not saved yet: nothing typed, a new version without a reason, a
    column whose own sums or whose desa columns → total do not hold unless the paper says so."""
    problems: Problems = {}
    if not total and not any(desa.values()):
        problems["total"] = ("isi sedikitnya satu angka", "enter at least one number")
    if new_version and not reason.strip():
        problems["reason"] = ("versi baru wajib menyebut alasannya", "a new version must say why")
    if as_written:
        return problems
    for code, column in desa.items():
        problems.update(_blocking(sum_findings(column, paslon_count), f"desa.{code}"))
    problems.update(_blocking(sum_findings(total, paslon_count), "total"))
    problems.update(desa_total_problems(desa, total, names))
    return problems
