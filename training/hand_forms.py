"""Digit forms that Indonesian writers use and MNIST lacks, drawn as jittered pen strokes.

- `1` with a long flag from the upper left (and often a foot),
- `7` crossed through the stem (sometimes with a small tick at the left of the top bar),
- `4` open at the top: the slanted or upright first stroke does not meet the upright,
- `9` with a straight tail: a loop and a straight stem down from its right side.

Each is drawn on a 96x96 canvas from control points in a unit square, every point moved at
random, every stroke slightly bent, with a random pen thickness, then framed like an MNIST digit
(`training.fonts.mnist_frame`) so it enters the same box renderer.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from training.fonts import Frame, elastic, mnist_frame

FORMS = (1, 4, 7, 9)
CANVAS = 96
Points = npt.NDArray[np.float64]
Rng = np.random.Generator


def jitter(points: list[tuple[float, float]], rng: Rng, amount: float = 0.04) -> Points:
    """Control points (unit square) each moved by up to `amount`."""
    return np.asarray(points, dtype=np.float64) + rng.uniform(-amount, amount, (len(points), 2))


def curve(points: Points, rng: Rng, bend: float = 0.06) -> Points:
    """A polyline through the points whose every segment bows sideways a little (quadratic)."""
    out = [points[0]]
    for p, q in zip(points[:-1], points[1:], strict=True):
        normal = np.array([q[1] - p[1], p[0] - q[0]])
        control = (p + q) / 2 + normal * rng.uniform(-bend, bend)
        for t in np.linspace(0.1, 1.0, 10):
            out.append((1 - t) ** 2 * p + 2 * (1 - t) * t * control + t**2 * q)
    return np.asarray(out)


def loop(cx: float, cy: float, rx: float, ry: float, rng: Rng) -> Points:
    """A hand-drawn closed loop (ellipse, radius wobbling), starting and ending at its right."""
    t = np.linspace(0, 2 * np.pi * rng.uniform(1.0, 1.08), 40)
    wobble = 1 + 0.06 * np.sin(t * 2 + rng.uniform(0, 6)) + rng.uniform(-0.03, 0.03)
    return np.stack([cx + rx * wobble * np.cos(-t), cy + ry * wobble * np.sin(-t)], axis=1)


def one(rng: Rng) -> list[Points]:
    """A flagged 1: flag from the upper left to the top, stem down, often a foot."""
    top = (rng.uniform(0.6, 0.75), 0.0)
    bottom = (top[0] + rng.uniform(-0.08, 0.04), 1.0)
    flag = (top[0] - rng.uniform(0.35, 0.6), rng.uniform(0.12, 0.4))
    strokes = [curve(jitter([flag, top, bottom], rng), rng, 0.04)]
    if rng.random() < 0.5:
        half = rng.uniform(0.15, 0.3)
        foot = [(bottom[0] - half, 1.0), (bottom[0] + half, 1.0)]
        strokes.append(curve(jitter(foot, rng, 0.02), rng, 0.03))
    return strokes


def seven(rng: Rng) -> list[Points]:
    """A crossed 7: top bar, stem to the lower left, a bar across the stem's middle."""
    left, right = (rng.uniform(0.05, 0.2), 0.05), (rng.uniform(0.8, 0.95), 0.03)
    foot = (rng.uniform(0.3, 0.55), 1.0)
    head = [left, right, foot]
    if rng.random() < 0.35:
        head.insert(0, (left[0] - 0.02, rng.uniform(0.15, 0.25)))
    strokes = [curve(jitter(head, rng), rng, 0.05)]
    t = rng.uniform(0.4, 0.6)
    mid = (right[0] + (foot[0] - right[0]) * t, right[1] + (foot[1] - right[1]) * t)
    half, tilt = rng.uniform(0.15, 0.3), rng.uniform(-0.05, 0.05)
    bar = [(mid[0] - half, mid[1] + tilt), (mid[0] + half, mid[1] - tilt)]
    strokes.append(curve(jitter(bar, rng, 0.03), rng, 0.04))
    return strokes


def four(rng: Rng) -> list[Points]:
    """An open 4: first stroke down (slanted or upright) then right; an upright that crosses
    the horizontal and never meets the first stroke at the top."""
    y = rng.uniform(0.55, 0.7)
    start_x = rng.uniform(0.3, 0.5) if rng.random() < 0.6 else rng.uniform(0.1, 0.25)
    corner = (rng.uniform(0.05, 0.2), y)
    first = [(start_x, 0.0), corner, (rng.uniform(0.85, 1.0), y + rng.uniform(-0.05, 0.05))]
    x = rng.uniform(0.55, 0.75)
    upright = [(x, rng.uniform(0.1, 0.35)), (x + rng.uniform(-0.08, 0.04), 1.0)]
    return [curve(jitter(first, rng), rng, 0.05), curve(jitter(upright, rng, 0.03), rng, 0.04)]


def nine(rng: Rng) -> list[Points]:
    """A 9 with a straight tail: a loop and a straight stem down from its right side."""
    rx, ry = rng.uniform(0.25, 0.4), rng.uniform(0.17, 0.25)
    cx, cy = 0.75 - rx, ry + 0.02
    ring = loop(cx, cy, rx, ry, rng)
    top = (cx + rx * rng.uniform(0.85, 1.0), cy + rng.uniform(-0.1, 0.1) * ry)
    stem = np.asarray([top, (top[0] + rng.uniform(-0.1, 0.03), 1.0)])
    stem = np.stack([np.linspace(stem[0, i], stem[1, i], 12) for i in range(2)], axis=1)
    return [ring, stem]


DRAW = {1: one, 4: four, 7: seven, 9: nine}


def render_form(label: int, rng: Rng) -> Frame:
    """One of the forms (label 1, 4, 7 or 9) as a 28x28 MNIST-style frame."""
    strokes = DRAW[label](rng)
    aspect = rng.uniform(0.45, 0.8) if label != 1 else rng.uniform(0.35, 0.55)
    canvas = np.zeros((CANVAS * 4, CANVAS * 4), dtype=np.float32)
    thick = rng.uniform(3.0, 9.0) * 4
    scale = np.array([aspect, 1.0]) * 0.7 * CANVAS * 4
    offset = np.array([CANVAS * 4 - scale[0], CANVAS * 4 - scale[1]]) / 2
    for pts in strokes:
        fixed = np.round((pts * scale + offset) * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [fixed], False, 1.0, int(thick), cv2.LINE_AA, shift=4)
    ink = np.asarray(cv2.resize(canvas, (CANVAS, CANVAS), interpolation=cv2.INTER_AREA))
    ink = elastic(ink, rng, rng.uniform(0.0, 0.05) * CANVAS)
    frame = mnist_frame(ink)
    return np.asarray(frame / max(float(frame.max()), 1e-6), dtype=np.float32)
