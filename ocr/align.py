"""Refine the photo→template homography against the page's own printed box frames.

The evidence points (tag corners, corner markers, page outline) give a first homography (the
*seed*, `rectify`). Here the printed structure of the template page checks and refines it: the
photo is warped with the current homography, every field's three printed frames are searched
together near their template place (±`cells.FIELD_SEARCH`), then each box alone; every box whose
own four frame lines are found there (`cells.frame_edges`) is one more point pair (where the
photo shows it, where the template has it). One homography is fitted by RANSAC to all of them
together with the seed's evidence points, and the round is repeated (a seed far off brings the
near fields into reach first, the fit the far ones) until a refit moves no box by more than
`STILL_PX` (the frames are found to the pixel: such a refit is noise and is not taken, the
homography measured last stands). Each round's frames are searched on one ink image of the
warped fields' region (`cells.FrameInk`); the last one goes with the fit, so the crop of the
registered page takes over its searches instead of repeating them.

The fit always is a full homography (8 degrees of freedom); there is no affine stage. Its quality
is measured, not assumed from the evidence used: `Fit.placed` is the share of fields whose
frames are found near where the final homography puts them (`quality`), `Fit.rms` the residual
of the box points kept. A seed that places every field closely is kept; otherwise the refitted
homography is kept only when the frames agree with it better than with the seed (a page that is
not flat cannot be one homography: the per-field search of `cells` follows the rest).
`pipeline.registration_limit` turns them into a cap on every field.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.cells import (
    BOX_SEARCH,
    CLEAR_FRAME,
    EDGE_MIN,
    EDGE_REACH,
    FIELD_SEARCH,
    PAPER_REACH,
    FrameInk,
    field_offset,
    fields_area,
    frame_edges,
    frames_offset,
)
from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]
Points = npt.NDArray[np.float64]

ROUNDS = 3
ROUGH_SEARCH = 60  # template px: first-round frame search around a rough seed
FRAME = 3  # printed frame thickness, template px (cells.FRAME)
RANSAC_PX = 4.0  # template px (72 dpi: 1.4 mm)
PLACED_BOXES = 2  # boxes of a field whose frame lines must be found for it to be placed
CLOSE_PX = 8.0  # template px: a seed placing every box this close is kept as it is
# template px: a refit that moves no found box more than this is not taken (the frames are
# found to the pixel, so refits of a converged homography wander by 1-2 px; each round costs a
# warp and a search of every frame)
STILL_PX = 2.0
MIN_BOXES = 6  # box points needed before the frames may change the homography
# ... while some field is out of reach: one field's three, with the seed's own points beside
# them (from the tag alone or wrong far markers, often only the field nearest the tag is in
# reach at first; the refit is judged by the frames it then finds). Once every field is in
# reach, refits from so few boxes go on trading the sheet's bends for a turn of the rows: the
# real page 2 at ~40° read 1 of its 3 fields that way, all 3 with MIN_BOXES from then on.
FEW_BOXES = 3
# template px around the boxes where frames are searched (the widest search and a box's lines)
REACH = ROUGH_SEARCH + BOX_SEARCH + 2 * FRAME + EDGE_REACH + 2


@dataclass(frozen=True)
class Fit:
    """The refined homography and what the printed frames say about it."""

    image_to_template: Matrix
    placed: float  # share of the page's fields whose frames are where the fit puts them
    rms: float  # template px: residual of the box points kept by the fit (NaN: none)
    boxes: int  # box points used by the last fit
    rounds: int  # how many rounds changed the homography
    frames: FrameInk | None = None  # the frames as measured on the photo warped with this fit


def warp(gray: Gray, image_to_template: Matrix, page: PageTemplate) -> Gray:
    """The photo warped onto the template page (template px, white elsewhere), only over the
    fields' boxes and the widest frame search around them (the rest is never looked at)."""
    width, height = int(round(page.width)), int(round(page.height))
    canvas = np.full((height, width), 255, np.uint8)
    if not any(f.boxes for f in page.fields):
        return canvas
    # Every pixel `page_ink` looks at, so its ink is the same as on the whole page warped.
    x0, y0, x1, y1 = fields_area(page, REACH + PAPER_REACH)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    shift = np.asarray([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
    part = cv2.warpPerspective(
        gray,
        shift @ image_to_template,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR,
        borderValue=255,
    )
    canvas[y0:y1, x0:x1] = part
    return canvas


def _project(matrix: Matrix, pts: Points) -> Points:
    arr = np.asarray(pts, np.float64).reshape(-1, 1, 2)
    return np.asarray(cv2.perspectiveTransform(arr, matrix), np.float64).reshape(-1, 2)


_BIAS: dict[int, tuple[PageTemplate, Points]] = {}


def _bias(page: PageTemplate) -> Points:
    """Per box, the offset the frame search reports on a perfect page (its integer search grid
    and rounded outline put it up to 2 px off): subtracted from what a photo shows."""
    hit = _BIAS.get(id(page))
    if hit is not None and hit[0] is page:
        return hit[1]
    canvas = np.full((int(round(page.height)), int(round(page.width))), 255, np.uint8)
    shift = 4  # sub-pixel drawing: coordinates in 1/16 px
    for field in page.fields:
        for box in field.boxes:
            outer = (box.x - FRAME, box.y - FRAME, box.x + box.w + FRAME, box.y + box.h + FRAME)
            inner = (box.x, box.y, box.x + box.w, box.y + box.h)
            for (x0, y0, x1, y1), gray in ((outer, 0), (inner, 255)):
                # pixel i covers [i, i+1): its centre is i + 0.5
                quad = np.asarray([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64) - 0.5
                pts = np.round(quad * (1 << shift)).astype(np.int32)
                cv2.fillPoly(canvas, [pts], gray, cv2.LINE_AA, shift)
    seen, want, owner = _measure(canvas, page)
    by_key = dict(zip(owner, seen - want, strict=True))
    bias = np.asarray([by_key.get(key, (0.0, 0.0)) for key in _box_keys(page)], np.float64)
    _BIAS[id(page)] = (page, bias)
    return bias


def page_ink(rectified: Gray, page: PageTemplate) -> FrameInk:
    """The rectified photo's ink over the fields' region, shared by the searches on it."""
    return FrameInk(rectified, fields_area(page, REACH))


def found_boxes(
    rectified: Gray | FrameInk, page: PageTemplate, search: int = FIELD_SEARCH
) -> tuple[Points, Points, list[int]]:
    """Box centres where the rectified photo shows them, where the template has them, and the
    index of each box's field: only boxes whose four frame lines are found."""
    seen, want, owner = _measure(rectified, page, search)
    bias = _bias(page)
    index = {(f, k): i for i, (f, k) in enumerate(_box_keys(page))}
    if len(seen):
        seen = seen - bias[[index[key] for key in owner]]
    return seen, want, [k for k, _ in owner]


def _box_keys(page: PageTemplate) -> list[tuple[int, int]]:
    return [(k, j) for k, field in enumerate(page.fields) for j in range(len(field.boxes))]


def _measure(
    rectified: Gray | FrameInk, page: PageTemplate, search: int = FIELD_SEARCH
) -> tuple[Points, Points, list[tuple[int, int]]]:
    """Box centres found (offset by the frame search) and wanted, with (field, box) indexes."""
    if not isinstance(rectified, FrameInk):
        rectified = page_ink(rectified, page)
    seen, want, owner = [], [], []
    for k, field in enumerate(page.fields):
        coarse, score = field_offset(rectified, field.boxes, search=search)
        if score < CLEAR_FRAME:
            continue
        for j, box in enumerate(field.boxes):
            offset, _ = frames_offset(rectified, [box], coarse, search=BOX_SEARCH)
            if frame_edges(rectified, box, offset) < EDGE_MIN:
                continue
            cx, cy = box.center
            seen.append((cx + offset[0], cy + offset[1]))
            want.append((cx, cy))
            owner.append((k, j))
    return np.asarray(seen, np.float64), np.asarray(want, np.float64), owner


def refine(
    gray: Gray,
    page: PageTemplate,
    seed: Matrix,
    anchors: tuple[Points, Points],
    *,
    rough: bool = False,
) -> Fit:
    """Refine `seed` (photo→template) with the printed frames (see the module docstring).
    `anchors` are the seed's own evidence points (photo, template), fitted along. A seed that
    already places every field is kept as it is (the frames confirm it); a `rough` seed (the
    tag alone) has its frames searched wider in the first round."""
    matrix = np.asarray(seed, np.float64)
    first = ROUGH_SEARCH if rough else FIELD_SEARCH
    seeded = page_ink(warp(gray, matrix, page), page)
    found = found_boxes(seeded, page, first)
    before = _quality(found, page)
    if not rough and before[0] == 1.0 and before[1] <= CLOSE_PX:
        return Fit(matrix, 1.0, float("nan"), 0, 0, seeded)
    if not rough and before[0] < 1.0:  # fields out of reach: look for them wider first
        found = found_boxes(seeded, page, ROUGH_SEARCH)
    rounds = 0
    kept_rms, kept_boxes = float("nan"), 0
    current = seeded
    for _ in range(ROUNDS):
        seen, want, _ = found
        # With every field in reach a refit from a few boxes only trades a bent sheet's offsets
        # for a turn of the rows: it needs MIN_BOXES (see FEW_BOXES).
        needed = FEW_BOXES if _quality(found, page)[0] < 1.0 else MIN_BOXES
        if len(seen) < needed:
            break
        photo = _project(np.asarray(np.linalg.inv(matrix), np.float64), seen)
        src = np.vstack([anchors[0].reshape(-1, 2), photo])
        dst = np.vstack([anchors[1].reshape(-1, 2), want])
        h, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
        if h is None or mask is None:
            break
        inliers = np.asarray(mask, bool).ravel()[len(anchors[0].reshape(-1, 2)) :]
        if int(inliers.sum()) < needed:
            break
        new = np.asarray(h, np.float64) / h[2, 2]
        moved = np.linalg.norm(_project(new, photo) - _project(matrix, photo), axis=1)
        if rounds and float(np.max(moved)) < STILL_PX:
            break  # noise of a search to the pixel: the homography measured last stands
        residual = np.linalg.norm(_project(new, photo[inliers]) - want[inliers], axis=1)
        kept_rms, kept_boxes = float(np.sqrt(np.mean(residual**2))), int(inliers.sum())
        matrix = new
        rounds += 1
        current = page_ink(warp(gray, matrix, page), page)
        found = found_boxes(current, page)
    after = _quality(found, page) if rounds else before
    if not rough and (before[0], -before[1]) >= (after[0], -after[1]):
        return Fit(np.asarray(seed, np.float64), before[0], float("nan"), 0, 0, seeded)
    return Fit(matrix, after[0], kept_rms, kept_boxes, rounds, current)


def quality(rectified: Gray, page: PageTemplate) -> tuple[float, float]:
    """How well the printed frames agree with a registration: the share of the page's fields
    with the frame lines of at least PLACED_BOXES of their boxes found within the field search
    (`cells.FIELD_SEARCH`) of where it puts them, and the largest distance (template px) of a
    found box from its place (inf when none is found). A page that is not flat leaves a field
    20 px off a good homography (the per-field search of `cells` follows it); a registration a
    box or more off finds no frames there."""
    return _quality(found_boxes(rectified, page), page)


def _quality(found: tuple[Points, Points, list[int]], page: PageTemplate) -> tuple[float, float]:
    if not page.fields:
        return 0.0, float("inf")
    seen, want, owner = found
    counts = np.bincount(np.asarray(owner, np.int64), minlength=len(page.fields))
    far = float(np.max(np.linalg.norm(seen - want, axis=1))) if len(seen) else float("inf")
    return float(np.mean(counts >= PLACED_BOXES)), far
