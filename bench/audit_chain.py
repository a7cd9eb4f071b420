"""Audit chain cost: one append per write transaction (as a request does it), and how fast
`rekap audit verify` walks the chain, on SQLite and PostgreSQL. Each transaction stores a row (a
user) and its record, so every record carries a content hash that append and verify recompute.

    .venv/bin/python -m bench.audit_chain --backend sqlite --records 2000
    .venv/bin/python -m bench.audit_chain --backend postgres --records 2000
"""

import argparse
import json
import time

from app.db import build_engine, session_scope
from app.models import User
from app.services.audit import append_audit, verify_audit
from app.services.migrations import upgrade_database
from bench.verification_common import drop_database, new_database


def run(backend: str, records: int) -> dict[str, float]:
    """Store `records` rows with their records, each in its own transaction, then verify."""
    url = new_database(backend, "audit")
    try:
        upgrade_database(url=url)
        engine = build_engine(url)
        payload = {"tps": "1671011001001", "values": {f"f{i}": i for i in range(30)}}
        start = time.perf_counter()
        for i in range(records):
            with session_scope(engine) as session:
                session.add(User(username=f"bench{i}", password_hash="-", role="ppk",
                                 scopes=[payload["tps"][:6]]))  # fmt: skip
                append_audit(session=session, actor="user:bench", action="user.create",
                             entity="user", entity_id=f"bench{i}", payload=payload)  # fmt: skip
        appended = time.perf_counter() - start
        start = time.perf_counter()
        with session_scope(engine) as session:
            report = verify_audit(session=session)
            assert report.faults == [] and report.covered == records
        verified = time.perf_counter() - start
        engine.dispose()
    finally:
        drop_database(url)
    return {
        "append_ms": round(appended / records * 1000, 3),
        "verify_records_per_s": round(records / verified),
    }


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    result = run(args.backend, args.records)
    print(json.dumps({"backend": args.backend, "records": args.records, **result}))


if __name__ == "__main__":
    main()
