"""Benchmark cases: filled KWK pages photographed in simulation, with their ground truth.

One synthetic TPS fills the three pages of a KWK plano (1 to 6 paslon, drawn at random); pages
are photographed in turn, so every third photo starts a new TPS. The first `normal` cases are
normal photos, the next `hard` ones take the hard kinds (`photo_sim.HARD_KINDS`) in turn per TPS.
Everything is drawn from one seed: the same seed gives the same photos byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ocr.bench.photo_sim import HARD_KINDS, photograph
from ocr.bench.synth import BoxTruth, DigitBank, consistent_values, fill_page
from ocr.forms.kwk import MAX_PASLON, PAGES, kwk_form
from ocr.forms.render import Gray, render_page

RENDER_DPI = 100.0  # the flat page is about as large as it will be in a 12 MP photo
CONTEST = "PEMILIHAN BUPATI DAN WAKIL BUPATI CONTOH"
NAMES = (
    "H. HERMAN DERU, S.H., M.M. - DRS. H. CIK UJANG, S.H.",
    "IR. H. EDDY SANTANA PUTRA, M.T. - RIEZKY APRILIA, S.H., M.H.",
    "DR. H. MAWARDI YAHYA - ANITA NOERINGHATI, S.H., M.H.",
    "KOLOM KOSONG",
    "DRS. H. AHMAD SANUSI - HJ. SITI AMINAH, S.PD.",
    "BUDI SANTOSO, S.T. - DEWI LESTARI, S.E.",
)


@dataclass(frozen=True)
class BenchCase:
    """One photo and what is on it."""

    index: int
    kind: str  # "normal" or a hard kind
    form: str
    page: int
    jpeg: bytes
    values: dict[str, int]  # the page's fields
    boxes: dict[str, list[BoxTruth]]  # what each field's three boxes hold
    tps: int


@lru_cache(maxsize=MAX_PASLON * PAGES)
def _blank(paslon_count: int, page: int) -> Gray:
    names = NAMES[:paslon_count]
    form = kwk_form(paslon_count)
    return render_page(form, page, dpi=RENDER_DPI, contest_name=CONTEST, paslon_names=names)


def case_kind(index: int, normal: int) -> str:
    """The photo kind of case `index`: normal for the first `normal`, then the hard kinds in
    turn, one kind per TPS (three pages), so every kind meets every page."""
    if index < normal:
        return "normal"
    return HARD_KINDS[index // PAGES % len(HARD_KINDS)]  # by TPS number: aligned with TPS


def generate_cases(
    normal: int, hard: int, seed: int, bank: DigitBank, only: str | None = None
) -> Iterator[BenchCase]:
    """Yield normal + hard cases, deterministic for a seed; `only` (a hard kind) gives every
    hard case that kind instead of the kinds in turn."""
    rng = np.random.default_rng(seed)
    values: dict[str, int] = {}
    count = 1
    for index in range(normal + hard):
        page_number = index % PAGES + 1
        if page_number == 1:
            count = int(rng.integers(1, MAX_PASLON + 1))
            values = consistent_values(count, rng)
        form = kwk_form(count)
        page = form.page_template(page_number)
        scale = RENDER_DPI / form.dpi
        flat, boxes = fill_page(_blank(count, page_number), page, scale, values, bank, rng)
        kind = case_kind(index, normal) if only is None or index < normal else only
        shot = photograph(flat, rng, kind)
        on_page = {f.name: values[f.name] for f in page.fields}
        yield BenchCase(
            index,
            kind,
            form.form,
            page_number,
            shot.jpeg,
            on_page,
            boxes,
            index // PAGES,
        )


def save_case(case: BenchCase, directory: Path) -> Path:
    """Write the case's photo (JPEG) and its truth (JSON beside it); returns the photo's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{case.index:04d}-{case.kind}-{case.form}-hal{case.page}"
    photo = directory / f"{stem}.jpg"
    photo.write_bytes(case.jpeg)
    truth = {
        "form": case.form,
        "page": case.page,
        "kind": case.kind,
        "tps": case.tps,
        "values": case.values,
        "boxes": case.boxes,
    }
    (directory / f"{stem}.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return photo
