"""A worker killed with SIGKILL in the middle of a job loses nothing: the lease expires, the
sweep requeues the job, another worker reads it, and exactly one result is written."""

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.db import build_engine, session_scope
from app.models import OcrJob, OcrResult, Photo, Submission
from app.services.migrations import upgrade_database
from app.services.ocr_jobs import sweep_jobs
from app.services.photos import IntakeLimits, StagedUpload, intake_photo
from app.services.storage import LocalStore, sha256_of
from tests.conftest import FreshDatabase
from tests.photos.conftest import PRESIDEN, TPS_A, make_jpeg, seed_regions
from tests.processes import Env, free_port, wait_for


@pytest.fixture(params=["default", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The queue by one setting: SQLite file (PostgresHuey on the test database when the backend
    is PostgreSQL, see crash_env), or a real redis-server on loopback."""
    if request.param == "default":
        yield f"sqlite:///{tmp_path / 'queue.db'}"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: `make test` installs it (apt redis-server)")
    port = free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait()


@pytest.fixture
def crash_env(
    fresh_database: FreshDatabase, tmp_path: Path, queue_url: str
) -> Iterator[tuple[Env, Engine]]:
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_regions(session)
    if url.startswith("postgresql") and queue_url.startswith("sqlite"):
        queue_url = url  # PostgresHuey: the queue's tables live in the same PostgreSQL database
    env = Env(url, queue_url, tmp_path)
    yield env, engine
    env.kill_all()
    engine.dispose()


def job_status(engine: Engine, job_id: int) -> str:
    with Session(engine) as session:
        return session.get_one(OcrJob, job_id).status


@pytest.mark.slow
def test_sigkill_mid_job_loses_nothing(crash_env: tuple[Env, Engine], tmp_path: Path) -> None:
    env, engine = crash_env
    data = make_jpeg(301)
    (tmp_path / "up.jpg").write_bytes(data)
    staged = StagedUpload(tmp_path / "up.jpg", sha256_of(data), len(data))
    with session_scope(engine) as session:
        outcome = intake_photo(
            session=session, store=LocalStore(tmp_path / "photos"), tps_code=TPS_A,
            contest_id=PRESIDEN, page=2, staged=staged, uploaded_by="test",
            limits=IntakeLimits(max_pixels=50_000_000, phash_max_distance=12),
        )  # fmt: skip
    job_id = outcome.job_id
    assert job_id is not None

    first = env.start_worker(fake_seconds=60)  # it will be killed long before it finishes
    env.enqueue(job_id)
    wait_for("the job to be running", lambda: job_status(engine, job_id) == "running")
    os.killpg(first.pid, signal.SIGKILL)  # the consumer and its worker process, no goodbye
    first.wait()
    assert job_status(engine, job_id) == "running"  # what a crash leaves behind

    env.start_worker(fake_seconds=0.2)
    time.sleep(3.5)  # the dead worker's lease (3 s) expires
    with session_scope(engine) as session:
        report = sweep_jobs(session=session, max_attempts=3, requeue_after_seconds=600)
    # The worker's own periodic sweep (every minute) may have got there first; either way once.
    assert report.requeue in ([job_id], [])
    if report.requeue:
        env.enqueue(job_id)
    wait_for("the job to be done", lambda: job_status(engine, job_id) == "done")

    with Session(engine) as session:
        done = session.get_one(OcrJob, job_id)
        results = session.exec(select(func.count()).select_from(OcrResult)).one()
        subs = session.exec(
            select(func.count()).select_from(Submission).where(Submission.source == "ocr")
        ).one()
        photo = session.get_one(Photo, done.photo_id)
    assert (done.attempts, done.engine_version) == (2, "fake-1")
    assert (results, subs) == (1, 1)
    assert photo.status == "read"
