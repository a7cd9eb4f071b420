"""A heavily blurred photo judged on its own blurred pixels: where the fields are, which boxes
are empty.

Beyond `blur.DEBLUR_MIN` the photo is deconvolved (`ocr.blur`) so the digit model sees sharper
strokes, but the filter's ringing draws false frame lines and strokes. On the deconvolved real
blank page 1 blurred by σ 4 px (6.7 template px), the frame search of `align` took the wrong row
of the box grid (fields about 300 px off on average) and the model read ringing as 8s and 1s in
empty boxes. Here nothing is deconvolved: the template's box frames are drawn, blurred by the σ
the tag measured (`frames_model`), and compared with the photo warped onto the template.

- `register_blurred`: a candidate homography (the registration, then the evidence's seeds) is
  corrected by where the blurred frames match best (normalised correlation): first one shift of
  all fields together at 1/COARSE of the size (the fields' pattern as a whole is not periodic,
  so a neighbouring row of the grid cannot win), then each field alone within ±FIELD_SEARCH; a
  homography is fitted by RANSAC to the fields' box centres and the tag's corners, and each
  field is searched again within ±FINE_SEARCH and refitted. A field is *placed* when its frames
  match at least MATCH_MIN within PLACED_PX of where the fit puts them; the candidate placing
  most fields wins, and its share is the registration's `placed` (`pipeline.registration_limit`
  caps every field by it, as on a sharp photo).
- `empty_boxes`: per field, the paper level, the frames' contrast (with a wider-blurred drawing
  beside it) and a shading plane are fitted to the whole field (twice, the second time without
  what the first left far out: handwriting, print beside the boxes); a box's *ink* is the spread
  between the brightest and the darkest spot of the residual inside it, INSET px in from its
  frame, in units of the frames' contrast. A box is *verified empty* when its field is placed
  and its ink is at most EMPTY_INK. The empty boxes of the real photos blurred by σ 2.5-4.5 px
  measure 0.04-0.14, the real page 2's written ones 1.6-2.8, the lowest of 2,058 written boxes
  of blurred synthetic pages 0.185 (bench/ocr_blur_ink.py, two seeds); a thin faint stroke can
  stay under the line (see OVERRULE).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.cells import FRAME, frames_drawing
from ocr.fuse import BLANK_CLASS
from ocr.locate import TagHit, project
from ocr.templates import Box, FieldLayout, PageTemplate

Gray = npt.NDArray[np.uint8]
Float = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float64]
Points = npt.NDArray[np.float64]

MARGIN = 10  # template px of paper around a field's frames in its model
COARSE = 4  # the global shift is searched at 1/COARSE of the template's size
GLOBAL_SEARCH = 64  # template px each way
FIELD_SEARCH = 24  # template px each way, each field alone
FINE_SEARCH = 6  # the same after the first refit
RANSAC_PX = 4.0  # template px
MATCH_MIN = 0.45  # normalised correlation of a field's frames (0.54-0.77 on the real σ 4 page)
PLACED_PX = 3.0  # template px between where a field's frames match and where the fit puts them
MIN_CONTRAST = 8.0  # gray levels: frames fainter than this verify nothing
# Of the frames' contrast: the most ink a verified empty box shows (between the real empty boxes'
# 0.14 and the synthetic written boxes' lowest 0.185).
EMPTY_INK = 0.16
# How often a written digit or X shows no more ink than EMPTY_INK (0 of the 2,058 written boxes
# of placed fields on blurred synthetic pages, bench/ocr_blur_ink.py): a verified empty box weighs
# the model's digit and X classes by this.
MISSED_INK = 0.01
# The check cannot see every stroke: at σ 5 template px a 2 px line as dark as the print shows
# an ink of 0.23, one half as dark 0.10 (tests/ocr/test_blurred.py). A verified empty box whose
# model gives a digit or an X this much or more keeps the model's reading.
OVERRULE = 0.5
SMOOTH = 2.0  # px: the residual is smoothed by this before its spots are compared
INSET = 7  # px of a box's interior left out along its frame (the model fits the frames' blur least)


@dataclass(frozen=True)
class BlurredFit:
    """A homography checked against the blurred frames."""

    image_to_template: Matrix
    placed: float  # share of the fields placed
    rms: float  # template px: residual of the fields' points the fit kept (NaN: no refit)


@dataclass(frozen=True)
class FieldCheck:
    """What the blurred frames say about one field."""

    match: float  # normalised correlation of its frames where they match best nearby
    placed: bool
    ink: tuple[float, ...]  # per box, frame contrast x px (NaN: not measured)
    empty: tuple[bool, ...]  # per box: verified empty


def _region(boxes: list[Box], margin: int) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 (template px) of the boxes' frames and `margin` px around them."""
    x0 = int(np.floor(min(b.x for b in boxes))) - FRAME - margin
    y0 = int(np.floor(min(b.y for b in boxes))) - FRAME - margin
    x1 = int(np.ceil(max(b.x + b.w for b in boxes))) + FRAME + margin
    y1 = int(np.ceil(max(b.y + b.h for b in boxes))) + FRAME + margin
    return x0, y0, x1, y1


