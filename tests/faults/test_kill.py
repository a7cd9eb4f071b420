"""SIGKILL during bursts, against real processes on a fresh database of the backend under test.

The server killed mid-burst of result posts: every post a client saw accepted is stored once, every
post whose answer was lost is stored once after the client retries it with the same
Idempotency-Key, no 5xx, and the audit chain still verifies. The worker killed mid-job during a
burst of photo uploads: every upload is accepted, every job ends read exactly once, none is lost.
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.db import build_engine, session_scope
from app.models import AuditRecord, OcrJob, OcrResult, Photo, Submission, Tps
from app.models.evidence import utcnow
from app.services.auth import create_device_key
from app.services.importers import tps_row
from app.services.migrations import upgrade_database
from app.services.ocr_jobs import sweep_jobs
from tests.chaining import chain_committed
from tests.conftest import FreshDatabase
from tests.photos.conftest import GUB, KEC_A, PRESIDEN, make_jpeg, seed_regions
from tests.processes import Env, free_port, kill_hard, wait_for

pytestmark = pytest.mark.slow
BURST_TPS = [f"1671011001{n:03d}" for n in range(3, 15)]  # 12 more TPS in kecamatan KEC_A
POSTS, CLIENTS, KILL_AFTER = 160, 6, 40


@dataclass(frozen=True)
class Site:
    """The subprocess environment, an engine on its database, and a device key of KEC_A."""

    env: Env
    engine: Engine
    headers: dict[str, str]


@pytest.fixture
def site(fresh_database: FreshDatabase, tmp_path: Path) -> Iterator[Site]:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_regions(session)
        session.add_all(Tps(**tps_row(code, dpt=300)) for code in BURST_TPS)
        key = create_device_key(session=session, region_code=KEC_A, label="burst", actor="test")
        secret = key.secret
    # On PostgreSQL the queue's tables live in the same database (PostgresHuey).
    queue_url = url if url.startswith("postgresql") else f"sqlite:///{tmp_path / 'queue.db'}"
    env = Env(url, queue_url, tmp_path)
    yield Site(env, engine, {"X-API-Key": secret})
    env.kill_all()
    engine.dispose()


@dataclass
class Post:
    """One result post and every answer it got (connection failures are not answers)."""

    key: str
    tps: str
    body: dict[str, object]
    patience: float = 60.0  # seconds this client waits for the answer in the burst
    statuses: list[int] = field(default_factory=list)
    submission_id: int | None = None

    def send(self, client: httpx.Client, base: str, headers: dict[str, str], wait: float) -> bool:
        """POST once; False when no answer came back (connection lost, or gave up after wait)."""
        try:
            resp = client.post(
                f"{base}/api/v1/tps/{self.tps}/results", json=self.body,
                headers={**headers, "Idempotency-Key": self.key},
                timeout=httpx.Timeout(60, read=wait),
            )  # fmt: skip
        except httpx.TransportError:
            return False
        self.statuses.append(resp.status_code)
        if resp.status_code in (200, 201):
            self.submission_id = resp.json()["submission_id"]
        return True


def make_posts() -> list[Post]:
    """Distinct posts: each names its key in `reason`, so the stored rows can be counted per key.
    One in eight gives up on its answer at once (a phone losing signal): the server still stores
    it, so its retry must be answered from the stored key, not stored again."""
    posts = []
    for i in range(POSTS):
        key = f"burst-{i:04d}"
        values = {"suara_paslon_1": i % 1000, "suara_paslon_2": 7, "suara_paslon_3": 3}
        body = {"contest_id": (GUB, PRESIDEN)[i % 2], "values": values, "reason": key}
        patience = 0.001 if i % 8 == 4 else 60.0
        posts.append(Post(key, BURST_TPS[i % len(BURST_TPS)], body, patience))
    return posts


def run_burst(
    posts: list[Post], base: str, headers: dict[str, str], on_answer: Callable[[], None]
) -> None:
    """CLIENTS threads post everything once, calling on_answer() after each answer."""

    def client_loop(mine: list[Post]) -> None:
        with httpx.Client() as client:
            for post in mine:
                if post.send(client, base, headers, post.patience):
                    on_answer()

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_loop, [posts[i::CLIENTS] for i in range(CLIENTS)]))


def retry_lost(lost: list[Post], base: str, headers: dict[str, str]) -> None:
    """Each client retries, once the server is back, every post it got no answer to."""

    def client_loop(mine: list[Post]) -> None:
        with httpx.Client() as client:
            for post in mine:
                assert post.send(client, base, headers, 60), post.key

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_loop, [lost[i::CLIENTS] for i in range(CLIENTS)]))


def stored_reasons(engine: Engine) -> list[tuple[str | None, int | None]]:
    """(reason, id) of every stored submission."""
    with Session(engine) as session:
        return list(session.exec(select(Submission.reason, Submission.id)).all())


def test_server_sigkill_mid_burst_loses_and_duplicates_nothing(site: Site) -> None:
    port = free_port()
    server = site.env.start_server(port)
    posts, answered, lock = make_posts(), [0], threading.Lock()
    enough = threading.Event()

    def on_answer() -> None:
        with lock:
            answered[0] += 1
            if answered[0] >= KILL_AFTER:
                enough.set()

    burst = threading.Thread(
        target=run_burst, args=(posts, f"http://127.0.0.1:{port}", site.headers, on_answer)
    )
    burst.start()
    assert enough.wait(timeout=60), "the burst never got going"
    kill_hard(server)  # mid-burst: requests in flight, no graceful shutdown
    burst.join(timeout=120)
    lost = [p for p in posts if not p.statuses]
    assert KILL_AFTER <= POSTS - len(lost) < POSTS, "the kill did not land mid-burst"

    port = free_port()
    site.env.start_server(port)
    retry_lost(lost, f"http://127.0.0.1:{port}", site.headers)

    statuses = Counter(s for p in posts for s in p.statuses)
    assert set(statuses) <= {200, 201}, statuses  # no 5xx, no refusals
    stored = stored_reasons(site.engine)
    per_key = Counter(reason for reason, _ in stored)
    assert per_key == Counter(p.key for p in posts)  # each post exactly once, nothing else
    assert dict(stored) == {p.key: p.submission_id for p in posts}  # the id each client was told
    assert statuses[200] > 0  # some retried posts had been stored: answered from their key
    assert_audit_intact(site, creates=POSTS)


def assert_audit_intact(site: Site, *, creates: int) -> None:
    """`rekap audit verify` exits 0 and every stored submission has its one audit record."""
    chain_committed(site.engine)
    verify = site.env.run_cli("audit", "verify")
    assert verify.returncode == 0, verify.stderr
    with Session(site.engine) as session:
        audited = session.exec(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "submission.create")
        ).one()
    assert audited == creates


def upload_photos(site: Site, base: str, seeds: range) -> list[int]:
    """Upload one distinct photo per seed, two clients at a time; returns the statuses."""

    def one(seed: int) -> int:
        tps = BURST_TPS[seed % len(BURST_TPS)]
        resp = httpx.post(
            f"{base}/api/v1/tps/{tps}/photos", headers=site.headers, timeout=60,
            data={"contest_id": PRESIDEN, "page": "2"},
            files={"file": (f"c1-{seed}.jpg", make_jpeg(seed), "image/jpeg")},
        )  # fmt: skip
        return resp.status_code

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, seeds))


def jobs(engine: Engine) -> list[OcrJob]:
    """Every reading job, by id."""
    with Session(engine) as session:
        return list(session.exec(select(OcrJob).order_by(col(OcrJob.id))).all())


def lease_left(job: OcrJob) -> timedelta:
    """Time until the job's lease expires (SQLite gives the stored UTC time back naive)."""
    expires = job.lease_expires_at
    if expires is None:
        return timedelta(0)
    return (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) - utcnow()


