"""Stage 3, rectify: the homography from the photo to the template page, and the warped page.

Registration is always a full homography (perspective-correct), in two steps:

1. **Evidence** (`seeds`): with the tag, its 4 corners plus every corner marker consistent with
   them (searched with the tag's guess and with the page outline's homography) and the page
   outline's 4 corners when they agree with the tag, fitted together by RANSAC
   (``tag+markers``, ``tag+markers+outline``, ``tag+page-outline``); with only the tag, its
   corners place the page roughly (``tag``: a starting point only, never a registration). Without
   a tag: the four step markers (``markers``) or the page outline (``page_outline``), both
   assuming the photo upright.
2. **The printed frames** (`ocr.align.refine`): every field's printed box frames are found near
   where the seed puts them and the homography is refitted to them and the evidence points
   together, in a few rounds. ``+frames`` is added to the method when they changed it.

The registration carries its measured quality: the share of fields whose frames sit where it
puts them (`placed`) and the residual of the points it kept (`rms_error`); a seed the frames
cannot confirm is tried after the others, and a rough ``tag`` seed they cannot confirm is no
registration at all (`MarkersNotFound`).

The rectified page is in template px: a template coordinate is a pixel of the rectified image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from ocr.align import refine
from ocr.cells import FrameInk
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
MIN_MARKERS_TO_SEED = 2  # with the tag's 4 corners: 6 points, a homography to start from
ROUGH_SEED = "tag"  # the tag's corners alone: a start for the frames, never a registration
PLACED_SEED = 0.5  # share of fields the frames must place for a seed to be taken at once
OUTLINE_TAG_RMS = 8.0  # template px: the outline's homography must put the tag where it is


@dataclass(frozen=True)
class Registration:
    """How the photo maps onto the template page, and how well the printed frames agree."""

    image_to_template: Matrix
    method: str  # the evidence, e.g. "tag+markers", "+frames" when the frames refined it
    markers_found: tuple[str, ...]
    rms_error: float  # template px, over the points the final fit kept
    placed: float = float("nan")  # share of fields whose frames are where it puts them
    refined: bool = False  # the printed frames were looked for (align.refine ran)
    # The frames as measured on the photo warped with this homography (the crop reuses them).
    frames: FrameInk | None = field(default=None, repr=False, compare=False)


def register_page(
    gray: Gray, page: PageTemplate, tag: TagHit | None, *, refine: bool = True
) -> Registration:
    """The photo→template homography: the evidence's seeds, each checked and refined by the
    printed frames until one places the fields (see the module docstring). `refine=False`
    returns the first seed unchecked (tag-less identification scores many pages cheaply)."""
    seeds = evidence_seeds(gray, page, tag)
    if not refine:
        return seeds[0][0]
    return refine_registration(gray, page, seeds)


Seed = tuple[Registration, tuple[Points, Points]]  # a registration and its evidence points


def refine_registration(gray: Gray, page: PageTemplate, seeds: list[Seed]) -> Registration:
    """Refine each seed by the printed frames; the first that places most fields wins."""
    best: Registration | None = None
    for seed, anchors in seeds:
        fit = refine(gray, page, seed.image_to_template, anchors, rough=seed.method == ROUGH_SEED)
        method = seed.method + ("+frames" if fit.rounds else "")
        rms = fit.rms if fit.rounds else seed.rms_error
        found = Registration(
            fit.image_to_template, method, seed.markers_found, rms, fit.placed, True, fit.frames
        )
        if seed.method == ROUGH_SEED and (fit.placed < PLACED_SEED or not fit.rounds):
            continue  # the tag alone places nothing far from it: not a registration
        if best is None or found.placed > best.placed:
            best = found
        if found.placed >= PLACED_SEED:
            break
    if best is None:
        raise MarkersNotFound(
            "the page tag was found, but no corner marker, page outline or printed box frames"
            " place the page"
        )
    return best


def evidence_seeds(gray: Gray, page: PageTemplate, tag: TagHit | None) -> list[Seed]:
    """Every homography the evidence gives, the most convincing first; MarkersNotFound if none."""
    if tag is not None:
        return _tag_seeds(gray, page, tag)
    markers = find_markers_global(gray, page)
    if len(markers) == 4:
        return [(_fit(page, markers, None, "markers"), _points(page, markers, None))]
    quad = find_page_quad(gray)
    if quad is not None:
        h = cv2.getPerspectiveTransform(quad, _page_corners(page).astype(np.float32))
        reg = Registration(np.asarray(h, dtype=np.float64), "page_outline", (), float("nan"))
        return [(reg, (quad.astype(np.float64), _page_corners(page)))]
    raise MarkersNotFound("no page tag, no corner markers and no page outline found")


def _page_corners(page: PageTemplate) -> Points:
    return np.asarray(
        [(0.0, 0.0), (page.width, 0.0), (page.width, page.height), (0.0, page.height)]
    )


def _tag_seeds(gray: Gray, page: PageTemplate, tag: TagHit) -> list[Seed]:
    """The tag's corners plus the markers consistent with them (and the page outline when it
    agrees with the tag), fitted together; the tag alone as the last, rough seed.

    Markers are looked for twice: with the tag's affine guess, and with the page outline's
    homography (strong perspective defeats the first); the fit keeping more markers comes first.
    """
    blobs = marker_candidates(gray, page, tag)
    outline = outline_guess(gray, page, tag)
    guesses = [None] if outline is None else [None, outline.matrix]
    sets = [find_markers_with_tag(page, tag, blobs, guess) for guess in guesses]
    seeds: list[Seed] = []
    for markers in sorted(sets, key=len, reverse=True):
        if len(markers) < MIN_MARKERS_TO_SEED:
            continue
        src, dst = _points(page, markers, tag)
        method = "tag+markers"
        if outline is not None and len(markers) < len(page.markers):
            src = np.vstack([src, outline.quad])
            dst = np.vstack([dst, _page_corners(page)])
            method = "tag+markers+outline"
        try:
            seeds.append((_fit_points(src, dst, method, sorted(markers)), (src, dst)))
        except MarkersNotFound:
            continue
    if outline is not None:
        src, dst = _points(page, {}, tag)
        src, dst = np.vstack([src, outline.quad]), np.vstack([dst, _page_corners(page)])
        seed = Registration(outline.matrix, "tag+page-outline", (), float("nan"))
        seeds.append((seed, (src, dst)))
    seeds.append(_rough_tag_seed(page, tag))
    return seeds


def _rough_tag_seed(page: PageTemplate, tag: TagHit) -> Seed:
    """The tag's corners alone: a similarity-like start for the frames to correct (a
    homography from 4 close corners extrapolates wildly to the page's far corners)."""
    src, dst = _points(page, {}, tag)
    design = np.hstack([src, np.ones((len(src), 1))])
    coef, *_ = np.linalg.lstsq(design, dst, rcond=None)
    start: Matrix = np.vstack([coef.T, [0.0, 0.0, 1.0]])
    residual = np.linalg.norm(project(start, src) - dst, axis=1)
    rms = float(np.sqrt(np.mean(residual**2)))
    return Registration(start, ROUGH_SEED, (), rms), (src, dst)


