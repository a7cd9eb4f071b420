"""The values every rule returns: a Finding (one breach) and the context a form is checked in."""

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Severity = Literal["error", "warning"]
ElectionKind = Literal["pilkada", "pemilu"]


@dataclass(frozen=True)
class Finding:
    """One breach of one rule, with the numbers involved and a message in Indonesian and English.

    - `rule`: the stable code of DOMAIN.md §4 (`PASLON_SUM`, `DESA_VS_DHASIL`, ...).
    - `field`: the field the breach is reported on (`suara_sah`), None when it is not one field.
    - `expected` / `actual`: what the rule expected and what the data say;
      `delta` = actual - expected.
    - `suggestion`: the value HUNDREDS_SLIP proposes, None for every other rule.
    - `scope`: the region or TPS code the finding is about when it is not the one evaluated
      (a desa code for DESA_VS_DHASIL, a TPS code for MISSING_TPS); None = the evaluated unit.
    - `detail_key`: tells apart several findings of one rule and field in one scope
      (the sub-rule of a DHASIL_ARITHMETIC breach, "paslon" for TURNOUT_CAP's vote cap).
    - `inputs`: every field whose value the rule read (evidence; not part of the identity).
    - `submission_ids`: the submissions a cross-source rule compared (SOURCES_DISAGREE), in the
      order its message lists them; empty for rules over one set of values (evidence only).

    Identity (for storage): rule | contest | scope-or-evaluated-code | field | detail_key.
    """

    rule: str
    severity: Severity
    field: str | None
    expected: int | None
    actual: int | None
    message: str
    message_en: str
    suggestion: int | None = None
    scope: str | None = None
    detail_key: str = ""
    inputs: tuple[str, ...] = ()
    submission_ids: tuple[int, ...] = ()

    @property
    def delta(self) -> int | None:
        """actual - expected, None when either is unknown."""
        if self.expected is None or self.actual is None:
            return None
        return self.actual - self.expected

    def identity(self, *, contest_id: str, evaluated_code: str) -> str:
        """The stable identity: rule|contest|scope|field|detail_key (scope defaults to the unit)."""
        scope = self.scope or evaluated_code
        return "|".join((self.rule, contest_id, scope, self.field or "", self.detail_key))


PILKADA_RESERVE: Fraction = Fraction(1025, 1000)  # 2.5% reserve ballots of DPT (KPU, Pilkada)
PEMILU_RESERVE: Fraction = Fraction(102, 100)  # 2% in Pemilu
PILKADA_MAX_TPS: int = 600
PEMILU_MAX_TPS: int = 300


@dataclass(frozen=True)
class FormContext:
    """What a C.Hasil check needs to know besides the numbers: election kind, paslon, limits.

    `reserve_factor` is a Fraction so that ceil(DPT × 1.025) is exact (no float rounding).
    Build one with `FormContext.for_kind("pilkada", paslon_count=3)`.
    """

    kind: ElectionKind = "pilkada"
    paslon_count: int = 2
    reserve_factor: Fraction = PILKADA_RESERVE
    max_tps_size: int = PILKADA_MAX_TPS

    @classmethod
    def for_kind(cls, kind: ElectionKind, *, paslon_count: int) -> "FormContext":
        """KPU limits of an election kind: Pilkada 2.5% reserve / 600 voters, Pemilu 2% / 300."""
        if kind == "pemilu":
            return cls(kind, paslon_count, PEMILU_RESERVE, PEMILU_MAX_TPS)
        return cls(kind, paslon_count, PILKADA_RESERVE, PILKADA_MAX_TPS)
