"""Stage 5, bubbles: read the OMR columns (bubbles 0-9 under each digit box) by fill.

A bubble's fill is how much darker its inner disk is than the paper around the column; the
printed digit inside every bubble darkens them all alike, so a bubble counts as blackened by how
far it stands above the column's median. Each column gives 11 probabilities: digits 0-9 and
"none blackened" (the last entry).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt

from ocr.cells import Ink, ink_image
from ocr.templates import BubbleColumn

Gray = npt.NDArray[np.uint8]
Probs = npt.NDArray[np.float64]
Centers = npt.NDArray[np.float64]

NONE = 10  # index of "no bubble blackened" in a column's probabilities
FILLED_MARGIN = 0.2  # darkness above the column median at which "filled" and "none" tie
TEMPERATURE = 0.04
INNER = 0.6  # share of the radius that is sampled (stays inside the printed ring)
SEARCH = 10  # px each way around the digit box's offset (at most 0.4 pitch)
PITCH_SCALES = (0.97, 1.0, 1.03)


def disk_darkness(gray: Gray, centers: npt.ArrayLike, radius: float) -> npt.NDArray[np.float64]:
    """Mean darkness (0 paper .. 1 black) of the inner disk of each bubble."""
    pts = np.asarray(centers, dtype=np.float64).reshape(-1, 2)
    r = max(1, int(round(radius)))
    x0, y0 = int(pts[:, 0].min()) - 3 * r, int(pts[:, 1].min()) - 3 * r
    x1, y1 = int(pts[:, 0].max()) + 3 * r, int(pts[:, 1].max()) + 3 * r
    x0, y0 = max(0, x0), max(0, y0)
    region = gray[y0 : max(y0 + 1, y1), x0 : max(x0 + 1, x1)].astype(np.float64)
    paper = max(float(np.percentile(region, 90)), 1.0)
    out = []
    for cx, cy in pts:
        mask = np.zeros(region.shape, np.uint8)
        cv2.circle(mask, (int(round(cx - x0)), int(round(cy - y0))), r, 1, -1)
        inside = region[mask.astype(bool)]
        out.append(1.0 - float(inside.mean()) / paper if inside.size else 0.0)
    darkness: npt.NDArray[np.float64] = np.clip(np.asarray(out, dtype=np.float64), 0.0, 1.0)
    return darkness


def column_probabilities(darkness: npt.NDArray[np.float64]) -> Probs:
    """Probabilities over digits 0-9 and NONE from the ten bubbles' darkness."""
    lifted = darkness - float(np.median(darkness))
    logits = np.append(lifted, FILLED_MARGIN) / TEMPERATURE
    exp = np.exp(logits - logits.max())
    probs: Probs = exp / exp.sum()
    return probs


def _rings(column: BubbleColumn, scale: float) -> tuple[Ink, tuple[int, int]]:
    """The ten printed rings of a column, pitch stretched by `scale`, and the drawing's origin."""
    return _ring_image(tuple(column.centers), column.radius, scale)


@lru_cache(maxsize=256)
def _ring_image(
    centers: tuple[tuple[float, float], ...], radius: float, scale: float
) -> tuple[Ink, tuple[int, int]]:
    """Drawn once per template column and scale (read-only afterwards)."""
    pts = np.asarray(centers, dtype=np.float64)
    pts = pts[0] + (pts - pts[0]) * scale
    r = radius + 1.5
    pad = int(np.ceil(r)) + 2
    x0, y0 = int(pts[:, 0].min()) - pad, int(pts[:, 1].min()) - pad
    w, h = int(pts[:, 0].max()) + pad - x0, int(pts[:, 1].max()) + pad - y0
    rings = np.zeros((h, w), np.float32)
    for cx, cy in pts:
        cv2.circle(rings, (int(round(cx - x0)), int(round(cy - y0))), int(round(r)), 1.0, 2)
    rings.setflags(write=False)
    return rings, (int(round(centers[0][0])) - x0, int(round(centers[0][1])) - y0)


def locate_column(gray: Gray, column: BubbleColumn, start: tuple[int, int]) -> Centers:
    """The ten bubble centres near where the template (shifted by `start`) puts them.

    A page that does not lie flat stretches the column a little: the pitch is searched too.
    The shift is searched less than half a pitch each way: a column of rings matches itself
    one bubble up or down almost as well, and `start` (the digit box's own offset) is close.
    """
    template = np.asarray(column.centers, dtype=np.float64) + start
    pitch = float(np.median(np.diff(template[:, 1])))
    search = max(2, min(SEARCH, int(0.4 * pitch)))
    stretch = (template[-1][1] - template[0][1]) * (max(PITCH_SCALES) - 1.0)
    margin = int(column.radius + 4 + search + stretch)
    x0, y0 = int(template[:, 0].min()) - margin, int(template[:, 1].min()) - margin
    x1, y1 = int(template[:, 0].max()) + margin, int(template[:, 1].max()) + margin
    if x0 < 0 or y0 < 0 or x1 > gray.shape[1] or y1 > gray.shape[0]:
        return template
    ink = ink_image(gray[y0:y1, x0:x1])
    best: tuple[float, Centers] = (-1.0, template)
    for scale in PITCH_SCALES:
        rings, anchor = _rings(column, scale)
        # Keep the search centred on the template's first bubble, ±search each way.
        sx = int(template[0][0]) - anchor[0] - search - x0
        sy = int(template[0][1]) - anchor[1] - search - y0
        h, w = rings.shape
        region = ink[max(sy, 0) : sy + h + 2 * search, max(sx, 0) : sx + w + 2 * search]
        if sx < 0 or sy < 0 or region.shape != (h + 2 * search, w + 2 * search):
            continue
        _, score, _, loc = cv2.minMaxLoc(cv2.matchTemplate(region, rings, cv2.TM_CCORR))
        if score > best[0]:
            first = (x0 + sx + loc[0] + anchor[0], y0 + sy + loc[1] + anchor[1])
            pts = np.asarray(column.centers, dtype=np.float64)
            best = (score, first + (pts - pts[0]) * scale)
    return best[1]


def read_column(gray: Gray, column: BubbleColumn, start: tuple[int, int]) -> Probs:
    """Probabilities of one template bubble column on the rectified page."""
    centers = locate_column(gray, column, start)
    return column_probabilities(disk_darkness(gray, centers, column.radius * INNER))


def read_bubble_sheet(gray: Gray, columns: int = 3, rows: int = 10) -> list[Probs]:
    """Read a rectified crop holding only bubble columns (no template): one result per column."""
    ink = 255.0 - cv2.GaussianBlur(gray, (3, 3), 0).astype(np.float64)
    ink -= np.percentile(ink, 50)
    ys = np.nonzero(np.clip(ink, 0, None).sum(axis=1) > 0.15 * ink.clip(0).sum(axis=1).max())[0]
    top, bottom = (int(ys.min()), int(ys.max())) if ys.size else (0, gray.shape[0] - 1)
    pitch = (bottom - top + 1) / rows
    profile = np.convolve(ink.clip(0).sum(axis=0), np.ones(5) / 5, mode="same")
    band = gray.shape[1] / columns
    out = []
    for c in range(columns):
        lo, hi = int(c * band), int((c + 1) * band)
        cx = lo + int(np.argmax(profile[lo:hi]))
        centers = [(cx, top + (i + 0.5) * pitch) for i in range(rows)]
        out.append(column_probabilities(disk_darkness(gray, centers, 0.3 * pitch)))
    return out