@dataclass(frozen=True)
class Outline:
    """The page outline's corners (photo px, TL TR BR BL of the page) and their homography."""

    quad: Points
    matrix: Matrix


def outline_guess(gray: Gray, page: PageTemplate, tag: TagHit) -> Outline | None:
    """The page's outline, its corners named with the tag's help (which image corner is the
    page's top left), and its homography with the tag; None when the outline and the tag
    disagree by more than OUTLINE_TAG_RMS template px."""
    quad = find_page_quad(gray)
    if quad is None:
        return None
    template_tag = np.asarray(page.tag.corners, dtype=np.float64)
    affine, _ = cv2.estimateAffine2D(tag.corners, template_tag.astype(np.float32))
    if affine is None:
        return None
    corners = _page_corners(page)
    seen = cv2.transform(quad.reshape(-1, 1, 2), affine).reshape(-1, 2).astype(np.float64)
    shift = min(range(4), key=lambda r: float(np.sum((np.roll(seen, -r, axis=0) - corners) ** 2)))
    named = np.roll(quad, -shift, axis=0).astype(np.float64)
    src = np.vstack([named, tag.corners]).astype(np.float64)
    dst = np.vstack([corners, template_tag])
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return None
    matrix: Matrix = np.asarray(h, dtype=np.float64)
    error = np.linalg.norm(project(matrix, tag.corners) - template_tag, axis=1)
    if float(np.sqrt(np.mean(error**2))) >= OUTLINE_TAG_RMS:
        return None
    return Outline(named, matrix)


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


def _fit_points(src: Points, dst: Points, method: str, names: list[str]) -> Registration:
    """Homography image→template (RANSAC) from point pairs (at least 4)."""
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_THRESHOLD)
    inliers = np.zeros(len(src), bool) if mask is None else np.asarray(mask, bool).ravel()
    if h is None or int(inliers.sum()) < 4:
        raise MarkersNotFound("registration points are degenerate")
    matrix: Matrix = np.asarray(h, np.float64)
    residual = np.linalg.norm(project(matrix, src) - dst, axis=1)[inliers]
    return Registration(matrix, method, tuple(names), float(np.sqrt(np.mean(residual**2))))


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
