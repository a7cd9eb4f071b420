"""Stage 4, cells: crop every digit box of the rectified page, each refined on its printed border.

The homography puts a box within a few template px of its place (20 or more on a page that does
not lie flat). Each box is then moved by the offset that puts the most ink on the outline of its
printed frame (the field's three frames together, then each alone), and the interior is cropped
with a small inset so the frame does not reach the digit model; a field whose boxes so placed
are not on a straight row is placed again as a row (`_place_row`). Each crop also says how clearly
its own four frame lines are where the crop puts them (`frame_edges`): a box read as empty is
only believable when its frame is there, not when the crop landed on bare paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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
# template px around the boxes where the crop's searches look: the field's, then a box's rescue
CROP_REACH = FIELD_SEARCH + BOX_RESCUE + FRAME + EDGE_REACH + 2


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


def frames_drawing(boxes: list[Box], origin: tuple[float, float], size: tuple[int, int]) -> Ink:
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


class FrameInk:
    """One page's ink (`ink_image`) for every frame search and frame-line measure on it.

    With an `area` (x0, y0, x1, y1, page px: where frames are looked for, `fields_area`), the ink
    is computed once over that area (the paper estimate reaching past its edge as on the whole
    image) and every region inside it is a slice of it; a region elsewhere gets its own ink.
    Without one, every region gets its own ink (a single search on a large image). What is
    measured inside the area is kept by its arguments: a registration round and the crop's
    rescue steps ask for the same box at the same place more than once, a field's narrow search
    is the middle of its wide one, and the crop of the registered page repeats the last
    registration round's searches (`for_image`).
    """

    def __init__(self, gray: Gray, area: tuple[int, int, int, int] | None = None) -> None:
        self.gray = gray
        height, width = gray.shape[:2]
        if area is None:
            self.area = (0, 0, 0, 0)
        else:
            x0, y0, x1, y1 = area
            self.area = (max(0, x0), max(0, y0), min(width, x1), min(height, y1))
        self._ink: Ink | None = None
        self._scores: dict[tuple[tuple[int, ...], tuple[int, int]], _Scores] = {}
        self._offsets: dict[tuple[tuple[int, ...], tuple[int, int], int, bool], Found] = {}
        self._edges: dict[tuple[int, tuple[int, int]], float] = {}

    def shared(self, x0: int, y0: int, x1: int, y1: int) -> bool:
        """True when the region lies inside the area whose ink is computed once."""
        ax0, ay0, ax1, ay1 = self.area
        return ax0 <= x0 and ay0 <= y0 and x1 <= ax1 and y1 <= ay1 and ax1 > ax0

    def region(self, x0: int, y0: int, x1: int, y1: int) -> Ink:
        """The ink of gray[y0:y1, x0:x1] (a read-only slice when shared)."""
        if not self.shared(x0, y0, x1, y1):
            return ink_image(self.gray[y0:y1, x0:x1])
        if self._ink is None:
            px0, py0, px1, py1 = self._padded()
            ink = ink_image(self.gray[py0:py1, px0:px1])
            ax0, ay0, ax1, ay1 = self.area
            self._ink = ink[ay0 - py0 : ay1 - py0, ax0 - px0 : ax1 - px0]
        ax0, ay0 = self.area[:2]
        return self._ink[y0 - ay0 : y1 - ay0, x0 - ax0 : x1 - ax0]

    def _padded(self) -> tuple[int, int, int, int]:
        """The area and the pixels its paper estimate (a 9 px dilation) sees past its edge."""
        ax0, ay0, ax1, ay1 = self.area
        height, width = self.gray.shape[:2]
        pad = PAPER_REACH
        return max(0, ax0 - pad), max(0, ay0 - pad), min(width, ax1 + pad), min(height, ay1 + pad)

    def for_image(self, gray: Gray, area: tuple[int, int, int, int]) -> FrameInk | None:
        """This ink and what was measured on it, for `gray`, when `gray` has the same pixels
        over this area (and what its paper estimate sees) and `area` lies inside it; else None.
        (The registration measures a warp of the fields' region; the crop reads the whole
        page warped with the same homography: the same pixels there.)"""
        x0, y0, x1, y1 = area
        height, width = gray.shape[:2]
        inside = self.shared(max(0, x0), max(0, y0), min(width, x1), min(height, y1))
        if gray.shape != self.gray.shape or not inside:
            return None
        px0, py0, px1, py1 = self._padded()
        if not np.array_equal(gray[py0:py1, px0:px1], self.gray[py0:py1, px0:px1]):
            return None
        view = FrameInk(gray, self.area)
        view._ink, view._scores = self._ink, self._scores
        view._offsets, view._edges = self._offsets, self._edges
        return view


PAPER_REACH = 4  # px: how far `ink_image`'s paper estimate looks (a 9 x 9 dilation)
Found = tuple[tuple[int, int], float]  # an offset and the frame clarity there


@dataclass(frozen=True)
class _Scores:
    """One frame search's correlation map and what its clarity is measured against."""

    search: int
    scores: Ink
    total: float  # the outline's own sum


