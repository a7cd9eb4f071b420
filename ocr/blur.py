"""How blurred the photo is (measured on the page tag), and a deconvolution for a heavy blur.

The tag is the one printed thing whose exact look is known: its id gives its 8 x 8 black and
white cells (border included) and its corners say where they are on the photo. `tag_blur`
draws that ideal tag (with a white margin of one cell) onto the photo's pixels, blurs it with
Gaussians of growing σ and keeps the σ whose blurred drawing fits the photo best (the fit
allows any gain and offset of gray: light and contrast do not matter). A sharp phone photo
measures about 1 px at the 2000 px working size.

A photo blurred by σ 4 px (2000 px long side) keeps its tag readable (`locate.detect_tags`'s
second pass) but its 3-template-px box frames fade into bands that no frame search finds, so no
field could be accepted. `deblur` undoes a Gaussian blur of the measured σ (less the σ of a sharp
photo) with a Wiener filter; the registration, the frames and the digit crops are then taken
from the restored photo. Only a photo blurred beyond `DEBLUR_MIN` is restored: a sharp or
lightly blurred photo is read exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.locate import TagHit
from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]

# Blurs in template px (the page as the frames and boxes are drawn: 1701 px wide for the plano),
# the photo's measure times the template's tag size over the photo's.
DEBLUR_MIN = 3.5  # a photo whose tag measures less is read as it is
EMPTY_MAX = 4.0  # beyond it an empty box is not trusted: a pen stroke can fade into the paper
SHARP_SIGMA = 1.0  # px: what a sharp phone photo's tag measures (lens, demosaicing, JPEG)
NOISE_TO_SIGNAL = 0.002  # the Wiener filter's noise-to-signal power (JPEG q 90: ≈ 0.001-0.003)
SIGMA_STEP = 0.5  # px: the blurs tried on the tag, then the half steps around the best
SIGMAS = np.arange(0.5, 8.01, SIGMA_STEP)
TAG_CELLS = 8  # the tag's cells across, its black border included (AprilTag 36h10)


def _ideal_tag(tag_id: int, cell: int) -> npt.NDArray[np.float32]:
    """The tag drawn `cell` px per cell, with a white margin of one cell: 0 black, 1 white."""
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h10)
    marker = cv2.aruco.generateImageMarker(dictionary, tag_id, TAG_CELLS * cell, borderBits=1)
    framed = cv2.copyMakeBorder(marker, cell, cell, cell, cell, cv2.BORDER_CONSTANT, value=255)
    return np.asarray(framed, np.float32) / np.float32(255.0)


def tag_blur(gray: Gray, tag: TagHit) -> float:
    """The σ (px of `gray`) of the Gaussian blur that best turns the ideal tag into the photo's
    tag; NaN when the tag is too small or too close to the photo's edge to measure."""
    side = _side(tag.corners)
    if side < 2 * TAG_CELLS:
        return float("nan")
    reach = side / TAG_CELLS + 4 * float(SIGMAS[-1])  # a cell of margin and the widest blur
    x0, y0 = np.floor(tag.corners.min(axis=0) - reach).astype(int)
    x1, y1 = np.ceil(tag.corners.max(axis=0) + reach).astype(int)
    if x0 < 0 or y0 < 0 or x1 > gray.shape[1] or y1 > gray.shape[0]:
        return float("nan")
    cell = 16
    ideal = _ideal_tag(tag.id, cell)
    # The marker's corners in the ideal drawing (aruco order TL, TR, BR, BL), after the margin.
    a, b = float(cell), float(cell * (TAG_CELLS + 1))
    src = np.asarray([[a, a], [b, a], [b, b], [a, b]], np.float32)
    dst = (tag.corners - np.asarray([x0, y0], np.float32)).astype(np.float32)
    to_photo = cv2.getPerspectiveTransform(src, dst)
    size = (int(x1 - x0), int(y1 - y0))
    drawn = cv2.warpPerspective(ideal, to_photo, size, flags=cv2.INTER_AREA, borderValue=-1.0)
    inside = cv2.warpPerspective(
        np.ones_like(ideal), to_photo, size, flags=cv2.INTER_NEAREST, borderValue=0.0
    )
    # Compared over the tag and its margin; past the margin the drawing assumes paper.
    keep = inside > 0.5
    if int(keep.sum()) < 4 * TAG_CELLS**2:
        return float("nan")
    sharp = np.asarray(np.where(keep, drawn, 1.0), np.float32)
    seen = np.asarray(gray[y0:y1, x0:x1], np.float64)[keep]
    errors = {float(sigma): _fit_error(sharp, keep, seen, float(sigma)) for sigma in SIGMAS}
    coarse = min(errors, key=lambda sigma: errors[sigma])
    if errors[coarse] == float("inf"):
        return float("nan")
    for sigma in (coarse - SIGMA_STEP / 2, coarse + SIGMA_STEP / 2):  # the half steps around it
        if sigma > 0:
            errors[sigma] = _fit_error(sharp, keep, seen, sigma)
    return min(errors, key=lambda sigma: errors[sigma])


