"""Does uvicorn with uvloop + httptools pay here? The API (one uvicorn process, SQLite with the
Sirekap sample imported) under a keep-alive load on GET /healthz and a results GET
(/api/v1/tps/3101011002013), with the default pure-Python stack (asyncio loop, h11) and with
uvloop + httptools, in turns A B A B so a drifting machine load hits both alike.

    .venv/bin/pip install --target /tmp/uvext uvloop httptools   # not project dependencies
    .venv/bin/python -m bench.uvicorn_loops --extra /tmp/uvext [--seconds 8 --connections 16]

The load generator is a small asyncio HTTP/1.1 client in its own process (wrk is not installed
here). Prints one JSON line: requests per second and p50/p99 latency per variant and path.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.processes import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "sirekap" / "sample_tingkat6_tps.zip"
PATHS = ("/healthz", "/api/v1/tps/3101011002013")


async def _client(port: int, path: str, until: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    errors = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        errors += not head.startswith(b"HTTP/1.1 200")
        latencies.append(time.perf_counter() - started)
    writer.close()
    return errors


def _load(port: int, path: str, seconds: float, connections: int, out: Any) -> None:
    async def run() -> tuple[list[float], int]:
        latencies: list[float] = []
        until = time.perf_counter() + seconds
        errors = await asyncio.gather(
            *(_client(port, path, until, latencies) for _ in range(connections))
        )
        return latencies, sum(errors)

    latencies, errors = asyncio.run(run())
    out.put((latencies, errors))


def measure(port: int, path: str, seconds: float, connections: int) -> dict[str, Any]:
    """Requests per second and latency percentiles of one load run (client in a process)."""
    queue: Any = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_load, args=(port, path, seconds, connections, queue))
    proc.start()
    latencies, errors = queue.get()
    proc.join()
    latencies.sort()
    return {
        "rps": round(len(latencies) / seconds),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
        "non_200": errors,
    }


def serve(env: dict[str, str], loop: str, http: str) -> tuple[subprocess.Popen[bytes], int]:
    """One uvicorn process on a free port, once /healthz answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", str(port), "--loop", loop,
           "--http", http, "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)

    def up() -> bool:
        try:
            import httpx

            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except Exception:
            return False

    wait_for("uvicorn", up, timeout=60)
    return proc, port


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extra", type=Path, required=True, help="where uvloop/httptools are")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    variants = {"asyncio+h11": ("asyncio", "h11", ""), "uvloop+httptools": ("uvloop", "httptools",
                str(args.extra.resolve()))}  # fmt: skip
    results: dict[str, Any] = {"load_1min_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="rekap-uv-") as work:
        base = {**os.environ, "REKAP_DATABASE_URL": f"sqlite:///{work}/rekap.db",
                "REKAP_DATA_DIR": work, "REKAP_RUN_EMBEDDED_WORKER": "false",
                "REKAP_LOG_LEVEL": "WARNING"}  # fmt: skip
        rekap = [sys.executable, "-c", "from app.cli import main; main()"]
        subprocess.run([*rekap, "db", "upgrade"], env=base, check=True, capture_output=True)
        subprocess.run([*rekap, "import", "sirekap", "--no-recheck", str(SAMPLE)], env=base,
                       check=True, capture_output=True)  # fmt: skip
        for _turn in range(2):
            for name, (loop, http, extra) in variants.items():
                env = {**base, "PYTHONPATH": extra} if extra else base
                proc, port = serve(env, loop, http)
                try:
                    for path in PATHS:
                        measure(port, path, 1.0, args.connections)  # warm-up
                        got = measure(port, path, args.seconds, args.connections)
                        results.setdefault(name, {}).setdefault(path, []).append(got)
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
    results["load_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
