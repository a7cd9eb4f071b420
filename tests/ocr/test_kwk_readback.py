"""Render a KWK page, fill it with held-out handwriting, read it back with read_page (no photo)."""

from functools import cache

import cv2
import numpy as np
import pytest

from ocr.bench.synth import DigitBank, consistent_values, fill_page
from ocr.forms.kwk import kwk_form
from ocr.forms.render import render_page
from ocr.pipeline import read_page
from training.mnist import load_split

DPI = 100.0


@cache
def _bank() -> DigitBank:
    _, held_out = load_split()
    return DigitBank(held_out.images, held_out.labels)


def _filled_png(count: int, page: int, seed: int) -> tuple[bytes, dict[str, int]]:
    rng = np.random.default_rng(seed)
    form = kwk_form(count)
    values = consistent_values(count, rng)
    blank = render_page(form, page, dpi=DPI, contest_name="Bupati Contoh", paslon_names=["A"] * 6)
    img, _ = fill_page(blank, form.page_template(page), DPI / form.dpi, values, _bank(), rng)
    ok, png = cv2.imencode(".png", img)
    assert ok
    names = {f.name for f in form.page_template(page).fields}
    return png.tobytes(), {k: v for k, v in values.items() if k in names}


@pytest.mark.parametrize(
    ("count", "page", "seed"), [(3, 2, 1), (6, 2, 2), (1, 2, 3), (4, 3, 4), (2, 1, 6)]
)
def test_pages_read_back_exactly(count: int, page: int, seed: int) -> None:
    png, values = _filled_png(count, page, seed)
    reading = read_page(png)
    assert reading.ok, reading.reason  # read, or needs_review where bubbles and boxes disagree
    assert (reading.form, reading.page) == (f"kwk-plano-2024-p{count}", page)
    assert reading.values() == values


def test_page_one_is_identified_and_registered_on_all_markers() -> None:
    png, values = _filled_png(5, 1, 5)
    reading = read_page(png)
    assert (reading.ok, reading.form, reading.page) == (True, "kwk-plano-2024-p5", 1)
    assert reading.registration["tag_id"] == 151
    assert sorted(reading.registration["markers"]) == sorted(
        ["top_left", "top_right", "bottom_right", "bottom_left"]
    )
    assert set(reading.fields) == set(values)
