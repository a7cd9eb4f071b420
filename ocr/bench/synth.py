"""Synthetic filled forms: consistent TPS numbers written with real handwritten digits.

`consistent_values` draws a TPS whose numbers satisfy every sum of DOMAIN.md §4 (so any page's
sums hold); `fill_page` writes a page's numbers into a rendered blank page: one held-out MNIST
digit per box in dark pen ink, an X or nothing (sometimes a 0) in unused leading boxes, and the
matching bubbles blackened by hand (partial fills and the odd stray mark included). Seeded by the
caller's numpy Generator, so a run is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.templates import Box, BubbleColumn, PageTemplate

Gray = npt.NDArray[np.uint8]
Bgr = npt.NDArray[np.uint8]
Rng = np.random.Generator
BoxTruth = str  # "0".."9", "X" (crossed out) or "" (left blank)

LEADING_STYLES = (("X", 0.55), ("", 0.30), ("0", 0.15))  # how officers treat unused boxes
INKS = ((35, 30, 30), (20, 20, 20), (120, 45, 25), (95, 40, 35))  # BGR: black and blue pens
STRAY_MARK_RATE = 0.05
PARTIAL_FILL_RATE = 0.15


@dataclass(frozen=True)
class DigitBank:
    """Held-out handwritten digits: images (N, 28, 28) with ink 0..1, and their labels."""

    images: npt.NDArray[np.float32]
    labels: npt.NDArray[np.int64]

    def sample(self, digit: int, rng: Rng) -> npt.NDArray[np.float32]:
        """A random image of this digit."""
        choices = np.flatnonzero(self.labels == digit)
        return np.asarray(self.images[int(rng.choice(choices))], dtype=np.float32)


def _split(total: int, parts: int, rng: Rng) -> list[int]:
    """Split total into `parts` non-negative integers with uneven shares (a real race)."""
    shares = rng.dirichlet(np.full(parts, 1.2))
    return [int(x) for x in rng.multinomial(total, shares)]


def consistent_values(paslon_count: int, rng: Rng) -> dict[str, int]:
    """Every field of a KWK/PPWP C.Hasil for one TPS, satisfying all the form's sums."""
    v: dict[str, int] = {}
    for g in "lp":
        v[f"pemilih_dpt_{g}"] = int(rng.integers(40, 300))
        v[f"pengguna_dpt_{g}"] = round(v[f"pemilih_dpt_{g}"] * rng.uniform(0.45, 0.97))
        v[f"pengguna_dptb_{g}"] = int(rng.integers(0, 9))
        v[f"pengguna_dpk_{g}"] = int(rng.integers(0, 7))
        parts = ("dpt", "dptb", "dpk")
        v[f"pengguna_total_{g}"] = sum(v[f"pengguna_{r}_{g}"] for r in parts)
        v[f"disabilitas_{g}"] = int(rng.integers(0, 5))
    for row in ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk"):
        v[f"{row}_j"] = v[f"{row}_l"] + v[f"{row}_p"]
    for row in ("pengguna_total", "disabilitas"):
        v[f"{row}_j"] = v[f"{row}_l"] + v[f"{row}_p"]
    used = v["pengguna_total_j"]
    v["surat_digunakan"] = used
    v["surat_rusak"] = int(rng.integers(0, 5))
    v["surat_diterima"] = max(math.ceil(v["pemilih_dpt_j"] * 1.025), used + v["surat_rusak"])
    v["surat_tidak_digunakan"] = v["surat_diterima"] - used - v["surat_rusak"]
    v["suara_total"] = used
    v["suara_tidak_sah"] = int(rng.integers(0, min(30, used) + 1))
    v["suara_sah"] = used - v["suara_tidak_sah"]
    for n, votes in enumerate(_split(v["suara_sah"], paslon_count, rng), start=1):
        v[f"suara_paslon_{n}"] = votes
    return v


def box_tokens(value: int, rng: Rng) -> list[BoxTruth]:
    """What is written in the three boxes for `value`: digits, and X / blank / 0 before them."""
    digits = list(str(value))
    styles = [style for style, _ in LEADING_STYLES]
    weights = np.asarray([weight for _, weight in LEADING_STYLES])
    lead = styles[int(rng.choice(len(styles), p=weights))]
    return [lead] * (3 - len(digits)) + digits


def _ink(rng: Rng) -> tuple[int, int, int]:
    b, g, r = INKS[int(rng.integers(len(INKS)))]
    return (b, g, r)


def _blend(img: Bgr, x: int, y: int, alpha: npt.NDArray[np.float32], ink: tuple[int, ...]) -> None:
    """Lay ink with opacity `alpha` onto img at (x, y), clipped to the image."""
    h, w = alpha.shape
    roi = img[y : y + h, x : x + w].astype(np.float32)
    a = alpha[: roi.shape[0], : roi.shape[1], None]
    roi = roi * (1 - a) + np.asarray(ink, np.float32) * a
    img[y : y + roi.shape[0], x : x + roi.shape[1]] = roi.astype(np.uint8)


