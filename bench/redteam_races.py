"""Attacks that need many requests at once: wrong sign-ins with a rotating X-Forwarded-For,
parallel status changes of one discrepancy, and idempotency replays (one by one and at once)."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlmodel import Session, col, select

from app.db import build_engine
from app.models import DiscrepancyEvent
from bench.redteam_cases import Campaign
from bench.redteam_site import ADMIN, PASSWORD, TPS_A, TPS_A2
from bench.redteam_world import FORM, result_body

SIGNIN_LIMIT = 10  # REKAP_RATE_LIMIT_SIGNIN's default, per client address and minute
Answers = list[httpx.Response | None]


def send(camp: Campaign, method: str, path: str, **kw: Any) -> httpx.Response | None:
    """One request on its own connection (None when no answer came back)."""
    camp.requests += 1
    try:
        with httpx.Client() as client:
            resp = client.request(method, camp.site.base + path, timeout=60, **kw)
    except httpx.TransportError:
        return None
    camp.remember(path, resp)
    return resp


def at_once(camp: Campaign, method: str, path: str, kws: list[dict[str, Any]]) -> Answers:
    """The same request shape sent by len(kws) threads at once."""
    with ThreadPoolExecutor(len(kws)) as pool:
        return list(pool.map(lambda kw: send(camp, method, path, **kw), kws))


def signin_with_rotating_forwarded_for(camp: Campaign, attempts: int = 30) -> None:
    """Wrong passwords at once, each claiming a new address; then the right one, 'new' again."""
    kws = [
        {
            "data": {"username": ADMIN, "password": f"guess {i}"},
            "headers": {"X-Forwarded-For": f"198.51.100.{i + 1}"},
        }
        for i in range(attempts)
    ]
    answers = at_once(camp, "POST", "/api/v1/auth/token", kws)
    judged = sum(1 for r in answers if r is not None and r.status_code == 401)
    leak = None
    if judged > SIGNIN_LIMIT:
        leak = f"{judged} of {attempts} wrong passwords judged, limit {SIGNIN_LIMIT}/min"
    camp.aggregate(
        f"signin: {attempts} wrong passwords at once, rotating X-Forwarded-For",
        "signin",
        answers,
        leak,
    )
    right = send(
        camp,
        "POST",
        "/api/v1/auth/token",
        data={"username": ADMIN, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    camp.judge(
        "signin: right password, 'new' X-Forwarded-For, right after",
        "signin",
        "refuse",
        right,
        None,
    )


def _history_problem(camp: Campaign, disc: int, accepted: int) -> str | None:
    """Why the status history does not account for every accepted change, or None."""
    with Session(build_engine(camp.site.url)) as session:
        events = session.exec(
            select(DiscrepancyEvent)
            .where(DiscrepancyEvent.discrepancy_id == disc)
            .order_by(col(DiscrepancyEvent.id))
        ).all()
    pairs = zip(events, events[1:], strict=False)
    broken = sum(1 for prev, e in pairs if e.from_status != prev.to_status)
    if broken or len(events) != accepted:
        return (
            f"{accepted} changes accepted, {len(events)} in the history, {broken} not starting "
            "from the status the one before left"
        )
    return None


def parallel_status_changes(camp: Campaign, writers: int = 8) -> None:
    """One discrepancy changed by several auditors at once: every accepted change is in the
    history, each starting from the status the one before left (no lost update)."""
    disc = camp.world.ids["disc_a"]
    cycle = ("acknowledged", "escalated", "dismissed", "open")
    headers = camp.world.auth("bawaslu")
    kws = [
        {"headers": headers, "json": {"status": cycle[i % 4], "note": f"auditor {i}"}}
        for i in range(writers)
    ]
    answers = at_once(camp, "PATCH", f"/api/v1/discrepancies/{disc}", kws)
    accepted = sum(1 for r in answers if r is not None and r.status_code == 200)
    name = f"race: {writers} status changes of one discrepancy at once"
    problem = _history_problem(camp, disc, accepted)
    if problem:
        camp.lost_updates.append(f"{name}: {problem}")
    camp.aggregate(name, "race", answers, None)


def idempotency_replays(camp: Campaign) -> None:
    """Replays of one key: same body → the first answer; other body or TPS → 409; at once →
    one submission."""
    ppk = camp.world.auth("ppk")
    body = result_body(FORM, "rt:idempotency one")
    path, key = f"/api/v1/tps/{TPS_A2}/results", ppk | {"Idempotency-Key": "rt-one"}
    first = send(camp, "POST", path, json=body, headers=key)
    camp.judge("idempotency: first post", "idempotency", "allow", first, None)
    again = send(camp, "POST", path, json=body, headers=key)
    replayed = (
        first is not None
        and again is not None
        and again.status_code == 200
        and again.json().get("submission_id") == first.json().get("submission_id")
    )
    if not replayed:
        camp.lost_updates.append("idempotency: a replay was not answered with the first answer")
    camp.judge("idempotency: replay gets the first answer", "idempotency", "allow", again, None)
    other = result_body(FORM | {"suara_tidak_sah": 9}, "rt:idempotency other")
    for name, where, what in (
        ("other body", path, other),
        ("other TPS", f"/api/v1/tps/{TPS_A}/results", body),
    ):
        resp = send(camp, "POST", where, json=what, headers=key)
        camp.judge(f"idempotency: same key, {name} → 409", "idempotency", "refuse", resp, None)
    _parallel_replays(camp, path, ppk)


def _parallel_replays(camp: Campaign, path: str, headers: dict[str, str], n: int = 8) -> None:
    body = result_body(FORM, "rt:idempotency at once")
    kws = [{"json": body, "headers": headers | {"Idempotency-Key": "rt-at-once"}}] * n
    answers = at_once(camp, "POST", path, kws)
    statuses = Counter(r.status_code for r in answers if r is not None)
    ids = {r.json()["submission_id"] for r in answers if r is not None and r.is_success}
    name = f"idempotency: {n} posts of one key at once"
    if statuses[201] != 1 or len(ids) != 1:
        camp.lost_updates.append(f"{name}: answered {dict(statuses)}, submission ids {sorted(ids)}")
    camp.aggregate(name, "idempotency", answers, None)
