"""Audit chain cost: one append per write transaction (as a request does it), and how fast
`rekap audit verify` walks the chain, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.audit_chain --backend sqlite --records 2000
    .venv/bin/python -m bench.audit_chain --backend postgres --records 2000
"""

import argparse
import json
import time

from app.db import build_engine, session_scope
from app.services.audit import append_audit, verify_chain
from app.services.migrations import upgrade_database
from bench.verification_common import drop_database, new_database


def run(backend: str, records: int) -> dict[str, float]:
    """Append `records` records, each in its own transaction, then verify the chain."""
    url = new_database(backend, "audit")
    try:
        upgrade_database(url=url)
        engine = build_engine(url)
        payload = {"tps": "1671011001001", "values": {f"f{i}": i for i in range(30)}}
        start = time.perf_counter()
        for i in range(records):
            with session_scope(engine) as session:
                append_audit(session=session, actor="user:bench", action="submission.create",
                             entity="submission", entity_id=str(i), payload=payload)  # fmt: skip
        appended = time.perf_counter() - start
        start = time.perf_counter()
        with session_scope(engine) as session:
            assert verify_chain(session=session) is None
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
