"""Shared set-up of the photo benchmarks: a fresh SQLite database and store, a server, photos.

Every upload is the real 3.2 MB phone photo of a C.Hasil page 2 with a unique trailer after the
JPEG end marker, so each upload is new bytes (a new photo and job). The near-duplicate check is
switched off (REKAP_PHASH_MAX_DISTANCE=-1) because every one of them is the same picture; the
exact-bytes check and everything else run as in production.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from app.db import build_engine, session_scope
from app.models import Contest, Paslon, Region, Tps
from app.services.auth import create_user
from app.services.migrations import upgrade_database

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "tests/ocr/fixtures/real/ppwp-2024-hal2-photo-a.jpg"
PASSWORD = "bench password 123"
CONTEST = "ppwp-0"
DESA = "1671011001"
PG_ADMIN = os.environ.get("REKAP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def photo_bytes(i: int) -> bytes:
    """The real photo with a unique trailer: distinct bytes, the same picture."""
    return PHOTO.read_bytes() + f"rekap-bench-{i:06d}".encode()


def tps_code(i: int) -> str:
    """The i-th benchmark TPS (one desa, numbers 001..999)."""
    return f"{DESA}{i % 999 + 1:03d}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its reaped children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    """A one-line description of this machine and its load."""
    cpu = os.cpu_count()  # not `nproc`: it obeys OMP_THREAD_LIMIT
    load = os.getloadavg()[0]
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{cpu} cores ({model}), {os.uname().sysname} {os.uname().release}, load {load:.1f}"


@dataclass
class BenchSite:
    """A throwaway installation: database, queue, photo store, and the processes running it."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rekap-photo-bench-")))
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    port: int = 0
    backend: str = "sqlite"
    pg_name: str = ""

    @property
    def database_url(self) -> str:
        """SQLite file in the site's directory, or a throwaway PostgreSQL database."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.root / 'rekap.db'}"
        if not self.pg_name:
            self.pg_name = f"rekap_photo_bench_{uuid.uuid4().hex[:6]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + self.pg_name

    @property
    def env(self) -> dict[str, str]:
        """The settings every process of the site runs with."""
        return {
            **os.environ,
            "REKAP_DATABASE_URL": self.database_url,
            "REKAP_QUEUE_URL": f"sqlite:///{self.root / 'queue.db'}",
            "REKAP_STORAGE_URL": f"file://{self.root / 'photos'}",
            "REKAP_DATA_DIR": str(self.root),
            "REKAP_RUN_EMBEDDED_WORKER": "false",
            "REKAP_PHASH_MAX_DISTANCE": "-1",
            "REKAP_RATE_LIMIT_WRITE": "100000/minute",
            "REKAP_LOG_LEVEL": "WARNING",
            "OMP_THREAD_LIMIT": "1",
        }

    def create(self) -> None:
        """Migrate and seed: one desa with 999 TPS, the presidential contest, an admin."""
        url = self.env["REKAP_DATABASE_URL"]
        upgrade_database(url=url)
        engine = build_engine(url)
        with session_scope(engine) as s:
            for code, level, parent in (
                ("16", "provinsi", None),
                ("1671", "kabupaten", "16"),
                ("167101", "kecamatan", "1671"),
                (DESA, "desa", "167101"),
            ):
                s.add(Region(code=code, level=level, name=code, parent_code=parent))
                s.flush()
            for n in range(1, 1000):
                s.add(
                    Tps(
                        code=f"{DESA}{n:03d}",
                        number=n,
                        desa_code=DESA,
                        kecamatan_code="167101",
                        kabupaten_code="1671",
                        provinsi_code="16",
                        dpt=300,
                    )
                )
            s.add(Contest(id=CONTEST, code="ppwp", kind="presiden", region_code="0", name="PPWP"))
            s.flush()
            s.add_all(Paslon(contest_id=CONTEST, nomor_urut=i, nama=f"P{i}") for i in (1, 2, 3))
            create_user(
                session=s,
                username="bench",
                password=PASSWORD,
                role="admin",
                scopes=(),
                actor="bench",
            )
        engine.dispose()

    def start_server(self, workers: int = 1) -> str:
        """uvicorn on a free loopback port; returns the base URL once /healthz answers."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        self.procs.append(subprocess.Popen(cmd, env=self.env, cwd=ROOT))
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def start_worker(self, workers: int) -> None:
        """`rekap worker -w N` (process workers)."""
        argv = f"['rekap', 'worker', '-w', '{workers}']"
        code = f"import sys; from app.cli import main; sys.argv = {argv}; main()"
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-c", code], env=self.env, cwd=ROOT, start_new_session=True
            )
        )

    def token(self, base: str) -> dict[str, str]:
        """Auth headers of the bench admin."""
        resp = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}
        )
        resp.raise_for_status()
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    def stop(self) -> None:
        """Stop every process (SIGINT, then kill) and delete the site."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(2)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)
        if self.pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def upload(client: httpx.Client, base: str, headers: dict[str, str], i: int) -> httpx.Response:
    """POST one benchmark photo."""
    return client.post(
        f"{base}/api/v1/tps/{tps_code(i)}/photos",
        data={"contest_id": CONTEST, "page": "2"},
        files={"file": (f"p{i}.jpg", photo_bytes(i), "image/jpeg")},
        headers=headers,
        timeout=120,
    )
