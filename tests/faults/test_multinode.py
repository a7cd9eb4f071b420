"""Two API processes and two `rekap worker` processes on one PostgreSQL database, one Redis queue
(its own Redis database) and one shared photo folder, as compose.yaml runs them on several
machines (docs/deploy.md). Result posts and photo uploads go alternately to both APIs, retries
to the other one; afterwards nothing is lost (every 201 stored once, with its audit record) and
nothing is done twice (each reading job ran once, each finding exists once, the recheck queue is
drained, the audit chain verifies with every record once).

PostgreSQL only: several nodes need a shared server database (SQLite is one machine's file)."""

import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.db import build_engine, session_scope
from app.models import AuditRecord, Discrepancy, OcrJob, OcrResult, Submission, Tps, TpsResult
from app.services.auth import create_device_key
from app.services.importers import tps_row
from app.services.migrations import upgrade_database
from tests.conftest import BACKEND, FreshDatabase
from tests.photos.conftest import GUB, KEC_A, PRESIDEN, make_jpeg, seed_regions
from tests.processes import Env, free_port, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgres", reason="several nodes share a PostgreSQL server"),
]
REDIS_DB = 13  # a Redis database of its own: flushed before and after, nobody else's keys
TPS = [f"1671011001{n:03d}" for n in range(3, 23)]  # 20 TPS in kecamatan KEC_A
PHOTOS = 8


@dataclass(frozen=True)
class Cluster:
    """The two API base URLs, the device key's headers and an engine on the shared database."""

    apis: tuple[str, str]
    headers: dict[str, str]
    engine: Engine
    env: Env


@pytest.fixture
def cluster(fresh_database: FreshDatabase, tmp_path: Path) -> Iterator[Cluster]:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_regions(session)
        session.add_all(Tps(**tps_row(code, dpt=300)) for code in TPS)
        secret = create_device_key(
            session=session, region_code=KEC_A, label="nodes", actor="test"
        ).secret
    queue_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    queue = redis.Redis.from_url(queue_url)
    queue.flushdb()
    env = Env(url, queue_url, tmp_path)  # one photo folder for all: the shared store
    env.vars["REKAP_SECRET_KEY"] = "multinode-" + "k" * 40  # one key shared by both APIs
    try:
        ports = free_port(), free_port()
        for port in ports:
            env.start_server(port)
        for _ in range(2):
            env.start_worker(fake_seconds=0.3)
        apis = (f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}")
        yield Cluster(apis, {"X-API-Key": secret}, engine, env)
    finally:
        env.kill_all()
        queue.flushdb()
        engine.dispose()


def _body(i: int) -> dict[str, object]:
    a, b, c = 50 + i, 70, 20
    valid = a + b + c + (5 if i % 4 == 0 else 0)  # every 4th form breaks PASLON_SUM
    values = {"suara_paslon_1": a, "suara_paslon_2": b, "suara_paslon_3": c, "suara_sah": valid}
    return {"contest_id": (GUB, PRESIDEN)[i % 2], "values": values, "reason": f"node-{i:03d}"}


def _post(base: str, headers: dict[str, str], i: int) -> tuple[int, int | None]:
    resp = httpx.post(
        f"{base}/api/v1/tps/{TPS[i // 2]}/results", json=_body(i), timeout=60,
        headers={**headers, "Idempotency-Key": f"node-key-{i:03d}"},
    )  # fmt: skip
    return resp.status_code, resp.json().get("submission_id") if resp.status_code < 300 else None


def _upload(base: str, headers: dict[str, str], seed: int) -> int:
    resp = httpx.post(
        f"{base}/api/v1/tps/{TPS[seed]}/photos", headers=headers, timeout=60,
        data={"contest_id": PRESIDEN, "page": "2"},
        files={"file": (f"c1-{seed}.jpg", make_jpeg(seed), "image/jpeg")},
    )  # fmt: skip
    return resp.status_code


def _waiting(engine: Engine) -> dict[str, int]:
    """Rows left in the recheck queue and the audit outbox (where those tables exist)."""
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("recheck_queue", "audit_outbox")
            if t in tables
        }


def _drained(engine: Engine, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while any((left := _waiting(engine)).values()):
        assert time.monotonic() < deadline, f"the workers left work undone: {left}"
        time.sleep(0.3)


def test_two_apis_and_two_workers_lose_nothing_and_do_nothing_twice(cluster: Cluster) -> None:
    posts = range(2 * len(TPS))  # one form per TPS and contest
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: _post(cluster.apis[i % 2], cluster.headers, i), posts))
        uploads = list(
            pool.map(lambda s: _upload(cluster.apis[s % 2], cluster.headers, s), range(PHOTOS))
        )
        # the same posts again on the other node (a phone retrying through another API)
        again = list(
            pool.map(lambda i: _post(cluster.apis[1 - i % 2], cluster.headers, i), posts[:10])
        )
    assert [s for s, _ in answers] == [201] * len(posts)
    assert uploads == [202] * PHOTOS
    assert again == [(200, sid) for _, sid in answers[:10]]  # answered from the stored key

    engine = cluster.engine
    with Session(engine) as session:

        def jobs() -> list[OcrJob]:
            session.expire_all()
            return list(session.exec(select(OcrJob).order_by(col(OcrJob.id))).all())

        wait_for("every reading job done", lambda: all(j.status == "done" for j in jobs()), 60)
        _drained(engine)
        done = jobs()
        assert len(done) == PHOTOS and [j.attempts for j in done] == [1] * PHOTOS
        per_job = Counter(session.exec(select(OcrResult.job_id)).all())
        assert per_job == Counter(j.id for j in done)  # one reading per job, none twice

        app_rows = session.exec(
            select(Submission.reason, Submission.id).where(col(Submission.source) == "app")
        ).all()
        stored = Counter(reason for reason, _ in app_rows)
        assert stored == Counter(f"node-{i:03d}" for i in posts)  # every 201 stored once
        assert {sid for _, sid in app_rows} == {sid for _, sid in answers}
        results = session.exec(select(TpsResult.tps_code, TpsResult.contest_id)).all()
        assert {(TPS[i // 2], str(_body(i)["contest_id"])) for i in posts} <= set(results)
        breaches = session.exec(
            select(Discrepancy.tps_code, Discrepancy.contest_id, func.count())
            .where(Discrepancy.rule == "PASLON_SUM", Discrepancy.status != "resolved")
            .group_by(col(Discrepancy.tps_code), col(Discrepancy.contest_id))
        ).all()
        expected = {(TPS[i // 2], str(_body(i)["contest_id"]), 1) for i in posts if i % 4 == 0}
        assert set(breaches) == expected  # each finding once, whichever node wrote it

        audited = Counter(
            session.exec(
                select(AuditRecord.entity_id).where(AuditRecord.action == "submission.create")
            ).all()
        )
    assert set(audited.values()) == {1}  # every write (posts and readings) recorded once
    assert {str(sid) for _, sid in answers} <= set(audited)
    verify = cluster.env.run_cli("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert os.environ.get("REKAP_QUEUE_URL", "") != cluster.env.vars["REKAP_QUEUE_URL"]
