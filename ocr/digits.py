"""Box-crop preprocessing for the digit model: one function shared by training and runtime.

``normalize_box`` turns the crop of one digit box's interior (any size, uint8 gray or BGR, dark
pen on light paper) into the model input: a ``INPUT_SIZE`` x ``INPUT_SIZE`` float32 image with the
ink bright (1.0) on black (0.0), MNIST style: the ink's bounding box is fitted into 20x20 pixels
keeping its aspect and its centre of mass is put at the centre.

Steps, each on a working copy whose longer side is ``WORK_SIZE`` pixels:

1. ink map: the local paper level (a grey closing) minus the pixel, so shadows and tinted paper
   cancel; divided by the crop's ink contrast, but never by less than ``MIN_CONTRAST`` grey
   levels, so the noise of an empty box stays faint instead of being stretched to full ink;
2. printed border remnants: long straight runs along the crop edges, and components lying
   entirely in the edge bands, are erased (a digit touching the border keeps its own strokes);
3. specks below ``MIN_COMPONENT_AREA`` are dropped;
4. if the remaining ink is less than ``BLANK_INK_MASS`` the box is treated as empty: the cleaned
   ink is returned at the crop's own scale, never blown up to fill the frame;
5. else the ink is cropped to its bounding box, scaled into 20x20 (but never enlarged more than
   ``MAX_SCALE`` times from the work size, so a small mark stays small) and centred on its
   centre of mass.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

INPUT_SIZE = 28
FIT_SIZE = 20
WORK_SIZE = 64
MIN_CONTRAST = 32.0
INK_THRESHOLD = 0.35
EDGE_BAND = 0.14
EDGE_RUN = 0.9
MIN_COMPONENT_AREA = 6
BLANK_INK_MASS = 18.0
MAX_SCALE = 2.0

Gray = npt.NDArray[np.uint8]
Image = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]


def to_gray(crop: npt.NDArray[np.generic]) -> Gray:
    """A uint8 single-channel copy of a gray, BGR or BGRA crop (float input scaled from 0..1)."""
    arr = np.asarray(crop)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.dtype != np.uint8:
        scale = 255.0 if arr.dtype.kind == "f" and float(np.max(arr, initial=0.0)) <= 1.0 else 1.0
        arr = np.clip(arr.astype(np.float32) * scale, 0, 255).astype(np.uint8)
    if arr.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if arr.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        arr = cv2.cvtColor(arr, code)
    if arr.ndim != 2:
        raise ValueError(f"a box crop must be 2-D gray or 3-channel, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def resize_to_work(gray: Gray) -> Gray:
    """Resize so the longer side is WORK_SIZE pixels, keeping the aspect ratio."""
    h, w = gray.shape
    scale = WORK_SIZE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(gray, size, interpolation=interp), dtype=np.uint8)


def grey_quantile(values: Image, q: float) -> float:
    """The q-quantile (0..1) of grey-level values, to the nearest level (a fast histogram)."""
    levels = np.clip(values, 0, 255).astype(np.uint8).ravel()
    if levels.size == 0:
        return 0.0
    cumulative = np.cumsum(np.bincount(levels, minlength=256))
    return float(np.searchsorted(cumulative, q * levels.size))


def raw_ink(gray: Gray) -> Image:
    """Darkness below the local paper level (grey levels, >= 0), paper noise level subtracted."""
    g = cv2.GaussianBlur(gray.astype(np.float32), (3, 3), 0)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    paper = cv2.GaussianBlur(cv2.dilate(g, kernel), (0, 0), 3)
    raw = np.maximum(np.asarray(paper, dtype=np.float32) - g, 0.0)
    return np.asarray(np.maximum(raw - grey_quantile(raw, 0.5), 0.0), dtype=np.float32)


def contrast_of(raw: Image, ignore: Mask | None = None) -> float:
    """The ink contrast of a crop (grey levels), never below MIN_CONTRAST."""
    values = raw if ignore is None else raw[~ignore]
    return max(grey_quantile(values, 0.995), MIN_CONTRAST)


def edge_line_mask(mask: Mask) -> Mask:
    """Pixels of long straight runs parallel to a crop edge and inside its band."""
    h, w = mask.shape
    m8 = mask.astype(np.uint8)
    horiz = cv2.morphologyEx(m8, cv2.MORPH_OPEN, np.ones((1, max(3, int(w * EDGE_RUN))), np.uint8))
    vert = cv2.morphologyEx(m8, cv2.MORPH_OPEN, np.ones((max(3, int(h * EDGE_RUN)), 1), np.uint8))
    band_y, band_x = max(2, int(h * EDGE_BAND)), max(2, int(w * EDGE_BAND))
    in_band = np.zeros((h, w), dtype=bool)
    in_band[:band_y] = in_band[h - band_y :] = True
    lines = np.asarray(horiz, dtype=bool) & in_band
    in_band[:] = False
    in_band[:, :band_x] = in_band[:, w - band_x :] = True
    lines |= np.asarray(vert, dtype=bool) & in_band
    grown = cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8))
    return np.asarray(grown, dtype=bool)


def outside_inner_region(labels: npt.NDArray[np.int32], count: int) -> npt.NDArray[np.bool_]:
    """Per component label: True when none of its pixels reaches the crop's inner region.

    The inner region is the crop minus an EDGE_BAND margin on every side; a mark confined to
    the margins (a border remnant, a box corner of a tilted crop) is not a digit or an X.
    """
    h, w = labels.shape
    band_y, band_x = max(2, int(h * EDGE_BAND)), max(2, int(w * EDGE_BAND))
    inner = labels[band_y : h - band_y, band_x : w - band_x]
    reaches = np.bincount(inner.ravel(), minlength=count) > 0
    return np.asarray(~reaches, dtype=bool)


def keep_components(mask: Mask) -> Mask:
    """The mask without specks and without components confined to the edge bands."""
    binary = np.asarray(mask, dtype=np.uint8)
    count, raw_labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    labels = np.asarray(raw_labels, dtype=np.int32)
    big = np.asarray(stats)[:, cv2.CC_STAT_AREA] >= MIN_COMPONENT_AREA
    keep = big & ~outside_inner_region(labels, count)
    keep[0] = False
    return np.asarray(keep[labels], dtype=bool)


def clean_ink(gray: Gray) -> Image:
    """Ink map 0..1 of a work-size crop with border remnants and specks erased.

    The border lines are found first, on a threshold relative to the darkest ink, and left out
    of the contrast, so a light pen stroke next to a dark printed border keeps its full strength.
    """
    raw = raw_ink(gray)
    lines = edge_line_mask(raw > INK_THRESHOLD * contrast_of(raw))
    ink: Image = np.clip(raw / contrast_of(raw, lines), 0.0, 1.0).astype(np.float32)
    ink[lines] = 0.0
    kept = keep_components(ink > INK_THRESHOLD)
    halo = cv2.dilate(kept.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    ink[~halo] = 0.0
    return ink


def place_centered(patch: Image, center: tuple[float, float]) -> Image:
    """Paste a patch into an INPUT_SIZE square so that `center` (x, y) lands in the middle."""
    out = np.zeros((INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    ph, pw = patch.shape
    x0 = int(round(INPUT_SIZE / 2 - center[0]))
    y0 = int(round(INPUT_SIZE / 2 - center[1]))
    x0 = min(max(x0, 0), INPUT_SIZE - pw)
    y0 = min(max(y0, 0), INPUT_SIZE - ph)
    out[y0 : y0 + ph, x0 : x0 + pw] = patch
    return out


def scale_patch(patch: Image, scale: float) -> Image:
    """Resize a float patch by `scale`, clipped to at most FIT_SIZE on its longer side."""
    h, w = patch.shape
    size = (min(FIT_SIZE, max(1, round(w * scale))), min(FIT_SIZE, max(1, round(h * scale))))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(patch, size, interpolation=interp), dtype=np.float32)


def fit_ink(ink: Image) -> Image:
    """Crop the ink to its bounding box, fit it into FIT_SIZE and centre its mass."""
    ys, xs = np.nonzero(ink > INK_THRESHOLD / 2)
    patch = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = min(FIT_SIZE / max(patch.shape), MAX_SCALE)
    small = scale_patch(patch, scale)
    total = float(small.sum())
    if total <= 0:
        return np.zeros((INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    grid_y, grid_x = np.indices(small.shape)
    center = (float((grid_x * small).sum()) / total, float((grid_y * small).sum()) / total)
    out = place_centered(small, center)
    return out / max(float(out.max()), 1e-6)


def blank_view(ink: Image) -> Image:
    """An almost empty box at its own scale: the whole crop shrunk into the input square."""
    h, w = ink.shape
    scale = INPUT_SIZE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(cv2.resize(ink, size), dtype=np.float32)
    return place_centered(small, (small.shape[1] / 2, small.shape[0] / 2))


def normalize_box(crop: npt.NDArray[np.generic]) -> Image:
    """Model input (INPUT_SIZE x INPUT_SIZE float32, ink 1 on 0) for one box-interior crop."""
    gray = to_gray(crop)
    if gray.size == 0:
        raise ValueError("empty box crop")
    ink = clean_ink(resize_to_work(gray))
    if float(ink.sum()) < BLANK_INK_MASS or not np.any(ink > INK_THRESHOLD / 2):
        return blank_view(ink)
    return fit_ink(ink)
