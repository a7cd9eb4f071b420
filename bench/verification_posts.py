"""Result posts per second: wrk on loopback against uvicorn (POST /tps/{tps}/results, the demo
loaded), on PostgreSQL and SQLite, with `rekap worker` (recheck drainer, audit chainer) running;
CPU per post (app, PostgreSQL, worker) from /proc, SQL statements per post, the time until a
post's findings are stored (probes), and pgbench's rate for the same minimal durable post in the
same run (scripts/ensure-system-deps.sh bench installs wrk and pgbench).

The probes post every --probe-every seconds (0.1) to TPS wrk never touches, overlapping, and
time each from its send: the answer, the lease of its queue row, the row gone (findings stored);
probes in flight when the load stops are waited for, not dropped. Beside them: the queue's
length each second, the drainer's batches (sizes, seconds per phase, its thread's CPU, from its
DEBUG log), and the worker's threads' seconds on a CPU and waiting for one (schedstat).
--rate paces wrk (posts/s at most) to measure visibility at a load the machine can carry.
Every post sends the same partial form, which breaks three sums against the values the demo
stored for each TPS (every post flagged, the heavy case); --agreeing posts each TPS the values
stored for it instead (a second source that agrees: the usual post of election night).

    .venv/bin/python -m bench.verification_posts --backend postgres   (one command: all figures)
    .venv/bin/python -m bench.verification_posts --backend sqlite
    .venv/bin/python -m bench.verification_posts --backend postgres --rate 60
    .venv/bin/python -m bench.verification_posts --backend postgres --agreeing
    .venv/bin/python -m bench.verification_posts --plain --backend postgres --connections 16
    .venv/bin/python -m bench.verification_posts --backend sqlite
    .venv/bin/python -m bench.verification_posts --pgbench
    .venv/bin/python -m bench.verification_posts --get   (GET /discrepancies?region=, same server)
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import bindparam, text
from sqlmodel import Session, select

from app.db import build_engine
from app.models import Tps
from bench.verification_common import (
    BENCH_PASSWORD,
    PG_ADMIN,
    ROOT,
    StatementCounter,
    demo_database,
    drop_database,
    machine,
    new_database,
    stored_forms,
)

FORM = {
    "pemilih_dpt_l": 200,
    "pemilih_dpt_p": 210,
    "pemilih_dpt_j": 410,
    "pengguna_dpt_l": 150,
    "pengguna_dpt_p": 160,
    "pengguna_dpt_j": 310,
    "pengguna_total_l": 150,
    "pengguna_total_p": 160,
    "pengguna_total_j": 310,
    "suara_paslon_1": 150,
    "suara_paslon_2": 100,
    "suara_paslon_3": 52,
    "suara_sah": 302,
    "suara_tidak_sah": 8,
    "suara_total": 310,
}
# The fixed post's body (a TPS with no body of its own in --agreeing's bodies sends it too)
FORM_BODY = json.dumps({"contest_id": "pkwkp-16", "values": FORM})
PROBE_TPS = 400  # TPS wrk never posts to: the probes' own
LUA_GET = """
codes = {%s}
request = function()
  local kec = codes[math.random(1, #codes)]
  return wrk.format("GET", "/api/v1/discrepancies?limit=100&region=" .. kec)
end
"""
LUA = """
codes = {%s}
bodies = {%s}
form = '%s'
counter = 0
request = function()
  counter = counter + 1
  local i = (counter * 7919 + math.random(1, #codes)) %% #codes + 1
  local body = bodies[i] or form
  return wrk.format("POST", "/api/v1/tps/" .. codes[i] .. "/results", wrk.headers, body)
end
"""
PACE = """
delay = function()
  return %d
end
"""


def token(port: int) -> str:
    """Sign the bench admin in."""
    data = urllib.parse.urlencode({"username": "bench", "password": BENCH_PASSWORD}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/token", data=data)
    try:
        with urllib.request.urlopen(req) as resp:
            return str(json.load(resp)["access_token"])
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"sign-in failed: {exc.code} {exc.read().decode()}") from exc


def start_server(
    url: str,
    port: int,
    workers: int,
    http: str = "auto",
    loop: str = "auto",
    target: str = "app.asgi:app",
) -> subprocess.Popen[bytes]:
    """uvicorn with the app (`target`) on the given database (its HTTP parser and event loop as
    asked; "auto": httptools and uvloop when installed); waits until /healthz answers."""
    env = os.environ | {
        "REKAP_DATABASE_URL": url,
        "REKAP_LOG_LEVEL": "WARNING",
        "REKAP_RATE_LIMIT_WRITE": "100000000/minute",
        "REKAP_RUN_EMBEDDED_WORKER": "false",
    }
    cmd = [
        str(ROOT / ".venv/bin/uvicorn"),
        target,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--http",
        http,
        "--loop",
        loop,
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("uvicorn did not start")


def run_wrk(
    port: int,
    bearer: str,
    codes: list[str],
    seconds: int,
    connections: int,
    get: bool = False,
    rate: float | None = None,
    bodies: dict[str, str] | None = None,
) -> str:
    """wrk output for POSTs to random demo TPS, each of its body in `bodies` or else the fixed
    gubernur form (or GETs of /discrepancies filtered by a random kecamatan or kabupaten).
    With `rate`, each connection waits connections/rate seconds before its next request, so
    the offered rate is at most `rate` (less by the answers' own time)."""
    if get:
        regions = sorted({c[:6] for c in codes} | {c[:4] for c in codes})
        lua = LUA_GET % ",".join(f'"{r}"' for r in regions)
    else:
        given = bodies or {}
        lua = LUA % (
            ",".join(f'"{c}"' for c in codes),
            ",".join(f"'{given[c]}'" if c in given else "false" for c in codes),
            FORM_BODY,
        )
    if rate:
        lua += PACE % round(1000 * connections / rate)
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        "{script}",
        "-H",
        f"Authorization: Bearer {bearer}",
        "-H",
        "Content-Type: application/json",
        f"http://127.0.0.1:{port}",
    ]
    return run_with_script("rekap_bench_posts.lua", lua, cmd)


def run_with_script(name: str, body: str, command: list[str]) -> str:
    """Write `body` to /tmp/`name`, run `command` with "{script}" standing for its path, remove
    the file; the command's output."""
    script = Path("/tmp") / name
    script.write_text(body)
    try:
        cmd = [part.replace("{script}", str(script)) for part in command]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        script.unlink(missing_ok=True)


def summarize(out: str) -> dict[str, str]:
    """Requests/s, p50, p99 and errors from wrk's output."""
    grab = lambda pattern: m.group(1) if (m := re.search(pattern, out)) else "?"  # noqa: E731
    return {
        "rps": grab(r"Requests/sec:\s+([\d.]+)"),
        "p50": grab(r"50%\s+(\S+)"),
        "p99": grab(r"99%\s+(\S+)"),
        "non2xx": grab(r"Non-2xx or 3xx responses: (\d+)"),
        "requests": grab(r"(\d+) requests in"),
    }


def bench_posts(args: argparse.Namespace) -> None:
    """Load the demo, serve it, and hammer POST /tps/{tps}/results."""
    url = demo_database(args.backend, "posts")
    try:
        with Session(build_engine(url)) as session:
            codes = list(session.exec(select(Tps.code).where(Tps.provinsi_code == "16")))
        bodies = stored_forms(url, codes) if args.agreeing and not args.get else {}
        proc = start_server(url, args.port, args.workers, args.http, args.loop)
        try:
            out = run_wrk(
                args.port, token(args.port), codes, args.seconds, args.connections,
                get=args.get, bodies=bodies,
            )  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        print(out)
        print(
            json.dumps(
                {
                    "backend": args.backend,
                    "workers": args.workers,
                    "connections": args.connections,
                    "form": "agreeing" if bodies else "fixed",
                    "http": args.http,
                    "loop": args.loop,
                    **summarize(out),
                }
            )
        )
    finally:
        drop_database(url)


PGBENCH_SQL = """\\set tps random(1, 13206)
INSERT INTO submission (tps_code, contest_id, kecamatan_code, source, submitted_by,
  submitted_at, "values") VALUES (lpad(:tps::text, 13, '0'), 'pkwkp-16', '160101', 'ppk',
  'bench', now(), '%s');
"""


def bench_pgbench(args: argparse.Namespace) -> None:
    """pgbench: single-row inserts of a submission-shaped row (JSON values), no app."""
    url = new_database("postgres", "pgbench")
    try:
        ddl = (
            "CREATE TABLE submission (id serial PRIMARY KEY, tps_code varchar(13), "
            "contest_id varchar(20), kecamatan_code varchar(6), source varchar(20), "
            'submitted_by varchar(100), submitted_at timestamptz, "values" json);'
            "CREATE INDEX ON submission (tps_code); CREATE INDEX ON submission (kecamatan_code);"
        )
        subprocess.run(["psql", url, "-qc", ddl], check=True)
        cmd = ["pgbench", "-n", "-c", str(args.connections), "-j", "2", "-T", str(args.seconds),
               "-f", "{script}", url]  # fmt: skip
        out = run_with_script("rekap_bench_pgbench.sql", PGBENCH_SQL % json.dumps(FORM), cmd)
        print(out)
    finally:
        drop_database(url)


PGBENCH_POST = """\\set n random(1, %(n)d)
BEGIN;
SELECT code, kecamatan_code FROM tps WHERE code = lpad(:n::text, 13, '0');
SELECT id, source FROM submission WHERE tps_code = '%(tps)s' AND contest_id = 'pkwkp-16';
INSERT INTO submission (tps_code, contest_id, kecamatan_code, source, submitted_by, submitted_at,
  "values") VALUES ('%(tps)s', 'pkwkp-16', '%(kec)s', 'ppk', 'bench', now(), '%(form)s')
  RETURNING id;
INSERT INTO audit_outbox (at, actor, action, entity, entity_id, payload, content_hash)
  VALUES (now(), 'user:bench', 'submission.create', 'submission', '1', '%(form)s', '%(hash)s');
INSERT INTO recheck_queue (unit_kind, unit_code, contest_id, generation, enqueued_at)
  VALUES ('tps', lpad(:n::text, 13, '0'), 'pkwkp-16', 1, now())
  ON CONFLICT (unit_kind, unit_code, contest_id)
  DO UPDATE SET generation = recheck_queue.generation + 1;
COMMIT;
"""


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes, from /proc (clock ticks → seconds)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """pid and every process below it."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += tree(kid)
    return found


def schedstat(pids: list[int]) -> dict[int, tuple[float, float]]:
    """Per thread of the processes: seconds on a CPU and seconds runnable but waiting for one
    (/proc/<pid>/task/<tid>/schedstat)."""
    found = {}
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                run, wait, _ = (int(x) for x in (task / "schedstat").read_text().split())
            except (OSError, ValueError):
                continue
            found[int(task.name)] = (run / 1e9, wait / 1e9)
    return found


def worker_sched(sched: dict[int, tuple[float, float]]) -> dict[str, float]:
    """The busiest worker thread (the drainer under load) and the whole worker: seconds on a CPU
    and seconds waiting for one in the window."""
    if not sched:
        return {}
    run, wait = max(sched.values())
    return {
        "worker_busiest_thread_run_s": round(run, 2),
        "worker_busiest_thread_runqueue_s": round(wait, 2),
        "worker_run_s": round(sum(r for r, _ in sched.values()), 2),
        "worker_runqueue_s": round(sum(w for _, w in sched.values()), 2),
    }


def postgres_pids() -> list[int]:
    """Every process of the local PostgreSQL server (all databases: the machine is shared)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == "postgres":
                pids.append(int(stat.parent.name))
        except OSError:
            continue
    return pids


class PostgresCpu:
    """CPU seconds of every PostgreSQL process over a window, the backends that start in it
    included: a pool opens its connections as the load comes, so a list of the processes taken
    at the start misses most of them (the posts bench did so before 4 Dec 2026, session 9)."""

    def __init__(self) -> None:
        self.start = {pid: cpu_seconds([pid]) for pid in postgres_pids()}

    def seconds(self) -> float:
        """CPU since the start of every PostgreSQL process alive now."""
        return sum(cpu_seconds([pid]) - self.start.get(pid, 0.0) for pid in postgres_pids())


def statements_per_post(
    url: str, codes: list[str], bodies: dict[str, str], posts: int = 100
) -> float:
    """SQL statements the API runs per post (auth included), counted in-process."""
    os.environ["REKAP_DATABASE_URL"] = url
    os.environ["REKAP_RATE_LIMIT_WRITE"] = "100000000/minute"
    os.environ["REKAP_RUN_EMBEDDED_WORKER"] = "false"
    from fastapi.testclient import TestClient

    from app.config import get_settings
    from app.db import get_engine
    from app.main import create_app

    get_settings.cache_clear()
    get_engine.cache_clear()
    with TestClient(create_app()) as client:
        data = {"username": "bench", "password": BENCH_PASSWORD}
        bearer = client.post("/api/v1/auth/token", data=data).json()["access_token"]
        headers = {"Authorization": f"Bearer {bearer}"}
        headers["Content-Type"] = "application/json"
        warm = bodies.get(codes[0], FORM_BODY)
        client.post(f"/api/v1/tps/{codes[0]}/results", content=warm, headers=headers)
        counter = StatementCounter()
        try:
            for code in codes[1 : posts + 1]:
                body = bodies.get(code, FORM_BODY)
                resp = client.post(f"/api/v1/tps/{code}/results", content=body, headers=headers)
                assert resp.status_code == 201, resp.text
        finally:
            counter.stop()
    get_engine().dispose()
    return counter.n / posts


DRAIN_LOG = re.compile(r"recheck batch (.*)")


def queue_file() -> Path:
    """The workers' (idle) photo job queue, one SQLite file a run, removed at its end."""
    return Path(f"/tmp/rekap_bench_queue_{os.getpid()}.db")


def start_worker(url: str, drain_log: Path) -> subprocess.Popen[bytes]:
    """`rekap worker -w 1`: the recheck drainer and the audit chainer (photo reading idle); the
    drainer's per-batch timings (app/worker/recheck.py, DEBUG) go to `drain_log`."""
    env = os.environ | {
        "REKAP_DATABASE_URL": url,
        "REKAP_QUEUE_URL": f"sqlite:///{queue_file()}",
        "REKAP_OCR_ENGINE": "fake",
        "REKAP_LOG_LEVEL": "WARNING",
    }
    code = (
        "import logging, sys; from app.cli import main; "
        "log = logging.getLogger('app.worker.recheck'); log.setLevel(logging.DEBUG); "
        f"h = logging.FileHandler({str(drain_log)!r}); "
        "h.setFormatter(logging.Formatter('%(created).3f %(message)s')); "
        "log.addHandler(h); log.propagate = False; "
        "sys.argv = ['rekap', 'worker', '-w', '1']; main()"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, start_new_session=True)


def drain_summary(drain_log: Path, start: float, end: float) -> dict[str, object]:
    """The drainer's batches between start and end (epoch seconds): how many, their sizes, the
    seconds spent in each phase (app/services/recheck_queue.DrainTimings) and the oldest row's
    wait at its lease (p50, max)."""
    batches: list[dict[str, float]] = []
    for line in drain_log.read_text().splitlines() if drain_log.exists() else []:
        at, _, rest = line.partition(" ")
        if (m := DRAIN_LOG.match(rest)) and start <= float(at) <= end:
            batches.append({k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())})
    if not batches:
        return {"batches": 0}

    def total(key: str) -> float:
        return round(sum(b[key] for b in batches), 2)

    sizes = [b["leased"] for b in batches]
    waits = [b["oldest_wait"] for b in batches]
    return {
        "batches": len(batches),
        "units": int(sum(sizes)),
        "batch_mean": round(sum(sizes) / len(sizes), 1),
        "batch_max": int(max(sizes)),
        "seconds": {k: total(k) for k in ("lease", "lock", "verify", "finish", "commit", "cpu")},
        "oldest_wait_p50_s": round(percentile(waits, 50), 3),
        "oldest_wait_max_s": round(max(waits), 3),
    }


class Probes:
    """Posts to TPS wrk does not touch, every `every` seconds, each timed from the moment it is
    sent: the answer (committed), the lease of its queue row, the row gone (findings stored).
    A watcher reads the queue every 20 ms for every probe in flight, so probes overlap; probes
    still in flight when the load stops are waited for (up to 60 s), never dropped."""

    def __init__(
        self,
        url: str,
        port: int,
        bearer: str,
        codes: list[str],
        every: float,
        bodies: dict[str, str],
    ) -> None:
        self.url, self.port, self.bearer, self.codes, self.every = url, port, bearer, codes, every
        self.bodies = bodies
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent: dict[str, float] = {}  # code -> sent at (in flight)
        self.answered: dict[str, float] = {}
        self.leased: dict[str, float] = {}
        self.finished: list[tuple[float, float, float]] = []  # (answered, leased, visible)
        self.lost = 0
        self.threads = [
            threading.Thread(target=self._post, name="probe-post"),
            threading.Thread(target=self._watch, name="probe-watch"),
        ]
        self.backlog: list[int] = []

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _post(self) -> None:
        headers = {"Authorization": f"Bearer {self.bearer}", "Content-Type": "application/json"}
        for i in range(10**9):
            if self.stop.is_set():
                return
            code = self.codes[i % len(self.codes)]
            with self.lock:
                if code in self.sent:  # still in flight from the last round: skip it
                    continue
            req = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/api/v1/tps/{code}/results",
                data=self.bodies.get(code, FORM_BODY).encode(),
                method="POST", headers=headers,
            )  # fmt: skip
            started = time.perf_counter()
            with self.lock:
                self.sent[code] = started
            try:
                urllib.request.urlopen(req, timeout=30).read()
            except OSError:
                with self.lock:
                    del self.sent[code]
                    self.lost += 1
                continue
            with self.lock:
                self.answered[code] = time.perf_counter() - started
            self.stop.wait(max(0.0, self.every - (time.perf_counter() - started)))

    def _watch(self) -> None:
        engine = build_engine(self.url)
        stopped_at: float | None = None
        last_count = 0.0
        while True:
            now = time.perf_counter()
            if self.stop.is_set() and stopped_at is None:
                stopped_at = now
            with self.lock:
                pending = [c for c in self.sent if c in self.answered]
                idle = not self.sent and not self.threads[0].is_alive()  # no post in flight
            if stopped_at is not None and (idle or now - stopped_at > 60):
                break
            with engine.connect() as conn:
                if stopped_at is None and now - last_count >= 1.0:
                    last_count = now
                    n = conn.execute(text("SELECT count(*) FROM recheck_queue")).scalar_one()
                    self.backlog.append(int(n))
                rows: dict[str, bool] = (
                    dict(
                        conn.execute(
                            text(
                                "SELECT unit_code, leased_by IS NOT NULL FROM recheck_queue "
                                "WHERE unit_kind = 'tps' AND unit_code IN :codes"
                            ).bindparams(bindparam("codes", expanding=True)),
                            {"codes": pending},
                        ).all()
                    )
                    if pending
                    else {}
                )
            seen = time.perf_counter()
            with self.lock:
                for code in pending:
                    at = seen - self.sent[code]
                    if code not in rows:
                        self.finished.append(
                            (self.answered.pop(code), self.leased.pop(code, at), at)
                        )
                        del self.sent[code]
                    elif rows[code] and code not in self.leased:
                        self.leased[code] = at
            time.sleep(0.02)
        engine.dispose()

    def summary(self) -> dict[str, object]:
        answered = [a for a, _, _ in self.finished]
        waited = [max(0.0, leased - a) for a, leased, _ in self.finished]
        worked = [visible - leased for _, leased, visible in self.finished]
        visible = [v for _, _, v in self.finished]

        def p(xs: list[float], q: float) -> float:
            return round(percentile(xs, q), 3)

        return {
            "visible_probes": len(visible),
            "visible_unfinished": len(self.sent),
            "visible_lost_posts": self.lost,
            "visible_p50_s": p(visible, 50),
            "visible_p99_s": p(visible, 99),
            "visible_max_s": round(max(visible), 3) if visible else float("nan"),
            "probe_answer_p50_s": p(answered, 50),
            "probe_answer_p99_s": p(answered, 99),
            "probe_queued_p50_s": p(waited, 50),
            "probe_queued_p99_s": p(waited, 99),
            "probe_leased_to_done_p50_s": p(worked, 50),
            "probe_leased_to_done_p99_s": p(worked, 99),
            "backlog_max": max(self.backlog, default=0),
            "backlog_last": self.backlog[-1] if self.backlog else 0,
        }


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values; nan when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def bench_intake(args: argparse.Namespace) -> None:
    """One command: the demo loaded; statements per post; the API under wrk with the worker
    (recheck drainer + audit chainer) running; CPU per post from /proc; time to visible; and on
    PostgreSQL pgbench's rate for the same minimal durable post in the same run."""
    url = demo_database(args.backend, "intake")
    report: dict[str, object] = {"backend": args.backend, "machine": machine()}
    drain_log = Path(f"/tmp/rekap_bench_drain_{os.getpid()}.log")
    try:
        with Session(build_engine(url)) as session:
            codes = list(session.exec(select(Tps.code).where(Tps.provinsi_code == "16")))
        probes, codes = codes[:PROBE_TPS], codes[PROBE_TPS:]
        bodies = stored_forms(url, [*probes, *codes]) if args.agreeing else {}
        report["form"] = "agreeing" if args.agreeing else "fixed"
        report["statements_per_post"] = round(statements_per_post(url, codes[-200:], bodies), 1)
        drain_log.unlink(missing_ok=True)
        workers = [start_worker(url, drain_log) for _ in range(args.worker_processes)]
        if args.worker_nice is not None:
            # each worker's scheduling group (its own session): the weight it gets against the
            # API's and PostgreSQL's groups on a saturated machine; below 0 needs root
            for worker in workers:
                Path(f"/proc/{worker.pid}/autogroup").write_text(str(args.worker_nice))
        proc = start_server(url, args.port, args.workers, args.http, args.loop)
        try:
            bearer = token(args.port)
            app_pids = tree(proc.pid)
            pg_cpu = PostgresCpu() if args.backend == "postgres" else None
            load_before = os.getloadavg()[0]
            cpu_app = cpu_seconds(app_pids)
            worker_pids = [pid for worker in workers for pid in tree(worker.pid)]
            cpu_worker = cpu_seconds(worker_pids)
            prober = Probes(url, args.port, bearer, probes, args.probe_every, bodies)
            window = time.time()
            prober.start()
            sched = schedstat(worker_pids)
            out = run_wrk(
                args.port, bearer, codes, args.seconds, args.connections,
                rate=args.rate, bodies=bodies,
            )  # fmt: skip
            window_end = time.time()
            sched = {
                tid: (run - sched.get(tid, (0, 0))[0], wait - sched.get(tid, (0, 0))[1])
                for tid, (run, wait) in schedstat(worker_pids).items()
            }
            cpu_app = cpu_seconds(app_pids) - cpu_app
            cpu_pg = pg_cpu.seconds() if pg_cpu else 0.0
            cpu_worker = cpu_seconds(worker_pids) - cpu_worker
            prober.finish()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            for worker in workers:
                worker.terminate()  # a batch in hand may take a while on a loaded machine
            for worker in workers:
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, 9)
                    worker.wait()
        summary = summarize(out)
        posts = int(summary["requests"]) if summary["requests"] != "?" else 0
        report.update(
            http=args.http,
            loop=args.loop,
            connections=args.connections,
            workers=args.workers,
            seconds=args.seconds,
            load_before=round(load_before, 1),
            load_after=round(os.getloadavg()[0], 1),
            **summary,
            cpu_ms_app_per_post=round(1000 * cpu_app / max(posts, 1), 2),
            cpu_ms_postgres_per_post=round(1000 * cpu_pg / max(posts, 1), 2),
            cpu_ms_worker_per_post=round(1000 * cpu_worker / max(posts, 1), 2),
            rate_asked=args.rate,
            worker_processes=args.worker_processes,
            worker_nice=args.worker_nice,
            **worker_sched(sched),
            probe_every_s=args.probe_every,
            **prober.summary(),
            drainer=drain_summary(drain_log, window, window_end),
        )
        print(out)
        if args.backend == "postgres":
            report["pgbench"] = pgbench_post(url, codes[0], args)
        print(json.dumps(report))
    finally:
        drop_database(url)
        drop_database(f"sqlite:///{queue_file()}")  # with its -wal and -shm
        drain_log.unlink(missing_ok=True)


def pgbench_post(url: str, tps: str, args: argparse.Namespace) -> dict[str, str]:
    """pgbench with the intake's minimal durable post: 2 lookups, 3 inserts, 1 commit."""
    import hashlib

    with Session(build_engine(url)) as session:
        n = len(list(session.exec(select(Tps.code))))
    sql = PGBENCH_POST % {
        "n": n, "tps": tps, "kec": tps[:6], "form": json.dumps(FORM),
        "hash": hashlib.sha256(b"x").hexdigest(),
    }  # fmt: skip
    cmd = ["pgbench", "-n", "-c", str(args.connections), "-j", "2", "-T", str(args.seconds),
           "-f", "{script}", url.replace("postgresql+psycopg://", "postgresql://")]  # fmt: skip
    out = run_with_script("rekap_bench_post.sql", sql, cmd)
    print(out)
    grab = lambda pattern: m.group(1) if (m := re.search(pattern, out)) else "?"  # noqa: E731
    return {
        "tps": grab(r"tps = ([\d.]+)"),
        "latency_avg_ms": grab(r"latency average = ([\d.]+) ms"),
    }


def main() -> None:
    """Parse arguments and run one benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument("--pgbench", action="store_true", help="run pgbench instead")
    parser.add_argument("--get", action="store_true", help="GET /discrepancies?region= instead")
    parser.add_argument("--plain", action="store_true", help="wrk alone (no worker, no probes)")
    parser.add_argument(
        "--rate", type=float, help="pace wrk to at most this many posts/s (default: flat out)"
    )
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="`rekap worker`s (a drainer each)"
    )
    parser.add_argument(
        "--worker-nice", type=int, help="nice of the worker's scheduling group (autogroup)"
    )
    parser.add_argument("--probe-every", type=float, default=0.1, help="seconds between probes")
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto")
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto")
    parser.add_argument(
        "--agreeing",
        action="store_true",
        help="post each TPS the values stored for it (a second source agreeing: the usual post)",
    )
    args = parser.parse_args()
    print(f"PG admin: {PG_ADMIN}", file=sys.stderr)
    # Checked first: a load generator missing half way leaves the probe threads running. wrk
    # drives every run but --pgbench; pgbench runs alone or beside the API on PostgreSQL.
    needed = [] if args.pgbench else ["wrk"]
    if args.pgbench or (args.backend == "postgres" and not (args.get or args.plain)):
        needed.append("pgbench")
    missing = [t for t in needed if shutil.which(t) is None]
    if missing:
        raise SystemExit(
            f"{' and '.join(missing)} not found: scripts/ensure-system-deps.sh bench installs them"
        )
    if args.pgbench:
        bench_pgbench(args)
    elif args.get or args.plain:
        bench_posts(args)
    else:
        bench_intake(args)


if __name__ == "__main__":
    main()
