"""What a result post costs before its own work: CPU per request of uvicorn (`--workers 2`,
wrk 2 threads x 32 connections, paced) answering the same POST three ways, one after another:

- bare: a bare ASGI app that reads the body and sends a fixed answer (the server's own cost);
- stack: the service's app with the short path's work replaced by that answer (middlewares,
  the JSON parse and validation, the worker-thread hop, the response: bench/floor_app.py);
- post: the service itself on the loaded demo on PostgreSQL, each TPS posted the values stored
  for it (a second source agreeing), the recheck worker not running (its CPU is the posts
  bench's); the PostgreSQL processes' CPU per post beside it.

The app's CPU is read from /proc for the server's processes over the run; the rate is paced
(--rate) so that every mode runs at the same load, under what this machine carries.

    .venv/bin/python -m bench.intake_floor                (150 posts/s, 20 s a mode, 2 turns)
    .venv/bin/python -m bench.intake_floor --rate 250 --turns 1
    .venv/bin/python -m bench.intake_floor --modes post    (the service alone)
"""

import argparse
import json
import os
import sys
import tempfile
from typing import Any

from sqlmodel import Session, select

from app.db import build_engine
from app.models import Tps
from bench.verification_common import demo_database, drop_database, machine, stored_forms
from bench.verification_posts import (
    PostgresCpu,
    cpu_seconds,
    run_wrk,
    start_server,
    summarize,
    token,
    tree,
)

TARGETS = {"bare": "bench.floor_app:bare", "stack": "bench.floor_app:stack", "post": "app.asgi:app"}


def run_mode(
    mode: str, url: str, codes: list[str], bodies: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """One mode's run: wrk against uvicorn serving it; rate, latency, CPU per request."""
    proc = start_server(url, args.port, args.workers, target=TARGETS[mode])
    try:
        bearer = token(args.port) if mode == "post" else "none"
        # warm: each worker process's first posts import, compile and connect
        run_wrk(args.port, bearer, codes, 3, args.connections, rate=args.rate, bodies=bodies)
        pids = tree(proc.pid)
        pg = PostgresCpu() if mode == "post" else None
        load = os.getloadavg()[0]
        cpu = cpu_seconds(pids)
        out = run_wrk(
            args.port, bearer, codes, args.seconds, args.connections,
            rate=args.rate, bodies=bodies,
        )  # fmt: skip
        cpu, cpu_pg = cpu_seconds(pids) - cpu, pg.seconds() if pg else 0.0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    summary = summarize(out)
    requests = int(summary["requests"]) if summary["requests"] != "?" else 0
    if summary["non2xx"] != "?":
        raise SystemExit(f"{mode}: {summary['non2xx']} answers were not 2xx:\n{out}")
    return {
        "mode": mode,
        "rps": summary["rps"],
        "p50": summary["p50"],
        "p99": summary["p99"],
        "requests": requests,
        "cpu_ms_app_per_request": round(1000 * cpu / max(requests, 1), 3),
        "cpu_ms_postgres_per_request": round(1000 * cpu_pg / max(requests, 1), 3) if pg else None,
        "load_before": round(load, 1),
    }


def main() -> None:
    """Parse arguments; load the demo; run bare, stack, post in turns."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=150, help="posts/s (wrk paced)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--port", type=int, default=18932)
    parser.add_argument("--modes", default="bare,stack,post", help="which, in this order")
    args = parser.parse_args()
    unknown = set(args.modes.split(",")) - set(TARGETS)
    if unknown:
        parser.error(f"--modes: unknown {', '.join(sorted(unknown))} (known: bare, stack, post)")
    url = demo_database("postgres", "floor")
    empty = tempfile.NamedTemporaryFile(suffix=".db", delete=False).name  # the stack's settings
    try:
        with Session(build_engine(url)) as session:
            codes = list(session.exec(select(Tps.code).where(Tps.provinsi_code == "16")))
        bodies = stored_forms(url, codes)
        runs = []
        for turn in range(args.turns):
            for mode in args.modes.split(","):
                where = url if mode == "post" else f"sqlite:///{empty}"
                run = run_mode(mode, where, codes[turn::2], bodies, args)
                print(json.dumps(run), file=sys.stderr)
                runs.append(run)
        print(json.dumps({"machine": machine(), "rate_asked": args.rate, "runs": runs}))
    finally:
        drop_database(url)
        os.unlink(empty)


if __name__ == "__main__":
    main()
