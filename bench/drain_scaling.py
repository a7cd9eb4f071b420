"""The recheck queue emptied by one and by several drainer processes, on PostgreSQL: a backlog of
result posts (posted in-process through the ASGI app, to TPS in a shuffled order as a national
night spreads them over kecamatan; the loaded demo), then for each count of drainers a copy of
that database is drained from the same backlog until the queue is empty. Reports the wall time,
units a second, the drainers' CPU and their PostgreSQL backends' CPU (from /proc), how long their
verify transactions waited for kecamatan locks and how long a lease took (the drainers' own
per-batch timings).

    .venv/bin/python -m bench.drain_scaling --posts 2000 --drainers 1,2
    .venv/bin/python -m bench.drain_scaling --posts 2000 --drainers 1,2 --batch 128 --order sorted
    .venv/bin/python -m bench.drain_scaling --posts 3000 --drainers 1,2 --no-dhasil

`--no-dhasil` removes the demo's D.Hasil versions (and the kecamatan findings made from them)
before the posts: election night, when no kecamatan has its recap yet, so a drain has no
kecamatan to reconcile.

Each drainer process loops as `rekap worker`'s drainer does behind a backlog (batches of --batch
units back to back), polling every 10 ms while the queue still holds rows leased by another.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from typing import Any

from sqlmodel import Session
from sqlmodel import select as sm_select

from app.db import build_engine
from app.models import Tps
from bench.intake_profile import run_posts
from bench.verification_common import (
    ROOT,
    copy_database,
    demo_database,
    drop_database,
    machine,
    without_dhasil,
)

# One drainer process: drain until the queue is empty; print its counts as JSON.
DRAINER = """
import json, sys, time
from app.db import build_engine, session_scope
from app.services.recheck_queue import drain_rechecks, drainer_name, queued_count
from bench.verification_posts import cpu_seconds

url, batch = sys.argv[1], int(sys.argv[2])
engine = build_engine(url)
with engine.connect() as conn:
    backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
name = drainer_name()
units = batches = 0
lease = lock = verify = idle = 0.0
sys.stdin.readline()  # the start signal: every drainer begins at once
cpu, wall = time.process_time(), time.perf_counter()
while True:
    counts = drain_rechecks(lambda: session_scope(engine), batch, drainer=name)
    if counts.leased:
        units, batches = units + counts.leased, batches + 1
        lease, lock = lease + counts.timings.lease, lock + counts.timings.lock
        verify += counts.timings.verify
        continue
    with session_scope(engine) as session:
        if queued_count(session) == 0:
            break
    time.sleep(0.01)
    idle += 0.01
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
db_cpu = cpu_seconds([backend])
print(json.dumps({"units": units, "batches": batches, "wall_s": wall, "cpu_s": cpu,
                  "db_cpu_s": db_cpu, "lease_s": lease, "lock_wait_s": lock,
                  "verify_s": verify, "idle_s": idle}))
"""


def drain_with(url: str, drainers: int, batch: int) -> dict[str, Any]:
    """Start `drainers` processes on the database, let them go at once, gather their reports."""
    env = {**os.environ, "REKAP_LOG_LEVEL": "WARNING"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DRAINER, url, str(batch)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(drainers)
    ]
    time.sleep(3)  # imports and connections before the start
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"a drainer failed ({proc.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - wall
    units = sum(r["units"] for r in reports)
    return {
        "drainers": drainers,
        "batch": batch,
        "units": units,
        "wall_s": round(wall, 2),
        "units_per_s": round(units / wall, 1),
        "drainer_cpu_ms_per_unit": round(1000 * sum(r["cpu_s"] for r in reports) / units, 3),
        "db_cpu_ms_per_unit": round(1000 * sum(r["db_cpu_s"] for r in reports) / units, 3),
        "lock_wait_s": round(sum(r["lock_wait_s"] for r in reports), 2),
        "lease_ms_per_batch": round(
            1000 * sum(r["lease_s"] for r in reports) / sum(r["batches"] for r in reports), 2
        ),
        "idle_s": round(sum(r["idle_s"] for r in reports), 2),
        "per_drainer_units": [r["units"] for r in reports],
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    """Load the demo, post the backlog, drain a copy of it with each count of drainers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--drainers", default="1,2", help="counts of drainer processes, e.g. 1,2")
    parser.add_argument("--batch", type=int, default=32, help="units a batch (REKAP_RECHECK_BATCH)")
    parser.add_argument("--order", choices=("shuffled", "sorted"), default="shuffled")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-dhasil", action="store_true", help="no D.Hasil (election night)")
    args = parser.parse_args()
    url = demo_database("postgres", "drain")
    copies: list[str] = []
    try:
        engine = build_engine(url)
        with Session(engine) as session:
            stmt = sm_select(Tps.code, Tps.kecamatan_code).where(Tps.provinsi_code == "16")
            tps = list(session.exec(stmt))  # type: ignore[call-overload]
        engine.dispose()
        codes = sorted(code for code, _ in tps)
        if args.order == "shuffled":
            random.Random(args.seed).shuffle(codes)
        codes = codes[: args.posts]
        kecamatan = {code[:6] for code in codes}
        print(
            f"{machine()}; backlog: {len(codes)} posts ({args.order}) over {len(kecamatan)} "
            f"kecamatan of {len({k for _, k in tps})}",
            file=sys.stderr,
        )
        if args.no_dhasil:
            without_dhasil(url)
        run_posts(url, codes, 0, None)
        from app.db import get_engine

        get_engine().dispose()
        for n in (int(x) for x in args.drainers.split(",")):
            copy = copy_database(url, f"d{n}")
            copies.append(copy)
            report = drain_with(copy, n, args.batch)
            print(json.dumps(report))
            drop_database(copy)
    finally:
        for copy in copies:
            drop_database(copy)
        drop_database(url)


if __name__ == "__main__":
    main()
