"""The queue is chosen by one URL; `rekap ocr reread` queues a job per photo not yet read."""

import subprocess
import sys
from pathlib import Path

import pytest
from huey import PostgresHuey, RedisHuey, SqliteHuey
from sqlmodel import Session, select

from app.models import OcrJob, Photo
from app.services.ocr_jobs import photos_to_reread, queue_reread
from app.worker.queue import build_huey
from tests.conftest import BACKEND, FreshDatabase
from tests.photos.conftest import TPS_A, PhotoEnv, make_jpeg


def test_queue_backend_follows_the_url(tmp_path: Path) -> None:
    assert isinstance(build_huey(f"sqlite:///{tmp_path / 'q.db'}"), SqliteHuey)
    assert isinstance(build_huey("redis://127.0.0.1:6379/0"), RedisHuey)
    assert isinstance(build_huey("postgresql://postgres@127.0.0.1:5432/postgres"), PostgresHuey)
    with pytest.raises(ValueError, match="REKAP_QUEUE_URL"):
        build_huey("amqp://localhost")


def test_reread_queues_photos_not_read_by_the_engine(photo_env: PhotoEnv) -> None:
    ids = [photo_env.upload(TPS_A, make_jpeg(500 + i)).json()["photo_id"] for i in range(3)]
    session: Session = photo_env.session
    old = session.get_one(Photo, ids[0])
    old.engine_version = "digits-v2"
    session.add(old)
    session.flush()
    todo = photos_to_reread(session=session, engine_version="digits-v2")
    assert todo == ids[1:]
    job_ids = queue_reread(session=session, photo_ids=todo)
    jobs = session.exec(select(OcrJob).where(OcrJob.id.in_(job_ids))).all()  # type: ignore[union-attr]
    assert sorted((j.photo_id, j.status) for j in jobs) == [(i, "queued") for i in ids[1:]]


def test_a_failing_enqueue_never_fails_the_upload(monkeypatch: pytest.MonkeyPatch) -> None:
    # The job row is already committed; the sweep enqueues it again later.
    import sys
    import types

    from app.worker.enqueue import enqueue_job

    def broken(job_id: int) -> None:
        raise ConnectionError("redis is down")

    stub = types.ModuleType("app.worker.tasks")
    stub.read_photo_task = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "app.worker.tasks", stub)
    enqueue_job(41)  # logs, does not raise


@pytest.mark.skipif(BACKEND != "postgres", reason="the PostgreSQL queue: PostgreSQL only")
def test_processes_starting_together_on_a_new_postgres_queue_all_start(
    fresh_database: FreshDatabase,
) -> None:
    # PostgreSQL's CREATE TABLE IF NOT EXISTS fails for the loser of two concurrent creators
    # (a unique violation on pg_type): a worker started beside the API on a new queue died.
    code = (
        "import sys; from app.worker.queue import build_huey\n"
        "build_huey(sys.argv[1]).enqueue  # its tables exist once built\n"
    )
    for _ in range(3):
        url = fresh_database.create().replace("postgresql+psycopg://", "postgresql://", 1)
        starts = [
            subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True)
            for _ in range(8)
        ]
        failed = [err for p in starts if (err := p.communicate(timeout=60)[1]) and p.returncode]
        assert failed == []