def _fit_error(
    drawn: npt.NDArray[np.float32],
    keep: npt.NDArray[np.bool_],
    seen: npt.NDArray[np.float64],
    sigma: float,
) -> float:
    """Mean squared error of the best gain and offset fit of the drawing blurred by `sigma` to
    the photo's pixels (inf when only an inverted fit matches: no tag)."""
    model = np.asarray(cv2.GaussianBlur(drawn, (0, 0), sigma), np.float64)[keep]
    design = np.stack([model, np.ones_like(model)], axis=1)
    coef, *_ = np.linalg.lstsq(design, seen, rcond=None)
    if coef[0] <= 0:
        return float("inf")
    return float(np.mean((design @ coef - seen) ** 2))


def deblur(gray: Gray, sigma: float) -> Gray:
    """`gray` with a Gaussian blur of σ `sigma` px undone (Wiener filter, NOISE_TO_SIGNAL); the
    image is padded by reflection (to a fast transform size) so the filter does not wrap one side
    onto the other."""
    pad = int(np.ceil(4 * sigma)) + 2
    height, width = gray.shape
    rows = cv2.getOptimalDFTSize(height + 2 * pad)
    cols = cv2.getOptimalDFTSize(width + 2 * pad)
    bottom, right = rows - height - pad, cols - width - pad
    padded = cv2.copyMakeBorder(gray, pad, bottom, pad, right, cv2.BORDER_REFLECT)
    canvas = np.asarray(padded, np.float32)
    fy = np.fft.fftfreq(rows).astype(np.float32)[:, None]
    fx = np.fft.fftfreq(cols).astype(np.float32)[None, :]
    otf = np.exp(np.float32(-2.0 * (np.pi * sigma) ** 2) * (fx * fx + fy * fy))
    spectrum = np.asarray(cv2.dft(canvas, flags=cv2.DFT_COMPLEX_OUTPUT), np.float32)
    wiener = np.asarray(otf / (otf * otf + np.float32(NOISE_TO_SIGNAL)), np.float32)
    restored = cv2.idft(spectrum * wiener[..., None], flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    out = restored[pad : pad + gray.shape[0], pad : pad + gray.shape[1]]
    return np.asarray(np.clip(out, 0, 255), np.uint8)


@dataclass(frozen=True)
class Restored:
    """The photo to register and read, and the blur its tag measured (NaN: not measured)."""

    gray: Gray
    sigma: float  # px of the working image
    sigma_template: float  # the same blur in template px (what the frames and boxes suffer)
    deblurred: bool


def restore(gray: Gray, tag: TagHit | None, page: PageTemplate) -> Restored:
    """The blur the tag measures, in photo and template px, and the photo deconvolved when the
    blur is at least DEBLUR_MIN template px (else unchanged)."""
    if tag is None:
        return Restored(gray, float("nan"), float("nan"), False)
    sigma = tag_blur(gray, tag)
    scale = _side(np.asarray(page.tag.corners, np.float64)) / _side(tag.corners)
    sigma_template = sigma * scale
    if not sigma_template >= DEBLUR_MIN:
        return Restored(gray, sigma, sigma_template, False)
    sharp = float(np.sqrt(max(sigma**2 - SHARP_SIGMA**2, 0.0)))
    return Restored(deblur(gray, sharp), sigma, sigma_template, True)


def _side(corners: npt.NDArray[np.floating]) -> float:
    """A quadrilateral's mean side."""
    return float(np.mean(np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)))
