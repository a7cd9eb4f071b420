"""Uploads per second of 3 MB photos on loopback, each answered 202 with its job row committed.

python bench/photo_upload.py --uploads 200 --clients 4
"""

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from app.db import build_engine
from app.models import OcrJob
from bench.photo_common import BenchSite, cpu_seconds, machine, photo_bytes, upload


def main() -> None:
    """Start a server on a fresh site and upload photos from concurrent clients."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    site = BenchSite(backend=args.backend)
    try:
        site.create()
        base = site.start_server(args.server_workers)
        headers = site.token(base)
        photo_bytes(0)  # warm the page cache
        with httpx.Client() as warm:
            first = upload(warm, base, headers, 10_000)
            assert first.status_code == 202, first.text

        def one(i: int) -> tuple[int, float]:
            with httpx.Client() as client:
                started = time.perf_counter()
                status = upload(client, base, headers, i).status_code
                return status, time.perf_counter() - started

        server_pid = site.procs[0].pid
        cpu_before = cpu_seconds(server_pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(one, range(args.uploads)))
        elapsed = time.perf_counter() - started
        server_cpu = (cpu_seconds(server_pid) - cpu_before) / args.uploads
        engine = build_engine(site.env["REKAP_DATABASE_URL"])
        with engine.connect() as conn:
            jobs = conn.execute(select(func.count()).select_from(OcrJob)).scalar_one()
        statuses = sorted({s for s, _ in results})
        latencies = sorted(t for _, t in results)
        mb = len(photo_bytes(0)) / 1e6
        print(f"machine: {machine()}")
        print(
            f"{args.backend}: {args.uploads} uploads of {mb:.1f} MB, {args.clients} clients, "
            f"{args.server_workers} server process(es): {elapsed:.1f} s, "
            f"{args.uploads / elapsed:.1f} uploads/s ({args.uploads * mb / elapsed:.0f} MB/s); "
            f"statuses {statuses}; job rows committed: {jobs - 1}; "
            f"latency median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms; server CPU "
            f"{server_cpu * 1000:.0f} ms/upload = {1 / server_cpu:.1f} uploads/s per core"
        )
    finally:
        site.stop()


if __name__ == "__main__":
    main()
