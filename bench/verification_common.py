"""Shared set-up of the verification benchmarks: throwaway databases and the loaded demo."""

import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from app import db_driver
from app.db import build_engine, session_scope
from app.domain.intake import values_errors
from app.models import Submission
from app.services.auth import create_user
from app.services.demo import load_demo
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import recheck_all
from app.services.verification import KECAMATAN_RULES

PG_ADMIN = os.environ.get("REKAP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[1]
BENCH_PASSWORD = "bench password 123"


def new_database(backend: str, tag: str) -> str:
    """A new empty database URL (SQLite file under /tmp or a PostgreSQL database)."""
    name = f"rekap_bench_{tag}_{uuid.uuid4().hex[:6]}"
    if backend == "sqlite":
        return f"sqlite:////tmp/{name}.db"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def copy_database(url: str, tag: str) -> str:
    """A copy of a PostgreSQL database made by new_database (its other sessions are ended)."""
    source = url.rsplit("/", 1)[1]
    name = f"{source}_{tag}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (source,),
        )
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    """Remove a database made by new_database."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def demo_database(backend: str, tag: str) -> str:
    """A migrated database with the Sumsel demo loaded, rechecked, and a bench admin user."""
    url = new_database(backend, tag)
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        load_demo(session=session, seed=20241127)
    with session_scope(engine) as session:
        recheck_all(session=session)
        create_user(
            session=session,
            username="bench",
            password=BENCH_PASSWORD,
            role="admin",
            scopes=(),
            actor="bench",
        )
    engine.dispose()
    return url


def without_dhasil(url: str) -> None:
    """Remove every D.Hasil version and the kecamatan findings made from them (election night,
    before any kecamatan has its recap)."""
    rules = ", ".join(f"'{rule}'" for rule in sorted(KECAMATAN_RULES))
    engine = build_engine(url)
    with engine.begin() as conn:
        found = f"SELECT id FROM discrepancy WHERE rule IN ({rules})"
        conn.execute(text(f"DELETE FROM discrepancy_event WHERE discrepancy_id IN ({found})"))
        conn.execute(text(f"DELETE FROM discrepancy WHERE rule IN ({rules})"))
        conn.execute(text("DELETE FROM dhasil_version"))
    engine.dispose()


def stored_forms(url: str, codes: Sequence[str], contest: str = "pkwkp-16") -> dict[str, str]:
    """The JSON body of a post agreeing with what the demo stored for each TPS: the contest and
    the values of its TPS's newest submission. Posted again, they are a second source that
    agrees (the usual post of election night: most forms break no rule, as in the demo, where
    18 of 13,206 TPS have a finding); the fixed partial form breaks three sums against them.
    A TPS whose stored values a post may not carry (the demo's one value over 999, read from a
    photo) is left out: its posts send the fixed form."""
    wanted = set(codes)
    newest: dict[str, tuple[int, dict[str, int]]] = {}
    engine = build_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Submission.tps_code, Submission.id, Submission.values).where(  # type: ignore[call-overload]
                Submission.contest_id == contest  # type: ignore[arg-type]
            )
        )
        for code, sub_id, values in rows:
            if code in wanted and sub_id > newest.get(code, (-1, {}))[0]:
                newest[code] = (sub_id, values)
    engine.dispose()
    return {
        code: json.dumps({"contest_id": contest, "values": values})
        for code, (_, values) in newest.items()
        if not values_errors(values, allowed=set(values))  # a value the API refuses (> 999)
    }


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run fn, print and return (seconds, result)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    load = os.getloadavg()[0]
    print(f"{label}: {seconds:.2f} s wall, {cpu:.2f} s CPU of this process, load {load:.1f}")
    return seconds, result


def machine() -> str:
    """A one-line description of this machine."""
    cpu = os.cpu_count()  # not nproc: it reports OMP_NUM_THREADS when that is set
    return f"{cpu} cores, {os.uname().sysname} {os.uname().release}"


class StatementCounter:
    """SQL statements executed by any engine of this process while counting, those run on the
    DBAPI cursor by app/db_driver.py included."""

    def __init__(self) -> None:
        self.n = 0
        event.listen(Engine, "before_cursor_execute", self._hit)
        self._direct = db_driver._run

        def counted(*args: Any) -> Any:
            self.n += 1
            return self._direct(*args)

        db_driver._run = counted

    def _hit(self, *_: Any) -> None:
        self.n += 1

    def stop(self) -> None:
        """Stop counting."""
        event.remove(Engine, "before_cursor_execute", self._hit)
        db_driver._run = self._direct
