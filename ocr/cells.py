"""Stage 4, cells: crop every digit box of the rectified page, each refined on its printed border.

The homography puts a box within a few template px of its place (20 or more on a page that does
not lie flat). Each box is then moved by the offset that puts the most ink on the outline of its
printed frame (the field's three frames together, then each alone), and the interior is cropped
with a small inset so the frame does not reach the digit model. Each crop also says how clearly
its own four frame lines are where the crop puts them (`frame_edges`): a box read as empty is
only believable when its frame is there, not when the crop landed on bare paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.templates import Box, PageTemplate

Gray = npt.NDArray[np.uint8]
Ink = npt.NDArray[np.float32]

FIELD_SEARCH = 26  # template px each way, for a field's three frames together
BOX_SEARCH = 4  # then for each box alone
BOX_RESCUE = 12  # each way, for a box whose own frame lines are not at the field's offset
EDGE_MIN = 12.0  # gray levels: a frame line fainter than this is not found (see frame_edges)
PAPER_LEVEL = 200.0  # frame ink is measured as if the local paper were this bright
SEARCH = FIELD_SEARCH
CLEAR_FRAME = 1.3  # frame clarity above which the best match is trusted wherever it is
PRIOR_SIGMA = 10.0  # px: below it, how far from the registration a frame may pull a field
FRAME = 3  # printed frame thickness, template px (about 1 mm at 72 dpi)
INSET = 3  # px kept away from the frame's inner edge
EDGE_REACH = 3  # px each side of a frame line's expected centre where its ink is looked for
EDGE_SPAN = 0.15  # share of a side left out at each end (corners and neighbouring lines)


@dataclass(frozen=True)
class BoxCrop:
    """One digit box: its pixels and where they came from on the rectified page."""

    field: str
    index: int  # 0 hundreds, 1 tens, 2 units
    image: Gray
    rect: tuple[int, int, int, int]  # x, y, w, h in rectified (template) px
    offset: tuple[int, int]  # how far the printed frame was from the template's place
    frame_score: float  # how clearly the field's printed frames were found (see frames_offset)
    edges: float = float("inf")  # ink of the faintest of the box's own 4 frame lines (frame_edges)


def ink_image(gray: Gray) -> Ink:
    """Ink strength: how much darker a pixel is than the local paper (robust to shading)."""
    paper = cv2.dilate(gray, np.ones((9, 9), np.uint8))
    return np.asarray(cv2.subtract(paper, gray), dtype=np.float32)


def _outline(boxes: list[Box], origin: tuple[float, float], size: tuple[int, int]) -> Ink:
    """A template image of the printed frames of `boxes`, drawn relative to `origin`."""
    canvas = np.zeros((size[1], size[0]), np.float32)
    half = FRAME / 2
    for box in boxes:
        # cv2 draws a thick line centred on its coordinates: the frame's centre line.
        x0, y0 = int(round(box.x - half - origin[0])), int(round(box.y - half - origin[1]))
        x1 = int(round(box.x + box.w + half - origin[0]))
        y1 = int(round(box.y + box.h + half - origin[1]))
        cv2.rectangle(canvas, (x0, y0), (x1, y1), 1.0, FRAME)
    return canvas


def frames_offset(
    gray: Gray, boxes: list[Box], start: tuple[int, int] = (0, 0), search: int = SEARCH
) -> tuple[tuple[int, int], float]:
    """The (dx, dy) near `start` that puts the most ink on the printed frames of `boxes`, and
    how clearly a frame is there: the outline's mean ink over the search region's mean ink
    (about 1 where no frame is printed, 4 and more on a sharp photo of the real form)."""
    left = min(b.x for b in boxes) - FRAME
    top = min(b.y for b in boxes) - FRAME
    width = int(round(max(b.x + b.w for b in boxes) + FRAME - left)) + 1
    height = int(round(max(b.y + b.h for b in boxes) + FRAME - top)) + 1
    outline = _outline(boxes, (left, top), (width, height))
    x0 = int(round(left)) + start[0] - search
    y0 = int(round(top)) + start[1] - search
    if x0 < 0 or y0 < 0 or x0 + width + 2 * search > gray.shape[1]:
        return start, 0.0
    if y0 + height + 2 * search > gray.shape[0]:
        return start, 0.0
    region = ink_image(gray[y0 : y0 + height + 2 * search, x0 : x0 + width + 2 * search])
    scores = cv2.matchTemplate(region, outline, cv2.TM_CCORR)
    _, peak, _, best = cv2.minMaxLoc(scores)
    score = (peak / float(outline.sum())) / (float(region.mean()) + 1.0)
    if score < CLEAR_FRAME:
        # Faded frames (a blurred photo): the handwriting can outweigh them, so stay near the
        # registration, which is usually right to a few px, unless a frame clearly says not.
        span = np.arange(-search, search + 1, dtype=np.float32) ** 2
        prior = np.exp(-(span[:, None] + span[None, :]) / (2 * PRIOR_SIGMA**2))
        _, _, _, best = cv2.minMaxLoc(scores * prior)
        score = (float(scores[best[1], best[0]]) / float(outline.sum())) / (
            float(region.mean()) + 1.0
        )
    return (start[0] + best[0] - search, start[1] + best[1] - search), score


def frame_edges(gray: Gray, box: Box, offset: tuple[int, int]) -> float:
    """Ink (gray levels under the local paper, scaled to a paper of PAPER_LEVEL) of the faintest
    of the box's four frame lines at `offset`: per line, the median along its middle of the
    darkest pixel across it. About 0 on
    bare paper, tens and more on a printed frame (a hand-written stroke crossing it is one short
    run, which the median ignores)."""
    margin = FRAME + EDGE_REACH + 1
    x0, y0 = int(round(box.x)) + offset[0] - margin, int(round(box.y)) + offset[1] - margin
    w, h = int(round(box.w)), int(round(box.h))
    if x0 < 0 or y0 < 0 or x0 + w + 2 * margin > gray.shape[1]:
        return 0.0
    if y0 + h + 2 * margin > gray.shape[0]:
        return 0.0
    patch = gray[y0 : y0 + h + 2 * margin, x0 : x0 + w + 2 * margin]
    # In gray levels of a paper at PAPER_LEVEL: a dim photo (low light, a shadow) has fainter
    # frames in absolute levels, as much fainter as its paper is darker.
    paper = _median(patch.ravel())  # mostly paper: the frame and a digit are thin
    ink = ink_image(patch) * (PAPER_LEVEL / max(paper, 32.0))
    # The frame's centre lines (see _outline), in the region's coordinates.
    left, top = margin - FRAME // 2 - 1, margin - FRAME // 2 - 1
    right, bottom = margin + w + FRAME // 2 + 1, margin + h + FRAME // 2 + 1
    ys = slice(margin + int(EDGE_SPAN * h), margin + int((1 - EDGE_SPAN) * h))
    xs = slice(margin + int(EDGE_SPAN * w), margin + int((1 - EDGE_SPAN) * w))
    r = EDGE_REACH
    lines = [
        ink[ys, left - r : left + r + 1].max(axis=1),
        ink[ys, right - r : right + r + 1].max(axis=1),
        ink[top - r : top + r + 1, xs].max(axis=0),
        ink[bottom - r : bottom + r + 1, xs].max(axis=0),
    ]
    return min(_median(line) for line in lines)


def _median(values: npt.NDArray[np.generic]) -> float:
    """np.median of a 1-D array, without its overhead (this runs a few hundred times a page)."""
    n = len(values)
    if n == 0:
        return float("nan")
    half = n // 2
    if n % 2:
        return float(np.partition(values, half)[half])
    low, high = np.partition(values, (half - 1, half))[half - 1 : half + 1]
    return (float(low) + float(high)) / 2


def crop_boxes(rectified: Gray, page: PageTemplate) -> list[BoxCrop]:
    """Every digit box of the page, in template field order, three per field.

    The three frames of a field are searched together first (wide: a page that is not flat
    can be 20 px off), then each box alone (narrow).
    """
    crops = []
    for field in page.fields:
        coarse, score = frames_offset(rectified, field.boxes, search=FIELD_SEARCH)
        boxes = field.boxes
        placed = [_place_box(rectified, box, [coarse], BOX_SEARCH) for box in boxes]
        # A page that is not flat can bend one box of a field 10 px off the field's offset:
        # a box whose frame lines are not found is looked for alone a little wider, then
        # near where its neighbours' frames were found.
        pairs = zip(boxes, placed, strict=True)
        placed = [_place_box(rectified, b, [coarse], BOX_RESCUE, p) for b, p in pairs]
        found = [offset for offset, _ in placed]
        pairs = zip(boxes, placed, strict=True)
        placed = [_place_box(rectified, b, found, BOX_SEARCH, p) for b, p in pairs]
        for index, box in enumerate(field.boxes):
            (dx, dy), edges = placed[index]
            x = int(round(box.x)) + dx + INSET
            y = int(round(box.y)) + dy + INSET
            w, h = int(round(box.w)) - 2 * INSET, int(round(box.h)) - 2 * INSET
            x, y = max(0, x), max(0, y)
            image = np.ascontiguousarray(rectified[y : y + h, x : x + w])
            crops.append(BoxCrop(field.name, index, image, (x, y, w, h), (dx, dy), score, edges))
    return crops


Placed = tuple[tuple[int, int], float]  # a box's offset and its frame-line ink there


def _place_box(
    gray: Gray,
    box: Box,
    starts: list[tuple[int, int]],
    search: int,
    kept: Placed | None = None,
) -> Placed:
    """The offset near one of `starts` where the box's frame lines are darkest, and their ink
    there; `kept` (an earlier placement) stays when its frame lines were found."""
    if kept is not None and kept[1] >= EDGE_MIN:
        return kept
    tries = [] if kept is None else [kept]
    for start in dict.fromkeys(starts):
        offset, _ = frames_offset(gray, [box], start, search=search)
        tries.append((offset, frame_edges(gray, box, offset)))
    return max(tries, key=lambda t: t[1])
