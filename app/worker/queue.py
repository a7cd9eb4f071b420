"""The huey instance, built from REKAP_QUEUE_URL: SQLite (own file, default), Redis or PostgreSQL.

The ocr_job table is the truth; the queue only carries job ids. A lost enqueue or a worker killed
mid-job is repaired by the sweep (app/services/ocr_jobs.py), so huey's at-most-once is enough.
Jobs are handed over by app/worker/enqueue.py.
"""

from pathlib import Path

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey

QUEUE_NAME = "rekap-ocr"


def build_huey(queue_url: str, *, immediate: bool = False) -> Huey:
    """A Huey for the URL: `sqlite:///path`, `redis://...` or `postgresql://...`. Task results
    are not kept (the job table holds them), so the queue does not grow with every job."""
    if queue_url.startswith("sqlite:///"):
        path = Path(queue_url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(
            QUEUE_NAME, filename=str(path), immediate=immediate, timeout=30, results=False
        )
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=queue_url, immediate=immediate, results=False)
    if queue_url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        dsn = queue_url.replace("postgresql+psycopg://", "postgresql://", 1)
        huey = PostgresHuey(
            QUEUE_NAME, dsn=dsn, immediate=immediate, results=False, create_tables=False
        )
        if not immediate:
            _create_tables(dsn, huey.storage.ddl)
        return huey
    raise ValueError(f"REKAP_QUEUE_URL must be sqlite:///, redis:// or postgresql://: {queue_url}")


SCHEMA_LOCK = 6_060_611  # advisory lock class: huey's tables created by one process at a time


def _create_tables(dsn: str, ddl: list[str]) -> None:
    """huey's own `create table if not exists` statements, under a transaction advisory lock:
    PostgreSQL's IF NOT EXISTS is not safe against a concurrent creator (the loser fails with a
    unique violation on pg_type), so workers and API processes starting together on a new queue
    database made one of them die at start."""
    import psycopg

    with psycopg.connect(dsn) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        for statement in ddl:
            conn.execute(statement)
