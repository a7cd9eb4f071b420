"""The result post's short path (app/api/lean_intake.py) answers exactly as the FastAPI route.

Every request of a scenario (valid posts, replays, corrections and each way a post is refused)
is sent twice, once with the short path and once with it switched off, from the same database
state (a savepoint rolled back between the two): the answers (ids renumbered in order of
appearance, times masked) and what each run stored must be equal.
"""

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlmodel import Session
from starlette.responses import Response

import app.api.lean_intake as lean
from app.config import Settings
from tests.verification.conftest import GUB, GUB_FORM, TPS_A1, TPS_A2, TPS_OTHER, WALI, World

URL = f"/api/v1/tps/{TPS_A1}/results"
ID_KEYS = frozenset({"id", "submission_id", "corrects", "supersedes_id"})
TIME_KEYS = frozenset({"first_seen", "last_seen", "submitted_at"})
STORED = ("submission", "audit_outbox", "recheck_queue", "idempotency_record")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The TPS codes the short path stored a result for, in order."""
    seen: list[str] = []
    real = lean.result_answer

    def spy(session: Any, tps: str, *args: Any) -> Any:
        seen.append(tps)
        return real(session, tps, *args)

    monkeypatch.setattr(lean, "result_answer", spy)
    return seen


def test_the_short_path_answers_result_posts_unless_switched_off(
    client: TestClient, world: World, settings: Settings, calls: list[str]
) -> None:
    body = {"contest_id": GUB, "values": GUB_FORM}
    assert client.post(URL, json=body, headers=world.ppk).status_code == 201
    assert calls == [TPS_A1]
    settings.lean_intake = False
    assert client.post(URL, json=body, headers=world.ppk).status_code == 201
    assert calls == [TPS_A1]  # the route answered
    settings.lean_intake = True
    # a body the route must word its own 422 for is passed to it, untouched
    bad = {"contest_id": GUB, "values": {}, "colour": "red"}
    answer = client.post(URL, json=bad, headers=world.ppk)
    assert answer.status_code == 422
    assert set(answer.json()["fields"]) == {"values", "colour"}
    assert calls == [TPS_A1]


def _scenario(world: World) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, httpx request arguments) of each request; `{first}` is the first post's id."""
    ok = {"contest_id": GUB, "values": GUB_FORM}
    ppk, kpps, admin, bawaslu = world.ppk, world.kpps, world.admin, world.bawaslu
    yield URL, {"json": ok, "headers": ppk}
    yield URL, {"json": ok, "headers": {**kpps, "Idempotency-Key": "k-1"}}
    yield URL, {"json": ok, "headers": {**kpps, "Idempotency-Key": "k-1"}}  # replay: 200
    changed = {**ok, "values": {**GUB_FORM, "suara_sah": 1}}
    yield URL, {"json": changed, "headers": {**kpps, "Idempotency-Key": "k-1"}}  # 409
    yield URL, {"json": {**ok, "corrects": "{first}", "reason": "salah tulis"}, "headers": ppk}
    yield URL, {"json": {**ok, "corrects": "{first}"}, "headers": kpps}  # not its own: 403
    yield URL, {"json": {**ok, "source": "plenary"}, "headers": kpps}  # a device as plenary
    yield URL, {"json": {**ok, "source": "plenary"}, "headers": admin}  # no reason: 422
    yield URL, {"json": {**ok, "corrects": 999_999}, "headers": ppk}  # unknown: 422
    yield URL, {"json": {**ok, "contest_id": "pkwkp-99"}, "headers": ppk}
    yield URL, {"json": {**ok, "contest_id": WALI}, "headers": ppk}  # 2 paslon: field refused
    yield URL, {"json": {**ok, "values": {**GUB_FORM, "suara_sah": 1000}}, "headers": ppk}
    yield URL, {"json": {**ok, "values": {"suara_sah": -1, "x": 1}}, "headers": ppk}
    yield (
        URL,
        {"content": b'{"contest_id": ', "headers": {**ppk, "content-type": "application/json"}},
    )
    yield URL, {"content": b"contest_id=x", "headers": {**ppk, "content-type": "text/plain"}}
    yield URL, {"json": ok, "headers": {}}  # 401
    yield URL, {"json": ok, "headers": {"Authorization": "Bearer not-a-token"}}
    yield URL, {"json": ok, "headers": {"X-API-Key": "no-such-key"}}
    yield URL, {"json": ok, "headers": bawaslu}  # an auditor does not write: 403
    yield f"/api/v1/tps/{TPS_A2}/results", {"json": ok, "headers": kpps}  # not its TPS
    yield f"/api/v1/tps/{TPS_OTHER}/results", {"json": ok, "headers": ppk}  # another kecamatan
    yield "/api/v1/tps/1671011001999/results", {"json": ok, "headers": admin}  # no such TPS
    yield "/api/v1/tps/16710%0A1/results", {"json": ok, "headers": admin}  # control character
    yield f"{URL}?dry=1", {"json": ok, "headers": ppk}
    yield URL, {"json": ok, "headers": {**ppk, "Idempotency-Key": "k" * 201}}
    yield URL, {"json": ok, "headers": {**ppk, "Idempotency-Key": "k" * 200}}


