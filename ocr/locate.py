"""Stage 2, locate: find the page's AprilTag (form, page, orientation) and its corner markers.

The tag is searched on a copy of about 1000 px with a dictionary restricted to the tag ids of
the known templates (an AprilTag 36h10 search over all 2320 ids costs up to 0.5 s on a photo with
a keyboard in it; over a few dozen ids it costs 10-30 ms). Its corners are refined on the working
image. The tag's four corners give a first homography, which predicts where each corner marker
is; each marker is then looked for only in a window around its prediction.

Without a tag (torn, covered or blurred), `find_markers_global` looks for the four step-shaped
markers anywhere, and `find_page_quad` for the page outline: both assume the photo is upright
(after EXIF), since neither can tell 0° from 180°.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.templates import Marker, PageTemplate

Gray = npt.NDArray[np.uint8]
Points = npt.NDArray[np.float32]

DETECT_SIDE = 1000
# A marker is two solid squares touching at a corner: about half of its bounding box is ink.
MARKER_FILL = (0.3, 0.72)
MARKER_SEARCH_PT = 300.0  # half-size of the search window, template px, around the prediction


@dataclass(frozen=True)
class TagHit:
    """One detected AprilTag: id and corners (aruco order TL, TR, BR, BL) in working px."""

    id: int
    corners: Points


def _dictionary(tag_ids: tuple[int, ...]) -> cv2.aruco.Dictionary:
    """An aruco dictionary holding only the given AprilTag 36h10 ids (same bit patterns)."""
    base = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h10)
    return cv2.aruco.Dictionary(base.bytesList[list(tag_ids)], base.markerSize, 4)


def detect_tags(gray: Gray, tag_ids: tuple[int, ...]) -> list[TagHit]:
    """Every known tag in the image, corners refined to sub-pixel on the working image."""
    if not tag_ids:
        return []
    factor = min(1.0, DETECT_SIDE / max(gray.shape))
    small = (
        gray
        if factor == 1.0
        else cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    )
    params = cv2.aruco.DetectorParameters()
    params.minMarkerPerimeterRate = 0.03
    detector = cv2.aruco.ArucoDetector(_dictionary(tag_ids), params)
    corners, ids, _ = detector.detectMarkers(small)
    if ids is None:
        return []
    hits = []
    for quad, index in zip(corners, np.asarray(ids).ravel(), strict=True):
        pts = (np.asarray(quad, dtype=np.float32).reshape(4, 2) + 0.5) / factor - 0.5
        hits.append(TagHit(id=tag_ids[int(index)], corners=_refine_corners(gray, pts)))
    return hits


def _refine_corners(gray: Gray, pts: Points) -> Points:
    """Sub-pixel corner refinement with a window scaled to the tag size."""
    side = float(np.linalg.norm(pts[0] - pts[1]))
    win = int(max(2, min(8, side / 12)))
    refined = np.ascontiguousarray(pts.reshape(-1, 1, 2), dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.05)
    cv2.cornerSubPix(gray, refined, (win, win), (-1, -1), criteria)
    moved = np.linalg.norm(refined.reshape(4, 2) - pts, axis=1)
    return np.where(moved[:, None] < win, refined.reshape(4, 2), pts).astype(np.float32)


def project(h: npt.NDArray[np.floating[Any]], pts: npt.ArrayLike) -> Points:
    """Apply homography h to an (N, 2) array of points."""
    arr = np.asarray(pts, dtype=np.float32).reshape(-1, 1, 2)
    return np.asarray(cv2.perspectiveTransform(arr, h), dtype=np.float32).reshape(-1, 2)


def find_markers_near(
    gray: Gray, page: PageTemplate, template_to_image: npt.NDArray[np.floating[Any]]
) -> dict[str, tuple[float, float]]:
    """Each corner marker's centre in working px, searched around where the homography puts it."""
    found: dict[str, tuple[float, float]] = {}
    for marker in page.markers:
        centre = project(template_to_image, [marker.center])[0]
        scale = _local_scale(template_to_image, marker.center)
        hit = _marker_in_window(gray, centre, scale, marker)
        if hit is not None:
            found[marker.name] = hit
    return found


