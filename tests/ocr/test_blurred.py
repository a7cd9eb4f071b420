"""A heavily blurred page judged on its blurred pixels (ocr/blurred.py, issue 10): the frames
place the fields, an empty box is told from one holding a faint stroke, and the model's
digit classes of a verified empty box are weighed down."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.blurred import EMPTY_INK, MISSED_INK, OVERRULE, empty_boxes, register_blurred, weigh
from ocr.cells import frames_drawing
from ocr.locate import project
from ocr.templates import Box, PageTemplate, load_forms

PAPER, PRINT = 225.0, 45.0
SIGMA = 5.0  # template px: a photo blurred by σ 4 px at 2000 px long side, or more


def _page() -> PageTemplate:
    return load_forms()["ppwp-plano-2024"].page_template(1)


def _printed(page: PageTemplate) -> np.ndarray:
    """The page's box frames printed on paper (template px, float gray)."""
    boxes = [b for f in page.fields for b in f.boxes]
    size = (int(page.width), int(page.height))
    drawing = frames_drawing(boxes, (0.0, 0.0), size)
    return np.asarray(PAPER - (PAPER - PRINT) * drawing, np.float32)


def _stroke(image: np.ndarray, box: Box, darkness: float, width: int = 2) -> None:
    """A "1" down the middle of `box`: `darkness` of the print's contrast, `width` px."""
    x = int(box.x + box.w / 2)
    top, bottom = int(box.y + 0.2 * box.h), int(box.y + 0.8 * box.h)
    gray = PAPER - darkness * (PAPER - PRINT)
    cv2.line(image, (x, top), (x, bottom), gray, width)


def _photo(image: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    rng = np.random.default_rng(3)
    blurred = cv2.GaussianBlur(image, (0, 0), sigma) + rng.normal(0.0, 1.5, image.shape)
    return np.asarray(np.clip(blurred, 0, 255), np.uint8)


def test_empty_boxes_are_verified_and_a_faint_stroke_is_not() -> None:
    page = _page()
    image = _printed(page)
    written = page.fields[3]
    _stroke(image, written.boxes[1], darkness=0.8, width=4)  # a marker, as KPPS write
    checks = empty_boxes(_photo(image), page, SIGMA)
    assert all(c.placed for c in checks.values())
    assert checks[written.name].empty == (True, False, True)
    assert checks[written.name].ink[1] > 1.5 * EMPTY_INK
    others = [c for name, c in checks.items() if name != written.name]
    assert all(all(c.empty) for c in others)


@pytest.mark.parametrize(
    ("sigma", "width", "darkness"),
    [(3.5, 2, 1.0), (3.5, 3, 0.6), (5.0, 4, 0.8), (6.5, 6, 0.8)],
)
def test_pen_strokes_are_ink(sigma: float, width: int, darkness: float) -> None:
    page = _page()
    image = _printed(page)
    box = page.fields[0].boxes[0]
    _stroke(image, box, darkness=darkness, width=width)
    check = empty_boxes(_photo(image, sigma), page, sigma)[page.fields[0].name]
    assert check.placed
    assert check.empty == (False, True, True)


def test_frames_not_where_the_registration_puts_them_verify_nothing() -> None:
    # The page 20 px lower than the registration says: no field is placed, no box verified.
    page = _page()
    shifted = np.roll(_photo(_printed(page)), 20, axis=0)
    checks = empty_boxes(shifted, page, SIGMA)
    assert not any(c.placed for c in checks.values())
    assert not any(any(c.empty) for c in checks.values())


def test_a_start_a_row_of_the_grid_off_is_corrected() -> None:
    # The photo is the page itself; the start says it is 40 px higher and turned a little.
    page = _page()
    photo = _photo(_printed(page))
    turn = cv2.getRotationMatrix2D((page.width / 2, page.height / 2), 0.6, 1.0)
    start = np.vstack([turn, [0.0, 0.0, 1.0]]) @ np.asarray(
        [[1.0, 0.0, 12.0], [0.0, 1.0, -40.0], [0.0, 0.0, 1.0]]
    )
    fit = register_blurred(photo, page, None, SIGMA, [start])
    assert fit is not None and fit.placed == 1.0
    centres = np.asarray([b.center for f in page.fields for b in f.boxes])
    error = np.linalg.norm(project(fit.image_to_template, centres) - centres, axis=1)
    assert float(error.max()) < 2.0
    # The start as it was places nothing: without the correction it would not be taken.
    assert not any(c.placed for c in empty_boxes(_warped(photo, start, page), page, SIGMA).values())


def _warped(photo: np.ndarray, matrix: np.ndarray, page: PageTemplate) -> np.ndarray:
    size = (int(page.width), int(page.height))
    return np.asarray(cv2.warpPerspective(photo, matrix, size, borderValue=255), np.uint8)


def test_a_verified_empty_box_weighs_the_digits_down() -> None:
    model = np.zeros((2, 12))
    model[0, 1], model[0, 11] = 0.45, 0.55  # half a mind to a "1" (the deconvolved crop)
    model[1, 7], model[1, 11] = 0.45, 0.55
    out = weigh(model, (True, False))
    assert out[0, 11] == pytest.approx(0.55 / (0.55 + 0.45 * MISSED_INK))
    assert out[0].sum() == pytest.approx(1.0)
    assert np.array_equal(out[1], model[1])  # not verified: as the model read it


def test_a_model_that_reads_a_digit_is_not_overruled() -> None:
    # A thin, faint stroke can hide from the check: a model reading it keeps its reading.
    model = np.zeros((1, 12))
    model[0, 1], model[0, 11] = 0.7, 0.3
    assert OVERRULE <= 0.7
    assert np.array_equal(weigh(model, (True,)), model)
