"""Evaluation units of a recheck (a TPS and contest, a TPS across contests, a kecamatan and
contest): which rules each runs, and the findings located in the region tree with evidence."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

from app.domain.accepted import (
    MIN_OCR_CONFIDENCE,
    AcceptedValue,
    SubmissionValues,
    accepted_values,
)
from app.domain.cross import PHOTO_SOURCES, current_by_source
from app.domain.findings import Finding, FormContext
from app.domain.rules import (
    DesaTally,
    DHasil,
    check_cross_contest,
    check_form,
    check_sources,
    reconcile_tallies,
)
from app.domain.rules import reconcile_kecamatan as reconcile

FORM_RULES: Final = frozenset(
    "GENDER_SUM TURNOUT_SUM DPT_TURNOUT BALLOTS_USED BALLOT_BALANCE BALLOT_RESERVE PASLON_SUM "
    "VALID_INVALID_SUM TOTAL_VS_TURNOUT TURNOUT_CAP TPS_SIZE DIGIT_RANGE DISABILITAS "
    "HUNDREDS_SLIP".split()
)
# The rules each unit re-evaluates: only their discrepancies can be resolved by that unit.
TPS_RULES: Final = FORM_RULES | {"SOURCES_DISAGREE"}
CROSS_RULES: Final = frozenset({"CROSS_CONTEST"})
KECAMATAN_RULES: Final = frozenset(
    {"DESA_VS_DHASIL", "KECAMATAN_VS_DHASIL", "DHASIL_ARITHMETIC", "MISSING_TPS"}
)
LOCAL_KINDS: Final = frozenset({"bupati", "walikota"})


@dataclass(frozen=True)
class DHasilData:
    """The D.Hasil version a reconciliation compares with, and its id (the evidence)."""

    version_id: int
    desa: Mapping[str, Mapping[str, int | None]]
    total: Mapping[str, int | None]


def form_context(kind: str, paslon_count: int) -> FormContext:
    """The limits of a contest's form: Pemilu for the president, Pilkada for the others."""
    return FormContext.for_kind(
        "pemilu" if kind == "presiden" else "pilkada", paslon_count=paslon_count
    )


DHASIL: Final = "dhasil"
SUBMISSION: Final = "submission"


@dataclass(frozen=True)
class Located:
    """A finding with its identity, the region code it is about and its evidence."""

    finding: Finding
    contest_id: str
    identity: str
    region_code: str
    evidence: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class TpsOutcome:
    """Accepted values of one TPS and contest and the findings of its TPS unit."""

    accepted: dict[str, AcceptedValue]
    findings: list[Located] = field(default_factory=list)

    @cached_property
    def values(self) -> dict[str, int]:
        """The accepted values alone."""
        return {name: a.value for name, a in self.accepted.items()}

    @cached_property
    def sources(self) -> dict[str, int]:
        """Field → id of the submission each accepted value came from."""
        return {name: a.submission_id for name, a in self.accepted.items()}


def locate(
    found: Finding, *, contest_id: str, unit_code: str, evidence: Sequence[tuple[str, int]]
) -> Located:
    """Attach identity, region and evidence to a finding of a unit."""
    return Located(
        finding=found,
        contest_id=contest_id,
        identity=found.identity(contest_id=contest_id, evaluated_code=unit_code),
        region_code=found.scope or unit_code,
        evidence=tuple(dict.fromkeys(evidence)),
    )


def _input_evidence(found: Finding, sources: Mapping[str, int]) -> list[tuple[str, int]]:
    names = found.inputs or tuple(sources)
    return [(SUBMISSION, sources[n]) for n in names if n in sources]


def _source_findings(
    submissions: Sequence[SubmissionValues], ctx: FormContext, accepted: Mapping[str, int]
) -> list[tuple[Finding, list[tuple[str, int]]]]:
    """Form rules on each source's current values (newest per field, after corrections)."""
    merged: dict[str, dict[str, int]] = {}
    supplied: dict[str, dict[str, int]] = {}
    for sub, values in current_by_source(submissions):
        if sub.source in PHOTO_SOURCES:
            continue
        merged.setdefault(sub.source, {}).update(values)
        supplied.setdefault(sub.source, {}).update(dict.fromkeys(values, sub.submission_id))
    out = []
    for source in sorted(merged):
        if merged[source] == accepted:
            continue  # the same values as the accepted ones: the same findings
        for found in check_form(merged[source], ctx):
            out.append((found, _input_evidence(found, supplied[source])))
    return out


