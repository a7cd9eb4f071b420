"""Audit chain cost on SQLite and PostgreSQL: the write side (a row and its audit entry in one
transaction, as a request does it), alone and with concurrent writers; the chainer's throughput
(outbox entries linked into the chain per second); and `rekap audit verify`'s rate. Each
transaction stores a user and its record, so every record carries a content hash.

    .venv/bin/python -m bench.audit_chain --backend sqlite --records 2000
    .venv/bin/python -m bench.audit_chain --backend postgres --records 2000 --writers 8

On a checkout from before the outbox (no app/services/audit_chainer.py) the same command measures
the old in-transaction append and reports no chainer figure.
"""

import argparse
import json
import os
import statistics
import threading
import time
from typing import Any

from sqlalchemy.engine import Engine

from app.db import build_engine, session_scope
from app.models import User
from app.services.audit import append_audit, verify_audit
from app.services.migrations import upgrade_database
from bench.verification_common import drop_database, new_database

PAYLOAD = {"tps": "1671011001001", "values": {f"f{i}": i for i in range(30)}}


def write_one(engine: Engine, name: str) -> tuple[float, float]:
    """One write transaction (a user and its audit entry, commit included): seconds for the
    whole transaction and for the append_audit call in it (where the old design waited on the
    chain's lock)."""
    start = time.perf_counter()
    with session_scope(engine) as session:
        session.add(User(username=name, password_hash="-", role="ppk", scopes=["167101"]))
        session.flush()
        before = time.perf_counter()
        append_audit(session=session, actor="user:bench", action="user.create",
                     entity="user", entity_id=name, payload=PAYLOAD)  # fmt: skip
        appended = time.perf_counter() - before
    return time.perf_counter() - start, appended


def _ms(values: list[float], cut: int) -> float:
    return round(statistics.quantiles(values, n=100)[cut - 1] * 1000, 2)


def concurrent_writes(engine: Engine, writers: int, per_writer: int) -> dict[str, float]:
    """`writers` threads writing at once: transactions/s, and percentiles (ms) of a whole
    transaction and of its append_audit call."""
    timings: list[tuple[float, float]] = []
    lock = threading.Lock()

    def run(w: int) -> None:
        mine = [write_one(engine, f"c{w}-{i}") for i in range(per_writer)]
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    tx, append = [t for t, _ in timings], [a for _, a in timings]
    return {
        "concurrent_tx_per_s": round(len(timings) / elapsed),
        "concurrent_tx_p50_ms": _ms(tx, 50),
        "concurrent_tx_p99_ms": _ms(tx, 99),
        "concurrent_append_p50_ms": _ms(append, 50),
        "concurrent_append_p99_ms": _ms(append, 99),
    }


def chain_all(engine: Engine) -> float | None:
    """Drain the outbox with the production chainer; records/s (None before the outbox)."""
    try:
        from app.services.audit_chainer import Chainer
    except ImportError:
        return None
    with session_scope(engine) as session:
        from app.services.audit_outbox import outbox_summary

        waiting = outbox_summary(session).count
    start = time.perf_counter()
    chained = Chainer(engine, batch=1000).drain(timeout=60)
    elapsed = time.perf_counter() - start
    assert chained == waiting, (chained, waiting)
    return round(chained / elapsed)


def run(backend: str, records: int, writers: int) -> dict[str, Any]:
    """Serial writes, concurrent writes, chaining, then verify, on a fresh database."""
    url = new_database(backend, "audit")
    try:
        upgrade_database(url=url)
        engine = build_engine(url)
        serial = [write_one(engine, f"s{i}") for i in range(records)]
        result: dict[str, Any] = {
            "tx_ms": round(statistics.mean(t for t, _ in serial) * 1000, 3),
            "append_ms": round(statistics.mean(a for _, a in serial) * 1000, 3),
        }
        result |= concurrent_writes(engine, writers, records // writers)
        result["chain_records_per_s"] = chain_all(engine)
        start = time.perf_counter()
        with session_scope(engine) as session:
            report = verify_audit(session=session)
        assert report.faults == [] and report.covered == records + writers * (records // writers)
        result["verify_records_per_s"] = round(report.count / (time.perf_counter() - start))
        engine.dispose()
    finally:
        drop_database(url)
    return result


def main() -> None:
    """Command-line entry: print one JSON line of results (with the load average)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=8, help="concurrent writing threads")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    result = run(args.backend, args.records, args.writers)
    print(json.dumps({"backend": args.backend, "records": args.records, "writers": args.writers,
                      **result, "load_1min": round(load, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
