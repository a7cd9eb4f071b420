"""`rekap import sirekap` of a national dump: 435,296 per-TPS `hhcw` records (one
`<TPS code>.json` per TPS in one zip, as Sirekap publishes them) into an empty database, timed end
to end as a new process (start-up included), then the recheck of what was imported.

    .venv/bin/python -m bench.sirekap_import --backend postgres
    .venv/bin/python -m bench.sirekap_import --backend sqlite [--tps 100000]
    .venv/bin/python -m bench.sirekap_import --tree DIR   # e.g. `git archive <commit>` in DIR
    .venv/bin/python -m bench.sirekap_import --without fk   # or indexes, both: PostgreSQL probe

The dump is synthetic (regions of bench/bulk_keys.py, consistent forms of
bench/verification_synth.py, 1 in 200 with a PASLON_SUM breach) and cached under /tmp by size,
so a second run only times the import. The database starts empty: the import creates the
presidential contest, every region and TPS as placeholders, and one submission per record.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.bulk_keys import NATIONAL_TPS, region_codes, tps_codes
from bench.verification_common import drop_database, machine, new_database
from bench.verification_synth import voters, votes

REKAP = str(Path(sys.executable).with_name("rekap"))
TREE: Path | None = None  # --tree
PASLON_IDS = ("100025", "100026", "100027")


def record(rng: random.Random, stamp: str) -> dict[str, Any]:
    """One digitised `hhcw` record: chart (votes by Sirekap paslon id) and administrasi."""
    v = votes(voters(rng), 3, rng)
    if rng.random() < 0.005:
        v["suara_paslon_1"] += 3
    admin = {
        k.replace("pengguna_dpk", "pengguna_non_dpt"): x
        for k, x in v.items()
        if k.startswith(("pemilih_dpt", "pengguna_"))
        or k.startswith("suara_")
        and "paslon" not in k
    }
    chart: dict[str, int | None] = {"null": None}
    chart |= {sid: v[f"suara_paslon_{n}"] for n, sid in enumerate(PASLON_IDS, start=1)}
    return {
        "mode": "hhcw",
        "chart": chart,
        "images": [],
        "administrasi": admin,
        "psu": None,
        "ts": stamp,
        "status_suara": True,
        "status_adm": True,
    }


def dump(total: int) -> Path:
    """The cached zip of `total` records (built on first use)."""
    path = Path(f"/tmp/rekap-sirekap-dump-{total}.zip")
    if path.exists():
        return path
    rng = random.Random(20240214)
    codes = tps_codes(region_codes()["desa"], total)
    partial = path.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for i, code in enumerate(codes):
            stamp = f"2024-02-{15 + i % 3:02d} {i % 24:02d}:{i % 60:02d}:00"
            archive.writestr(f"hhcw/{code}.json", json.dumps(record(rng, stamp)))
    partial.rename(path)
    return path


def server_cpu(database: str, stop: threading.Event, seen: dict[int, float]) -> None:
    """CPU seconds of every PostgreSQL backend serving `database`, read from /proc every 0.2 s
    until stop (a backend's last reading before it exits: at most 0.2 s of its CPU is missed)."""
    tick = os.sysconf("SC_CLK_TCK")
    while not stop.wait(0.2):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if database.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    continue
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seen[int(pid)] = (int(fields[11]) + int(fields[12])) / tick


def timed(url: str, *args: str) -> tuple[float, float, float | None, int, str]:
    """Wall seconds, CPU seconds of the process and its reading processes, CPU seconds of the
    PostgreSQL backends it used (None on SQLite, where the database is inside the process), exit
    status and output of one `rekap ...` process, start-up included."""
    env = {**os.environ, "REKAP_DATABASE_URL": url, "REKAP_LOG_LEVEL": "WARNING"}
    if TREE is not None:  # another checkout's code with this venv (a before/after)
        env["PYTHONPATH"] = str(TREE)
    stop, seen = threading.Event(), dict[int, float]()
    watch = threading.Thread(target=server_cpu, args=(url.rsplit("/", 1)[1], stop, seen))
    postgres = url.startswith("postgresql")
    if postgres:
        watch.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([REKAP, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stop.set()
    if postgres:
        watch.join()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    server = round(sum(seen.values()), 1) if postgres else None
    return wall, cpu, server, done.returncode, (done.stdout + done.stderr).strip()


def strip_schema(url: str, without: str) -> None:
    """A probe of where PostgreSQL's time goes, on the throwaway bench database only: drop the
    foreign keys ("fk"), the secondary indexes ("indexes") or both of region, tps, submission."""
    import psycopg

    tables = ("submission", "tps", "region")
    fks = "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
    idx = "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass"
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        for table in tables:
            if without in ("fk", "both"):
                for (name,) in conn.execute(fks, (table,)).fetchall():
                    conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            if without in ("indexes", "both"):
                for (name,) in conn.execute(idx + " AND NOT indisprimary", (table,)).fetchall():
                    conn.execute(f"DROP INDEX {name}")


def run(backend: str, total: int, recheck: bool, without: str | None = None) -> dict[str, Any]:
    """Import the dump into a fresh database (then recheck it, if asked)."""
    from app.services.migrations import upgrade_database

    path = dump(total)
    url = new_database(backend, "sirekap")
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        upgrade_database(url=url)
        if without:
            strip_schema(url, without)
        load_before = os.getloadavg()
        seconds, cpu, server, status, said = timed(
            url, "import", "sirekap", "--no-recheck", str(path)
        )
        out: dict[str, Any] = {
            "backend": backend,
            "without": without,
            "records": total,
            "dump_mb": round(path.stat().st_size / 1e6, 1),
            "import_s": round(seconds, 1),
            "import_cpu_s": round(cpu, 1),
            "postgres_cpu_s": server,
            "records_per_s": round(total / seconds) if status == 0 else None,
            "exit": status,
            "said": said.splitlines()[-3:],
            "load_1min_before": round(load_before[0], 2),
            "load_1min_after": round(os.getloadavg()[0], 2),
            "machine": machine(),
        }
        if recheck and status == 0:
            seconds, cpu, server, status, said = timed(url, "recheck")
            out |= {"recheck_s": round(seconds, 1), "recheck_cpu_s": round(cpu, 1),
                    "recheck_postgres_cpu_s": server,
                    "recheck_exit": status, "recheck_said": said.splitlines()[-1:]}  # fmt: skip
    finally:
        drop_database(url.replace("postgresql+psycopg://", "postgresql://", 1))
    return out


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--tps", type=int, default=NATIONAL_TPS)
    parser.add_argument("--recheck", action="store_true", help="also time `rekap recheck`")
    parser.add_argument("--tree", type=Path, help="time this checkout's code (git archive)")
    probe = "PostgreSQL probe: drop these from the bench database first"
    parser.add_argument("--without", choices=["fk", "indexes", "both"], help=probe)
    args = parser.parse_args()
    global TREE
    TREE = args.tree.resolve() if args.tree else None
    started = time.perf_counter()
    dump(args.tps)
    print(f"dump ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(json.dumps(run(args.backend, args.tps, args.recheck, args.without)))


if __name__ == "__main__":
    main()