def fields_area(page: PageTemplate, reach: int) -> tuple[int, int, int, int]:
    """The part of the page (x0, y0, x1, y1, template px) within `reach` of a digit box."""
    boxes = [b for f in page.fields for b in f.boxes]
    if not boxes:
        return (0, 0, 0, 0)
    return (
        int(min(b.x for b in boxes)) - reach,
        int(min(b.y for b in boxes)) - reach,
        int(max(b.x + b.w for b in boxes)) + reach + 1,
        int(max(b.y + b.h for b in boxes)) + reach + 1,
    )


def frames_offset(
    gray: Gray | FrameInk,
    boxes: list[Box],
    start: tuple[int, int] = (0, 0),
    search: int = SEARCH,
    *,
    near: bool = False,
) -> Found:
    """The (dx, dy) near `start` that puts the most ink on the printed frames of `boxes`, and
    how clearly a frame is there: the outline's mean ink over the search region's mean ink
    (about 1 where no frame is printed, 4 and more on a sharp photo of the real form). `near`:
    the best match pulled towards `start` (PRIOR_SIGMA), as for faded frames."""
    page = gray if isinstance(gray, FrameInk) else FrameInk(gray)
    key = (tuple(id(b) for b in boxes), start, search, near)
    hit = page._offsets.get(key)
    if hit is None:
        hit, shared = _frames_offset(page, boxes, start, search, near)
        if shared:
            page._offsets[key] = hit
    return hit


def field_offset(
    gray: FrameInk, boxes: list[Box], start: tuple[int, int] = (0, 0), search: int = SEARCH
) -> Found:
    """A field's frames (`frames_offset`): of the best match, the match nearest `start` (pulled
    towards it, PRIOR_SIGMA) and the best match moved a box pitch either way along the row
    (searched ±BOX_SEARCH there), the one showing the four frame lines (`frame_edges`) of the
    most boxes; the best match on a tie. A row of frames matches itself a box off with 2 of 3
    boxes framed: KPU's page 2 turned 8° had a seed 45 and 80 px off its lower fields, which
    the ±26 px search found 21 and 14 px off the other way. A heavy X or a deblurred photo's
    ringing can lift a match half a box off: a blurred copy of the real page 2 put its "X32"
    crops 14 px left, two boxes framed of three (three at the registration's own place)."""
    best = frames_offset(gray, boxes, start, search)
    if _framed(gray, boxes, best[0]) == len(boxes):
        return best  # nothing can frame more (the usual case: no other search)
    tries = [best, frames_offset(gray, boxes, start, search, near=True)]
    if len(boxes) > 1:
        pitch = (
            (boxes[-1].x - boxes[0].x) / (len(boxes) - 1),
            (boxes[-1].y - boxes[0].y) / (len(boxes) - 1),
        )
        for sign in (1, -1):
            moved = (
                best[0][0] + int(round(sign * pitch[0])),
                best[0][1] + int(round(sign * pitch[1])),
            )
            tries.append(frames_offset(gray, boxes, moved, BOX_SEARCH))
    framed = [_framed(gray, boxes, offset) for offset, _ in tries]
    return tries[int(np.argmax(framed))]


def _framed(gray: FrameInk, boxes: list[Box], offset: tuple[int, int]) -> int:
    """How many of `boxes` show their four frame lines at `offset`."""
    return sum(frame_edges(gray, box, offset) >= EDGE_MIN for box in boxes)