def _local_scale(h: npt.NDArray[np.floating[Any]], at: tuple[float, float]) -> float:
    """Image px per template px near a template point."""
    x, y = at
    pts = project(h, [(x, y), (x + 10, y), (x, y + 10)])
    return float(np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[0])) / 20.0


def _marker_in_window(
    gray: Gray, centre: Points, scale: float, marker: Marker
) -> tuple[float, float] | None:
    """The marker-shaped blob nearest to `centre` inside a window, or None."""
    half = MARKER_SEARCH_PT * scale
    x0, y0 = int(max(0, centre[0] - half)), int(max(0, centre[1] - half))
    x1, y1 = int(min(gray.shape[1], centre[0] + half)), int(min(gray.shape[0], centre[1] + half))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    blobs = marker_blobs(gray[y0:y1, x0:x1], marker.w * scale)
    if not blobs:
        return None
    local = (centre[0] - x0, centre[1] - y0)
    bx, by = min(blobs, key=lambda b: (b[0] - local[0]) ** 2 + (b[1] - local[1]) ** 2)
    return (bx + x0, by + y0)


def marker_blobs(gray: Gray, side: float) -> list[tuple[float, float]]:
    """Centroids of dark blobs shaped like a step marker of about `side` px.

    The threshold is local (a pixel darker than its neighbourhood by a margin): a global one
    lumps the marker with a dark table or screen border next to the page.
    """
    block = int(2 * side) | 1
    dark = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, max(block, 5), 12
    )
    # A blurred marker's two squares meet in a grey point: close it so they stay one blob.
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    n, _, stats, centroids = cv2.connectedComponentsWithStats(dark, connectivity=8)
    out = []
    for (_, _, w, h, area), (cx, cy) in zip(stats[1:n], centroids[1:n], strict=True):
        size_ok = 0.55 * side < max(w, h) < 1.8 * side and 0.6 < w / h < 1.66
        if size_ok and MARKER_FILL[0] < area / float(w * h) < MARKER_FILL[1]:
            out.append((float(cx), float(cy)))
    return out


def find_markers_global(gray: Gray, page: PageTemplate) -> dict[str, tuple[float, float]]:
    """Tag-less fallback: the four marker blobs closest to the image corners (photo upright)."""
    h, w = gray.shape
    side = 0.5 * min(w / page.width, h / page.height) * float(np.mean([m.w for m in page.markers]))
    found: dict[str, tuple[float, float]] = {}
    for scale in (1.0, 1.5, 2.2):
        blobs = marker_blobs(gray, side * scale)
        if len(blobs) >= 4:
            break
    if len(blobs) < 4:
        return found
    arr = np.asarray(blobs)
    for marker in page.markers:
        gx = 0.0 if "left" in marker.name else w
        gy = 0.0 if "top" in marker.name else h
        best = int(np.argmin((arr[:, 0] - gx) ** 2 + (arr[:, 1] - gy) ** 2))
        found[marker.name] = (float(arr[best, 0]), float(arr[best, 1]))
    return found if len(set(found.values())) == len(found) else {}


def find_page_quad(gray: Gray) -> Points | None:
    """Tag- and marker-less fallback: the page outline as 4 corners TL, TR, BR, BL, or None."""
    factor = 500.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    if cv2.contourArea(outline) < 0.15 * small.shape[0] * small.shape[1]:
        return None
    quad = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True).reshape(-1, 2)
    if len(quad) != 4:
        return None
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    ordered = [quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]]
    corners: Points = (np.asarray(ordered, dtype=np.float32) + 0.5) / factor - 0.5
    return corners
