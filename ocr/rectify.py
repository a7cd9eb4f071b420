"""Stage 3, rectify: homography from the photo to the template page, and the warped page.

Registration, in order of preference (the fallback chain is part of the contract):

1. ``tag+markers``: the tag's 4 corners plus at least 3 corner markers consistent with them,
   a homography fitted with RANSAC (8 points when all markers are found);
2. ``tag+markers-affine`` / ``tag-affine``: fewer than 3 markers: a least-squares *affine* map
   from the tag's corners and the markers found (a homography from 4 close tag corners, or from
   them and 2 markers, extrapolates wildly; an affine map stays within the reach of the per-box
   frame search of `cells` on a photo taken roughly square-on);
3. ``markers``: no tag, but the four step markers found anywhere (assumes the photo upright);
4. ``page_outline``: no tag, no markers: the page's outer contour (assumes the photo upright);
5. otherwise `MarkersNotFound`.

The rectified page is in template px: a template coordinate is a pixel of the rectified image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.errors import MarkersNotFound
from ocr.locate import (
    TagHit,
    find_markers_global,
    find_markers_with_tag,
    find_page_quad,
    project,
)
from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]
Points = npt.NDArray[np.float64]

RANSAC_THRESHOLD = 6.0  # template px (72 dpi: about 2 mm)
MIN_MARKERS_FOR_HOMOGRAPHY = 3
WIDE_TRIANGLE = 0.2  # share of the page area: 2 markers + tag this spread fix a homography


@dataclass(frozen=True)
class Registration:
    """How the photo maps onto the template page."""

    image_to_template: Matrix
    method: str
    markers_found: tuple[str, ...]
    rms_error: float  # template px, over the points used


def register_page(gray: Gray, page: PageTemplate, tag: TagHit | None) -> Registration:
    """Fit the photo→template homography by the fallback chain of the module docstring."""
    if tag is not None:
        return _register_with_tag(gray, page, tag)
    markers = find_markers_global(gray, page)
    if len(markers) == 4:
        return _fit(page, markers, None, "markers")
    quad = find_page_quad(gray)
    if quad is not None:
        corners = [(0.0, 0.0), (page.width, 0.0), (page.width, page.height), (0.0, page.height)]
        h = cv2.getPerspectiveTransform(quad, np.asarray(corners, dtype=np.float32))
        return Registration(np.asarray(h, dtype=np.float64), "page_outline", (), float("nan"))
    raise MarkersNotFound("no page tag, no corner markers and no page outline found")


def _register_with_tag(gray: Gray, page: PageTemplate, tag: TagHit) -> Registration:
    """The tag's corners plus the markers consistent with them, in one robust fit."""
    markers = find_markers_with_tag(gray, page, tag)
    if len(markers) >= MIN_MARKERS_FOR_HOMOGRAPHY or _spread_out(page, markers):
        registration = _fit(page, markers, tag, "tag+markers")
        kept = {n: markers[n] for n in registration.markers_found}
        if len(kept) >= MIN_MARKERS_FOR_HOMOGRAPHY or _spread_out(page, kept):
            return registration
        markers = {n: markers[n] for n in registration.markers_found}
    return _fit_affine(page, markers, tag)


def _spread_out(page: PageTemplate, markers: dict[str, tuple[float, float]]) -> bool:
    """True when two markers and the tag span a wide triangle (a homography is then well posed)."""
    if len(markers) != 2:
        return False
    by_name: dict[str, tuple[float, float]] = {m.name: m.center for m in page.markers}
    (ax, ay), (bx, by) = (by_name[n] for n in markers)
    tx, ty = np.mean(np.asarray(page.tag.corners), axis=0)
    area = abs((bx - ax) * (ty - ay) - (tx - ax) * (by - ay)) / 2
    return bool(area > WIDE_TRIANGLE * page.width * page.height)


def _points(
    page: PageTemplate, markers: dict[str, tuple[float, float]], tag: TagHit | None
) -> tuple[Points, Points]:
    """Image and template points: found markers (sorted by name), then the tag's corners."""
    by_name: dict[str, tuple[float, float]] = {m.name: m.center for m in page.markers}
    src = [markers[name] for name in sorted(markers)]
    dst = [by_name[name] for name in sorted(markers)]
    if tag is not None:
        src += [(float(x), float(y)) for x, y in tag.corners.tolist()]
        dst += list(page.tag.corners)
    return np.asarray(src, np.float64), np.asarray(dst, np.float64)


def _fit(
    page: PageTemplate,
    markers: dict[str, tuple[float, float]],
    tag: TagHit | None,
    method: str,
) -> Registration:
    """Homography image→template (RANSAC) from the found markers and the tag's corners."""
    src, dst = _points(page, markers, tag)
    if len(src) < 4:
        raise MarkersNotFound(f"only {len(src)} registration points found")
    if len(src) == 4:
        h = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
        inliers = np.ones(4, dtype=bool)
    else:
        h, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_THRESHOLD)
        inliers = np.zeros(len(src), bool) if mask is None else np.asarray(mask, bool).ravel()
    if h is None or int(inliers.sum()) < 4:
        raise MarkersNotFound("registration points are degenerate")
    return _registration(np.asarray(h, np.float64), method, sorted(markers), src, dst, inliers)


def _fit_affine(
    page: PageTemplate, markers: dict[str, tuple[float, float]], tag: TagHit
) -> Registration:
    """Least-squares affine map from the tag's corners and up to two markers.

    With fewer than three markers a homography is ill-posed (the tag's four corners are too
    close together to fix the perspective, and two markers leave a line's worth of freedom);
    an affine map keeps the far boxes within the reach of the per-box frame search.
    """
    src, dst = _points(page, markers, tag)
    design = np.hstack([src, np.ones((len(src), 1))])
    coef, *_ = np.linalg.lstsq(design, dst, rcond=None)
    matrix: Matrix = np.vstack([coef.T, [0.0, 0.0, 1.0]])
    method = "tag+markers-affine" if markers else "tag-affine"
    inliers = np.ones(len(src), dtype=bool)
    return _registration(matrix, method, sorted(markers), src, dst, inliers)


def _registration(
    matrix: Matrix,
    method: str,
    names: list[str],
    src: Points,
    dst: Points,
    inliers: npt.NDArray[np.bool_],
) -> Registration:
    """The Registration with its RMS residual over the inliers and the markers kept."""
    residual = np.linalg.norm(project(matrix, src) - dst, axis=1)[inliers]
    rms = float(np.sqrt(np.mean(residual**2)))
    used = tuple(n for n, ok in zip(names, inliers, strict=False) if ok)
    return Registration(matrix, method, used, rms)


def rectify_page(gray: Gray, registration: Registration, page: PageTemplate) -> Gray:
    """Warp the photo onto the template page (template px, white outside the photo)."""
    size = (int(round(page.width)), int(round(page.height)))
    warped = cv2.warpPerspective(
        gray, registration.image_to_template, size, flags=cv2.INTER_LINEAR, borderValue=255
    )
    return np.asarray(warped, dtype=np.uint8)
