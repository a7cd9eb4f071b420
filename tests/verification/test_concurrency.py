"""Concurrent posts through the real session dependency (real commits) while two drainers empty
the recheck queue: no 500s, one answer per Idempotency-Key, and the incremental state equals a
full recheck afterwards."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import get_settings
from app.db import build_engine, get_engine, session_scope
from app.main import create_app
from app.models import Discrepancy, Tps
from app.services.auth import create_user
from app.services.importers import tps_row
from app.services.migrations import upgrade_database
from app.services.recheck_bulk import recheck_all
from app.services.recheck_queue import drain_rechecks, queued_count
from tests.factories import PASSWORD
from tests.verification.conftest import (
    DESA_A,
    GUB,
    GUB_FORM,
    KEC,
    seed_world,
)

TPS = [f"{DESA_A}{n:03d}" for n in range(1, 9)]


@pytest.fixture
def live(fresh_database: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """A fresh database served by the app with its own get_session; (url, headers)."""
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with Session(engine) as session:
        seed_world(session)
        for code in TPS[2:]:
            session.add(Tps(**tps_row(code, dpt=410)))
        create_user(
            session=session,
            username="root",
            password=PASSWORD,
            role="admin",
            scopes=(),
            actor="test",
        )
        session.commit()
    monkeypatch.setenv("REKAP_DATABASE_URL", url)
    monkeypatch.setenv("REKAP_RATE_LIMIT_WRITE", "100000/minute")
    get_settings.cache_clear()
    get_engine.cache_clear()
    with TestClient(create_app()) as client:
        resp = client.post("/api/v1/auth/token", data={"username": "root", "password": PASSWORD})
        yield url, (client, {"Authorization": f"Bearer {resp.json()['access_token']}"})
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine.dispose()


def test_concurrent_posts_in_one_kecamatan(live: tuple[str, Any]) -> None:
    url, (client, headers) = live
    desa = {k: 8 * v for k, v in GUB_FORM.items()}
    body = {"contest_id": GUB, "desa": {DESA_A: desa}, "total": desa}
    assert (
        client.put(f"/api/v1/kecamatan/{KEC}/dhasil", json=body, headers=headers).status_code == 200
    )

    def post(i: int) -> int:
        values = {**GUB_FORM, "suara_paslon_1": GUB_FORM["suara_paslon_1"] + i % 2}
        resp = client.post(
            f"/api/v1/tps/{TPS[i % 8]}/results",
            headers=headers,
            json={"contest_id": GUB, "values": values},
        )
        return resp.status_code

    engine = build_engine(url)
    stop = threading.Event()

    def drainer() -> None:  # as the worker's loop does, beside the posts
        while not stop.is_set():
            if drain_rechecks(lambda: session_scope(engine), 3).leased == 0:
                stop.wait(0.01)

    drainers = [threading.Thread(target=drainer) for _ in range(2)]
    for t in drainers:
        t.start()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(post, range(24)))
    finally:
        stop.set()
        for t in drainers:
            t.join()
    assert statuses == [201] * 24
    while drain_rechecks(lambda: session_scope(engine), 100).leased:
        pass
    with Session(engine) as session:
        assert queued_count(session) == 0
    with Session(engine) as session:
        before = sorted(
            (d.identity, d.status, d.expected, d.actual) for d in session.exec(select(Discrepancy))
        )
    with session_scope(engine) as session:
        recheck_all(session=session)
    with Session(engine) as session:
        after = sorted(
            (d.identity, d.status, d.expected, d.actual) for d in session.exec(select(Discrepancy))
        )
    engine.dispose()
    assert after == before
    assert any(i[0].startswith("DESA_VS_DHASIL") for i in after)


def test_concurrent_replays_of_one_key(live: tuple[str, Any]) -> None:
    _, (client, headers) = live
    body = {"contest_id": GUB, "values": GUB_FORM}

    def post(_: int) -> tuple[int, int]:
        resp = client.post(
            f"/api/v1/tps/{TPS[0]}/results",
            json=body,
            headers={**headers, "Idempotency-Key": "same"},
        )
        return resp.status_code, resp.json()["submission_id"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(post, range(8)))
    assert sorted(s for s, _ in answers) == [200] * 7 + [201]
    assert len({sid for _, sid in answers}) == 1
