"""Pages read per second per worker process: the reader alone, and whole jobs (claim, read,
write the result, ocr submission, rules) on a fresh SQLite site.

    python -m bench.photo_read --pages 20
"""

import argparse
import os
import time
from pathlib import Path

from app.config import Settings
from app.db import build_engine, session_scope
from app.models import Tps
from app.services.ocr_reader import LibraryReader
from app.services.photos import IntakeLimits, StagedUpload, intake_photo
from app.services.storage import LocalStore, sha256_of
from app.worker.jobs import Worker, process_job
from bench.photo_common import CONTEST, BenchSite, machine, photo_bytes, tps_code


def reader_only(reader: LibraryReader, pages: int) -> tuple[float, float]:
    """Wall and CPU seconds per page of read_page (plus the rectified and annotated PNGs)."""
    data = photo_bytes(0)
    reader.read(data, contest_code="ppwp", page=2)  # warm-up: model load, caches
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(pages):
        reader.read(data, contest_code="ppwp", page=2)
    return (time.perf_counter() - started) / pages, (time.process_time() - cpu) / pages


def whole_jobs(site: BenchSite, reader: LibraryReader, pages: int) -> tuple[float, float]:
    """Wall and CPU seconds per job through process_job, each photo new bytes for its own job."""
    engine = build_engine(site.env["REKAP_DATABASE_URL"])
    store = LocalStore(site.root / "photos")
    limits = IntakeLimits(max_pixels=60_000_000, phash_max_distance=-1)
    job_ids = []
    for i in range(pages):
        path = site.root / f"p{i}.jpg"
        path.write_bytes(photo_bytes(i))
        staged = StagedUpload(Path(path), sha256_of(path), path.stat().st_size)
        with session_scope(engine) as session:
            assert session.get(Tps, tps_code(i)) is not None
            outcome = intake_photo(session=session, store=store, tps_code=tps_code(i),
                                   contest_id=CONTEST, page=2, staged=staged,
                                   uploaded_by="bench", limits=limits)  # fmt: skip
            job_ids.append(outcome.job_id or 0)
    worker = Worker(Settings(), engine, store, reader)
    started, cpu = time.perf_counter(), time.process_time()
    outcomes = [process_job(worker, job_id) for job_id in job_ids]
    seconds = (time.perf_counter() - started) / pages, (time.process_time() - cpu) / pages
    assert outcomes == ["done"] * pages, outcomes
    return seconds


def main() -> None:
    """Measure both on one core."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)
    reader = LibraryReader()
    per_page = reader_only(reader, args.pages)
    site = BenchSite()
    try:
        site.create()
        per_job = whole_jobs(site, reader, args.pages)
    finally:
        site.stop()
    print(f"machine: {machine()}")
    print(f"engine {reader.engine_version}, real 3000x4000 page-2 photo, {args.pages} pages, "
          f"one process, cv2/OMP threads 1")  # fmt: skip
    for label, (wall, cpu) in (("reader only", per_page), ("whole job", per_job)):
        print(f"{label}: {wall:.3f} s/page wall = {1 / wall:.2f} pages/s; "
              f"{cpu:.3f} CPU s/page = {1 / cpu:.2f} pages/s on an idle core")  # fmt: skip


if __name__ == "__main__":
    main()
