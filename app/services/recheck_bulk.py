"""Full recheck: every TPS, cross-contest pair and kecamatan under a region, computed in Python
with the pure rules on data bulk-loaded per batch of kecamatan, then written in bulk."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.db import acceptance_line
from app.domain.accepted import MIN_OCR_CONFIDENCE
from app.domain.evaluation import (
    CROSS_RULES,
    KECAMATAN_RULES,
    TPS_RULES,
    DHasilData,
    Located,
    TpsOutcome,
    evaluate_cross,
    evaluate_kecamatan,
    evaluate_tps,
)
from app.domain.findings import FormContext
from app.domain.regions import TPS_COLUMN_BY_LEVEL, contains, level_of
from app.errors import InvalidInput
from app.models import Contest, DHasilVersion, Discrepancy, Submission, Tps, TpsResult
from app.services.recheck import as_values, contest_contexts, lock_kecamatan
from app.services.recheck_store import apply_findings, load_existing, result_row, write_results

Progress = Callable[[int, int], None]
BATCH_TPS = 4000  # TPS per bulk load (several kecamatan at a time)
ALL_RULES = TPS_RULES | CROSS_RULES | KECAMATAN_RULES


@dataclass
class RecheckStats:
    """What a full recheck did."""

    kecamatan: int = 0
    tps: int = 0
    results_written: int = 0
    findings: int = 0

    def add(self, other: "RecheckStats") -> None:
        """Accumulate another batch's figures."""
        self.kecamatan += other.kecamatan
        self.tps += other.tps
        self.results_written += other.results_written
        self.findings += other.findings


@dataclass
class Batch:
    """Everything one batch of kecamatan needs, loaded in a handful of queries."""

    tps: list[dict[str, str]]
    submissions: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    stored_sources: dict[tuple[str, str], Any] = field(default_factory=dict)
    dhasil: dict[tuple[str, str], DHasilData] = field(default_factory=dict)


def kecamatan_sizes(session: Session, region: str | None) -> list[tuple[str, int]]:
    """(kecamatan code, TPS count) of every kecamatan under a region, in code order."""

    stmt = select(Tps.kecamatan_code, func.count()).group_by(col(Tps.kecamatan_code))
    if region and region != "0":
        level = level_of(region)
        if level is None:
            raise InvalidInput(f"'{region}' is not a region code", fields={"region": "invalid"})
        stmt = stmt.where(col(getattr(Tps, TPS_COLUMN_BY_LEVEL[level])) == region)
    return [(k, int(n)) for k, n in session.exec(stmt.order_by(col(Tps.kecamatan_code))).all()]


