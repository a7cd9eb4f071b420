"""Parallel status changes of one discrepancy through a real server (uvicorn subprocess): the API's
PATCH and the console's status buttons at once. Every change must see the status the one before it
left, so the history is one unbroken chain and no answer is a 5xx."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import build_engine, session_scope
from app.models import Discrepancy, DiscrepancyEvent, User
from app.schemas.discrepancies import DiscrepancyPatch
from app.services.access import Principal
from app.services.auth import create_user, issue_token
from app.services.discrepancies import update_status
from app.services.migrations import upgrade_database
from app.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import FreshDatabase
from tests.factories import PASSWORD
from tests.verification.conftest import GUB, TPS_A1, World, seed_world

ROOT = Path(__file__).resolve().parents[2]
SECRET = "status-race-test-secret-0123456789abcdef"
PARALLEL = 20
# Every change differs from the one before it in the cycle, so a lost update shows as a repeat.
STATUSES = ("acknowledged", "escalated", "dismissed", "open")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer /healthz")


def _seed(url: str) -> tuple[int, str]:
    """The small world, one open discrepancy and a bawaslu auditor; its id and a bearer token."""
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_world(session)
        create_user(session=session, username="auditor", password=PASSWORD, role="bawaslu",
                    scopes=("16",), actor="test")  # fmt: skip
        row = Discrepancy(identity="race", rule="PASLON_SUM", severity="error", contest_id=GUB,
                          region_code=TPS_A1, tps_code=TPS_A1, message="m")  # fmt: skip
        session.add(row)
        session.flush()
        user = session.exec(select(User).where(User.username == "auditor")).one()
        token = issue_token(user=user, settings=Settings(secret_key=SECRET)).access_token
        assert row.id is not None
        did = row.id
    engine.dispose()
    return did, token


@pytest.fixture
def server(fresh_database: FreshDatabase, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """uvicorn on a fresh migrated database of the backend under test; (base URL, DB URL)."""
    url = fresh_database.create()
    upgrade_database(url=url)
    port = _free_port()
    env = {
        **os.environ,
        "REKAP_DATABASE_URL": url,
        "REKAP_DATA_DIR": str(tmp_path),
        "REKAP_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "REKAP_SECRET_KEY": SECRET,
        "REKAP_RUN_EMBEDDED_WORKER": "false",
        "REKAP_RATE_LIMIT_WRITE": "1000000/minute",
        "REKAP_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield f"http://127.0.0.1:{port}", url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _change(base: str, token: str, did: int, i: int) -> int:
    """One status change: even i through the API, odd i through the console's form."""
    status = STATUSES[i % len(STATUSES)]
    note = f"change {i}"
    with httpx.Client(base_url=base, timeout=60) as client:
        if i % 2 == 0:
            body = {"status": status, "note": note}
            headers = {"Authorization": f"Bearer {token}"}
            return client.patch(
                f"/api/v1/discrepancies/{did}", json=body, headers=headers
            ).status_code
        client.cookies.set(SESSION_COOKIE, token)
        client.cookies.set(CSRF_COOKIE, "csrf-race")
        form = {"status": status, "note": note, "csrf_token": "csrf-race"}
        resp = client.post(f"/discrepancies/{did}/status", data=form, headers={"HX-Request": "1"})
        return resp.status_code


def _history(engine: Engine, did: int) -> tuple[list[DiscrepancyEvent], Discrepancy]:
    with Session(engine) as session:
        stmt = select(DiscrepancyEvent).where(DiscrepancyEvent.discrepancy_id == did)
        history = list(session.exec(stmt.order_by(col(DiscrepancyEvent.id))))
        return history, session.get_one(Discrepancy, did)


def _assert_one_chain(history: list[DiscrepancyEvent], final: Discrepancy) -> None:
    previous = "open"
    for event in history:
        assert event.from_status == previous, [(e.from_status, e.to_status) for e in history]
        previous = event.to_status
    assert final.status == history[-1].to_status
    assert final.version == 1 + len(history)


def test_parallel_status_changes_form_one_chain(server: tuple[str, str]) -> None:
    base, url = server
    did, token = _seed(url)
    barrier = threading.Barrier(PARALLEL)
    answers: list[int] = []

    def worker(i: int) -> None:
        barrier.wait()
        answers.append(_change(base, token, did, i))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(answers) == PARALLEL
    assert not [a for a in answers if a >= 500], answers
    engine = build_engine(url)
    history, final = _history(engine, did)
    engine.dispose()
    assert len(history) == answers.count(200) == PARALLEL
    _assert_one_chain(history, final)


def test_the_service_serialises_without_a_request_start_write_lock(
    fresh_database: FreshDatabase,
) -> None:
    """session_scope begins a plain (deferred) transaction on SQLite: the service itself must
    take the lock before it reads the status it replaces."""
    url = fresh_database.create()
    upgrade_database(url=url)
    did, _ = _seed(url)
    engine = build_engine(url)
    auditor = Principal(kind="user", name="auditor", role="bawaslu", scopes=("16",))
    barrier = threading.Barrier(PARALLEL)
    failures: list[str] = []

    def worker(i: int) -> None:
        change = DiscrepancyPatch(status=STATUSES[i % len(STATUSES)], note=f"change {i}")
        barrier.wait()
        try:
            with session_scope(engine) as session:
                update_status(session=session, discrepancy_id=did, change=change,
                              principal=auditor)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 (any failure is the finding)
            failures.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    history, final = _history(engine, did)
    engine.dispose()
    assert failures == []
    assert len(history) == PARALLEL
    _assert_one_chain(history, final)


def test_a_stale_if_match_or_expected_status_is_409(
    client: TestClient, world: World, session: Session
) -> None:
    row = Discrepancy(identity="stale", rule="PASLON_SUM", severity="error", contest_id=GUB,
                      region_code=TPS_A1, tps_code=TPS_A1, message="m")  # fmt: skip
    session.add(row)
    session.commit()
    url = f"/api/v1/discrepancies/{row.id}"
    seen = client.get(url)
    assert seen.headers["ETag"] == '"1"' and seen.json()["version"] == 1
    first = client.patch(url, json={"status": "acknowledged"},
                         headers={**world.bawaslu, "If-Match": '"1"'})  # fmt: skip
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    late = client.patch(url, json={"status": "escalated"},
                        headers={**world.bawaslu, "If-Match": '"1"'})  # fmt: skip
    assert late.status_code == 409
    assert late.json()["error"] and "acknowledged" in late.json()["detail"]
    body = {"status": "escalated", "expected_status": "open"}
    assert client.patch(url, json=body, headers=world.bawaslu).status_code == 409
    body["expected_status"] = "acknowledged"
    ok = client.patch(url, json=body, headers={**world.bawaslu, "If-Match": 'W/"2"'})
    assert ok.status_code == 200 and ok.json()["version"] == 3
    junk = client.patch(url, json={"status": "open"}, headers={**world.bawaslu, "If-Match": "x"})
    assert junk.status_code == 422
    history = [(h["from_status"], h["to_status"]) for h in client.get(url).json()["history"]]
    assert history == [("open", "acknowledged"), ("acknowledged", "escalated")]
