"""Stage 3, rectify: homography from the photo to the template page, and the warped page.

Registration, in order of preference (the fallback chain is part of the contract):

1. ``tag+markers``: the tag's 4 corners plus at least 3 corner markers consistent with them,
   a homography fitted with RANSAC (8 points when all markers are found);
   Markers are searched with the tag's affine guess and with the page outline's homography;
2. ``tag+page-outline``: fewer than 3 markers either way: the homography from the page's
   outline (its corners named by the tag's orientation) and the tag;
3. ``tag+markers-affine`` / ``tag-affine``: fewer than 3 markers and no usable outline: a
   least-squares *affine* map from the tag's corners and the markers found (a homography from 4
   close tag corners, or from them and 2 markers, extrapolates wildly; an affine map stays
   within the reach of the per-box frame search of `cells` on a photo taken roughly square-on);
4. ``markers``: no tag, but the four step markers found anywhere (assumes the photo upright);
5. ``page_outline``: no tag, no markers: the page's outer contour (assumes the photo upright);
6. otherwise `MarkersNotFound`.

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
    marker_candidates,
    project,
)
from ocr.outline import find_page_quad
from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]
Points = npt.NDArray[np.float64]

RANSAC_THRESHOLD = 8.0  # template px (72 dpi: about 3 mm; a plano sheet is rarely flat)
MIN_MARKERS_FOR_HOMOGRAPHY = 3
OUTLINE_TAG_RMS = 8.0  # template px: the outline's homography must put the tag where it is
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
    """The tag's corners plus the markers consistent with them, in one robust fit.

    Markers are looked for twice: with the tag's affine guess, and with the page outline's
    homography (strong perspective defeats the first); the fit keeping more markers wins.
    """
    blobs = marker_candidates(gray, page, tag)
    outline = outline_guess(gray, page, tag)
    guesses = [None] if outline is None else [None, outline]
    sets = [find_markers_with_tag(page, tag, blobs, guess) for guess in guesses]
    fits = []
    for markers in sets:
        if len(markers) >= MIN_MARKERS_FOR_HOMOGRAPHY or _spread_out(page, markers):
            fit = _fit(page, markers, tag, "tag+markers")
            kept = {n: markers[n] for n in fit.markers_found}
            if len(kept) >= MIN_MARKERS_FOR_HOMOGRAPHY or _spread_out(page, kept):
                fits.append(fit)
    if fits:
        return max(fits, key=lambda f: (len(f.markers_found), -f.rms_error))
    if outline is not None:
        src, dst = _points(page, {}, tag)
        rms = float(np.sqrt(np.mean(np.sum((project(outline, src) - dst) ** 2, axis=1))))
        return Registration(outline, "tag+page-outline", (), rms)
    return _fit_affine(page, max(sets, key=len), tag)


def outline_guess(gray: Gray, page: PageTemplate, tag: TagHit) -> Matrix | None:
    """image→template homography from the page's outline, its corners named with the tag's
    help (which image corner is the page's top left); None when the outline and the tag
    disagree by more than OUTLINE_TAG_RMS template px."""
    quad = find_page_quad(gray)
    if quad is None:
        return None
    template_tag = np.asarray(page.tag.corners, dtype=np.float64)
    affine, _ = cv2.estimateAffine2D(tag.corners, template_tag.astype(np.float32))
    if affine is None:
        return None
    corners = np.asarray(
        [(0.0, 0.0), (page.width, 0.0), (page.width, page.height), (0.0, page.height)]
    )
    seen = cv2.transform(quad.reshape(-1, 1, 2), affine).reshape(-1, 2).astype(np.float64)
    shift = min(range(4), key=lambda r: float(np.sum((np.roll(seen, -r, axis=0) - corners) ** 2)))
    src = np.vstack([np.roll(quad, -shift, axis=0), tag.corners]).astype(np.float64)
    dst = np.vstack([corners, template_tag])
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return None
    matrix: Matrix = np.asarray(h, dtype=np.float64)
    error = np.linalg.norm(project(matrix, tag.corners) - template_tag, axis=1)
    return matrix if float(np.sqrt(np.mean(error**2))) < OUTLINE_TAG_RMS else None


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
