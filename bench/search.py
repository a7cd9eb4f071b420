"""The console's search and the region-name filter at national size: 38 provinsi, 514
kabupaten/kota, 7,277 kecamatan, 83,763 desa (names drawn from the real Sumatera Selatan names, so
common names such as SUKAJADI repeat across the country as they do) and 435,296 TPS, in a fresh
database. Each query runs 20 times after one warm-up; median and max in milliseconds.

    .venv/bin/python -m bench.search --backend sqlite
    .venv/bin/python -m bench.search --backend postgres
"""

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from functools import partial

from sqlalchemy import insert
from sqlmodel import Session

from app.db import build_engine, session_scope
from app.demo.sources import DATA_DIR
from app.models import Region, Tps
from app.services.importers import tps_row
from app.services.migrations import upgrade_database
from app.services.place_search import AmbiguousRegion, resolve_region, search_places
from bench.verification_common import drop_database, machine, new_database

COUNTS = {"provinsi": 38, "kabupaten": 514, "kecamatan": 7277, "desa": 83763}
TPS_TOTAL = 435_296
ROUNDS = 20
BATCH = 20_000


def _names() -> tuple[list[str], list[str]]:
    data = json.loads((DATA_DIR / "regions-sumatera-selatan.json").read_text())
    kec, desa = set(), set()
    for kecamatan in data.values():
        for kec_name, villages in kecamatan.items():
            kec.add(kec_name)
            desa.update(villages)
    return sorted(kec), sorted(desa)


def _regions(rng: random.Random) -> Iterator[list[dict[str, object]]]:
    kec_names, desa_names = _names()
    prov = [f"{11 + i}" for i in range(COUNTS["provinsi"])]
    yield [
        {"code": p, "level": "provinsi", "name": f"PROVINSI {p}", "parent_code": None} for p in prov
    ]
    kab = [f"{prov[i % len(prov)]}{i // len(prov) + 1:02d}" for i in range(COUNTS["kabupaten"])]
    yield [{"code": k, "level": "kabupaten", "name": f"KAB {k}", "parent_code": k[:2]} for k in kab]
    kec = [f"{kab[i % len(kab)]}{i // len(kab) + 1:02d}" for i in range(COUNTS["kecamatan"])]
    yield [{"code": c, "level": "kecamatan", "name": rng.choice(kec_names), "parent_code": c[:4]}
           for c in kec]  # fmt: skip
    desa = [f"{kec[i % len(kec)]}{2001 + i // len(kec):04d}" for i in range(COUNTS["desa"])]
    rows = [{"code": d, "level": "desa", "name": rng.choice(desa_names), "parent_code": d[:6]}
            for d in desa]  # fmt: skip
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]
    tps = [f"{desa[i % len(desa)]}{i // len(desa) + 1:03d}" for i in range(TPS_TOTAL)]
    for start in range(0, len(tps), BATCH):
        yield [{"__tps__": True, **tps_row(code)} for code in tps[start : start + BATCH]]


def _load(url: str) -> float:
    upgrade_database(url=url)
    started = time.perf_counter()
    with session_scope(build_engine(url)) as session:
        for batch in _regions(random.Random(7)):
            if batch and batch[0].pop("__tps__", None):
                for row in batch[1:]:
                    row.pop("__tps__")
                session.execute(insert(Tps), batch)
            else:
                session.execute(insert(Region), batch)
    return time.perf_counter() - started


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    fn()
    runs = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), max(runs)


def _resolve(session: Session, text: str) -> Callable[[], object]:
    def run() -> object:
        try:
            return resolve_region(session=session, text=text)
        except AmbiguousRegion as exc:
            return exc.candidates

    return run


def main() -> None:
    """Load the national-size regions, then time each query."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    url = new_database(args.backend, "search")
    try:
        print(f"loaded in {_load(url):.1f} s")
        engine = build_engine(url)
        with Session(engine) as session:
            find = partial(search_places, session=session)
            queries: dict[str, Callable[[], object]] = {
                "name 'sukajadi' (common desa name)": partial(find, text="sukajadi"),
                "name 'ilir barat' (kecamatan)": partial(find, text="ilir barat"),
                "name 'zzqx' (nothing found)": partial(find, text="zzqx"),
                "name 'sukajadi' in one province's scope": partial(
                    find, text="sukajadi", prefixes=("16",)
                ),
                "TPS code, whole": partial(find, text="1101012001001"),
                "code prefix of a kecamatan (6 digits)": partial(find, text="110101"),
                "filter name 'sukajadi' (ambiguous: candidates)": _resolve(session, "sukajadi"),
            }
            print(f"machine: {machine()}, load {os.getloadavg()[0]:.1f}, backend {args.backend}")
            print("| query | median ms | max ms |\n|---|---|---|")
            for label, fn in queries.items():
                median, worst = _time(fn)
                print(f"| {label} | {median:.1f} | {worst:.1f} |")
        engine.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
