"""Photograph a page in simulation: a phone shot of the plano on a table, as JPEG bytes.

Normal photos: a 4:3 portrait frame of 8-12 MP; the page's bounding box spans 60-90% of the
frame along its tighter axis; rotation up to 30 degrees either way; perspective from a pinhole
camera 1.5-3 page heights away with the page tilted 0-20 degrees about a random axis, and each
corner up to 1.5% off (a page that does not lie flat); Gaussian blur sigma 0.4-1.3 px; sensor
noise sigma 2-6; uneven light (a gradient of up to 35% and a vignette); a soft shadow on half of
them (15-40% darker); warm paper tint; JPEG quality 60-95.

Hard photos add one severe effect each, in turn per TPS: ``blur`` (sigma 3.5-5 px),
``shadow`` (55-70% darker over part of the page), ``angle`` (tilted 40-55 degrees, camera
1-1.6 page heights away: strong keystone and foreshortening), ``moire`` (a photo of a screen: two
close gratings of period 4.5-6.5 px at ±10-18% of the light and a soft glare), ``thumb`` (a
thumb, skin coloured with a soft edge, over one page corner and its marker), ``offframe`` (the
page 4-10% off one side of the frame, the markers there cut away) or ``lowlight`` (a dim room:
25-40% of the light, noise sigma 8-12). The effects mirror the degradations of the real photos
in bench/ocr_real.py, so the synthetic benchmark does not only see easy photos.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Bgr = npt.NDArray[np.uint8]
Field = npt.NDArray[np.float32]
Rng = np.random.Generator
HARD_KINDS = ("blur", "shadow", "angle", "moire", "thumb", "offframe", "lowlight")


@dataclass(frozen=True)
class Shot:
    """One simulated photo: JPEG bytes, its settings, and where the page corners landed."""

    jpeg: bytes
    kind: str  # "normal" or one of HARD_KINDS
    size: tuple[int, int]  # width, height in px
    quality: int
    blur_sigma: float
    rotation_deg: float
    page_corners: npt.NDArray[np.float32]  # TL, TR, BR, BL of the page in the photo


def _frame_size(rng: Rng) -> tuple[int, int]:
    """A portrait 4:3 frame of 8 to 12 megapixels."""
    mp = rng.uniform(8.0, 12.0) * 1e6
    width = int(math.sqrt(mp * 3 / 4))
    return width, int(width * 4 / 3)


def _tilted(w: float, h: float, tilt_deg: float, axis_deg: float, distance: float) -> Field:
    """The page's corners seen by a pinhole camera after tilting the page by `tilt_deg` about an
    in-plane axis at `axis_deg`; the camera sits `distance` page heights from the page centre."""
    corners = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]
    )
    a, phi = math.radians(axis_deg), math.radians(tilt_deg)
    k = np.array([math.cos(a), math.sin(a), 0.0])
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = np.eye(3) + math.sin(phi) * cross + (1 - math.cos(phi)) * cross @ cross  # Rodrigues
    p = corners @ rot.T
    depth = distance * h + p[:, 2]
    return np.asarray(p[:, :2] * (distance * h / depth)[:, None], dtype=np.float32)


def _page_quad(page_wh: tuple[int, int], frame: tuple[int, int], kind: str, rng: Rng) -> Field:
    """Where the page's four corners land in the frame (tilt, rotation, scale, shift)."""
    w, h = page_wh
    if kind == "angle":  # shot from low and close: strong keystone and foreshortening
        quad = _tilted(w, h, rng.uniform(40, 55), rng.uniform(0, 360), rng.uniform(1.0, 1.6))
    else:
        quad = _tilted(w, h, rng.uniform(0, 20), rng.uniform(0, 360), rng.uniform(1.5, 3.0))
    # a plano page never lies quite flat: each corner a little off the perfect projection
    quad += rng.uniform(-0.015, 0.015, quad.shape).astype(np.float32) * np.float32(min(w, h))
    theta = math.radians(rng.uniform(-30.0, 30.0))
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    quad = (quad @ rot.T).astype(np.float32)
    span = quad.max(axis=0) - quad.min(axis=0)
    scale = rng.uniform(0.6, 0.9) * min(frame[0] / span[0], frame[1] / span[1])
    quad *= np.float32(scale)
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    shift = [rng.uniform(-lo[i], frame[i] - hi[i]) for i in (0, 1)]
    if kind == "offframe":  # one side of the page 4-10% out of the frame
        axis = int(rng.integers(2))
        out = rng.uniform(0.04, 0.10) * float(hi[axis] - lo[axis])
        shift[axis] = -lo[axis] - out if rng.random() < 0.5 else frame[axis] - hi[axis] + out
    return np.asarray(quad + np.asarray(shift, np.float32), dtype=np.float32)


def _thumb(shot: Bgr, quad: Field, rng: Rng) -> Bgr:
    """A thumb over one page corner (and the corner marker there): skin colour, soft edge."""
    corner = quad[int(rng.integers(4))]
    centre = quad.mean(axis=0)
    spot = corner + (centre - corner) * np.float32(rng.uniform(0.02, 0.07))
    size = float(np.linalg.norm(quad[0] - quad[2]))
    axes = (int(size * rng.uniform(0.035, 0.05)), int(size * rng.uniform(0.06, 0.08)))
    mask = np.zeros(shot.shape[:2], np.float32)
    angle = float(rng.uniform(0, 180))
    cv2.ellipse(mask, (int(spot[0]), int(spot[1])), axes, angle, 0, 360, 1.0, -1)
    soft = np.asarray(cv2.GaussianBlur(mask, (0, 0), max(1.0, axes[0] / 6)), np.float32)[..., None]
    skin = np.asarray([rng.uniform(90, 140), rng.uniform(120, 165), rng.uniform(170, 225)])
    out = shot.astype(np.float32) * (1 - soft) + skin.astype(np.float32) * soft
    return np.asarray(np.clip(out, 0, 255), np.uint8)


