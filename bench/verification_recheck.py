"""Full and incremental recheck, a drainer-sized batch of units through verify_units, and GET
/discrepancies with a region filter, on the demo (13,206 TPS) or a synthetic national-size
dataset (two contests per TPS), with the database's own ceiling measured in the same run: a plain
scan of every tps_result column and the kecamatan GROUP BY alone. CPU is reported for this
process and for the database backend (PostgreSQL: the backend process's own CPU time, read from
/proc; parallel workers the planner adds are not in it).

    .venv/bin/python -m bench.verification_recheck --dataset national --backend postgres
    .venv/bin/python -m bench.verification_recheck --dataset national --backend sqlite
    .venv/bin/python -m bench.verification_recheck --dataset demo --backend postgres
"""

import argparse
import json
import os
import random
import time
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.db import build_engine, session_scope
from app.models import Discrepancy, Submission, TpsResult
from app.services.demo import load_demo
from app.services.discrepancy_query import DiscrepancyFilter, list_discrepancies
from app.services.migrations import upgrade_database
from app.services.recheck import recheck_submission
from app.services.recheck_bulk import (
    RecheckStats,
    analyze_results,
    plan_batches,
    recheck_all,
    recheck_batch,
    run_batches,
)
from app.services.verification import (
    ENGINE_SETTINGS,
    Scope,
    desa_sums,
    pg_settings,
    verify_units,
)
from bench.verification_common import (
    copy_database,
    drop_database,
    machine,
    new_database,
    timed,
)
from bench.verification_synth import load_postgres, load_sqlite


def load(args: argparse.Namespace, url: str) -> None:
    """Fill the database with the chosen dataset (no recheck yet)."""
    if args.dataset == "demo":
        with session_scope(build_engine(url)) as session:
            load_demo(session=session, seed=20241127)
    else:
        loader = load_postgres if args.backend == "postgres" else load_sqlite
        synth = loader(url, args.tps)
        print(
            f"synthetic: {len(synth.tps)} TPS, {len(synth.contest)} contests, "
            f"{synth.planted} planted PASLON_SUM"
        )


