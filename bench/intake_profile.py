"""CPU of one result post, in-process: N posts driven straight through the ASGI app (no HTTP
server, no client library), on the loaded demo, then the recheck drainer and the audit chainer
run over what they left. Reports CPU per post of this process and of its PostgreSQL backends
(from /proc), SQL statements per post and the same for the drain and the chain; `--profile`
writes a cProfile of the posts in CPU time (and prints the top functions).

    .venv/bin/python -m bench.intake_profile --backend postgres --posts 400
    .venv/bin/python -m bench.intake_profile --backend postgres --posts 400 --profile /tmp/p.prof
    .venv/bin/python -m bench.intake_profile --backend postgres --posts 1200 --drain-batch 32 \
        --profile-drain /tmp/d.prof      (the same for the recheck drainer's batches)
    .venv/bin/python -m bench.intake_profile --keep            (print the database URL, keep it)
    .venv/bin/python -m bench.intake_profile --url postgresql://...   (reuse a kept database)

Wall time is not reported as a rate: on a shared machine it measures the other jobs. The CPU
figures are what a post costs (the app's and the database's, both single-threaded here).
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
from typing import Any

import psycopg
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import select as sm_select

from app.db import build_engine, session_scope
from app.models import Tps
from bench.verification_common import (
    BENCH_PASSWORD,
    StatementCounter,
    demo_database,
    drop_database,
    machine,
    stored_forms,
    without_dhasil,
)
from bench.verification_posts import FORM_BODY, cpu_seconds


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the database (the app's and the workers' connections)."""
    if not url.startswith("postgres"):
        return []
    name = url.rsplit("/", 1)[1]
    plain = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [int(r[0]) for r in rows]


async def asgi_call(
    app: Any, method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes]:
    """One request through the ASGI app as a server would make it; (status, body)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"bench"), (b"content-length",
        str(len(body)).encode()), *headers], "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80), "state": {},
    }  # fmt: skip
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def sign_in(app: Any) -> str:
    """The bench admin's bearer token."""
    form = b"username=bench&password=" + BENCH_PASSWORD.replace(" ", "+").encode()
    ctype = (b"content-type", b"application/x-www-form-urlencoded")
    status, answer = await asgi_call(app, "POST", "/api/v1/auth/token", form, [ctype])
    assert status == 200, answer
    return str(json.loads(answer)["access_token"])


async def post_all(
    app: Any, bearer: str, codes: list[str], bodies: dict[str, str]
) -> list[tuple[int, bytes]]:
    """Post to each TPS in turn its body in `bodies` (else the fixed gubernur form); the
    answers."""
    headers = [(b"authorization", f"Bearer {bearer}".encode()),
               (b"content-type", b"application/json")]  # fmt: skip
    out = []
    for code in codes:
        body = bodies.get(code, FORM_BODY).encode()
        out.append(await asgi_call(app, "POST", f"/api/v1/tps/{code}/results", body, headers))
    return out