def _frames_offset(
    page: FrameInk, boxes: list[Box], start: tuple[int, int], search: int, near: bool = False
) -> tuple[Found, bool]:
    """frames_offset, and whether it was measured inside the page's shared area."""
    left = min(b.x for b in boxes) - FRAME
    top = min(b.y for b in boxes) - FRAME
    width = int(round(max(b.x + b.w for b in boxes) + FRAME - left)) + 1
    height = int(round(max(b.y + b.h for b in boxes) + FRAME - top)) + 1
    x0 = int(round(left)) + start[0] - search
    y0 = int(round(top)) + start[1] - search
    shape = page.gray.shape
    if x0 < 0 or y0 < 0 or x0 + width + 2 * search > shape[1]:
        return (start, 0.0), True
    if y0 + height + 2 * search > shape[0]:
        return (start, 0.0), True
    x1, y1 = x0 + width + 2 * search, y0 + height + 2 * search
    shared = page.shared(x0, y0, x1, y1)
    key = (tuple(id(b) for b in boxes), start)
    wide = page._scores.get(key)
    if wide is not None and wide.search >= search and shared:
        # The middle of a wider search on the same ink: the same correlations.
        cut = wide.search - search
        scores = wide.scores[cut : cut + 2 * search + 1, cut : cut + 2 * search + 1]
        region = page.region(x0, y0, x1, y1)
        total = wide.total
    else:
        outline = frames_drawing(boxes, (left, top), (width, height))
        region = page.region(x0, y0, x1, y1)
        scores = np.asarray(
            cv2.matchTemplate(np.ascontiguousarray(region), outline, cv2.TM_CCORR), np.float32
        )
        total = float(outline.sum())
        if shared:
            page._scores[key] = _Scores(search, scores, total)
    _, peak, _, best = cv2.minMaxLoc(scores)
    mean = float(region.mean()) + 1.0
    score = (peak / total) / mean
    if near or score < CLEAR_FRAME:
        # Faded frames (a blurred photo): the handwriting can outweigh them, so stay near the
        # registration, which is usually right to a few px, unless a frame clearly says not.
        _, _, _, best = cv2.minMaxLoc(scores * _prior(search))
        score = (float(scores[best[1], best[0]]) / total) / mean
    return ((start[0] + best[0] - search, start[1] + best[1] - search), score), shared


@lru_cache(maxsize=16)
def _prior(search: int) -> Ink:
    """The pull towards the registration's own place (Gaussian, PRIOR_SIGMA), per offset."""
    span = np.arange(-search, search + 1, dtype=np.float32) ** 2
    prior = np.asarray(np.exp(-(span[:, None] + span[None, :]) / (2 * PRIOR_SIGMA**2)), np.float32)
    prior.setflags(write=False)
    return prior


def frame_edges(gray: Gray | FrameInk, box: Box, offset: tuple[int, int]) -> float:
    """Ink (gray levels under the local paper, scaled to a paper of PAPER_LEVEL) of the faintest
    of the box's four frame lines at `offset`: per line, the median along its middle of the
    darkest pixel across it. About 0 on
    bare paper, tens and more on a printed frame (a hand-written stroke crossing it is one short
    run, which the median ignores)."""
    page = gray if isinstance(gray, FrameInk) else FrameInk(gray)
    key = (id(box), offset)
    hit = page._edges.get(key)
    if hit is None:
        hit, shared = _frame_edges(page, box, offset)
        if shared:
            page._edges[key] = hit
    return hit


def _frame_edges(page: FrameInk, box: Box, offset: tuple[int, int]) -> tuple[float, bool]:
    """frame_edges, and whether it was measured inside the page's shared area."""
    margin = FRAME + EDGE_REACH + 1
    x0, y0 = int(round(box.x)) + offset[0] - margin, int(round(box.y)) + offset[1] - margin
    w, h = int(round(box.w)), int(round(box.h))
    shape = page.gray.shape
    if x0 < 0 or y0 < 0 or x0 + w + 2 * margin > shape[1]:
        return 0.0, True
    if y0 + h + 2 * margin > shape[0]:
        return 0.0, True
    x1, y1 = x0 + w + 2 * margin, y0 + h + 2 * margin
    patch = page.gray[y0:y1, x0:x1]
    # In gray levels of a paper at PAPER_LEVEL: a dim photo (low light, a shadow) has fainter
    # frames in absolute levels, as much fainter as its paper is darker.
    paper = _median(patch.ravel())  # mostly paper: the frame and a digit are thin
    ink = page.region(x0, y0, x1, y1)
    # The frame's centre lines (see frames_drawing), in the region's coordinates.
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
    # The scale is monotone: the faintest line's median, then scaled.
    faintest = min(_median(line) for line in lines) * (PAPER_LEVEL / max(paper, 32.0))
    return faintest, page.shared(x0, y0, x1, y1)


