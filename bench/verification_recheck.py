"""Full and incremental recheck, and GET /discrepancies with a region filter, on the demo
(13,206 TPS) or a synthetic national-size dataset (two contests per TPS).

    .venv/bin/python -m bench.verification_recheck --dataset demo --backend sqlite
    .venv/bin/python -m bench.verification_recheck --dataset demo --backend postgres
    .venv/bin/python -m bench.verification_recheck --dataset national --tps 435296
"""

import argparse
import json
import random
import time
from typing import Any

from sqlmodel import Session, col, select

from app.db import build_engine, session_scope
from app.models import Discrepancy, Submission, TpsResult
from app.services.demo import load_demo
from app.services.discrepancy_query import DiscrepancyFilter, list_discrepancies
from app.services.migrations import upgrade_database
from app.services.recheck import recheck_submission
from app.services.recheck_bulk import recheck_all
from bench.verification_common import drop_database, new_database, timed
from bench.verification_synth import load_postgres


def load(args: argparse.Namespace, url: str) -> None:
    """Fill the database with the chosen dataset (no recheck yet)."""
    if args.dataset == "demo":
        with session_scope(build_engine(url)) as session:
            load_demo(session=session, seed=20241127)
    else:
        synth = load_postgres(url, args.tps)
        print(
            f"synthetic: {len(synth.tps)} TPS, {len(synth.contest)} contests, "
            f"{synth.planted} planted PASLON_SUM"
        )


def full_recheck(url: str) -> float:
    """One full recheck, committed; returns seconds."""
    with session_scope(build_engine(url)) as session:
        seconds, stats = timed("full recheck", recheck_all, session=session)
        print(f"  {stats}")
    return float(seconds)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, in ms."""
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def incremental(url: str, n: int) -> dict[str, float]:
    """Cost of recheck_submission alone for n new submissions (one field changed each)."""
    rng = random.Random(1)
    costs: list[float] = []
    cpus: list[float] = []
    with session_scope(build_engine(url)) as session:
        rows = session.exec(select(TpsResult).limit(20000)).all()
        for row in rng.sample(list(rows), n):
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
            started, cpu = time.perf_counter(), time.process_time()
            recheck_submission(session=session, submission=sub)
            costs.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
    return {
        "median_ms": pct(costs, 0.5),
        "p95_ms": pct(costs, 0.95),
        "cpu_median_ms": pct(cpus, 0.5),
        "n": n,
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
    parser.add_argument("--dataset", choices=("demo", "national"), default="demo")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--tps", type=int, default=435_296)
    parser.add_argument("--incremental", type=int, default=200)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-warm", action="store_true", help="skip the second full recheck")
    args = parser.parse_args()
    if args.dataset == "national" and args.backend != "postgres":
        raise SystemExit("the national dataset is loaded with COPY: PostgreSQL only")
    url = new_database(args.backend, args.dataset)
    try:
        upgrade_database(url=url)
        load_s, _ = timed("load", load, args, url)
        cold = full_recheck(url)
        warm = full_recheck(url) if not args.no_warm else float("nan")
        summary = {
            "dataset": args.dataset,
            "backend": args.backend,
            "load_s": round(load_s, 1),
            "recheck_cold_s": round(cold, 1),
            "recheck_warm_s": round(warm, 1),
            "incremental": incremental(url, args.incremental),
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
