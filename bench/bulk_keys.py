"""National onboarding: `rekap keys create --from` for every TPS of Indonesia (435,296), then
`rekap users create --from` for 7,000 PPK accounts and `rekap keys revoke --region` of a
provinsi, each timed end to end as a new process (start-up included), on a fresh database.

    .venv/bin/python -m bench.bulk_keys --backend sqlite
    .venv/bin/python -m bench.bulk_keys --backend postgres

The database holds only what the commands need: synthetic regions (38 provinsi × 14 kabupaten ×
15 kecamatan × 10 desa) and 435,296 TPS spread over the desa, inserted directly.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from app.db import build_engine, session_scope
from app.models import Region, Tps
from app.services.importers import tps_row
from app.services.migrations import upgrade_database
from bench.verification_common import drop_database, new_database

NATIONAL_TPS = 435_296
PPK_ACCOUNTS = 7_000
REKAP = str(Path(sys.executable).with_name("rekap"))


def region_codes() -> dict[str, list[str]]:
    """Synthetic region codes by level: 38 provinsi, 532 kabupaten, 7,980 kecamatan, 79,800 desa."""
    provinsi = [str(p) for p in range(11, 49)]
    kabupaten = [f"{p}{k:02d}" for p in provinsi for k in range(1, 15)]
    kecamatan = [f"{k}{c:02d}" for k in kabupaten for c in range(1, 16)]
    desa = [f"{c}{d:04d}" for c in kecamatan for d in range(2001, 2011)]
    return {"provinsi": provinsi, "kabupaten": kabupaten, "kecamatan": kecamatan, "desa": desa}


def tps_codes(desa: list[str], total: int) -> list[str]:
    """`total` TPS codes, 5 or 6 per desa, numbered from 001."""
    per, extra = divmod(total, len(desa))
    return [f"{d}{n:03d}" for i, d in enumerate(desa) for n in range(1, per + 1 + (i < extra))]


def seed(url: str, codes: dict[str, list[str]], tps: list[str]) -> None:
    """Regions and TPS rows, inserted in bulk."""
    engine = build_engine(url)
    parent_length = {"provinsi": 0, "kabupaten": 2, "kecamatan": 4, "desa": 6}
    with session_scope(engine) as session:
        for level, items in codes.items():
            n = parent_length[level]
            rows = [
                {"code": c, "level": level, "name": f"{level} {c}", "parent_code": c[:n] or None}
                for c in items
            ]
            session.execute(insert(Region), rows)
        for start in range(0, len(tps), 50_000):
            session.execute(insert(Tps), [tps_row(c) for c in tps[start : start + 50_000]])
    engine.dispose()


def timed(url: str, *args: str) -> tuple[float, str]:
    """Seconds of one `rekap ...` process, start-up included; its stdout."""
    env = {**os.environ, "REKAP_DATABASE_URL": url, "REKAP_LOG_LEVEL": "WARNING"}
    start = time.perf_counter()
    done = subprocess.run([REKAP, *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"rekap {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return elapsed, done.stdout.strip()


def run(backend: str, total: int, work: Path) -> dict[str, Any]:
    """Seed a fresh database, then time the three bulk commands."""
    codes = region_codes()
    tps = tps_codes(codes["desa"], total)
    keys_in, users_in = work / "tps.csv", work / "ppk.csv"
    keys_in.write_text("tps,label\n" + "".join(f"{c},HP KPPS {c[-3:]}\n" for c in tps))
    users_in.write_text(
        "username,role,scopes\n"
        + "".join(f"ppk{c},ppk,{c}\n" for c in codes["kecamatan"][:PPK_ACCOUNTS])
    )
    url = new_database(backend, "bulk")
    try:
        upgrade_database(url=url)
        seed(url, codes, tps)
        help_s, _ = timed(url, "--help")
        keys_s, _ = timed(
            url, "keys", "create", "--from", str(keys_in), "--out", str(work / "keys.csv")
        )
        users_s, _ = timed(
            url, "users", "create", "--from", str(users_in), "--out", str(work / "tokens.csv")
        )
        revoke_s, said = timed(url, "keys", "revoke", "--region", codes["provinsi"][0])
    finally:
        drop_database(url)
    return {
        "backend": backend,
        "tps": len(tps),
        "help_s": round(help_s, 2),
        "keys_create_s": round(keys_s, 1),
        "keys_per_s": round(len(tps) / keys_s),
        "users": PPK_ACCOUNTS,
        "users_create_s": round(users_s, 1),
        "revoke_provinsi_s": round(revoke_s, 1),
        "revoke_said": said,
    }


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tps", type=int, default=NATIONAL_TPS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rekap-bulk-") as work:
        print(json.dumps(run(args.backend, args.tps, Path(work))))


if __name__ == "__main__":
    main()