GUIDE_INK = 0.12  # share of the paper level: fainter ink is a printed guide's, not a pen's
GUIDE_EXTENT = 0.3  # share of the crop's height: a pen stroke is longer than a guide's dot
GUIDE_EDGE = 2  # px along the crop's edge left out: the blurred inner edge of the printed frame
# KPU's dotted guide in the PPWP plano's digit boxes, as shares of the crop (the box's interior):
# three dotted columns over the height and three dotted rows between the outer columns. Measured
# on KPU's sample page 2 (the mean ink of its 9 boxes, rectified), like the boxes themselves.
GUIDE_COLUMNS = (0.25, 0.49, 0.73)
GUIDE_ROWS = (0.12, 0.52, 0.93)
GUIDE_SPAN = (0.08, 0.96)  # the columns' top and bottom
GUIDE_SHIFT = 2  # px each way the guide may sit from its place (registration, printing)
GUIDE_MATCH = 0.35  # correlation with the guide's drawing above which the ink is the guide


def guides_only(image: Gray) -> bool:
    """True when the crop's ink is the printed guide pattern and nothing else: KPU's dotted
    7-segment guides are faint dots on fixed lines, a written digit is a stroke across much of
    the box. Both must hold: no connected piece of ink at GUIDE_INK of the paper level longer
    than GUIDE_EXTENT of the crop (the crop's edge band, where the frame's blurred inner edge
    lies, left out), and the ink correlates with the guide's drawing (`guide_match`) at
    GUIDE_MATCH or more: an empty box without guides, or a faint blurred digit, is not taken for
    guides. Measured on the real photos and the synthetic benchmark (docs/benchmarks.md,
    `bench/ocr_guides.py`)."""
    if image.size == 0:
        return False
    ink = _relative_ink(image)
    return guide_stroke(ink) < GUIDE_EXTENT and guide_match(ink) >= GUIDE_MATCH


def _relative_ink(image: Gray) -> Ink:
    """The crop's ink (`ink_image`) as a share of its paper level."""
    paper = max(float(np.percentile(image, 90)), 1.0)
    return np.asarray(ink_image(image) / paper, np.float32)


def guide_stroke(ink: Ink) -> float:
    """The longest connected piece of ink above GUIDE_INK, as a share of the crop's height,
    the crop's edge band (GUIDE_EDGE) left out."""
    mask = (ink > GUIDE_INK).astype(np.uint8)
    e = GUIDE_EDGE
    mask[:e], mask[-e:], mask[:, :e], mask[:, -e:] = 0, 0, 0, 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    longest = max((max(int(stats[i, 2]), int(stats[i, 3])) for i in range(1, count)), default=0)
    return float(longest / ink.shape[0])


def guide_match(ink: Ink) -> float:
    """The best normalized correlation (within GUIDE_SHIFT px) of the crop's ink, its edge band
    left out, with a drawing of the guide's dotted lines (up to about 0.8 on KPU's blank boxes,
    0.4 at most on a written digit, about 0 on an empty box without guides)."""
    h, w = ink.shape
    e, s = GUIDE_EDGE, GUIDE_SHIFT
    if h <= 2 * (e + s) + 4 or w <= 2 * (e + s) + 4:
        return 0.0
    drawing = _guide_drawing(h, w)[e + s : h - e - s, e + s : w - e - s]
    inside = np.ascontiguousarray(ink[e : h - e, e : w - e])
    scores = cv2.matchTemplate(inside, drawing, cv2.TM_CCOEFF_NORMED)
    return float(scores.max())


@lru_cache(maxsize=16)
def _guide_drawing(h: int, w: int) -> Ink:
    """The guide's lines (GUIDE_COLUMNS, GUIDE_ROWS) on an h x w crop, softened by 1 px."""
    canvas = np.zeros((h, w), np.float32)
    top, bottom = int(GUIDE_SPAN[0] * h), int(GUIDE_SPAN[1] * h)
    left, right = int(GUIDE_COLUMNS[0] * w), int(GUIDE_COLUMNS[-1] * w)
    for share in GUIDE_COLUMNS:
        x = int(round(share * w))
        cv2.line(canvas, (x, top), (x, bottom), 1.0, 1)
    for share in GUIDE_ROWS:
        y = int(round(share * h))
        cv2.line(canvas, (left, y), (right, y), 1.0, 1)
    drawing = np.asarray(cv2.GaussianBlur(canvas, (0, 0), 1.0), np.float32)
    drawing.setflags(write=False)
    return drawing


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


