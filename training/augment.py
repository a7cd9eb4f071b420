"""Synthetic box crops: digits, X marks and empty boxes made to look like pen on a photo.

Each crop imitates the interior of one printed digit box of a C.Hasil form photographed with a
phone: paper of varying tint and light, a ballpoint stroke of varying width and darkness, the digit
at a varying scale, slant and position, remnants of the thick printed border on the crop edges
(the crop is never exactly aligned), then blur, resampling, noise and JPEG re-compression.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

X_LABEL = 10
BLANK_LABEL = 11

Alpha = npt.NDArray[np.float32]
Gray = npt.NDArray[np.uint8]
Rng = np.random.Generator


@dataclass(frozen=True)
class Look:
    """How hard the photo effects are: `photo` for training/eval, `clean` for a plain scan;
    `guides` is the chance that the box carries a printed dotted 7-segment guide."""

    photo: bool = True
    guides: float = 0.0


def box_shape(rng: Rng) -> tuple[int, int]:
    """Interior size (h, w) of a digit box as a pipeline would crop it."""
    h = int(rng.integers(26, 100))
    w = int(round(h * rng.uniform(0.75, 1.3)))
    return h, max(16, w)


def cross_seven(mask: npt.NDArray[np.uint8], rng: Rng) -> None:
    """Add the bar many Indonesian writers put across the stem of a 7 (on the x3 upsample)."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return
    y = int(ys.min() + (ys.max() - ys.min()) * rng.uniform(0.45, 0.62))
    row = np.flatnonzero(mask[y])
    if len(row) == 0:
        return
    cx = float(row.mean())
    half = (xs.max() - xs.min()) * rng.uniform(0.2, 0.35)
    tilt = rng.uniform(-4, 4)
    ends = (round(cx - half), round(y + tilt)), (round(cx + half), round(y - tilt))
    cv2.line(mask, ends[0], ends[1], 1, int(rng.integers(5, 9)))


def flag_one(mask: npt.NDArray[np.uint8], rng: Rng) -> None:
    """Add the flag (and sometimes the foot) of a handwritten 1 (on the x3 upsample)."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return
    top, bottom = int(ys.min()), int(ys.max())
    height = bottom - top
    x_top = int(xs[ys == top].mean())
    angle = np.deg2rad(rng.uniform(35, 65))
    length = height * rng.uniform(0.12, 0.25)
    tip = (round(x_top - length * np.cos(angle)), round(top + length * np.sin(angle)))
    cv2.line(mask, (x_top, top), tip, 1, int(rng.integers(5, 9)))
    if rng.random() < 0.4:
        x_bottom, half = int(xs[ys == bottom].mean()), height * rng.uniform(0.15, 0.3)
        ends = (round(x_bottom - half), bottom), (round(x_bottom + half), bottom)
        cv2.line(mask, ends[0], ends[1], 1, int(rng.integers(5, 9)))


def pen_width(digit: Alpha, rng: Rng, label: int = -1) -> Alpha:
    """Upsample a 28x28 MNIST digit x3 and make its stroke thinner or thicker like a pen."""
    big = cv2.resize(digit, (84, 84), interpolation=cv2.INTER_CUBIC)
    mask = (big > 0.45).astype(np.uint8)
    if label == 7 and rng.random() < 0.35:
        cross_seven(mask, rng)
    elif label == 1 and rng.random() < 0.3:
        flag_one(mask, rng)
    k = int(rng.choice([-4, -3, -2, -2, -1, -1, 0, 0, 1, 2]))
    if k:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (abs(k) + 1, abs(k) + 1))
        thinned = cv2.erode(mask, kernel) if k < 0 else cv2.dilate(mask, kernel)
        mask = thinned if thinned.sum() > 40 else mask
    return np.asarray(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.0), dtype=np.float32)


def digit_alpha(digit: Alpha, shape: tuple[int, int], rng: Rng, look: Look, label: int) -> Alpha:
    """The digit's ink alpha placed in a box of `shape` with scale, slant, rotation, jitter."""
    h, w = shape
    big = pen_width(digit, rng, label) if look.photo else cv2.resize(digit, (84, 84))
    frac = rng.uniform(0.45, 0.95) if look.photo else 0.7
    scale = frac * h / 60.0  # MNIST's digit is 20 of 28 px, so 60 of the 84 px upsample
    angle = rng.uniform(-12, 12) if look.photo else 0.0
    shear = rng.uniform(-0.35, 0.25) if look.photo else 0.0
    linear = cv2.getRotationMatrix2D((0.0, 0.0), angle, scale)[:, :2] @ [[1.0, shear], [0, 1]]
    slack_x, slack_y = max(0.0, w - frac * h) / 2, max(0.0, h - frac * h) / 2
    jitter = rng.uniform(-0.75, 0.75, 2) * (slack_x, slack_y) if look.photo else np.zeros(2)
    center = np.array([w / 2, h / 2]) + jitter
    mat = np.hstack([linear, (center - linear @ [42.0, 42.0])[:, None]])
    warped = cv2.warpAffine(big, mat, (w, h), flags=cv2.INTER_LINEAR)
    return np.asarray(warped, dtype=np.float32)


