"""Result posts per second: wrk on loopback against uvicorn (POST /tps/{tps}/results, the demo
loaded), on PostgreSQL and SQLite; and pgbench's plain insert rate as the ceiling.

    .venv/bin/python -m bench.verification_posts --backend postgres --seconds 20 --connections 16
    .venv/bin/python -m bench.verification_posts --backend sqlite
    .venv/bin/python -m bench.verification_posts --pgbench
    .venv/bin/python -m bench.verification_posts --get   (GET /discrepancies?region=, same server)
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlmodel import Session, select

from app.db import build_engine
from app.models import Tps
from bench.verification_common import (
    BENCH_PASSWORD,
    PG_ADMIN,
    ROOT,
    demo_database,
    drop_database,
    new_database,
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
LUA_GET = """
codes = {%s}
request = function()
  local kec = codes[math.random(1, #codes)]
  return wrk.format("GET", "/api/v1/discrepancies?limit=100&region=" .. kec)
end
"""
LUA = """
codes = {%s}
counter = 0
request = function()
  counter = counter + 1
  local tps = codes[(counter * 7919 + math.random(1, #codes)) %% #codes + 1]
  return wrk.format("POST", "/api/v1/tps/" .. tps .. "/results", wrk.headers, '%s')
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


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """uvicorn with the app on the given database; waits until /healthz answers."""
    env = os.environ | {
        "REKAP_DATABASE_URL": url,
        "REKAP_LOG_LEVEL": "WARNING",
        "REKAP_RATE_LIMIT_WRITE": "100000000/minute",
        "REKAP_RUN_EMBEDDED_WORKER": "false",
    }
    cmd = [
        str(ROOT / ".venv/bin/uvicorn"),
        "app.asgi:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
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
    port: int, bearer: str, codes: list[str], seconds: int, connections: int, get: bool = False
) -> str:
    """wrk output for POSTs of a consistent gubernur form to random demo TPS (or GETs of
    /discrepancies filtered by a random kecamatan or kabupaten)."""
    body = json.dumps({"contest_id": "pkwkp-16", "values": FORM})
    script = Path("/tmp/rekap_bench_posts.lua")
    if get:
        regions = sorted({c[:6] for c in codes} | {c[:4] for c in codes})
        script.write_text(LUA_GET % ",".join(f'"{r}"' for r in regions))
    else:
        script.write_text(LUA % (",".join(f'"{c}"' for c in codes), body))
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        "-H",
        f"Authorization: Bearer {bearer}",
        "-H",
        "Content-Type: application/json",
        f"http://127.0.0.1:{port}",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


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
        proc = start_server(url, args.port, args.workers)
        try:
            out = run_wrk(
                args.port, token(args.port), codes, args.seconds, args.connections, get=args.get
            )
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
        script = Path("/tmp/rekap_bench_pgbench.sql")
        script.write_text(PGBENCH_SQL % json.dumps(FORM))
        cmd = [
            "pgbench",
            "-n",
            "-c",
            str(args.connections),
            "-j",
            "2",
            "-T",
            str(args.seconds),
            "-f",
            str(script),
            url,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        print(out)
    finally:
        drop_database(url)


def main() -> None:
    """Parse arguments and run one benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument("--pgbench", action="store_true", help="run pgbench instead")
    parser.add_argument("--get", action="store_true", help="GET /discrepancies?region= instead")
    args = parser.parse_args()
    print(f"PG admin: {PG_ADMIN}", file=sys.stderr)
    (bench_pgbench if args.pgbench else bench_posts)(args)


if __name__ == "__main__":
    main()
