"""Read the shipped KPU/Sirekap files (app/data/sumsel, see app/data/NOTICE.md) into plans."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "sumsel"
PROVINCE = "16"
_URL = re.compile(r"/(\d{4})/(\d{6})/(\d{10})/\d{13}\.json$")


@dataclass
class KecamatanPlan:
    """What the published data fixes for one kecamatan."""

    code: str
    name: str
    tps_count: int
    gubernur_votes: dict[int, int]  # nomor urut -> published votes
    bupati_votes: dict[int, int]
    desa: dict[str, tuple[str, int]] = field(default_factory=dict)  # code -> (name, pemilu TPS)


@dataclass
class DemoSources:
    """Regions, candidates and per-kecamatan plans of the demo."""

    kabupaten: dict[str, str]  # code -> name
    kecamatan: dict[str, KecamatanPlan]
    paslon: dict[str, dict[str, dict[str, Any]]]  # contest id -> sirekap id -> info


def _load(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _votes(row: dict[str, Any], id_to_nomor: dict[str, int]) -> dict[int, int]:
    return {id_to_nomor[k]: int(v) for k, v in row.items() if k in id_to_nomor}


def _nomor_map(candidates: dict[str, Any]) -> dict[str, int]:
    return {sid: int(info["nomor_urut"]) for sid, info in candidates.items()}


def load_sources() -> DemoSources:
    """Parse the shipped files; every kecamatan gets its TPS count and both contests' votes."""
    regions = _load("regions-sumatera-selatan.json")
    paslon_p = _load("paslon-pkwkp.json")[PROVINCE]
    paslon_k = _load("paslon-pkwkk.json")
    kab_names: dict[str, str] = {}
    desa_by_kec: dict[str, dict[str, tuple[str, int]]] = {}
    kec_names: dict[str, str] = {}
    for kab_name, kecs in regions.items():
        for kec_name, desas in kecs.items():
            for desa_name, tps in desas.items():
                for url in tps.values():
                    m = _URL.search(url)
                    if m is None:
                        continue
                    kab, kec, desa = m.groups()
                    kab_names[kab], kec_names[kec] = kab_name, kec_name
                    name, count = desa_by_kec.setdefault(kec, {}).get(desa, (desa_name, 0))
                    desa_by_kec[kec][desa] = (name, count + 1)
    plans: dict[str, KecamatanPlan] = {}
    gub_ids = _nomor_map(paslon_p)
    for kab in sorted(kab_names):
        gub_table = _load(f"pkwkp/{kab}.json")["tungsura"]["table"]
        bup_table = _load(f"pkwkk/{kab}.json")["tungsura"]["table"]
        bup_ids = _nomor_map(paslon_k[kab])
        for kec, row in sorted(gub_table.items()):
            plans[kec] = KecamatanPlan(
                code=kec,
                name=kec_names[kec],
                tps_count=int(row["progres"]["total"]),
                gubernur_votes=_votes(row, gub_ids),
                bupati_votes=_votes(bup_table[kec], bup_ids),
                desa=dict(sorted(desa_by_kec[kec].items())),
            )
    paslon = {f"pkwkp-{PROVINCE}": paslon_p} | {f"pkwkk-{k}": paslon_k[k] for k in kab_names}
    return DemoSources(kabupaten=kab_names, kecamatan=plans, paslon=paslon)
