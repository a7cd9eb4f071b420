"""Kecamatan reconciliation: accepted TPS results against the D.Hasil Kecamatan, without cascades.

Per field f, with T_d = Σ accepted TPS values of desa d (known only when every TPS of d has an
accepted value with f), D_d = d's D.Hasil column, K = the D.Hasil total:

- DESA_VS_DHASIL (error, scope = desa): T_d and D_d known and T_d ≠ D_d.
- KECAMATAN_VS_DHASIL (error, scope = the kecamatan): with B_d = D_d where the column has f, else
  T_d, fires when Σ B_d is known, Σ B_d ≠ K, and Σ T_d is unknown or also ≠ K. So a wrong TPS
  value or a wrong desa column is one DESA_VS_DHASIL (the total agrees with the other side), and
  only a total that disagrees with both the columns and the TPS is a KECAMATAN_VS_DHASIL.
- DHASIL_ARITHMETIC (scope = desa, or the kecamatan for the total; detail_key = the sum rule):
  the sum rules (GENDER_SUM ... TOTAL_VS_TURNOUT) on each column and the total, except a breach
  the D.Hasil inherited: when every number the rule reads is confirmed (a column equal to its
  TPS sums, a total equal to Σ desa or Σ TPS), the breach is reported where it starts (on the
  TPS by the form rules, or on the column). A wrong D.Hasil number thus gives one comparison
  finding plus one DHASIL_ARITHMETIC per sum rule the number takes part in (the recap then
  contradicts itself too); a wrong TPS value gives one DESA_VS_DHASIL and nothing else here.
- MISSING_TPS (warning, scope = TPS): a TPS without accepted values in a desa that has a D.Hasil
  column; that desa's DESA_VS_DHASIL is then not applicable (its TPS sum is incomplete).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.domain.fields import fields_for_contest
from app.domain.findings import Finding, FormContext
from app.domain.form_rules import Values, run_checks, sum_checks
from app.domain.messages import label


@dataclass(frozen=True)
class DHasil:
    """One D.Hasil Kecamatan version: a column per desa code and the kecamatan total."""

    desa: Mapping[str, Values]
    total: Values


@dataclass(frozen=True)
class DesaTally:
    """Σ accepted TPS values of one desa: `sums[f]` only when every accepted TPS has f."""

    tps_total: int
    sums: Mapping[str, int]
    missing_tps: tuple[str, ...] = field(default=())

    def known(self, name: str) -> int | None:
        """Σ TPS of one field, None unless every TPS of the desa has an accepted value for it."""
        if self.tps_total == 0 or self.missing_tps:
            return None
        return self.sums.get(name)


def tally_desa(tps_codes: Sequence[str], accepted: Mapping[str, Values]) -> DesaTally:
    """Sum the accepted values of a desa's TPS; TPS absent from `accepted` are missing."""
    present = [accepted[t] for t in tps_codes if t in accepted]
    names = set().union(*(v.keys() for v in present)) if present else set()
    sums: dict[str, int] = {}
    for name in names:
        column = [v.get(name) for v in present]
        if all(x is not None for x in column):
            sums[name] = sum(x for x in column if x is not None)
    missing = tuple(t for t in tps_codes if t not in accepted)
    return DesaTally(len(tps_codes), sums, missing)


def _finding(
    rule: str, name: str, expected: int, actual: int, texts: tuple[str, str], scope: str | None
) -> Finding:
    """An error finding of a comparison with the D.Hasil, messages ending in the difference."""
    d = abs(actual - expected)
    return Finding(
        rule,
        "error",
        name,
        expected,
        actual,
        f"{texts[0]} (selisih {d})",
        f"{texts[1]} (difference {d})",
        scope=scope,
        inputs=(name,),
    )


def _desa_findings(
    tallies: Mapping[str, DesaTally], dhasil: DHasil, fields: Sequence[str]
) -> tuple[list[Finding], dict[str, dict[str, bool]]]:
    """DESA_VS_DHASIL per desa and field, and per desa which fields agree (True) or not."""
    findings: list[Finding] = []
    status: dict[str, dict[str, bool]] = {}
    for desa, tally in sorted(tallies.items()):
        column, status[desa] = dhasil.desa.get(desa, {}), {}
        for name in fields:
            tps_sum, value = tally.known(name), column.get(name)
            if tps_sum is None or value is None:
                continue
            status[desa][name] = tps_sum == value
            if tps_sum != value:
                (n_id, n_en) = label(name)
                texts = (
                    f"{n_id} desa {desa}: Σ TPS {tps_sum} ≠ kolom D.Hasil {value}",
                    f"{n_en} of desa {desa}: Σ TPS {tps_sum} ≠ D.Hasil column {value}",
                )
                findings.append(_finding("DESA_VS_DHASIL", name, tps_sum, value, texts, desa))
    return findings, status