def stroke(canvas: Alpha, pts: npt.NDArray[np.float64], thickness: int) -> None:
    """Draw an anti-aliased polyline on an x4 supersampled canvas (coordinates in crop px)."""
    fixed = np.round(pts * 4 * 16).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(canvas, [fixed], False, 1.0, max(1, thickness * 4), cv2.LINE_AA, shift=4)


def bent(
    p: npt.NDArray[np.float64], q: npt.NDArray[np.float64], rng: Rng
) -> npt.NDArray[np.float64]:
    """A slightly curved hand stroke from p to q as a 3-point polyline."""
    mid = (p + q) / 2
    normal = np.array([q[1] - p[1], p[0] - q[0]])
    mid = mid + normal * rng.uniform(-0.08, 0.08)
    return np.stack([p, mid, q])


def x_alpha(shape: tuple[int, int], rng: Rng) -> Alpha:
    """Two crossing pen strokes (an X) of random extent, angle and thickness."""
    h, w = shape
    canvas = np.zeros((h * 4, w * 4), dtype=np.float32)
    size = rng.uniform(0.45, 1.15)
    cx, cy = w / 2 + rng.uniform(-0.15, 0.15) * w, h / 2 + rng.uniform(-0.15, 0.15) * h
    half = np.array([w, h]) * size / 2
    thick = int(rng.integers(1, max(2, h // 14) + 1))
    for sign in (1.0, -1.0):
        a = np.array([cx - half[0], cy - sign * half[1]]) + rng.uniform(-0.12, 0.12, 2) * (w, h)
        b = np.array([cx + half[0], cy + sign * half[1]]) + rng.uniform(-0.12, 0.12, 2) * (w, h)
        stroke(canvas, bent(a, b, rng), thick)
    return np.asarray(cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA), dtype=np.float32)


def blank_alpha(shape: tuple[int, int], rng: Rng) -> Alpha:
    """An empty box: nothing, a dust speck or two, or a printed rule across a misplaced crop."""
    h, w = shape
    alpha = np.zeros(shape, dtype=np.float32)
    if rng.random() < 0.2:
        y = rng.uniform(0.15, 0.85) * h
        tilt = rng.uniform(-0.02, 0.02) * w
        canvas = np.zeros((h * 4, w * 4), dtype=np.float32)
        stroke(canvas, np.array([[-2.0, y - tilt], [w + 2.0, y + tilt]]), max(1, h // 24))
        alpha = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA) * rng.uniform(0.6, 1.0)
    for _ in range(int(rng.choice([0, 0, 0, 1, 2]))):
        center = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(alpha, center, int(rng.integers(1, 3)), float(rng.uniform(0.2, 0.8)), -1)
    return alpha


def paper(shape: tuple[int, int], rng: Rng, look: Look) -> Alpha:
    """Paper level with a gentle light gradient."""
    h, w = shape
    base = rng.uniform(140, 240) if look.photo else 235.0
    if not look.photo:
        return np.full(shape, base, dtype=np.float32)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    slope = rng.uniform(-0.25, 0.25, 2)
    return np.asarray(base + slope[0] * (gx - w / 2) + slope[1] * (gy - h / 2), dtype=np.float32)


def border_remnants(shape: tuple[int, int], rng: Rng) -> Alpha:
    """Printed box border showing on some crop edges (a thick line near the edge)."""
    h, w = shape
    canvas = np.zeros((h * 4, w * 4), dtype=np.float32)
    for edge in range(4):
        if rng.random() > 0.35:
            continue
        side = h if edge < 2 else w
        thick = max(1, int(round(side * rng.uniform(0.01, 0.08))))
        off = rng.uniform(-thick, 0.08 * side)
        tilt = rng.uniform(-0.03, 0.03) * side
        pos = off if edge % 2 == 0 else (side - 1 - off)
        if edge < 2:  # top/bottom: horizontal line at y = pos
            pts = np.array([[-2.0, pos - tilt], [w + 2.0, pos + tilt]])
        else:
            pts = np.array([[pos - tilt, -2.0], [pos + tilt, h + 2.0]])
        stroke(canvas, pts, thick)
    return np.asarray(cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA), dtype=np.float32)


def photo_effects(img: Alpha, rng: Rng) -> Gray:
    """Blur, resampling, noise, contrast and JPEG, as a phone photo of the page would add."""
    h, w = img.shape
    if rng.random() < 0.2:  # a shaken or out-of-focus photo: sigma up to 7% of the box
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.025, 0.07) * h)
    elif rng.random() < 0.75:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.6))
    if rng.random() < 0.3:
        f = rng.uniform(0.4, 0.8)
        small = cv2.resize(
            img, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA
        )
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    img = img * rng.uniform(0.75, 1.15) + rng.uniform(-25, 25)
    img = img + rng.normal(0, rng.uniform(0, 9), img.shape)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 96))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else out
    return np.asarray(out, dtype=np.uint8)


