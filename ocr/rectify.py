"""Stage 3, rectify: homography from the photo to the template page, and the warped page.

Registration, in order of preference (the fallback chain is part of the contract):

1. ``tag+markers``: the tag's 4 corners plus every corner marker found near its predicted place,
   fitted with RANSAC (8 points when all markers are found);
2. ``tag``: the tag's 4 corners alone, when no marker is found (a good fit near the tag, a few
   template px off at the far corners; the per-box border search in `cells` absorbs that);
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

RANSAC_THRESHOLD = 6.0  # template px (72 dpi: about 2 mm)


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
    """The tag's corners plus the markers consistent with them, in one RANSAC fit."""
    markers = find_markers_with_tag(gray, page, tag)
    return _fit(page, markers, tag, "tag+markers" if markers else "tag")


def _fit(
    page: PageTemplate,
    markers: dict[str, tuple[float, float]],
    tag: TagHit | None,
    method: str,
) -> Registration:
    """Homography image→template from the tag corners and the found marker centres."""
    by_name: dict[str, tuple[float, float]] = {m.name: m.center for m in page.markers}
    src = [markers[name] for name in sorted(markers)]
    dst = [by_name[name] for name in sorted(markers)]
    if tag is not None:
        src += [tuple(p) for p in tag.corners.tolist()]
        dst += list(page.tag.corners)
    if len(src) < 4:
        raise MarkersNotFound(f"only {len(src)} registration points found")
    src_arr, dst_arr = np.asarray(src, np.float32), np.asarray(dst, np.float32)
    if len(src) == 4:
        h = cv2.getPerspectiveTransform(src_arr, dst_arr)
        inliers = np.ones(4, dtype=bool)
    else:
        h, mask = cv2.findHomography(src_arr, dst_arr, cv2.RANSAC, RANSAC_THRESHOLD)
        inliers = np.asarray(mask, dtype=bool).ravel() if mask is not None else inliers_none(src)
    if h is None or int(inliers.sum()) < 4:
        raise MarkersNotFound("registration points are degenerate")
    matrix: Matrix = np.asarray(h, dtype=np.float64)
    residual = np.linalg.norm(project(matrix, src_arr) - dst_arr, axis=1)[inliers]
    rms = float(np.sqrt(np.mean(residual**2)))
    used = tuple(n for n, ok in zip(sorted(markers), inliers, strict=False) if ok)
    return Registration(matrix, method, used, rms)


def inliers_none(src: list[tuple[float, float]]) -> npt.NDArray[np.bool_]:
    """No RANSAC mask: no point counts as an inlier."""
    return np.zeros(len(src), dtype=bool)


def rectify_page(gray: Gray, registration: Registration, page: PageTemplate) -> Gray:
    """Warp the photo onto the template page (template px, white outside the photo)."""
    size = (int(round(page.width)), int(round(page.height)))
    warped = cv2.warpPerspective(
        gray, registration.image_to_template, size, flags=cv2.INTER_LINEAR, borderValue=255
    )
    return np.asarray(warped, dtype=np.uint8)
