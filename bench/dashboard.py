"""Province dashboard latency at the demo's size: the page a Bawaslu auditor of Sumatera
Selatan opens, and every contest switch (18 contests), served end to end by the app (sign-in
cookie, HTML rendering and charts included) on SQLite or PostgreSQL.

    .venv/bin/python -m bench.dashboard --backend sqlite
    .venv/bin/python -m bench.dashboard --backend postgres
"""

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings, get_settings
from app.db import build_engine, get_session
from app.main import create_app
from app.services.regions import list_contests
from app.web.security import CSRF_COOKIE
from bench.verification_common import BENCH_PASSWORD, demo_database, drop_database, machine

PROVINCE = "16"


def _client(url: str, data_dir: Path) -> tuple[TestClient, list[str]]:
    settings = Settings(
        database_url=url, data_dir=data_dir, storage_url=f"file://{data_dir / 'photos'}",
        queue_url=f"sqlite:///{data_dir / 'queue.db'}", run_embedded_worker=False,
        rate_limit_signin="1000/minute", signin_failure_delay=0.0,
        secret_key=secrets.token_urlsafe(48),
    )  # fmt: skip
    app = create_app(settings)
    engine = build_engine(url)

    def _session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session
            session.commit()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_settings] = lambda: settings
    client = TestClient(app)
    client.get("/signin")
    form = {"username": "bench", "password": BENCH_PASSWORD, "next": "/",
            "csrf_token": client.cookies.get(CSRF_COOKIE) or ""}  # fmt: skip
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
    with Session(engine) as session:
        contests = [c.id for c in list_contests(session=session) if c.region_code[:2] == PROVINCE]
    return client, contests


def _get(client: TestClient, path: str) -> float:
    started = time.perf_counter()
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return time.perf_counter() - started


def run(backend: str, rounds: int) -> dict[str, object]:
    """Median and worst page time of the province page and of each contest switch."""
    url = demo_database(backend, "dash")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            client, contests = _client(url, Path(tmp))
            _get(client, f"/dashboard/{PROVINCE}")  # warm: templates compiled, caches filled
            first, switches = [], []
            for _ in range(rounds):
                first.append(_get(client, f"/dashboard/{PROVINCE}"))
                switches += [_get(client, f"/dashboard/{PROVINCE}?contest={c}") for c in contests]
            client.close()
    finally:
        drop_database(url)
    ms = lambda xs: {"median_ms": round(statistics.median(xs) * 1000),  # noqa: E731
                     "max_ms": round(max(xs) * 1000)}  # fmt: skip
    return {"page": ms(first), "contest_switch": ms(switches), "switches": len(switches),
            "load": round(os.getloadavg()[0], 1), "machine": machine()}  # fmt: skip


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps({"backend": args.backend, **run(args.backend, args.rounds)}))


if __name__ == "__main__":
    main()