def _accepted(
    submissions: Sequence[SubmissionValues], min_ocr_confidence: float
) -> dict[str, AcceptedValue]:
    """accepted_values, with a shortcut for the common case of one plain submission."""
    if len(submissions) == 1 and submissions[0].source not in PHOTO_SOURCES:
        only = submissions[0]
        return {
            name: AcceptedValue(value, only.submission_id, only.source)
            for name, value in only.values.items()
            if value is not None
        }
    return accepted_values(submissions, min_ocr_confidence=min_ocr_confidence)


def evaluate_tps(
    *,
    tps_code: str,
    contest_id: str,
    ctx: FormContext,
    submissions: Sequence[SubmissionValues],
    min_ocr_confidence: float = MIN_OCR_CONFIDENCE,
) -> TpsOutcome:
    """Accepted values of one TPS and contest; form rules on them and on each source's values
    (the same breach found in both is one finding, with the accepted numbers); disagreements.
    `min_ocr_confidence` is the acceptance line of photo readings (the service's setting)."""
    outcome = TpsOutcome(accepted=_accepted(submissions, min_ocr_confidence))
    sources = outcome.sources
    found: dict[str, Located] = {}
    pairs = [(f, _input_evidence(f, sources)) for f in check_form(outcome.values, ctx)]
    if len(submissions) > 1:
        pairs += _source_findings(submissions, ctx, outcome.values)
        for f in check_sources(submissions):
            ev = [(SUBMISSION, x.submission_id) for x in submissions if f.field in x.values]
            pairs.append((f, ev))
    for f, evidence in pairs:
        loc = locate(f, contest_id=contest_id, unit_code=tps_code, evidence=evidence)
        found.setdefault(loc.identity, loc)
    outcome.findings.extend(found.values())
    return outcome


def evaluate_cross(
    *, tps_code: str, accepted: Mapping[str, TpsOutcome], kinds: Mapping[str, str]
) -> list[Located]:
    """CROSS_CONTEST at one TPS: turnout and DPT of its contests' forms (contest id → kind)."""
    gubernur = sorted(c for c in accepted if kinds.get(c) == "gubernur")
    local = sorted(c for c in accepted if kinds.get(c) in LOCAL_KINDS)
    if not gubernur or not local:
        return []
    pair = (gubernur[0], local[0])
    found_all: list[Located] = []
    for found in check_cross_contest(accepted[pair[0]].values, accepted[pair[1]].values):
        evidence = [ev for c in pair for ev in _input_evidence(found, accepted[c].sources)]
        found_all.append(locate(found, contest_id=pair[1], unit_code=tps_code, evidence=evidence))
    return found_all


def evaluate_kecamatan(
    *,
    kecamatan_code: str,
    contest_id: str,
    dhasil: DHasilData | None,
    tps_values: Mapping[str, Mapping[str, int]],
    tps_by_desa: Mapping[str, Sequence[str]],
    ctx: FormContext,
) -> list[Located]:
    """Reconciliation of one kecamatan and contest against its latest D.Hasil version."""
    if dhasil is None:
        return []
    evidence = [(DHASIL, dhasil.version_id)]
    return [
        locate(found, contest_id=contest_id, unit_code=kecamatan_code, evidence=evidence)
        for found in reconcile(
            tps_by_desa=tps_by_desa,
            accepted=tps_values,
            dhasil=DHasil(desa=dhasil.desa, total=dhasil.total),
            ctx=ctx,
        )
    ]


def evaluate_tallies(
    *,
    kecamatan_code: str,
    contest_id: str,
    dhasil: DHasilData,
    tallies: Mapping[str, DesaTally],
    ctx: FormContext,
) -> list[Located]:
    """The same reconciliation from per-desa sums computed elsewhere (by the database)."""
    evidence = [(DHASIL, dhasil.version_id)]
    found = reconcile_tallies(tallies, DHasil(desa=dhasil.desa, total=dhasil.total), ctx)
    return [
        locate(f, contest_id=contest_id, unit_code=kecamatan_code, evidence=evidence) for f in found
    ]
