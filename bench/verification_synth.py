"""A synthetic national-size dataset for the recheck benchmarks: regions, TPS, a gubernur and a
bupati contest over every TPS, one consistent PPK submission per TPS and contest (a few with a
planted PASLON_SUM breach), and a D.Hasil per kecamatan and contest (a few with a wrong desa)."""

import json
import math
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

TPS_PER_KEC, DESA_PER_KEC, KEC_PER_KAB, KAB_PER_PROV = 60, 11, 14, 14
AT = datetime(2024, 11, 28, 3, tzinfo=UTC)


@dataclass
class Synth:
    """The generated rows, by table."""

    region: list[tuple[Any, ...]] = field(default_factory=list)
    tps: list[tuple[Any, ...]] = field(default_factory=list)
    contest: list[tuple[Any, ...]] = field(default_factory=list)
    paslon: list[tuple[Any, ...]] = field(default_factory=list)
    planted: int = 0


def voters(rng: random.Random) -> dict[str, int]:
    """A consistent section I, II and III for one TPS (shared by its two forms)."""
    dpt = rng.randint(200, 590)
    v = {"pemilih_dpt_l": dpt // 2, "pemilih_dpt_p": dpt - dpt // 2, "pemilih_dpt_j": dpt}
    for g in ("l", "p"):
        used = int(v[f"pemilih_dpt_{g}"] * rng.uniform(0.6, 0.85))
        v |= {
            f"pengguna_dpt_{g}": used,
            f"pengguna_dptb_{g}": rng.randint(0, 2),
            f"pengguna_dpk_{g}": rng.randint(0, 2),
            f"disabilitas_{g}": rng.randint(0, 2),
        }
        v[f"pengguna_total_{g}"] = used + v[f"pengguna_dptb_{g}"] + v[f"pengguna_dpk_{g}"]
    for row in ("pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total", "disabilitas"):
        v[f"{row}_j"] = v[f"{row}_l"] + v[f"{row}_p"]
    v["surat_diterima"] = math.ceil(dpt * 1.025)
    v["surat_digunakan"] = v["pengguna_total_j"]
    v["surat_rusak"] = rng.randint(0, 3)
    v["surat_tidak_digunakan"] = v["surat_diterima"] - v["surat_digunakan"] - v["surat_rusak"]
    return v


def votes(base: dict[str, int], paslon: int, rng: random.Random) -> dict[str, int]:
    """Section IV and V on top of a voter section."""
    v = dict(base)
    invalid = rng.randint(0, 8)
    valid = v["pengguna_total_j"] - invalid
    cuts = sorted(rng.randint(0, valid) for _ in range(paslon - 1))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, valid], strict=True)]
    v |= {f"suara_paslon_{i + 1}": s for i, s in enumerate(shares)}
    v |= {"suara_sah": valid, "suara_tidak_sah": invalid, "suara_total": v["pengguna_total_j"]}
    return v


