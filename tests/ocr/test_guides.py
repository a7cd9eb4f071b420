"""Printed guide dots or writing (`cells.guides_only`): KPU's blank boxes, written and blurred
digits, empty boxes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.cells import crop_boxes, guides_only
from ocr.pipeline import read_page
from ocr.templates import load_form

REAL = Path(__file__).parent / "fixtures" / "real"


def _page2_crops(name: str) -> list[np.ndarray]:
    reading = read_page((REAL / name).read_bytes())
    assert reading.rectified is not None
    page = load_form("ppwp-plano-2024").page_template(2)
    return [c.image for c in crop_boxes(reading.rectified, page)]


def test_every_blank_box_of_kpus_sample_is_only_guides() -> None:
    # The units box of paslon 1 has the printed frame's blurred inner edge along its top and
    # left side: a piece of ink the crop's whole width long, which is the frame, not writing.
    crops = _page2_crops("contoh-form-c1-hal2.jpeg")
    assert len(crops) == 9
    assert all(guides_only(c) for c in crops)


def test_no_written_box_of_the_real_page_2_is_taken_for_guides() -> None:
    crops = _page2_crops("ppwp-2024-hal2-photo-a.jpg")
    assert not any(guides_only(c) for c in crops)


def _faint_digit(digit: str, sigma: float) -> np.ndarray:
    """A digit in pale ink (35 gray levels under the paper), blurred: no piece of it is darker
    than 12% of the paper over more than a few px."""
    box = np.full((48, 48), 235, np.uint8)
    cv2.putText(box, digit, (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 200, 2)
    return np.asarray(cv2.GaussianBlur(box, (0, 0), sigma), np.uint8)


@pytest.mark.parametrize("digit", list("0123456789"))
def test_a_faint_blurred_digit_is_not_taken_for_guides(digit: str) -> None:
    # Its strokes fall apart at 12% of the paper like guide dots do, but it is not where the
    # guide's lines are (a blurred photo of a written form must not read as "not filled").
    assert not guides_only(_faint_digit(digit, 2.0))


def test_an_empty_box_without_guides_is_not_taken_for_guides() -> None:
    rng = np.random.default_rng(3)
    paper = np.clip(rng.normal(230, 2, (48, 48)), 0, 255).astype(np.uint8)
    assert not guides_only(paper)
    assert not guides_only(np.zeros((0, 0), np.uint8))