def _renumbered(value: Any, ids: dict[tuple[str, int], int]) -> Any:
    """Ids replaced by their order of appearance (per kind of row), times by a mark."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in TIME_KEYS and v is not None:
                out[k] = "<time>"
            elif k in ID_KEYS and isinstance(v, int):
                kind = value.get("kind", "row") if k == "id" else "submission"
                out[k] = ids.setdefault((kind, v), len(ids))
            else:
                out[k] = _renumbered(v, ids)
        return out
    if isinstance(value, list | tuple):
        return [_renumbered(v, ids) for v in value]
    return value


def _stored(session: Session) -> dict[str, int]:
    return {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in STORED}


def _run(client: TestClient, world: World, session: Session) -> list[Any]:
    """Send the scenario; every answer, renumbered, then the rows stored by it."""
    before = _stored(session)
    answers: list[Any] = []
    first: int | None = None
    ids: dict[tuple[str, int], int] = {}
    for path, args in _scenario(world):
        if "json" in args and args["json"].get("corrects") == "{first}":
            args = {**args, "json": {**args["json"], "corrects": first}}
        resp = client.post(path, **args)
        body = resp.json()
        if first is None and resp.status_code == 201:
            first = body["submission_id"]
        answers.append((path, resp.status_code, resp.headers.get("content-type"), body))
    after = _stored(session)
    return [*_renumbered(answers, ids), {t: after[t] - before[t] for t in STORED}]


def test_the_short_path_answers_every_post_as_the_route_does(
    client: TestClient, world: World, session: Session, settings: Settings, calls: list[str]
) -> None:
    runs = []
    for short in (True, False):
        settings.lean_intake = short
        session.commit()  # the session's own savepoint ends; ours holds each run's writes
        connection = session.bind
        assert isinstance(connection, Connection)
        point = connection.begin_nested()
        runs.append(_run(client, world, session))
        session.commit()
        point.rollback()
        session.expire_all()
    short_path, route = runs
    assert [a[:3] for a in short_path[:-1]] == [a[:3] for a in route[:-1]]
    assert short_path == route
    statuses = [a[1] for a in route[:-1]]
    assert statuses.count(201) == 5 and {200, 401, 403, 404, 409, 422} <= set(statuses)
    assert short_path[-1]["submission"] == 5 and short_path[-1]["idempotency_record"] == 2
    assert calls  # the short path did answer in the first run


def test_a_post_the_short_path_cannot_commit_leaves_nothing(
    client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error after the submission was inserted (here: the queue row) rolls it all back and
    is answered by the app's handlers, as in the route."""

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr("app.services.intake.enqueue", broken)
    before = _stored(session)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    resp = quiet.post(URL, json={"contest_id": GUB, "values": GUB_FORM}, headers=world.ppk)
    assert resp.status_code == 500
    assert _stored(session) == before


@pytest.mark.parametrize("threads", [1, 3])
def test_posts_are_worked_on_at_most_intake_threads_at_once(
    client: TestClient,
    world: World,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    threads: int,
) -> None:
    """REKAP_INTAKE_THREADS bounds the posts a process works on at once; the others wait for
    their turn and are answered."""
    settings.intake_threads = threads
    guard = threading.Lock()
    busy, most = 0, 0

    def work(*_: Any) -> Response:
        nonlocal busy, most
        with guard:
            busy += 1
            most = max(most, busy)
        time.sleep(0.05)
        with guard:
            busy -= 1
        return Response(status_code=201)

    monkeypatch.setattr(lean, "_answer", work)
    body = {"contest_id": GUB, "values": GUB_FORM}

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            posts = [http.post(URL, json=body, headers=world.ppk) for _ in range(8)]
            return [answer.status_code for answer in await asyncio.gather(*posts)]

    assert anyio.run(burst) == [201] * 8
    assert most == threads