def inline_threads() -> None:
    """Run what FastAPI sends to its thread pool on the event loop's thread instead, so
    cProfile (which sees one thread) sees the whole request. Only with --profile: the thread
    hops' own cost is then missing from the profile (not from the CPU figures without it)."""
    import anyio.to_thread

    async def run_sync(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


def write_profile(profiler: cProfile.Profile, path: str) -> None:
    """Write the profile to `path` and print its top functions (cumulative, then own time)."""
    profiler.dump_stats(path)
    pstats.Stats(path, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    pstats.Stats(path, stream=sys.stderr).sort_stats("tottime").print_stats(30)


def run_posts(
    url: str, codes: list[str], warm: int, profile: str | None, bodies: dict[str, str]
) -> dict[str, Any]:
    """Warm up, then post to each code (its body in `bodies`, else the fixed form); CPU and
    statements per post."""
    os.environ |= {
        "REKAP_DATABASE_URL": url,
        "REKAP_RATE_LIMIT_WRITE": "100000000/minute",
        "REKAP_RUN_EMBEDDED_WORKER": "false",
        "REKAP_LOG_LEVEL": "WARNING",
    }
    from app.config import get_settings
    from app.db import get_engine
    from app.main import create_app

    get_settings.cache_clear()
    get_engine.cache_clear()
    app = create_app()
    bearer = asyncio.run(sign_in(app))
    # warm: caches, pool, imports
    answers = asyncio.run(post_all(app, bearer, codes[:warm], bodies))
    assert all(s == 201 for s, _ in answers), answers[:1]
    counter = StatementCounter()
    pids = backend_pids(url)
    cpu_db, cpu, wall = cpu_seconds(pids), time.process_time(), time.perf_counter()
    profiler = cProfile.Profile(time.thread_time) if profile else None
    if profiler:
        inline_threads()
        profiler.enable()
    answers = asyncio.run(post_all(app, bearer, codes[warm:], bodies))
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    cpu_db = cpu_seconds(pids) - cpu_db
    bad = [a for a in answers if a[0] != 201]
    assert not bad, bad[:1]
    counter.stop()
    n = len(answers)
    if profiler and profile:
        write_profile(profiler, profile)
    get_engine().dispose()
    return {
        "posts": n,
        "statements_per_post": round(counter.n / n, 2),
        "cpu_ms_app_per_post": round(1000 * cpu / n, 3),
        "cpu_ms_postgres_per_post": round(1000 * cpu_db / n, 3),
        "wall_ms_per_post": round(1000 * wall / n, 3),
        "sample_answer": json.loads(answers[-1][1]),
    }


def run_worker(
    url: str, posts: int, batch: int | None = None, profile: str | None = None
) -> dict[str, Any]:
    """Drain the recheck queue and chain the outbox as `rekap worker` does (its batch sizes);
    CPU per post of each, this process and the database backends. `profile`: a cProfile of the
    drain (CPU time) written there, its top functions printed."""
    from app.config import get_settings
    from app.services.audit_chainer import Chainer
    from app.services.recheck_queue import drain_rechecks, drainer_name

    settings = get_settings()
    engine = build_engine(url)
    out: dict[str, Any] = {}
    with session_scope(engine) as session:  # open the pool's connection before measuring
        session.execute(select(1))
    for what in ("drainer", "chainer"):
        counter = StatementCounter()
        pids = backend_pids(url)
        cpu_db, cpu = cpu_seconds(pids), time.process_time()
        if what == "drainer":
            name = drainer_name()
            size = batch or settings.recheck_batch
            profiler = cProfile.Profile(time.process_time) if profile else None
            if profiler:
                profiler.enable()
            while drain_rechecks(lambda: session_scope(engine), size, drainer=name).leased:
                pass
            if profiler and profile:
                profiler.disable()
                write_profile(profiler, profile)
        else:
            Chainer(engine, batch=settings.audit_chain_batch).drain(timeout=10)
        cpu, cpu_db = time.process_time() - cpu, cpu_seconds(pids) - cpu_db
        counter.stop()
        out[f"{what}_cpu_ms_per_post"] = round(1000 * cpu / posts, 3)
        out[f"{what}_cpu_ms_postgres_per_post"] = round(1000 * cpu_db / posts, 3)
        out[f"{what}_statements_per_post"] = round(counter.n / posts, 2)
    engine.dispose()
    return out


def main() -> None:
    """Parse arguments, load (or reuse) the demo, measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--offset", type=int, default=0, help="skip this many TPS (reused db)")
    parser.add_argument("--url", help="a demo database kept by --keep")
    parser.add_argument("--keep", action="store_true", help="keep the database, print its URL")
    parser.add_argument("--profile", help="write a cProfile of the posts to this file")
    parser.add_argument("--profile-drain", help="write a cProfile of the drain to this file")
    parser.add_argument("--no-worker", action="store_true", help="skip the drain and the chain")
    parser.add_argument("--drain-batch", type=int, help="units a drain batch (REKAP_RECHECK_BATCH)")
    parser.add_argument("--no-dhasil", action="store_true", help="no D.Hasil (election night)")
    parser.add_argument(
        "--agreeing",
        action="store_true",
        help="post each TPS the values stored for it (a second source agreeing: no finding)",
    )
    args = parser.parse_args()
    url = args.url or demo_database(args.backend, "profile")
    if args.no_dhasil:
        without_dhasil(url)
    if args.keep:
        print(f"database: {url}", file=sys.stderr)
    try:
        engine = build_engine(url)
        with Session(engine) as session:
            codes = list(
                session.exec(
                    sm_select(Tps.code).where(Tps.provinsi_code == "16").order_by(Tps.code)
                )  # type: ignore[arg-type]
            )
        engine.dispose()
        codes = codes[args.offset : args.offset + args.warm + args.posts]
        load_before = os.getloadavg()
        report: dict[str, Any] = {"backend": args.backend, "machine": machine()}
        bodies = stored_forms(url, codes) if args.agreeing else {}
        report["form"] = "agreeing" if args.agreeing else "fixed"
        report |= run_posts(url, codes, args.warm, args.profile, bodies)
        if not args.no_worker:
            report |= run_worker(url, args.warm + args.posts, args.drain_batch, args.profile_drain)
            report["drain_batch"] = args.drain_batch
        report["load_before"] = [round(x, 1) for x in load_before]
        report["load_after"] = [round(x, 1) for x in os.getloadavg()]
        sample = report.pop("sample_answer")
        print(json.dumps(report))
        print(json.dumps(sample), file=sys.stderr)
    finally:
        if not args.keep and not args.url:
            drop_database(url)


if __name__ == "__main__":
    main()
