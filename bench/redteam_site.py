"""The red-team campaign's target: a fresh database with a small region set, the service run the
way an operator runs it (`rekap serve`, no REKAP_SECRET_KEY set), on loopback only.

Two kecamatan of Palembang (A: 12 TPS, B: 3 TPS), the governor and presidential contests.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlmodel import Session

from app.db import build_engine, session_scope
from app.models import Contest, Paslon, Region, Tps
from app.services.importers import tps_row
from app.services.migrations import upgrade_database
from bench.verification_common import ROOT, drop_database, new_database

KEC_A, KEC_B = "167101", "167102"
DESA_A, DESA_B = "1671011001", "1671021001"
TPS_A, TPS_A2 = f"{DESA_A}001", f"{DESA_A}002"
TPS_DISC = f"{DESA_A}005"  # holds only the discrepancy the status races change
BURST_TPS = [f"{DESA_A}{n:03d}" for n in range(6, 13)]
TPS_C = f"{DESA_B}001"
GUB, PRESIDEN = "pkwkp-16", "ppwp-0"
ADMIN, PASSWORD = "rt-admin", "red team password 123"


@dataclass
class Site:
    """A throwaway installation: its directory, database and the server process."""

    backend: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rekap-redteam-")))
    url: str = ""
    port: int = 0
    server: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Settings of every process: reads need an identity, so read scopes are exercised."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("REKAP_")}
        return env | {
            "REKAP_DATABASE_URL": self.url,
            "REKAP_DATA_DIR": str(self.root),
            "REKAP_QUEUE_URL": f"sqlite:///{self.root / 'queue.db'}",
            "REKAP_STORAGE_URL": f"file://{self.root / 'photos'}",
            "REKAP_RUN_EMBEDDED_WORKER": "false",
            "REKAP_PUBLIC_READ": "false",
            # Writes are not what is limited here (every case would be a 429); sign-ins keep
            # their default limit, 10/minute, which the X-Forwarded-For case attacks.
            "REKAP_RATE_LIMIT_WRITE": "1000000/minute",
            "REKAP_SIGNIN_FAILURE_DELAY": "0.05",
            "REKAP_LOG_LEVEL": "WARNING",
            "OMP_THREAD_LIMIT": "1",
        }

    def create(self) -> None:
        """Migrate, seed the regions and contests, and create the admin with the CLI."""
        self.url = new_database(self.backend, "redteam")
        upgrade_database(url=self.url)
        engine = build_engine(self.url)
        with session_scope(engine) as session:
            seed_regions(session)
        engine.dispose()
        self.cli("users", "create", "--username", ADMIN, "--password", PASSWORD, "--role", "admin")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`rekap ARGS` on the site; raises on failure unless it is `audit verify`."""
        code = f"import sys; from app.cli import main; sys.argv = {['rekap', *args]!r}; main()"
        done = subprocess.run(
            [sys.executable, "-c", code], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0 and args[:2] != ("audit", "verify"):
            raise RuntimeError(f"rekap {' '.join(args)} failed: {done.stderr}")
        return done

    def start(self) -> None:
        """`rekap serve` on a fresh loopback port, in its own process group; waits for /healthz."""
        self.port = free_port()
        argv = ["rekap", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        code = f"import sys; from app.cli import main; sys.argv = {argv!r}; main()"
        log = (self.root / "server.log").open("ab")
        self.server = subprocess.Popen(
            [sys.executable, "-c", code],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.root / 'server.log'}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer /healthz within 90 s")

    def kill(self) -> None:
        """SIGKILL the server's process group: no graceful shutdown, requests cut mid-flight."""
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()

    def stop(self, *, keep: bool = False) -> None:
        """Kill the server, drop the database and remove the directory (unless keep)."""
        self.kill()
        if keep:
            print(f"kept {self.root} and {self.url}", file=sys.stderr)
            return
        if self.url:
            drop_database(self.url)
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_regions(session: Session) -> None:
    """Provinsi 16 → kota 1671 → kecamatan A (12 TPS) and B (3 TPS); two contests."""
    add, flush = session.add, session.flush
    add(Region(code="16", level="provinsi", name="SUMATERA SELATAN"))
    flush()
    add(Region(code="1671", level="kabupaten", name="KOTA PALEMBANG", parent_code="16"))
    flush()
    for kec, desa, count in ((KEC_A, DESA_A, 12), (KEC_B, DESA_B, 3)):
        add(Region(code=kec, level="kecamatan", name=f"KEC {kec}", parent_code="1671"))
        flush()
        add(Region(code=desa, level="desa", name=f"DESA {desa}", parent_code=kec))
        flush()
        for n in range(1, count + 1):
            add(Tps(**tps_row(f"{desa}{n:03d}", dpt=300)))
    contests = ((GUB, "pkwkp", "gubernur", "16"), (PRESIDEN, "ppwp", "presiden", "0"))
    for cid, code, kind, region in contests:
        add(Contest(id=cid, code=code, kind=kind, region_code=region, name=cid))
        flush()
        for nomor in (1, 2, 3):
            add(Paslon(contest_id=cid, nomor_urut=nomor, nama=f"Paslon {nomor}"))
    flush()