def draw_digit(
    img: Bgr,
    rect: tuple[int, int, int, int],
    digit: npt.NDArray[np.float32],
    rng: Rng,
    ink: tuple[int, ...],
) -> None:
    """One handwritten digit inside a box (x, y, w, h in px): random size, place and stroke."""
    x, y, w, h = rect
    target = h * rng.uniform(0.55, 0.85)  # the digit's ink height; MNIST ink spans 20 of 28 px
    side = max(8, round(target * 28 / 20))
    alpha = cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR)
    stroke = rng.uniform(-1.1, 0.6) * side / 40  # a thinner ballpoint or a bolder felt pen
    if abs(stroke) >= 1:
        kernel = np.ones((int(abs(stroke)) + 1,) * 2, np.uint8)
        alpha = cv2.dilate(alpha, kernel) if stroke > 0 else cv2.erode(alpha, kernel)
    alpha = np.clip((alpha - 0.15) * 1.6, 0, 1).astype(np.float32)
    ys, xs = np.nonzero(alpha > 0.1)
    if len(xs) == 0:
        return
    alpha = alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    ah, aw = alpha.shape
    margin = max(2, round(0.08 * w))
    ox = x + int(rng.integers(margin, max(margin + 1, w - aw - margin + 1)))
    oy = y + int(rng.integers(margin, max(margin + 1, h - ah - margin + 1)))
    _blend(img, ox, oy, alpha * rng.uniform(0.85, 1.0), ink)


def draw_x(img: Bgr, rect: tuple[int, int, int, int], rng: Rng, ink: tuple[int, ...]) -> None:
    """A hand-drawn X crossing out a box."""
    x, y, w, h = rect
    thick = max(2, round(w * rng.uniform(0.05, 0.09)))

    def jitter(size: int) -> int:
        """An inset of 12-30% of the side, so the strokes start inside the box."""
        return int(rng.integers(round(0.12 * size), round(0.3 * size) + 1))

    a = (x + jitter(w), y + jitter(h))
    b = (x + w - jitter(w), y + h - jitter(h))
    c = (x + w - jitter(w), y + jitter(h))
    d = (x + jitter(w), y + h - jitter(h))
    cv2.line(img, a, b, ink, thick, cv2.LINE_AA)
    cv2.line(img, c, d, ink, thick, cv2.LINE_AA)


def _box_rect(box: Box, scale: float) -> tuple[int, int, int, int]:
    """The inside of a printed box in px (the border excluded)."""
    inset = 2.0
    return (
        round((box.x + inset) * scale),
        round((box.y + inset) * scale),
        round((box.w - 2 * inset) * scale),
        round((box.h - 2 * inset) * scale),
    )


def fill_bubble(
    img: Bgr, center: tuple[float, float], radius: float, rng: Rng, ink: tuple[int, ...]
) -> None:
    """Blacken one bubble by hand: a slightly off, sometimes partial, filled ellipse."""
    cx = center[0] + rng.uniform(-0.2, 0.2) * radius
    cy = center[1] + rng.uniform(-0.2, 0.2) * radius
    axes = (round(radius * rng.uniform(0.8, 1.1)), round(radius * rng.uniform(0.75, 1.05)))
    if rng.random() < PARTIAL_FILL_RATE:  # a hasty scribble: strokes covering part of it
        thick = max(1, round(radius * 0.5))
        for k in range(-1, 2):
            dy = round(k * radius * 0.5)
            p0 = (round(cx - radius * 0.8), round(cy + dy))
            p1 = (round(cx + radius * 0.8), round(cy + dy + rng.uniform(-0.3, 0.3) * radius))
            cv2.line(img, p0, p1, ink, thick, cv2.LINE_AA)
        return
    angle = float(rng.uniform(0, 180))
    cv2.ellipse(img, (round(cx), round(cy)), axes, angle, 0, 360, ink, -1, cv2.LINE_AA)


def _fill_column(
    img: Bgr, column: BubbleColumn, token: BoxTruth, scale: float, rng: Rng, ink: tuple[int, ...]
) -> None:
    """The bubble for a written digit; 0 (mostly) under a crossed-out or blank leading box."""
    digit = int(token) if token.isdigit() else (0 if rng.random() < 0.6 else None)
    radius = column.radius * scale
    if digit is not None:
        cx, cy = column.centers[digit]
        fill_bubble(img, (cx * scale, cy * scale), radius, rng, ink)
    if rng.random() < STRAY_MARK_RATE:  # a pen touching another bubble: a small light mark
        sx, sy = column.centers[int(rng.integers(10))]
        r = max(1, round(radius * rng.uniform(0.2, 0.4)))
        cv2.circle(img, (round(sx * scale), round(sy * scale)), r, ink, -1, cv2.LINE_AA)


def fill_page(
    blank: Gray, page: PageTemplate, scale: float, values: dict[str, int], bank: DigitBank, rng: Rng
) -> tuple[Bgr, dict[str, list[BoxTruth]]]:
    """Write every field of the page that has a value; returns the image and what each box holds."""
    img = np.asarray(cv2.cvtColor(blank, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    truth: dict[str, list[BoxTruth]] = {}
    for field in page.fields:
        if field.name not in values:
            continue
        tokens = box_tokens(values[field.name], rng)
        ink = _ink(rng)
        for box, token in zip(field.boxes, tokens, strict=True):
            rect = _box_rect(box, scale)
            if token == "X":
                draw_x(img, rect, rng, ink)
            elif token:
                draw_digit(img, rect, bank.sample(int(token), rng), rng, ink)
        for column, token in zip(field.bubbles or [], tokens, strict=False):
            _fill_column(img, column, token, scale, rng, ink)
        truth[field.name] = tokens
    return img, truth