def _screen(frame: tuple[int, int], rng: Rng) -> Field:
    """A screen photo's light: two close gratings (moiré beats) and a soft glare."""
    w, h = frame
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = rng.uniform(0, np.pi, 2)
    p1, p2 = rng.uniform(4.5, 6.5, 2)
    wave = np.sin(2 * np.pi * (xx * np.cos(a) + yy * np.sin(a)) / p1) * np.sin(
        2 * np.pi * (xx * np.cos(b) + yy * np.sin(b)) / p2
    )
    glare_at = (rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h)
    spread = rng.uniform(0.1, 0.25) * w
    glare = np.exp(-((xx - glare_at[0]) ** 2 + (yy - glare_at[1]) ** 2) / (2 * spread**2))
    return np.asarray(1 + rng.uniform(0.10, 0.18) * wave + 0.35 * glare, np.float32)


def _background(frame: tuple[int, int], rng: Rng) -> Bgr:
    """A table: a random dull colour with soft blotches and grain."""
    w, h = frame
    gray = rng.uniform(40, 170)
    base = gray + rng.uniform(-25, 25, 3)  # a dull, mostly grey-brown surface
    blotch = np.repeat(rng.normal(0, 14, (6, 8, 1)), 3, axis=2).astype(np.float32)
    small = cv2.resize(blotch, (w // 8, h // 8), interpolation=cv2.INTER_CUBIC) + base
    grain = rng.normal(0, 6, small.shape).astype(np.float32)
    big = cv2.resize(small + grain, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(big, 0, 255).astype(np.uint8)


def _light(frame: tuple[int, int], kind: str, rng: Rng) -> Field:
    """A multiplicative light field: gradient, vignette, maybe a soft shadow (smooth, low-res)."""
    w, h = frame[0] // 16, frame[1] // 16
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    nx, ny = xx / w - 0.5, yy / h - 0.5
    angle = rng.uniform(0, 2 * math.pi)
    ramp = nx * math.cos(angle) + ny * math.sin(angle)
    light = 1.0 - rng.uniform(0.05, 0.35) * (ramp + 0.5) - rng.uniform(0.05, 0.25) * (nx**2 + ny**2)
    depth = rng.uniform(0.55, 0.7) if kind == "shadow" else rng.uniform(0.15, 0.4)
    if kind == "shadow" or rng.random() < 0.5:
        light *= 1.0 - depth * _shadow_mask(w, h, rng)
    return np.asarray(cv2.resize(light.astype(np.float32), frame), dtype=np.float32)


def _shadow_mask(w: int, h: int, rng: Rng) -> Field:
    """A soft-edged shadow (a hand or the phone) over a random part of the frame, 0..1."""
    mask = np.zeros((h, w), np.float32)
    cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
    points = [
        (cx + rng.uniform(0.2, 0.6) * w * math.cos(a), cy + rng.uniform(0.2, 0.6) * h * math.sin(a))
        for a in np.sort(rng.uniform(0, 2 * math.pi, 7))
    ]
    cv2.fillPoly(mask, [np.asarray(points, np.int32)], 1.0)
    soft = max(1.0, rng.uniform(0.01, 0.05) * w)
    return np.asarray(cv2.GaussianBlur(mask, (0, 0), soft), dtype=np.float32)


def photograph(page: Bgr, rng: Rng, kind: str = "normal") -> Shot:
    """Photograph a flat page image (BGR) on a table with the settings of `kind`."""
    frame = _frame_size(rng)
    quad = _page_quad((page.shape[1], page.shape[0]), frame, kind, rng)
    h, w = page.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad)
    shot = _background(frame, rng)
    cv2.warpPerspective(
        page, matrix, frame, dst=shot, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_TRANSPARENT
    )
    if kind == "thumb":
        shot = _thumb(shot, quad, rng)
    sigma = rng.uniform(3.5, 5.0) if kind == "blur" else rng.uniform(0.4, 1.3)
    shot = np.asarray(cv2.GaussianBlur(shot, (0, 0), sigma), dtype=np.uint8)
    tint = np.array([rng.uniform(0.86, 0.97), rng.uniform(0.93, 1.0), 1.0], np.float32)
    light = _light(frame, kind, rng)
    if kind == "lowlight":
        light *= np.float32(rng.uniform(0.25, 0.4))
    if kind == "moire":
        light *= _screen(frame, rng)
    lit = shot.astype(np.float32) * (light[:, :, None] * tint)
    noise = np.empty(lit.shape[:2], np.float32)
    cv2.setRNGSeed(int(rng.integers(2**31)))
    noise_sigma = rng.uniform(5, 9) if kind != "normal" else rng.uniform(2, 6)
    if kind == "lowlight":
        noise_sigma = rng.uniform(8, 12)
    cv2.randn(noise, np.zeros(1), np.full(1, noise_sigma))
    lit += noise[:, :, None]
    quality = int(rng.integers(60, 96))
    ok, jpeg = cv2.imencode(
        ".jpg", np.clip(lit, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return Shot(
        jpeg.tobytes(),
        kind,
        frame,
        quality,
        float(sigma),
        float(np.degrees(np.arctan2(*(quad[1] - quad[0])[::-1]))),
        quad,
    )
