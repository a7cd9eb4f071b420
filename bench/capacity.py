"""The measured inputs of the capacity plan in docs/deploy.md, in one command:

    .venv/bin/python -m bench.capacity [--records 20000]

1. photo size: the real 2024 C.Hasil photos in /work/shared/forms/photos (MB each);
2. reading cost: CPU seconds per page of the reader on those photos (median of 3 reads each;
   CPU time, so a busy machine changes it less than wall time);
3. database bytes per row on PostgreSQL: a fresh database gets `--records` Sirekap records
   (bench/sirekap_import.py's dump: regions, TPS, one submission each), their recheck (accepted
   values, findings) and one `submission.create` audit entry per record (chained when the audit
   goes through an outbox); then pg_total_relation_size (table + indexes + TOAST) / rows.
Prints one JSON line.
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

PHOTOS = Path("/work/shared/forms/photos")
TABLES = ("region", "tps", "submission", "tps_result", "discrepancy", "discrepancy_event",
          "audit_record", "audit_outbox", "recheck_queue")  # fmt: skip


def photo_figures() -> dict[str, Any]:
    """MB per photo and CPU seconds per page of the reader on the real photos."""
    from app.services.ocr_reader import LibraryReader

    files = sorted(PHOTOS.glob("*.jpg"))
    reader = LibraryReader()
    cpu: list[float] = []
    for f in files:
        data = f.read_bytes()
        page = 3 if "hal3" in f.name else 2
        reader.read(data, contest_code="ppwp", page=page)  # warm-up (model, caches)
        for _ in range(3):
            start = time.process_time()
            reader.read(data, contest_code="ppwp", page=page)
            cpu.append(time.process_time() - start)
    sizes = [f.stat().st_size / 1e6 for f in files]
    return {
        "photos": [f.name for f in files],
        "photo_mb": [round(s, 2) for s in sizes],
        "photo_mb_mean": round(statistics.mean(sizes), 2),
        "read_cpu_s_per_page_median": round(statistics.median(cpu), 3),
        "read_cpu_s_per_page_max": round(max(cpu), 3),
    }


def database_figures(records: int) -> dict[str, Any]:
    """Bytes per row of each table after a synthetic load on a fresh PostgreSQL database."""
    from app.db import build_engine, session_scope
    from app.services.audit import append_audit
    from app.services.migrations import upgrade_database
    from app.services.recheck_bulk import recheck_kecamatan_codes
    from app.services.sirekap_import import store_records
    from bench.sirekap_import import dump
    from bench.verification_common import drop_database, new_database

    url = new_database("postgres", "capacity")
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        upgrade_database(url=sa_url)
        engine = build_engine(sa_url)
        with session_scope(engine) as session:
            report = store_records(session=session, path=dump(records))
        with session_scope(engine) as session:
            recheck_kecamatan_codes(session=session, codes=report.kecamatan)
        with session_scope(engine) as session:
            rows = session.execute(text("SELECT id, tps_code, contest_id, values FROM submission"))
            for sid, tps, contest, values in rows.all():
                append_audit(
                    session=session, actor="device:k_0123abcd", action="submission.create",
                    entity="submission", entity_id=str(sid),
                    payload={"tps_code": tps, "contest_id": contest, "source": "app",
                             "values": values, "reason": None},
                )  # fmt: skip
        _chain(engine)
        out: dict[str, Any] = {"records": records}
        with engine.connect() as conn:
            for table in TABLES:
                exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
                if exists is None:
                    continue
                n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                size = conn.execute(
                    text("SELECT pg_total_relation_size(:t)"), {"t": table}
                ).scalar_one()
                out[table] = {
                    "rows": n,
                    "bytes": size,
                    "bytes_per_row": round(size / n) if n else None,
                }
        engine.dispose()
        return out
    finally:
        drop_database(url)


def _chain(engine: Any) -> None:
    """Link an audit outbox into the chain, where the audit goes through one."""
    try:
        from app.services.audit_chainer import Chainer
    except ImportError:
        return
    Chainer(engine).drain(timeout=120)


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    out = {"load_1min_before": round(load, 2)} | photo_figures() | database_figures(args.records)
    out["load_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