def _sum_or_none(parts: list[int | None]) -> int | None:
    """Σ parts, None if any part is unknown or there are none."""
    if not parts or any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None)


def _total_findings(
    tallies: Mapping[str, DesaTally], dhasil: DHasil, fields: Sequence[str]
) -> tuple[list[Finding], dict[str, bool]]:
    """KECAMATAN_VS_DHASIL per field, and per field whether the total agrees (True) or not."""
    desas = sorted(set(tallies) | set(dhasil.desa))
    empty = DesaTally(0, {})
    findings, status = [], {}
    for name in fields:
        total = dhasil.total.get(name)
        tps = [tallies.get(d, empty).known(name) for d in desas]
        best = [dhasil.desa.get(d, {}).get(name) for d in desas]
        best = [b if b is not None else t for b, t in zip(best, tps, strict=True)]
        sum_best, sum_tps = _sum_or_none(best), _sum_or_none(tps)
        if total is None or sum_best is None:
            continue
        status[name] = total in (sum_best, sum_tps)
        if not status[name]:
            (n_id, n_en), tps_text = label(name), "" if sum_tps is None else f"; Σ TPS {sum_tps}"
            texts = (
                f"{n_id}: Σ desa {sum_best} ≠ total D.Hasil {total}{tps_text}",
                f"{n_en}: Σ desa {sum_best} ≠ D.Hasil total {total}{tps_text}",
            )
            findings.append(_finding("KECAMATAN_VS_DHASIL", name, sum_best, total, texts, None))
    return findings, status


def _arithmetic(
    column: Values,
    status: Mapping[str, bool],
    scope: str | None,
    where: tuple[str, str],
    ctx: FormContext,
) -> list[Finding]:
    """DHASIL_ARITHMETIC on one column (or the total), minus breaches inherited from the TPS."""
    out = []
    for f in run_checks(sum_checks(ctx.paslon_count), column):
        if all(status.get(i) is True for i in f.inputs):
            continue  # the column equals the TPS sums: the breach is the TPS's own
        out.append(
            Finding(
                "DHASIL_ARITHMETIC",
                f.severity,
                f.field,
                f.expected,
                f.actual,
                f"{where[0]}: {f.message}",
                f"{where[1]}: {f.message_en}",
                scope=scope,
                detail_key=f.rule,
                inputs=f.inputs,
            )
        )
    return out


def _missing_tps(tallies: Mapping[str, DesaTally], dhasil: DHasil) -> list[Finding]:
    """MISSING_TPS for every TPS without accepted values in a desa the D.Hasil recapitulates."""
    out = []
    for desa, tally in sorted(tallies.items()):
        if desa not in dhasil.desa:
            continue
        for tps in tally.missing_tps:
            out.append(
                Finding(
                    "MISSING_TPS",
                    "warning",
                    None,
                    None,
                    None,
                    f"TPS {tps} belum punya hasil diterima, desa {desa} sudah direkap di D.Hasil",
                    f"TPS {tps} has no accepted result while desa {desa} is in the D.Hasil",
                    scope=tps,
                )
            )
    return out


def reconcile_tallies(
    tallies: Mapping[str, DesaTally], dhasil: DHasil, ctx: FormContext
) -> list[Finding]:
    """Every reconciliation finding of one kecamatan and contest from per-desa TPS sums."""
    fields = fields_for_contest(ctx.paslon_count)
    desa_findings, desa_status = _desa_findings(tallies, dhasil, fields)
    total_findings, total_status = _total_findings(tallies, dhasil, fields)
    arithmetic = []
    for desa, column in sorted(dhasil.desa.items()):
        where = (f"D.Hasil desa {desa}", f"D.Hasil desa {desa}")
        arithmetic += _arithmetic(column, desa_status.get(desa, {}), desa, where, ctx)
    where = ("total D.Hasil", "D.Hasil total")
    arithmetic += _arithmetic(dhasil.total, total_status, None, where, ctx)
    return [*desa_findings, *total_findings, *arithmetic, *_missing_tps(tallies, dhasil)]


def reconcile_kecamatan(
    *,
    tps_by_desa: Mapping[str, Sequence[str]],
    accepted: Mapping[str, Values],
    dhasil: DHasil,
    ctx: FormContext,
) -> list[Finding]:
    """Reconcile one kecamatan and contest: `tps_by_desa` lists every TPS of each desa,
    `accepted` holds the accepted values of the TPS that have them (see the module docstring)."""
    tallies = {d: tally_desa(codes, accepted) for d, codes in tps_by_desa.items()}
    return reconcile_tallies(tallies, dhasil, ctx)