def _batches(sizes: list[tuple[str, int]]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    count = 0
    for code, n in sizes:
        if out[-1] and count + n > BATCH_TPS:
            out.append([])
            count = 0
        out[-1].append(code)
        count += n
    return [b for b in out if b]


def load_batch(session: Session, kecamatan: Sequence[str]) -> Batch:
    """Bulk-load TPS, submissions, stored accepted sources and latest D.Hasil of the kecamatan."""
    in_kec: Callable[[Any], ColumnElement[bool]] = lambda c: col(c).in_(kecamatan)  # noqa: E731
    cols = [
        getattr(Tps, c)
        for c in ("code", "desa_code", "kecamatan_code", "kabupaten_code", "provinsi_code")
    ]
    rows = session.execute(select(*cols).where(in_kec(Tps.kecamatan_code))).all()
    batch = Batch(tps=[dict(r._mapping) for r in rows])
    sub_cols = [
        getattr(Submission, c)
        for c in (
            "id",
            "tps_code",
            "contest_id",
            "source",
            "submitted_at",
            "values",
            "supersedes_id",
            "reason",
            "confidence",
        )
    ]
    stmt = select(*sub_cols).where(in_kec(Submission.kecamatan_code)).order_by(col(Submission.id))
    for r in session.execute(stmt):
        batch.submissions.setdefault((r.tps_code, r.contest_id), []).append(as_values(r))
    res_cols = (TpsResult.tps_code, TpsResult.contest_id, TpsResult.sources)
    for t, c, s in session.execute(select(*res_cols).where(in_kec(TpsResult.kecamatan_code))):
        batch.stored_sources[(t, c)] = s
    versions = session.exec(
        select(DHasilVersion)
        .where(in_kec(DHasilVersion.kecamatan_code))
        .order_by(col(DHasilVersion.version))
    )
    for v in versions:
        batch.dhasil[(v.kecamatan_code, v.contest_id)] = DHasilData(v.id or 0, v.desa, v.total)
    return batch


def evaluate_batch(
    batch: Batch,
    contexts: dict[str, tuple[Contest, FormContext]],
    min_ocr_confidence: float = MIN_OCR_CONFIDENCE,
) -> tuple[list[dict[str, Any]], list[Located]]:
    """Accepted-value rows and every finding of the batch's TPS, TPS pairs and kecamatan."""
    tps_by_code = {t["code"]: t for t in batch.tps}
    kinds = {cid: c.kind for cid, (c, _) in contexts.items()}
    outcomes: dict[str, dict[str, TpsOutcome]] = defaultdict(dict)
    rows, found = [], []
    for (tps, contest_id), subs in batch.submissions.items():
        if tps not in tps_by_code or contest_id not in contexts:
            continue
        ctx = contexts[contest_id][1]
        outcome = evaluate_tps(
            tps_code=tps, contest_id=contest_id, ctx=ctx, submissions=subs,
            min_ocr_confidence=min_ocr_confidence,
        )  # fmt: skip
        outcomes[tps][contest_id] = outcome
        rows.append(result_row(tps_by_code[tps], contest_id, outcome))
        found += outcome.findings
    for tps, accepted in outcomes.items():
        found += evaluate_cross(tps_code=tps, accepted=accepted, kinds=kinds)
    for (kec, contest_id), dhasil in batch.dhasil.items():
        if contest_id in contexts:
            found += _reconcile(batch, kec, contexts[contest_id], dhasil, outcomes)
    return rows, found


def _reconcile(
    batch: Batch,
    kec: str,
    context: tuple[Contest, FormContext],
    dhasil: DHasilData,
    outcomes: dict[str, dict[str, TpsOutcome]],
) -> list[Located]:
    contest, ctx = context
    by_desa: dict[str, list[str]] = defaultdict(list)
    values: dict[str, dict[str, int]] = {}
    for t in batch.tps:
        if t["kecamatan_code"] == kec and contains(contest.region_code, t["code"]):
            by_desa[t["desa_code"]].append(t["code"])
            if contest.id in outcomes.get(t["code"], {}):
                values[t["code"]] = outcomes[t["code"]][contest.id].values
    return evaluate_kecamatan(
        kecamatan_code=kec,
        contest_id=contest.id,
        dhasil=dhasil,
        tps_values=values,
        tps_by_desa=by_desa,
        ctx=ctx,
    )


def recheck_all(
    *, session: Session, region: str | None = None, progress: Progress | None = None
) -> RecheckStats:
    """Re-derive accepted values and every discrepancy under a region (None: everything).

    progress(kecamatan done, kecamatan total) is called after each batch. Flushes, never commits.
    """
    return recheck_sizes(session=session, sizes=kecamatan_sizes(session, region), progress=progress)


def recheck_kecamatan_codes(*, session: Session, codes: Sequence[str]) -> RecheckStats:
    """Full recheck of the given kecamatan (after a bulk import touched them)."""
    sizes = [(k, n) for k, n in kecamatan_sizes(session, None) if k in set(codes)]
    return recheck_sizes(session=session, sizes=sizes)


def plan_batches(*, session: Session, region: str | None = None) -> list[list[str]]:
    """The kecamatan codes under a region, grouped in batches of about BATCH_TPS TPS."""
    return _batches(kecamatan_sizes(session, region))


def recheck_batch(
    *,
    session: Session,
    codes: Sequence[str],
    contexts: dict[str, tuple[Contest, FormContext]] | None = None,
    lock: bool = False,
) -> RecheckStats:
    """Recheck one batch of kecamatan. lock=True takes each kecamatan's advisory lock first
    (PostgreSQL), so API writes in them wait; use it when each batch is its own transaction."""
    if lock:
        for code in codes:
            lock_kecamatan(session, code)
    batch = load_batch(session, codes)
    contexts = contexts or contest_contexts(session)
    rows, found = evaluate_batch(batch, contexts, acceptance_line(session))
    written = write_results(session, rows, batch.stored_sources)
    existing = load_existing(
        session, col(Discrepancy.kecamatan_code).in_(codes), col(Discrepancy.rule).in_(ALL_RULES)
    )
    apply_findings(session=session, found=found, existing=existing)
    session.flush()
    return RecheckStats(len(codes), len(batch.tps), written, len(found))


def recheck_sizes(
    *, session: Session, sizes: list[tuple[str, int]], progress: Progress | None = None
) -> RecheckStats:
    """Recheck the listed kecamatan (code, TPS count) in batches of about BATCH_TPS TPS."""
    contexts = contest_contexts(session)
    stats = RecheckStats()
    for codes in _batches(sizes):
        stats.add(recheck_batch(session=session, codes=codes, contexts=contexts))
        if progress is not None:
            progress(stats.kecamatan, len(sizes))
    return stats