def compose(alpha: Alpha, rng: Rng, look: Look) -> Gray:
    """Paper minus pen ink minus printed border, then the photo effects."""
    shape = (alpha.shape[0], alpha.shape[1])
    page = paper(shape, rng, look)
    ink = rng.uniform(60, 170) if look.photo else 200.0
    img = page - np.minimum(alpha, 1.0) * np.minimum(ink, page - 10)
    if not look.photo:
        return np.clip(img, 0, 255).astype(np.uint8)
    border = border_remnants(shape, rng)
    img = np.minimum(img, page - border * np.minimum(rng.uniform(70, 190), page - 10))
    return photo_effects(img.astype(np.float32), rng)


def render_box(
    label: int, digit: Alpha | None, rng: Rng, look: Look = Look(), decorate: bool = True
) -> Gray:
    """A uint8 gray crop of one box holding `digit` (label 0-9), an X (10) or nothing (11).

    `decorate` lets a 7 get its crossbar and a 1 its flag at random; a digit already drawn in
    that form (training.hand_forms) is rendered with `decorate=False`.
    """
    shape = box_shape(rng) if look.photo else (64, 56)
    if label == X_LABEL:
        alpha = x_alpha(shape, rng)
    elif label == BLANK_LABEL:
        alpha = blank_alpha(shape, rng)
    elif digit is not None:
        alpha = digit_alpha(digit, shape, rng, look, label if decorate else -1)
    else:
        raise ValueError(f"label {label} needs a digit image")
    if look.guides > 0 and rng.random() < look.guides:
        alpha = np.maximum(alpha, guide_alpha(shape, rng))
    return compose(alpha, rng, look)


def guide_alpha(shape: tuple[int, int], rng: Rng) -> Alpha:
    """The faint dotted "8" (7 segments of dots) printed in the digit boxes of some C.Hasil
    forms as a writing guide; it is neither a digit nor an X."""
    h, w = shape
    x0, x1 = w * rng.uniform(0.15, 0.32), w * rng.uniform(0.68, 0.85)
    y0, y1 = h * rng.uniform(0.06, 0.2), h * rng.uniform(0.8, 0.94)
    ym = (y0 + y1) / 2 + h * rng.uniform(-0.04, 0.04)
    corners = [(x0, y0), (x1, y0), (x0, ym), (x1, ym), (x0, y1), (x1, y1)]
    segments = [(0, 1), (2, 3), (4, 5), (0, 2), (2, 4), (1, 3), (3, 5)]
    gap = h * rng.uniform(0.06, 0.12)
    radius = max(1, round(4 * h * rng.uniform(0.01, 0.025)))
    canvas = np.zeros((h * 4, w * 4), dtype=np.float32)
    for a, b in segments:
        p, q = np.array(corners[a]), np.array(corners[b])
        for t in np.linspace(0, 1, max(2, int(np.linalg.norm(q - p) / gap) + 1)):
            x, y = (p + (q - p) * t) * 4
            cv2.circle(canvas, (int(x), int(y)), radius, 1.0, -1, cv2.LINE_AA)
    small = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)
    return np.asarray(small * rng.uniform(0.15, 0.6), dtype=np.float32)


def as_bgr(gray: Gray, rng: Rng) -> npt.NDArray[np.uint8]:
    """A tinted BGR version of a gray crop (paper is rarely neutral in a photo)."""
    tint = rng.uniform(0.85, 1.0, 3)
    return np.clip(gray[:, :, None].astype(np.float32) * tint, 0, 255).astype(np.uint8)