def backend_cpu(session: Session) -> float:
    """CPU seconds the PostgreSQL backend of this session has used (0 elsewhere)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0.0
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def full_recheck(url: str, label: str) -> dict[str, Any]:
    """One full recheck, committed: wall seconds, CPU of this process and of the backend."""
    with session_scope(build_engine(url)) as session:
        db_cpu = backend_cpu(session)
        cpu = time.process_time()
        seconds, stats = timed(label, recheck_all, session=session)
        cpu = time.process_time() - cpu
        db_cpu = backend_cpu(session) - db_cpu
        forms = session.execute(text("SELECT count(*) FROM tps_result")).scalar_one()
        print(f"  {stats}")
    return {
        "wall_s": round(float(seconds), 1),
        "app_cpu_s": round(cpu, 1),
        "db_cpu_s": round(db_cpu, 1),
        "forms": forms,
        "cpu_ms_per_form": round(1000 * (cpu + db_cpu) / max(forms, 1), 4),
        "results_written": stats.results_written,
        "findings": stats.findings,
    }


def batched_recheck(url: str, jobs: int) -> dict[str, Any]:
    """`rekap recheck`'s way: batches of kecamatan, each its own transaction holding its
    kecamatan's locks, `jobs` at once on their own connections; wall seconds, CPU of this
    process (every thread) and of the backends (summed over the batches)."""
    engine = build_engine(url)
    with session_scope(engine) as session:
        batches = plan_batches(session=session)
    db_cpu: list[float] = []

    def one(codes: list[str]) -> RecheckStats:
        with session_scope(engine) as session:
            before = backend_cpu(session)
            stats = recheck_batch(session=session, codes=codes, lock=True)
            db_cpu.append(backend_cpu(session) - before)
        return stats

    def analyze() -> None:
        with session_scope(engine) as session:
            analyze_results(session)

    cpu = time.process_time()
    seconds, stats = timed(f"full recheck by batches, {jobs} at once", run_batches, batches, one,
                           jobs=jobs, between=analyze)  # fmt: skip
    cpu = time.process_time() - cpu
    engine.dispose()
    return {
        "jobs": jobs,
        "batches": len(batches),
        "wall_s": round(float(seconds), 1),
        "app_cpu_s": round(cpu, 1),
        "db_cpu_s": round(sum(db_cpu), 1),
        "results_written": stats.results_written,
        "findings": stats.findings,
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }


def ceiling(url: str) -> dict[str, float]:
    """The database's own floor for this work: a scan reading every tps_result column, and the
    engine's kecamatan GROUP BY alone (rows consumed, no rules)."""
    from app.domain.fields import ALL_FIELDS

    with Session(build_engine(url)) as session:
        scan = "SELECT count(*), " + ", ".join(f"sum({f})" for f in ALL_FIELDS)
        started = time.perf_counter()
        session.execute(text(scan + " FROM tps_result")).one()
        scan_s = time.perf_counter() - started
        started = time.perf_counter()
        with pg_settings(session, **ENGINE_SETTINGS):  # as the engine runs it
            units = sum(1 for _ in desa_sums(session, Scope()))
        group_s = time.perf_counter() - started
    print(f"ceiling: scan {scan_s:.2f} s, GROUP BY {group_s:.2f} s ({units} kecamatan units)")
    return {"scan_tps_result_s": round(scan_s, 2), "kecamatan_group_by_s": round(group_s, 2)}


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, in ms."""
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def new_submission(session: Session, row: Any) -> Submission:
    """A second PPK submission for a stored result, one field changed (its unit becomes one the
    Python rules evaluate, and its accepted values change)."""
    values = {k: v for k, v in row.model_dump().items() if k.startswith(("suara_", "pe"))}
    values = {k: v for k, v in values.items() if isinstance(v, int)}
    values["suara_tidak_sah"] = values.get("suara_tidak_sah", 0) + 1
    sub = Submission(
        tps_code=row.tps_code,
        contest_id=row.contest_id,
        kecamatan_code=row.kecamatan_code,
        source="ppk",
        submitted_by="bench",
        values=values,
    )
    session.add(sub)
    session.flush()
    return sub


def incremental(url: str, n: int) -> dict[str, float]:
    """Cost of recheck_submission alone for n new submissions (one field changed each): wall,
    CPU of this process and of the database backend per unit."""
    rng = random.Random(1)
    costs: list[float] = []
    cpus: list[float] = []
    db_cpus: list[float] = []
    with session_scope(build_engine(url)) as session:
        rows = session.exec(select(TpsResult).limit(20000)).all()
        for row in rng.sample(list(rows), n):
            sub = new_submission(session, row)
            started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu(session)
            recheck_submission(session=session, submission=sub)
            costs.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            db_cpus.append(backend_cpu(session) - db_cpu)
    return {
        "median_ms": pct(costs, 0.5),
        "p95_ms": pct(costs, 0.95),
        "cpu_median_ms": pct(cpus, 0.5),
        "db_cpu_mean_ms": round(1000 * sum(db_cpus) / max(n, 1), 2),
        "n": n,
    }


def batched(url: str, n: int, batches: int = 5) -> dict[str, float]:
    """The drainer's way: n new submissions in n TPS units of as many kecamatan, verified in one
    verify_units call (what one drain of a batch of n queued units runs); per batch, wall and
    CPU of this process and of the database backend."""
    rng = random.Random(3)
    costs: list[float] = []
    cpus: list[float] = []
    db_cpus: list[float] = []
    with session_scope(build_engine(url)) as session:
        rows = list(session.exec(select(TpsResult).offset(20000).limit(40000 * batches)).all())
        for _ in range(batches):
            subs = [new_submission(session, row) for row in rng.sample(rows, n)]
            units = {(s.tps_code, s.contest_id) for s in subs}
            started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu(session)
            verify_units(session, units, set())
            costs.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            db_cpus.append(backend_cpu(session) - db_cpu)
    return {
        "units": n,
        "batch_median_ms": pct(costs, 0.5),
        "batch_max_ms": pct(costs, 1.0),
        "app_cpu_median_ms": pct(cpus, 0.5),
        "db_cpu_median_ms": pct(db_cpus, 0.5),
        "batches": batches,
    }


def query_latency(url: str, n: int) -> dict[str, Any]:
    """GET /discrepancies' service call with a region filter (kabupaten or kecamatan)."""
    engine = build_engine(url)
    with Session(engine) as session:
        regions = sorted(set(session.exec(select(Discrepancy.kecamatan_code))) - {None})
        total = len(session.exec(select(Discrepancy.id).where(col(Discrepancy.id) > 0)).all())
        rng = random.Random(2)
        costs = []
        for _ in range(n):
            code = str(rng.choice(regions))
            region = code if rng.random() < 0.5 else code[:4]
            started = time.perf_counter()
            list_discrepancies(
                session=session, flt=DiscrepancyFilter(region=region), limit=100, cursor=None
            )
            costs.append(time.perf_counter() - started)
    return {"discrepancies": total, "p50_ms": pct(costs, 0.5), "p95_ms": pct(costs, 0.95)}


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=("demo", "national"), default="national")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--tps", type=int, default=435_296)
    parser.add_argument("--incremental", type=int, default=200)
    parser.add_argument("--batch", type=int, default=200, help="units per drainer-sized batch")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-warm", action="store_true", help="skip the second full recheck")
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="*",
        default=[1, 2],
        help="PostgreSQL: also a cold `rekap recheck` by batches, this many at once (each value "
        "on its own copy of the loaded database; none to skip)",
    )
    parser.add_argument("--only-cold", action="store_true", help="stop after the cold rechecks")
    args = parser.parse_args()
    url = new_database(args.backend, args.dataset)
    try:
        upgrade_database(url=url)
        load_s, _ = timed("load", load, args, url)
        by_batches = []
        for jobs in args.jobs if args.backend == "postgres" else []:
            copy = copy_database(url, f"jobs{jobs}")
            try:
                by_batches.append(batched_recheck(copy, jobs))
            finally:
                drop_database(copy)
        cold = full_recheck(url, "full recheck (cold: nothing stored)")
        if args.only_cold:
            print(json.dumps({"load_avg_1m": round(os.getloadavg()[0], 1), "recheck_cold": cold,
                              "recheck_cold_by_batches": by_batches}))  # fmt: skip
            return
        warm = full_recheck(url, "full recheck (warm)") if not args.no_warm else {}
        summary = {
            "dataset": args.dataset,
            "backend": args.backend,
            "machine": machine(),
            "load_avg_1m": round(os.getloadavg()[0], 1),
            "load_s": round(load_s, 1),
            "recheck_cold": cold,
            "recheck_cold_by_batches": by_batches,
            "recheck_warm": warm,
            "ceiling": ceiling(url),
            "incremental": incremental(url, args.incremental),
            "batched": batched(url, args.batch),
            "query": query_latency(url, args.queries),
        }
        print(json.dumps(summary))
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            drop_database(url)


if __name__ == "__main__":
    main()
