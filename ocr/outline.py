"""The page's outline (bright paper on a darker table) as four sub-pixel corners.

Used to guess the perspective when the corner markers are not found with the tag's help, and
as the last tag-less, marker-less fallback. Traced on a reduced copy; each corner is the
crossing of straight lines fitted to the contour of the two sides that meet there.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
Points = npt.NDArray[np.float32]

OUTLINE_SIDE = 800.0  # px: the page outline is traced on a copy this long


def find_page_quad(gray: Gray) -> Points | None:
    """Tag- and marker-less fallback: the page outline as 4 corners TL, TR, BR, BL, or None."""
    factor = OUTLINE_SIDE / max(gray.shape)
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    if cv2.contourArea(outline) < 0.15 * small.shape[0] * small.shape[1]:
        return None
    quad = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True).reshape(-1, 2)
    if len(quad) != 4:
        return None
    h, w = small.shape
    x, y = quad[:, 0], quad[:, 1]
    if x.min() <= 2 and y.min() <= 2 and x.max() >= w - 3 and y.max() >= h - 3:
        return None  # the image frame itself: no page edge is visible
    # Clockwise on screen (y down), starting from the corner nearest the image's top left.
    x, y = quad[:, 0].astype(np.float64), quad[:, 1].astype(np.float64)
    if float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) < 0:
        quad = quad[::-1]
    ordered = np.roll(quad, -int(np.argmin(quad.sum(axis=1))), axis=0)
    refined = _refine_quad(outline.reshape(-1, 2).astype(np.float64), ordered.astype(np.float64))
    corners: Points = (refined.astype(np.float32) + 0.5) / factor - 0.5
    return corners


def _refine_quad(contour: npt.NDArray[np.float64], quad: npt.NDArray[np.float64]) -> Points:
    """Corners as the crossings of straight lines fitted to each side's contour points (the
    polygon's own corners sit a few px off on a blurred or rounded page corner)."""
    lines = []
    for k in range(4):
        a, b = quad[k], quad[(k + 1) % 4]
        ab = b - a
        length = float(np.hypot(*ab))
        t = (contour - a) @ ab / max(length**2, 1e-9)
        rel = contour - a
        off = np.abs(ab[0] * rel[:, 1] - ab[1] * rel[:, 0]) / max(length, 1e-9)
        side = contour[(t > 0.15) & (t < 0.85) & (off < 0.02 * length + 2)]
        if len(side) < 5:
            return quad.astype(np.float32)
        vx, vy, x0, y0 = cv2.fitLine(side.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for k in range(4):
        (p, d), (q, e) = lines[k - 1], lines[k]
        det = d[0] * -e[1] + e[0] * d[1]
        if abs(det) < 1e-6:
            return quad.astype(np.float32)
        s_ = ((q - p)[0] * -e[1] + e[0] * (q - p)[1]) / det
        out.append(p + s_ * d)
    return np.asarray(out, dtype=np.float32)
