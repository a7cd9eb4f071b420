"""Stage 1, decode: image bytes or array → upright grayscale working image of bounded size."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from ocr.errors import Unreadable

Gray = npt.NDArray[np.uint8]
ImageInput = bytes | bytearray | Path | str | npt.NDArray[np.generic]

# A 12 MP phone photo (4000 x 3000) decodes at half size through JPEG DCT scaling: enough for
# 50-60 px digit boxes, and four times cheaper than a full decode.
MAX_WORK_SIDE = 2000
MIN_SIDE = 400
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class DecodedImage:
    """The working image and how it relates to the original pixels."""

    gray: Gray
    scale: float  # working px per original (upright) px
    original_size: tuple[int, int]  # (width, height) after EXIF orientation


def decode_image(data: ImageInput, *, max_side: int = MAX_WORK_SIDE) -> DecodedImage:
    """Decode, apply EXIF orientation, convert to gray and bound the long side to max_side."""
    if isinstance(data, np.ndarray):
        return _from_array(data, max_side)
    raw = Path(data).read_bytes() if isinstance(data, Path | str) else bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.width * image.height > MAX_PIXELS:
                raise Unreadable(f"image too large: {image.width}x{image.height}")
            size, orientation = _upright_size(image)
            image.draft("L", _draft_target(image.size, max_side))
            # Each of these copies the whole picture: only when it changes something.
            upright = ImageOps.exif_transpose(image) if orientation != 1 else image
            if upright.mode != "L":
                upright = upright.convert("L")
            upright.load()  # a truncated or corrupt file fails here, not later
    except Unreadable:
        raise
    except Exception as exc:  # any failure to decode untrusted bytes means "unreadable"
        # (PIL raises OSError, ValueError, SyntaxError, DecompressionBombError, struct.error ...)
        raise Unreadable(f"not a decodable image: {exc}") from exc
    gray = np.asarray(upright, dtype=np.uint8)
    return _bounded(gray, size, max_side)


def _upright_size(image: Image.Image) -> tuple[tuple[int, int], int]:
    """The image size after EXIF rotation (orientations 5-8 swap width and height), and the
    EXIF orientation (1: already upright)."""
    orientation = image.getexif().get(0x0112, 1)
    w, h = image.size
    return ((h, w) if orientation in (5, 6, 7, 8) else (w, h)), orientation


def _draft_target(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """A draft size request that lets JPEG scale by 1/2, 1/4 ... while keeping ≥ max_side/2."""
    w, h = size
    factor = max(w, h) / max_side
    return (max(1, int(w / factor)), max(1, int(h / factor))) if factor > 1 else size


def _from_array(array: npt.NDArray[np.generic], max_side: int) -> DecodedImage:
    """Accept a gray or BGR array (as OpenCV loads it)."""
    arr = np.asarray(array)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3):
        raise Unreadable(f"array must be uint8 gray or BGR, got {arr.dtype} {arr.shape}")
    if arr.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if arr.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        arr = cv2.cvtColor(arr, code)
    gray = np.ascontiguousarray(arr, dtype=np.uint8)
    return _bounded(gray, (gray.shape[1], gray.shape[0]), max_side)


def _bounded(gray: Gray, original: tuple[int, int], max_side: int) -> DecodedImage:
    """Shrink so the long side is ≤ max_side; reject images too small to hold a page."""
    if min(gray.shape[:2]) < MIN_SIDE:
        raise Unreadable(f"image too small: {gray.shape[1]}x{gray.shape[0]} px")
    long_side = max(gray.shape[:2])
    if long_side > max_side:
        f = max_side / long_side
        gray = np.asarray(
            cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
    return DecodedImage(gray=gray, scale=gray.shape[1] / original[0], original_size=original)
