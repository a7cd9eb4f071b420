"""Stage 2, locate: find the page's AprilTag (form, page, orientation) and its corner markers.

The tag is searched on a copy of about 1000 px with a dictionary restricted to the tag ids of
the known templates (an AprilTag 36h10 search over all 2320 ids costs up to 0.5 s on a photo with
a keyboard in it; over a few dozen ids it costs 10-30 ms). Its corners are refined on the working
image. The tag then says roughly where each corner marker is (`find_markers_with_tag`). When
no tag is found, a second search runs on an unsharp-masked copy, reading each cell from its
centre only: a photo blurred by σ 4 px (2000 px long side) keeps its tag this way.

Without a tag (torn, covered or blurred), `find_markers_global` looks for the four step-shaped
markers anywhere (and `ocr.outline` for the page outline): both assume the photo is upright
(after EXIF), since neither can tell 0° from 180°.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]
Points = npt.NDArray[np.float32]
Point = tuple[float, float]

DETECT_SIDE = 1000
# A marker is two solid squares touching at a corner.
MARKER_SOLIDITY = (0.5, 0.9)  # area / convex hull area: 0.67 for two crisp squares, ~0.8 blurred
MARKER_RADIUS_PT = 700.0  # how far (template px) from the tag's affine guess a marker may be
BLOB_SIDE = 24.0  # px: markers larger than this are searched on a reduced copy
MARKER_CHOICES = 3  # blobs kept per marker
MARKER_FIT_RMS = 8.0  # template px: a wrong blob cannot fit the tag and the other markers
MIN_MARKERS_TO_FIT = 2  # one far point always fits a homography of 4 close tag corners
# The second tag search, when the first finds none (a blurred photo: at σ 4 px of the 2000 px
# page the tag's 36 cells run together): an unsharp-masked detection image, and each cell's bit
# read from its central 40% only. The bits must still decode to a known id within the
# dictionary's usual error correction.
BLUR_SHARPEN = 2.0  # px of the detection image
BLUR_AMOUNT = 3.0
BLUR_CELL_MARGIN = 0.3  # of a cell, ignored on each side (the default is 0.13)


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
    if ids is None or len(ids) == 0:  # blurred? sharpen and read each cell's centre only
        params.perspectiveRemoveIgnoredMarginPerCell = BLUR_CELL_MARGIN
        detector = cv2.aruco.ArucoDetector(_dictionary(tag_ids), params)
        corners, ids, _ = detector.detectMarkers(_unsharp(np.asarray(small, np.uint8)))
    if ids is None or len(ids) == 0:
        return []
    hits = []
    for quad, index in zip(corners, np.asarray(ids).ravel(), strict=True):
        pts = (np.asarray(quad, dtype=np.float32).reshape(4, 2) + 0.5) / factor - 0.5
        hits.append(TagHit(id=tag_ids[int(index)], corners=_refine_corners(gray, pts)))
    return hits


def _unsharp(small: Gray) -> Gray:
    """An unsharp-masked copy (σ BLUR_SHARPEN px, amount BLUR_AMOUNT) of the detection image."""
    soft = cv2.GaussianBlur(small, (0, 0), BLUR_SHARPEN)
    return np.asarray(cv2.addWeighted(small, 1 + BLUR_AMOUNT, soft, -BLUR_AMOUNT, 0), np.uint8)


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


def marker_candidates(gray: Gray, page: PageTemplate, tag: TagHit) -> list[Point]:
    """Every step-shaped blob of the photo, at the marker size the tag's size predicts."""
    if not page.markers:
        return []
    template_tag = np.asarray(page.tag.corners, dtype=np.float32)
    tag_side = float(np.linalg.norm(tag.corners[0] - tag.corners[2])) / np.sqrt(2)
    template_side = float(np.linalg.norm(template_tag[0] - template_tag[2])) / np.sqrt(2)
    side = tag_side * float(np.mean([m.w for m in page.markers])) / template_side
    return marker_blobs(gray, side, spread=(0.4, 2.5))


def find_markers_with_tag(
    page: PageTemplate,
    tag: TagHit,
    blobs: list[Point],
    guess: npt.NDArray[np.float64] | None = None,
) -> dict[str, Point]:
    """The corner markers among `blobs` consistent with the tag: each marker's centre.

    A homography from the tag's 4 close corners extrapolates badly to the far corners of the
    page, so the tag only gives an affine guess (unless a better image→template `guess` is
    given, e.g. from the page outline); every blob is mapped back to template px with it, each
    marker keeps its few nearest blobs, and the combination (a marker may be missing) whose
    joint homography with the tag fits best wins.
    """
    template_tag = np.asarray(page.tag.corners, dtype=np.float32)
    affine, _ = cv2.estimateAffine2D(tag.corners, template_tag, method=cv2.LMEDS)
    if affine is None or not page.markers or not blobs:
        return {}
    radius = MARKER_RADIUS_PT if guess is None else MARKER_RADIUS_PT / 3
    image_pts = np.asarray(blobs, dtype=np.float32)
    if guess is None:
        in_template = cv2.transform(image_pts.reshape(-1, 1, 2), affine).reshape(-1, 2)
    else:
        in_template = project(guess, image_pts)
    options: list[list[int | None]] = []
    for marker in page.markers:
        dist = np.linalg.norm(in_template - np.asarray(marker.center, dtype=np.float32), axis=1)
        near = [int(i) for i in np.argsort(dist)[:MARKER_CHOICES] if dist[i] < radius]
        options.append([*near, None])
    best = _best_combination(page, tag, image_pts, options)
    found: dict[str, Point] = {}
    for marker, index in zip(page.markers, best, strict=True):
        if index is not None:
            found[marker.name] = (float(image_pts[index][0]), float(image_pts[index][1]))
    return found