def frames_model(boxes: list[Box], region: tuple[int, int, int, int], sigma: float) -> Float:
    """The boxes' printed frames over `region` as the photo shows them: 1 on paper, 0 on the
    frames, blurred by `sigma` px."""
    x0, y0, x1, y1 = region
    drawing = frames_drawing(boxes, (float(x0), float(y0)), (x1 - x0, y1 - y0))
    model = np.asarray(np.float32(1.0) - drawing, np.float32)
    if sigma > 0:
        model = np.asarray(cv2.GaussianBlur(model, (0, 0), sigma), np.float32)
    return model


def _warp(gray: Gray, matrix: Matrix, region: tuple[int, int, int, int]) -> Float:
    """The photo warped onto the template over `region` (template px), white outside."""
    x0, y0, x1, y1 = region
    shift = np.asarray([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
    part = cv2.warpPerspective(
        gray, shift @ matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=255
    )
    return np.asarray(part, np.float32)


def _match(image: Float, model: Float) -> tuple[float, tuple[int, int]]:
    """Where `model` matches `image` best: the correlation and the offset of the match from the
    middle of `image` (px)."""
    scores = np.asarray(cv2.matchTemplate(image, model, cv2.TM_CCOEFF_NORMED), np.float32)
    scores = np.nan_to_num(scores, nan=-1.0)
    _, best, _, (x, y) = cv2.minMaxLoc(scores)
    middle = ((scores.shape[1] - 1) // 2, (scores.shape[0] - 1) // 2)
    return float(best), (x - middle[0], y - middle[1])


def _translate(dx: float, dy: float) -> Matrix:
    return np.asarray([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _global_shift(gray: Gray, matrix: Matrix, page: PageTemplate, sigma: float) -> Matrix:
    """`matrix` corrected by the one shift that matches all fields' blurred frames best."""
    boxes = [b for f in page.fields for b in f.boxes]
    inner = _region(boxes, MARGIN)
    reach = GLOBAL_SEARCH
    outer = (inner[0] - reach, inner[1] - reach, inner[2] + reach, inner[3] + reach)
    image = _warp(gray, matrix, outer)
    model = frames_model(boxes, inner, sigma)
    best, (dx, dy) = _match(_shrink(image), _shrink(model))
    if not best > 0:
        return matrix
    return _translate(-dx * COARSE, -dy * COARSE) @ matrix


def _shrink(image: Float) -> Float:
    """`image` at 1/COARSE of its size."""
    size = (max(1, image.shape[1] // COARSE), max(1, image.shape[0] // COARSE))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.float32)


def _field_offsets(
    gray: Gray, matrix: Matrix, page: PageTemplate, sigma: float, search: int
) -> list[tuple[float, tuple[int, int]]]:
    """Per field, its frames' best correlation within ±`search` px and the offset there."""
    found = []
    for field in page.fields:
        inner = _region(field.boxes, MARGIN)
        outer = (inner[0] - search, inner[1] - search, inner[2] + search, inner[3] + search)
        model = frames_model(field.boxes, inner, sigma)
        best, offset = _match(_warp(gray, matrix, outer), model)
        found.append((best, offset))
    return found


def _refit(
    matrix: Matrix,
    page: PageTemplate,
    tag: TagHit | None,
    found: list[tuple[float, tuple[int, int]]],
) -> tuple[Matrix, float] | None:
    """The homography fitted (RANSAC) to the matched fields' box centres and the tag's corners;
    None when fewer than two fields matched."""
    template: list[tuple[float, float]] = []
    seen: list[tuple[float, float]] = []
    for field, (score, (dx, dy)) in zip(page.fields, found, strict=True):
        if score < MATCH_MIN:
            continue
        for box in field.boxes:
            cx, cy = box.center
            template.append((cx, cy))
            seen.append((cx + dx, cy + dy))
    if len(template) < 2 * len(page.fields[0].boxes):
        return None
    photo = project(np.linalg.inv(matrix), np.asarray(seen, np.float64))
    dst = np.asarray(template, np.float64)
    if tag is not None:
        photo = np.vstack([photo, np.asarray(tag.corners, np.float64)])
        dst = np.vstack([dst, np.asarray(page.tag.corners, np.float64)])
    homography, inliers = cv2.findHomography(photo, dst, cv2.RANSAC, RANSAC_PX)
    if homography is None:
        return None
    fitted = np.asarray(homography, np.float64)
    kept = inliers.ravel().astype(bool)
    residual = np.linalg.norm(project(fitted, photo) - dst, axis=1)[kept]
    return fitted, float(np.sqrt(np.mean(residual**2)))


def register_blurred(
    gray: Gray,
    page: PageTemplate,
    tag: TagHit | None,
    sigma: float,
    candidates: list[Matrix],
    enough: float = 1.0,
) -> BlurredFit | None:
    """The candidate that, corrected by the blurred frames, places most fields (see the module
    docstring); the first to place at least `enough` of them is taken at once. None without
    fields or candidates."""
    if not page.fields:
        return None
    best: BlurredFit | None = None
    for start in candidates:
        fit = _correct(gray, start, page, tag, sigma)
        if best is None or fit.placed > best.placed:
            best = fit
        if best.placed >= enough:
            break
    return best


def _correct(
    gray: Gray, start: Matrix, page: PageTemplate, tag: TagHit | None, sigma: float
) -> BlurredFit:
    matrix = _global_shift(gray, start, page, sigma)
    rms = float("nan")
    for search in (FIELD_SEARCH, FINE_SEARCH):
        fitted = _refit(matrix, page, tag, _field_offsets(gray, matrix, page, sigma, search))
        if fitted is not None:
            matrix, rms = fitted
    found = _field_offsets(gray, matrix, page, sigma, FINE_SEARCH)
    placed = [_placed(score, offset) for score, offset in found]
    return BlurredFit(matrix, float(np.mean(placed)), rms)


def _placed(score: float, offset: tuple[int, int]) -> bool:
    return score >= MATCH_MIN and float(np.hypot(*offset)) <= PLACED_PX


def empty_boxes(rectified: Gray, page: PageTemplate, sigma: float) -> dict[str, FieldCheck]:
    """Per field of the page, its frames' match and each box's ink on `rectified` (the blurred
    photo warped onto the template, not deconvolved); see the module docstring."""
    return {f.name: _check(rectified, f, sigma) for f in page.fields}


def weigh(boxes: npt.NDArray[np.float64], empty: tuple[bool, ...]) -> npt.NDArray[np.float64]:
    """The model's box probabilities (N, 12: digits, X, blank) with the blurred photo's
    evidence: a box verified empty has its digit and X classes weighed by MISSED_INK, unless the
    model gives one of them OVERRULE or more."""
    out = np.array(boxes, dtype=np.float64, copy=True)
    for row, verified in zip(out, empty, strict=True):
        if verified and float(row[:BLANK_CLASS].max()) < OVERRULE:
            row[:BLANK_CLASS] *= MISSED_INK
            row /= row.sum()
    return out


def _check(rectified: Gray, field: FieldLayout, sigma: float) -> FieldCheck:
    inner = _region(field.boxes, MARGIN)
    s = FINE_SEARCH
    outer = (inner[0] - s, inner[1] - s, inner[2] + s, inner[3] + s)
    height, width = rectified.shape[:2]
    unmeasured, unverified = (float("nan"),) * len(field.boxes), (False,) * len(field.boxes)
    if outer[0] < 0 or outer[1] < 0 or outer[2] > width or outer[3] > height:
        return FieldCheck(float("nan"), False, unmeasured, unverified)
    image = np.asarray(rectified[outer[1] : outer[3], outer[0] : outer[2]], np.float32)
    model = frames_model(field.boxes, inner, sigma)
    score, (dx, dy) = _match(image, model)
    if not _placed(score, (dx, dy)):
        return FieldCheck(score, False, unmeasured, unverified)
    top, left = s + dy, s + dx
    patch = image[top : top + model.shape[0], left : left + model.shape[1]]
    spans = []
    for box in field.boxes:
        bx0 = int(round(box.x)) - inner[0] + INSET
        by0 = int(round(box.y)) - inner[1] + INSET
        bx1 = int(round(box.x + box.w)) - inner[0] - INSET
        by1 = int(round(box.y + box.h)) - inner[1] - INSET
        spans.append((slice(by0, by1), slice(bx0, bx1)))
    residual, contrast = _fit_paper(patch, model, sigma)
    if not contrast >= MIN_CONTRAST:
        return FieldCheck(score, True, unmeasured, unverified)
    smooth = np.asarray(cv2.GaussianBlur(residual, (0, 0), SMOOTH), np.float32)
    inks, empty = [], []
    for rows, cols in spans:
        inside = smooth[rows, cols]
        # Between the brightest and the darkest spot of the interior: a pen stroke is a dark
        # spot on paper; an empty box is flat, however far its paper is from the model's.
        ink = (float(inside.max()) - float(inside.min())) / contrast
        inks.append(round(ink, 3))
        empty.append(ink <= EMPTY_INK)
    return FieldCheck(score, True, tuple(inks), tuple(empty))


def _fit_paper(patch: Float, model: Float, sigma: float) -> tuple[Float, float]:
    """The residual of `patch` after the best paper level + contrast x `model` + the frames
    blurred wider (a thicker print, a blur measured short) + a shading plane, fitted over the
    whole patch three times (each time without the pixels the last fit left beyond 3 robust σ:
    the handwriting, print beside the boxes), and the contrast (gray levels between paper and
    frame ink)."""
    rows, cols = patch.shape
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float32)
    wider = cv2.GaussianBlur(model, (0, 0), max(sigma, 1.0) * 0.7)
    design = np.stack(
        [
            np.ones(patch.size, np.float32),
            model.ravel(),
            wider.ravel(),
            xx.ravel() / cols,
            yy.ravel() / rows,
        ],
        axis=1,
    )
    target = patch.ravel()
    keep = np.ones(patch.size, bool)
    coef = np.zeros(design.shape[1])
    for _ in range(3):
        coef, *_ = np.linalg.lstsq(design[keep], target[keep], rcond=None)
        error = target - design @ coef
        spread = 1.4826 * float(np.median(np.abs(error[keep]))) + 1.0
        keep = np.abs(error) <= 3 * spread
    residual = (target - design @ coef).reshape(patch.shape).astype(np.float32)
    return residual, float(coef[1] + coef[2])
