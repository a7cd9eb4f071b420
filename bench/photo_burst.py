"""Time from upload to reading for a burst of photos: a server, `rekap worker -w 2`, and
concurrent clients uploading N real 3 MB page photos as fast as they can.

    python -m bench.photo_burst --photos 500 --workers 2 --clients 4
"""

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
from sqlalchemy import func, select

from app.db import build_engine
from app.models import OcrJob, Photo
from bench.photo_common import BenchSite, machine, upload


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_done(engine, total: int, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Poll the job table until every job is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            finished = conn.execute(
                select(func.count())
                .select_from(OcrJob)
                .where(OcrJob.status.in_(("done", "failed")))  # type: ignore[attr-defined]
            ).scalar_one()
        print(f"\r{finished}/{total} read", end="", flush=True)
        if finished >= total:
            print()
            return
        time.sleep(2)
    raise TimeoutError("jobs did not finish")


def latencies(engine) -> tuple[list[float], datetime, datetime]:  # type: ignore[no-untyped-def]
    """Seconds from upload to the job's end for every photo; first upload; last end."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Photo.uploaded_at, OcrJob.updated_at).join(OcrJob, OcrJob.photo_id == Photo.id)  # type: ignore[arg-type]
        ).all()
    seconds = [(done - up).total_seconds() for up, done in rows]
    return seconds, min(r[0] for r in rows), max(r[1] for r in rows)


def main() -> None:
    """Upload a burst, wait for every reading, report the latency distribution."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    site = BenchSite(backend=args.backend)
    try:
        site.create()
        base = site.start_server()
        headers = site.token(base)
        site.start_worker(args.workers)

        def one(i: int) -> int:
            with httpx.Client() as client:
                return upload(client, base, headers, i).status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            statuses = list(pool.map(one, range(args.photos)))
        uploaded = time.perf_counter() - started
        engine = build_engine(site.env["REKAP_DATABASE_URL"])
        wait_done(engine, args.photos, timeout=3600)
        drained = time.perf_counter() - started
        seconds, _, _ = latencies(engine)
        with engine.connect() as conn:
            counts = select(Photo.status, func.count()).group_by(Photo.status)  # type: ignore[arg-type]
            by_status = dict(conn.execute(counts).all())
        print(f"machine: {machine()}")
        print(
            f"{args.backend}: {args.photos} photos, {args.clients} clients, "
            f"{args.workers} workers: "
            f"uploads took {uploaded:.0f} s (statuses {sorted(set(statuses))}), all read after "
            f"{drained:.0f} s = {args.photos / drained:.2f} pages/s; upload→reading median "
            f"{percentile(seconds, 0.5):.0f} s, p95 {percentile(seconds, 0.95):.0f} s, "
            f"max {max(seconds):.0f} s; photo statuses {by_status}"
        )
    finally:
        site.stop()


if __name__ == "__main__":
    main()
