"""Assemble the whole demo dataset in memory: forms, planted problems, D.Hasil recaps."""

import random
from dataclasses import dataclass

from app.demo.generate import generate_kecamatan, sum_values
from app.demo.plants import DHASIL_PLANTS, FORM_PLANTS, KecamatanData, Plant
from app.demo.president import PRESIDENT, president_kecamatan, president_plant
from app.demo.sources import DemoSources, load_sources

CONTESTS = ("gubernur", "bupati")


@dataclass
class DemoDataset:
    """Everything `rekap demo` loads."""

    sources: DemoSources
    kecamatan: dict[str, KecamatanData]
    plants: list[Plant]

    def contest_id(self, contest: str, kecamatan_code: str) -> str:
        """`pkwkp-16` for the governor, `pkwkk-<kabupaten>` for the bupati/wali kota, `ppwp-0`
        for the president."""
        if contest == "presiden":
            return PRESIDENT
        return "pkwkp-16" if contest == "gubernur" else f"pkwkk-{kecamatan_code[:4]}"


def build_dhasil(data: KecamatanData) -> None:
    """D.Hasil per desa = Σ of the TPS forms the PPK recapped (planted ones included)."""
    for contest in CONTESTS:
        by_desa: dict[str, list[dict[str, int]]] = {}
        for form in data.forms:
            by_desa.setdefault(form.tps_code[:10], []).append(getattr(form, contest))
        data.dhasil[contest] = {d: sum_values(rows) for d, rows in sorted(by_desa.items())}
        data.dhasil_total[contest] = sum_values(list(data.dhasil[contest].values()))


def build_dataset(seed: int) -> DemoDataset:
    """The deterministic demo for a seed: same seed, same numbers, same plants."""
    sources = load_sources()
    rng = random.Random(seed)
    kecamatan = {
        code: KecamatanData(code=code, forms=generate_kecamatan(plan, rng))
        for code, plan in sorted(sources.kecamatan.items())
    }
    # Each plant gets its own kecamatan (with enough TPS), so no two plants interact.
    candidates = sorted(c for c, d in kecamatan.items() if len(d.forms) >= 10)
    chosen = rng.sample(candidates, len(FORM_PLANTS) + len(DHASIL_PLANTS))
    plants = [fn(kecamatan[c], rng) for fn, c in zip(FORM_PLANTS, chosen, strict=False)]
    for data in kecamatan.values():
        build_dhasil(data)
    dhasil_codes = chosen[len(FORM_PLANTS) :]
    plants += [fn(kecamatan[c], rng) for fn, c in zip(DHASIL_PLANTS, dhasil_codes, strict=True)]
    plants.append(president_plant(kecamatan[president_kecamatan(kecamatan)]))
    return DemoDataset(sources=sources, kecamatan=kecamatan, plants=plants)
