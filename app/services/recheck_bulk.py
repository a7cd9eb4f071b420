"""Full recheck: every TPS, cross-contest pair and kecamatan under a region, by the set-based
verification engine (app/services/verification.py) over the whole area at once."""

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from app.domain.regions import TPS_COLUMN_BY_LEVEL, level_of
from app.errors import InvalidInput
from app.models import Tps
from app.services.recheck import contest_contexts, lock_kecamatan
from app.services.verification import Contexts, VerifyStats, verify_area

Progress = Callable[[int, int], None]
BatchRun = Callable[[list[str]], "RecheckStats"]  # one batch in a transaction of its own
BATCH_TPS = 20_000  # TPS per batch of `rekap recheck` (one transaction, its kecamatan locked)


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


def kecamatan_sizes(
    session: Session, region: str | None, codes: Sequence[str] | None = None
) -> list[tuple[str, int]]:
    """(kecamatan code, TPS count) of every kecamatan under a region (or of the listed codes),
    in code order."""
    stmt = select(Tps.kecamatan_code, func.count()).group_by(col(Tps.kecamatan_code))
    if codes is not None:
        stmt = stmt.where(col(Tps.kecamatan_code).in_(codes))
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


def _stats(sizes: Sequence[tuple[str, int]], verified: VerifyStats) -> RecheckStats:
    return RecheckStats(
        kecamatan=len(sizes),
        tps=sum(n for _, n in sizes),
        results_written=verified.results_written,
        findings=verified.findings,
    )


def recheck_all(
    *, session: Session, region: str | None = None, progress: Progress | None = None
) -> RecheckStats:
    """Re-derive accepted values and every discrepancy under a region (None: everything), in
    one pass of the engine. progress(kecamatan done, kecamatan total) is called at the end.
    Flushes, never commits."""
    sizes = kecamatan_sizes(session, region)
    # A desa or TPS region rechecks its whole kecamatan (the unit of reconciliation).
    prefix = region[:6] if region and region != "0" else None
    verified = verify_area(session, prefix=prefix)
    session.flush()
    analyze_tables(session, *RECHECKED_TABLES)
    if progress is not None:
        progress(len(sizes), len(sizes))
    return _stats(sizes, verified)


def recheck_kecamatan_codes(*, session: Session, codes: Sequence[str]) -> RecheckStats:
    """Full recheck of the given kecamatan (after a bulk import touched them)."""
    wanted = set(codes)
    sizes = [(k, n) for k, n in kecamatan_sizes(session, None) if k in wanted]
    stats = recheck_sizes(session=session, sizes=sizes)
    session.flush()
    analyze_tables(session, *RECHECKED_TABLES)
    return stats


def plan_batches(*, session: Session, region: str | None = None) -> list[list[str]]:
    """The kecamatan codes under a region, grouped in batches of about BATCH_TPS TPS."""
    return _batches(kecamatan_sizes(session, region))


def recheck_batch(
    *,
    session: Session,
    codes: Sequence[str],
    contexts: Contexts | None = None,
    lock: bool = False,
) -> RecheckStats:
    """Recheck one batch of kecamatan. lock=True takes each kecamatan's advisory lock first
    (PostgreSQL), so API writes in them wait; use it when each batch is its own transaction."""
    if lock:
        for code in sorted(codes):
            lock_kecamatan(session, code)
    sizes = [(k, n) for k, n in kecamatan_sizes(session, None, codes) if k in set(codes)]
    verified = verify_area(session, kecamatan_codes=codes, contexts=contexts)
    session.flush()
    return _stats(sizes, verified)


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


def analyze_results(session: Session) -> None:
    """Refresh PostgreSQL's statistics of tps_result (nothing on SQLite)."""
    analyze_tables(session, "tps_result")


# What a full recheck reads and writes. After a bulk load and its recheck the planner must know
# their sizes: with no statistics (autovacuum off, or not yet round) it plans the recheck queue's
# small batches for a table of unknown size (a merge join over all of tps_result for 32 TPS).
RECHECKED_TABLES = ("tps", "submission", "tps_result", "discrepancy")


def analyze_tables(session: Session, *tables: str) -> None:
    """PostgreSQL's ANALYZE of these tables, in the caller's transaction (its own new rows
    counted); nothing on SQLite. Its lock, held to the commit, stops only another ANALYZE or
    VACUUM of them (autovacuum gives way), never a read or a write."""
    if tables and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE " + ", ".join(tables)))


def run_batches(
    batches: Sequence[list[str]],
    run: BatchRun,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    between: Callable[[], None] | None = None,
) -> RecheckStats:
    """Run every batch of kecamatan through `run` (each its own transaction on its own
    connection, holding its kecamatan's locks: recheck_batch with lock=True), `jobs` at a time.
    Batches hold disjoint kecamatan and take their locks in code order, as every other locker
    does, so two at once never wait on each other. The first failure stops the batches not yet
    started and is raised; those committed stay (each is a whole recheck of its kecamatan), and
    running the recheck again finishes the rest.

    `between` runs, outside every batch's transaction, after the 1st, 2nd, 4th, 8th ... batch
    has ended: callers analyse tps_result there, since a first recheck fills it batch by batch
    and with the statistics of an empty table each batch's statements scanned all of it."""
    stats = RecheckStats()
    total = sum(len(b) for b in batches)
    waiting = [list(b) for b in reversed(batches)]
    ended = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: set[Future[RecheckStats]] = set()
        while waiting or running:
            while waiting and len(running) < max(1, jobs):  # a new batch only as one ends
                running.add(pool.submit(run, waiting.pop()))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            if any(f.exception() is not None for f in done):
                waiting.clear()
            for future in done:
                stats.add(future.result())  # raises the batch's error (the others run out)
                ended += 1
                if between is not None and ended & (ended - 1) == 0:
                    between()
            if progress is not None:
                progress(stats.kecamatan, total)
    return stats
