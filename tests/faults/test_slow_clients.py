"""Slow and hostile clients against a real uvicorn on a fresh database of the backend under test:
a photo upload stalled mid-body and a burst of wrong sign-ins must not hold up another device's
result post (on SQLite: no request holds the write lock while it waits on its client)."""

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.db import build_engine, session_scope
from app.services.auth import create_device_key, create_user
from app.services.migrations import upgrade_database
from tests.conftest import FreshDatabase
from tests.domain.forms import BASE
from tests.factories import PASSWORD
from tests.photos.conftest import GUB, KEC_A, KEC_B, TPS_A, TPS_C, make_jpeg, seed_regions
from tests.processes import Env, free_port

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)  # the measured figures, shown with -rA or on failure
STALL_SECONDS = 8.0
STALLED = 31  # more than the pool's connections (SQLite 5 + 10, PostgreSQL 10 + 20)
BOUNDARY = "stalled-upload-boundary"
# More sign-ins waiting out their back-off at once than the SQLite pool has connections (5 + 10).
SIGN_INS, SIGNIN_LIMIT = 25, 20


@dataclass(frozen=True)
class Live:
    """A running server, an uploading device (KEC_A) and a posting device (KEC_B)."""

    base: str
    port: int
    uploader: str
    poster: str
    client: httpx.Client  # one, shared by the test's threads: a new one per request costs CPU


def _seed(url: str) -> tuple[str, str]:
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_regions(session)
        create_user(session=session, username="ana", password=PASSWORD, role="admin",
                    scopes=(), actor="test")  # fmt: skip
        keys = [
            create_device_key(session=session, region_code=kec, label=kec, actor="test").secret
            for kec in (KEC_A, KEC_B)
        ]
    engine.dispose()
    return keys[0], keys[1]


@pytest.fixture
def live(fresh_database: FreshDatabase, tmp_path: Path) -> Iterator[Live]:
    url = fresh_database.create()
    uploader, poster = _seed(url)
    env = Env(url, f"sqlite:///{tmp_path / 'queue.db'}", tmp_path)
    env.vars.update(
        REKAP_SQLITE_BUSY_TIMEOUT="20",  # longer than the stall: a blocked post would wait it out
        REKAP_RATE_LIMIT_SIGNIN=f"{SIGNIN_LIMIT}/minute",
        REKAP_SIGNIN_FAILURE_DELAY="0.25",  # failures wait 0.25, 0.5, 1, 2, then 4 s each
    )
    port = free_port()
    env.start_server(port)
    with httpx.Client(timeout=60) as client:
        yield Live(f"http://127.0.0.1:{port}", port, uploader, poster, client)
    env.kill_all()


def _multipart(photo: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="contest_id"\r\n\r\n{GUB}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c1.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + photo + f"\r\n--{BOUNDARY}--\r\n".encode()


def _post_result(live: Live, tps: str = TPS_C) -> tuple[int, float]:
    started = time.monotonic()
    resp = live.client.post(
        f"{live.base}/api/v1/tps/{tps}/results",
        json={"contest_id": GUB, "values": BASE},
        headers={"X-API-Key": live.poster},
    )
    return resp.status_code, time.monotonic() - started


def _start_upload(live: Live, seed: int) -> tuple[socket.socket, bytes]:
    """A phone that sent the headers and the first KiB of its photo, then lost its signal."""
    body = _multipart(make_jpeg(seed=seed, size=(640, 480)))
    head = (
        f"POST /api/v1/tps/{TPS_A}/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-API-Key: {live.uploader}\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
    ).encode()
    upload = socket.create_connection(("127.0.0.1", live.port), timeout=30)
    upload.sendall(head + body[:1024])
    return upload, body[1024:]


def test_stalled_uploads_do_not_block_another_devices_post(live: Live) -> None:
    uploads = [_start_upload(live, seed) for seed in range(STALLED)]
    try:
        time.sleep(0.5)  # the server has every request and waits in the middle of its body
        with ThreadPoolExecutor(1) as pool:
            post = pool.submit(_post_result, live)
            done_while_stalled = _wait(post, STALL_SECONDS)
            for upload, rest in uploads:
                upload.sendall(rest)  # the signal comes back: every upload completes
            status, seconds = post.result()
        answers = [upload.recv(4096).decode("latin-1") for upload, _ in uploads]
    finally:
        for upload, _ in uploads:
            upload.close()
    log.warning("result post during %d stalled uploads: %s in %.2f s", STALLED, status, seconds)
    assert status == 201
    assert done_while_stalled, f"the post waited for the stalled uploads ({seconds:.1f} s)"
    assert all(a.startswith("HTTP/1.1 202") for a in answers), [a[:40] for a in answers]


def _wait(future: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if future.done():  # type: ignore[attr-defined]
            return True
        time.sleep(0.05)
    return False


def test_wrong_sign_ins_in_parallel_are_429_not_5xx_and_do_not_delay_posts(live: Live) -> None:
    def wrong_sign_in(_: int) -> int:
        resp = live.client.post(
            f"{live.base}/api/v1/auth/token",
            data={"username": "ana", "password": "wrong password"},
        )
        return resp.status_code

    burst_done = threading.Event()
    posts: list[tuple[int, float]] = []

    def post_during_burst() -> None:
        time.sleep(1.0)  # the first failures are waiting out their back-off now
        while not burst_done.is_set():
            posts.append(_post_result(live))

    assert _post_result(live)[0] == 201  # warm-up: the server's first post builds its caches
    poster = threading.Thread(target=post_during_burst)
    poster.start()
    with ThreadPoolExecutor(SIGN_INS) as pool:
        statuses = list(pool.map(wrong_sign_in, range(SIGN_INS)))
    burst_done.set()
    poster.join()
    log.warning("%d wrong sign-ins: %s; posts: %s", SIGN_INS, Counter(statuses), posts)
    assert all(s < 500 for s in statuses), statuses
    assert Counter(statuses) == {401: SIGNIN_LIMIT, 429: SIGN_INS - SIGNIN_LIMIT}, statuses
    assert posts and all(status == 201 for status, _ in posts), posts
    # Back-off waits (up to 4 s here) are the sign-in's own: no post queues behind one.
    slowest = max(seconds for _, seconds in posts)
    assert slowest < 2.0, f"a post waited {slowest:.1f} s behind the sign-in back-off"