def crop_boxes(
    rectified: Gray, page: PageTemplate, measured: FrameInk | None = None
) -> list[BoxCrop]:
    """Every digit box of the page, in template field order, three per field.

    The three frames of a field are searched together first (wide: a page that is not flat
    can be 20 px off), then each box alone (narrow). `measured` is the registration's last
    measure of the frames (`Registration.frames`): used when it holds the same pixels.
    """
    crops = []
    area = fields_area(page, CROP_REACH)
    ink = measured.for_image(rectified, area) if measured is not None else None
    ink = ink or FrameInk(rectified, area)
    for field in page.fields:
        coarse, score = field_offset(ink, field.boxes, search=FIELD_SEARCH)
        boxes = field.boxes
        placed = [_place_box(ink, box, [coarse], BOX_SEARCH) for box in boxes]
        # A page that is not flat can bend one box of a field 10 px off the field's offset:
        # a box whose frame lines are not found is looked for alone a little wider, then
        # near where its neighbours' frames were found.
        pairs = zip(boxes, placed, strict=True)
        placed = [_place_box(ink, b, [coarse], BOX_RESCUE, p) for b, p in pairs]
        found = [offset for offset, _ in placed]
        pairs = zip(boxes, placed, strict=True)
        placed = [_place_box(ink, b, found, BOX_SEARCH, p) for b, p in pairs]
        if _bend([offset for offset, _ in placed]) > ROW_BEND:
            placed = _place_row(ink, boxes, coarse, placed)
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
ROW_BEND = 3.0  # px across the row (every field is a row of boxes across the page): see _bend
ROW_SLANT = 12  # px per box: the steepest row looked for (a sheet bent or turned ~10°)


def _bend(offsets: list[tuple[int, int]]) -> float:
    """How far (px, across the row) the boxes' offsets are from a straight row: a printed row
    of frames stays straight and evenly spaced on a bent sheet, to a few px."""
    n = len(offsets)
    if n < 3:
        return 0.0
    ys = [float(dy) for _, dy in offsets]
    mid, mean = (n - 1) / 2, sum(ys) / n
    slope = sum((k - mid) * (y - mean) for k, y in enumerate(ys)) / sum(
        (k - mid) ** 2 for k in range(n)
    )
    return max(abs(y - mean - slope * (k - mid)) for k, y in enumerate(ys))


def _place_row(
    gray: FrameInk, boxes: list[Box], coarse: tuple[int, int], placed: list[Placed]
) -> list[Placed]:
    """The boxes placed together on a straight row (each at the coarse offset + its index from
    the middle x a slant across the row, ±BOX_RESCUE and ±ROW_SLANT px) where their frame lines
    are darkest in sum with every box framed. A box the row puts on another frame than the one
    it found alone (`_same_frame`) takes the row's, refined by 2 px; the others stay.

    A box alone can take a false frame: on a tilted copy of the real page 2 (read "X35"), a
    section rule above a box and the base stroke of a written "2" made four lines 12 px above
    it while its own frame lay on the row. A box printed off the row on a bent sheet has no
    frame where the row puts it (or the same frame), and stays."""
    dx, dy = coarse
    mid = (len(boxes) - 1) / 2
    best: tuple[tuple[float, int, int], list[int]] | None = None
    for slant in range(-ROW_SLANT, ROW_SLANT + 1):
        for shift in range(-BOX_RESCUE, BOX_RESCUE + 1):
            rows = [dy + shift + int(round((k - mid) * slant)) for k in range(len(boxes))]
            inks = [frame_edges(gray, b, (dx, y)) for b, y in zip(boxes, rows, strict=True)]
            if min(inks) < EDGE_MIN:
                continue
            key = (sum(inks), -abs(slant), -abs(shift))
            if best is None or key > best[0]:
                best = key, rows
    if best is None:
        return placed
    out: list[Placed] = []
    for box, row, kept in zip(boxes, best[1], placed, strict=True):
        if _same_frame(gray, box, kept[0], (dx, row)):
            out.append(kept)
            continue
        moved, _ = frames_offset(gray, [box], (dx, row), search=2)
        out.append((moved, frame_edges(gray, box, moved)))
    return out


def _same_frame(gray: FrameInk, box: Box, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when offsets `a` and `b` put the box on the same printed frame: its frame lines stay
    found all the way between them, at no less than half the fainter end's ink (a frame's lines
    are found over EDGE_REACH px either way of it; two frames apart, the ink drops between)."""
    steps = max(abs(a[0] - b[0]), abs(a[1] - b[1]))
    ends = min(frame_edges(gray, box, a), frame_edges(gray, box, b))
    for i in range(1, steps):
        t = i / steps
        at = (int(round(a[0] + t * (b[0] - a[0]))), int(round(a[1] + t * (b[1] - a[1]))))
        if frame_edges(gray, box, at) < max(EDGE_MIN, ends / 2):
            return False
    return True


def _place_box(
    gray: FrameInk,
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