def _best_combination(
    page: PageTemplate, tag: TagHit, image_pts: Points, options: list[list[int | None]]
) -> tuple[int | None, ...]:
    """The choice of one blob (or none) per marker whose fit with the tag is most convincing.

    Combinations are scored per pattern of present markers, all at once (a batched DLT): the
    most markers with an RMS residual under MARKER_FIT_RMS wins, then the smallest residual.
    """
    template_tag = np.asarray(page.tag.corners, dtype=np.float64)
    centres = np.asarray([m.center for m in page.markers], dtype=np.float64)
    choices = np.asarray(
        [[-1 if i is None else i for i in c] for c in itertools.product(*options)], dtype=np.int64
    )
    best: tuple[tuple[int, float], tuple[int | None, ...]] = ((0, 0.0), (None,) * len(options))
    for present in {tuple(row >= 0) for row in choices}:
        used = [k for k, p in enumerate(present) if p]
        if len(used) < MIN_MARKERS_TO_FIT:
            continue
        rows = choices[np.all((choices >= 0) == present, axis=1)]
        rows = rows[[len(set(r[used])) == len(used) for r in rows]]
        if len(rows) == 0:
            continue
        src = np.concatenate(
            [
                image_pts[rows[:, used]].astype(np.float64),
                np.broadcast_to(tag.corners, (len(rows), 4, 2)),
            ],
            axis=1,
        )
        dst = np.vstack([centres[used], template_tag])
        rms = _batch_fit_rms(src, dst)
        k = int(np.argmin(rms))
        if rms[k] < MARKER_FIT_RMS and (len(used), -float(rms[k])) > best[0]:
            best = ((len(used), -float(rms[k])), tuple(int(i) if i >= 0 else None for i in rows[k]))
    return best[1]


def _batch_fit_rms(
    src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """RMS residual of the least-squares homography of each src set (B, N, 2) onto dst (N, 2)."""
    scale = 1000.0
    s, d = src / scale, np.broadcast_to(dst / scale, src.shape)
    x, y, u, v = s[..., 0], s[..., 1], d[..., 0], d[..., 1]
    one, zero = np.ones_like(x), np.zeros_like(x)
    rows_u = np.stack([x, y, one, zero, zero, zero, -u * x, -u * y, -u], axis=-1)
    rows_v = np.stack([zero, zero, zero, x, y, one, -v * x, -v * y, -v], axis=-1)
    a = np.concatenate([rows_u, rows_v], axis=1)
    h = np.linalg.svd(a)[2][:, -1, :].reshape(-1, 3, 3)
    pts = np.concatenate([s, np.ones_like(s[..., :1])], axis=-1) @ np.transpose(h, (0, 2, 1))
    w = pts[..., 2:3]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    err = np.linalg.norm(pts[..., :2] / w - d, axis=-1) * scale
    rms: npt.NDArray[np.float64] = np.sqrt(np.mean(err**2, axis=1))
    return rms


def marker_blobs(gray: Gray, side: float, spread: tuple[float, float] = (0.55, 1.8)) -> list[Point]:
    """Centroids of dark blobs shaped like a step marker of about `side` px.

    The threshold is local (a pixel darker than its neighbourhood by a margin): a global one
    lumps the marker with a dark table or screen border next to the page. Large markers are
    searched on a reduced copy (a blob's centroid stays sub-pixel accurate).
    """
    factor = min(1.0, BLOB_SIDE / max(side, 1.0))
    small = (
        gray
        if factor == 1.0
        else cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    )
    side *= factor
    block = int(2 * side) | 1
    dark = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, max(block, 5), 12
    )
    # The two squares touch in one point, which blur or a tilted shot turn into a grey gap of a
    # few px: close it (in proportion to the marker) so they stay one blob.
    k = max(3, int(round(side / 6)) | 1)
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(dark, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        # Rotation-free tests: two squares of side/2 cover side²/2; the bounding box is no test
        # (a marker turned 45° is twice as tall as wide).
        typical = np.sqrt(2.0 * area) / side
        if not (spread[0] < typical < spread[1] and max(w, h) < 2 * spread[1] * side):
            continue
        if _is_step_shaped(labels[y : y + h, x : x + w] == k, area):
            cx, cy = centroids[k]
            out.append(((float(cx) + 0.5) / factor - 0.5, (float(cy) + 0.5) / factor - 0.5))
    return out


def _is_step_shaped(mask: npt.NDArray[np.bool_], area: int) -> bool:
    """Two squares touching at a corner fill 2/3 of their convex hull, whatever the rotation.

    A filled bubble fills nearly all of its hull, a page corner on a dark table or a box frame
    much less: this keeps them from passing for a marker.
    """
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    if not contours:
        return False
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    # The hull runs through boundary pixel centres: add half its perimeter to compare with a
    # pixel count (it matters for markers only ~15 px wide).
    hull_area = cv2.contourArea(hull) + cv2.arcLength(hull, True) / 2 + 1
    return MARKER_SOLIDITY[0] < area / hull_area < MARKER_SOLIDITY[1]


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