def one_done_one_fresh(engine: Engine) -> bool:
    """A job is done and another was claimed so recently it is far from finishing."""
    all_jobs = jobs(engine)
    # Lease 3 s, reading 1.5 s: over 2.2 s left means claimed < 0.8 s ago, 0.7 s from its end.
    running = [j for j in all_jobs if j.status == "running"]
    fresh = [j for j in running if lease_left(j) > timedelta(seconds=2.2)]
    return any(j.status == "done" for j in all_jobs) and len(fresh) == 1


def sweep_expired(site: Site, killed: int) -> bool:
    """Once the killed job's lease has expired, sweep and enqueue again (as the worker's own
    periodic sweep would, within a minute); True when the killed job left `running`."""
    with session_scope(site.engine) as session:
        report = sweep_jobs(session=session, max_attempts=3, requeue_after_seconds=600)
        status = session.get_one(OcrJob, killed).status
    for job_id in report.requeue:
        site.env.enqueue(job_id)
    return status != "running"


def test_worker_sigkill_mid_burst_reads_every_photo_once(site: Site) -> None:
    port = free_port()
    site.env.start_server(port)
    base = f"http://127.0.0.1:{port}"
    first = site.env.start_worker(fake_seconds=1.5)
    assert upload_photos(site, base, range(1, 5)) == [202] * 4
    wait_for("a job done and the next one just claimed", lambda: one_done_one_fresh(site.engine))
    kill_hard(first)
    killed = [j.id for j in jobs(site.engine) if j.status == "running"]
    assert len(killed) == 1  # the crash leaves its job claimed
    assert upload_photos(site, base, range(5, 9)) == [202] * 4  # uploads go on without a worker

    site.env.start_worker(fake_seconds=0.2)
    wait_for("the dead worker's job to be requeued", lambda: sweep_expired(site, killed[0]))
    wait_for("every job done", lambda: all(j.status == "done" for j in jobs(site.engine)))

    done = jobs(site.engine)
    assert len(done) == 8 and next(j for j in done if j.id == killed[0]).attempts == 2
    with Session(site.engine) as session:
        results = Counter(session.exec(select(OcrResult.job_id)).all())
        ocr_subs = session.exec(
            select(func.count()).select_from(Submission).where(Submission.source == "ocr")
        ).one()
        photos = Counter(session.exec(select(Photo.status)).all())
    assert results == Counter(j.id for j in done)  # one reading per job, none twice
    assert (ocr_subs, photos) == (8, Counter({"read": 8}))
    verify = site.env.run_cli("audit", "verify")
    assert verify.returncode == 0, verify.stderr