def build(n_tps: int) -> Synth:
    """Region tree, TPS, contests and paslon for about n_tps TPS."""
    s = Synth()
    n_kec = max(1, round(n_tps / TPS_PER_KEC))
    made = 0
    for k in range(n_kec):
        prov = f"{11 + k // (KEC_PER_KAB * KAB_PER_PROV) % 80:02d}"
        kab = f"{prov}{1 + k // KEC_PER_KAB % KAB_PER_PROV:02d}"
        kec = f"{kab}{1 + k % KEC_PER_KAB:02d}"
        if k % (KEC_PER_KAB * KAB_PER_PROV) == 0:
            s.region.append((prov, "provinsi", f"Provinsi {prov}", None))
            s.contest.append((f"pkwkp-{prov}", "pkwkp", "gubernur", prov, f"Gubernur {prov}"))
            s.paslon += [(f"pkwkp-{prov}", n, f"Paslon {n}") for n in (1, 2, 3)]
        if k % KEC_PER_KAB == 0:
            s.region.append((kab, "kabupaten", f"Kabupaten {kab}", prov))
            s.contest.append((f"pkwkk-{kab}", "pkwkk", "bupati", kab, f"Bupati {kab}"))
            s.paslon += [(f"pkwkk-{kab}", n, f"Paslon {n}") for n in (1, 2)]
        s.region.append((kec, "kecamatan", f"Kecamatan {kec}", kab))
        count = round((k + 1) * n_tps / n_kec) - made
        for i in range(count):
            desa = f"{kec}{2001 + i % DESA_PER_KEC}"
            if i < DESA_PER_KEC:
                s.region.append((desa, "desa", f"Desa {desa}", kec))
            s.tps.append(
                (f"{desa}{1 + i // DESA_PER_KEC:03d}", 1 + i // DESA_PER_KEC, desa, kec, kab, prov)
            )
        made += count
    return s


def submissions(s: Synth, seed: int) -> Iterator[tuple[Any, ...]]:
    """One PPK submission per TPS and contest; 1 in 200 gubernur forms breaks PASLON_SUM."""
    rng = random.Random(seed)
    for code, _n, _desa, kec, kab, prov in s.tps:
        base = voters(rng)
        gub, bup = votes(base, 3, rng), votes(base, 2, rng)
        if rng.random() < 0.005:
            gub["suara_paslon_1"] += 3
            s.planted += 1
        yield (code, f"pkwkp-{prov}", kec, "ppk", "synth", AT, json.dumps(gub))
        yield (code, f"pkwkk-{kab}", kec, "ppk", "synth", AT, json.dumps(bup))


def dhasil(session_rows: Iterator[tuple[Any, ...]], seed: int) -> list[tuple[Any, ...]]:
    """D.Hasil versions equal to the sums of the submissions; 1 in 100 with one wrong desa."""
    rng = random.Random(seed)
    sums: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for code, contest, kec, *_rest, values in session_rows:
        desa = sums.setdefault((kec, contest), {}).setdefault(code[:10], {})
        for k, v in json.loads(values).items():
            desa[k] = desa.get(k, 0) + v
    rows = []
    for (kec, contest), by_desa in sums.items():
        total: dict[str, int] = {}
        for col in by_desa.values():
            for k, v in col.items():
                total[k] = total.get(k, 0) + v
        if rng.random() < 0.01:
            first = by_desa[min(by_desa)]
            first["suara_paslon_1"] -= 5
            first["suara_paslon_2"] += 5
        rows.append((kec, contest, 1, "synth", AT, json.dumps(by_desa), json.dumps(total)))
    return rows


def _tables(n_tps: int, seed: int) -> tuple[Synth, list[tuple[str, list[tuple[Any, ...]]]]]:
    s = build(n_tps)
    subs = list(submissions(s, seed))
    versions = dhasil(iter(subs), seed)
    return s, [
        ("region (code, level, name, parent_code)", s.region),
        ("contest (id, code, kind, region_code, name)", s.contest),
        ("paslon (contest_id, nomor_urut, nama)", s.paslon),
        ("tps (code, number, desa_code, kecamatan_code, kabupaten_code, provinsi_code)", s.tps),
        (
            "submission (tps_code, contest_id, kecamatan_code, source, submitted_by, submitted_at,"
            ' "values")',
            subs,
        ),
        (
            "dhasil_version (kecamatan_code, contest_id, version, entered_by, entered_at, desa,"
            " total)",
            versions,
        ),
    ]


def load_postgres(url: str, n_tps: int, seed: int = 7) -> Synth:
    """COPY the synthetic dataset into a migrated PostgreSQL database."""
    s, tables = _tables(n_tps, seed)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for target, rows in tables:
            with cur.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cur.execute("ANALYZE")
    return s


def load_sqlite(url: str, n_tps: int, seed: int = 7) -> Synth:
    """Insert the synthetic dataset into a migrated SQLite database (times as SQLAlchemy
    writes them there: naive UTC text)."""
    s, tables = _tables(n_tps, seed)
    path = url.removeprefix("sqlite:///")

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    with sqlite3.connect(path) as conn:
        for target, rows in tables:
            columns = target.split("(", 1)[1].rstrip(")")
            marks = ", ".join("?" for _ in columns.split(","))
            conn.executemany(
                f"INSERT INTO {target} VALUES ({marks})",
                ([cell(v) for v in row] for row in rows),
            )
        conn.execute("ANALYZE")
    return s
