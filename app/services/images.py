"""Inspect an uploaded image without trusting it: magic bytes, header size, full decode, EXIF."""

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image

from app.domain.inputs import printable
from app.domain.photos import WIB, dhash_hex, gps_position, usable_capture_time
from app.errors import AppError, ImageTooLarge, PhotoUnreadable, UnsupportedImage

FILE_FIELD = "file"


@dataclass(frozen=True)
class ImageFacts:
    """What an accepted image is: format, size, perceptual hash and its EXIF evidence."""

    format: str
    width: int
    height: int
    phash: str
    taken_at: datetime | None
    camera: str | None
    lat: float | None
    lon: float | None
    # The EXIF capture time as written when it is no usable time (year 1, 9999): evidence only.
    unusable_time: str | None = None


def sniff_format(head: bytes) -> str | None:
    """The format named by the file's first bytes: JPEG, PNG or WEBP; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def inspect_image(path: Path, *, max_pixels: int) -> ImageFacts:
    """Check an uploaded file is a whole JPEG/PNG/WebP of sane size; raise a typed error if not."""
    size = path.stat().st_size
    if size == 0:
        raise PhotoUnreadable("The file is empty (0 bytes)", fields={FILE_FIELD: "empty file"})
    with path.open("rb") as fh:
        sniffed = sniff_format(fh.read(16))
    if sniffed is None:
        raise UnsupportedImage(
            "Not a JPEG, PNG or WebP image", fields={FILE_FIELD: "must be JPEG, PNG or WebP"}
        )
    width, height = _check_header(path, sniffed=sniffed, max_pixels=max_pixels)
    return _decode(path, fmt=sniffed, width=width, height=height)


def _check_header(path: Path, *, sniffed: str, max_pixels: int) -> tuple[int, int]:
    """Open lazily (header only) and refuse absurd pixel counts before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=[sniffed]) as img:
                width, height = img.size
                _refuse_too_many_pixels(width, height, max_pixels)
                img.verify()
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(
            f"The image declares an absurd pixel count (decompression bomb): {exc}",
            fields={FILE_FIELD: f"more than {max_pixels} pixels"},
        ) from exc
    except AppError:
        raise
    except Exception as exc:  # any failure of a decoder on untrusted bytes is the file's fault
        raise PhotoUnreadable(
            f"The {sniffed} file is corrupt or truncated", fields={FILE_FIELD: str(exc)[:200]}
        ) from exc
    return width, height


def _refuse_too_many_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"The image has {width}×{height} = {width * height} pixels; the limit is {max_pixels}",
            fields={FILE_FIELD: f"more than {max_pixels} pixels"},
        )


def _decode(path: Path, *, fmt: str, width: int, height: int) -> ImageFacts:
    """Decode every byte (a truncated file fails here) and compute the hash and EXIF facts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=[fmt]) as img:
                exif = img.getexif()
                if fmt == "JPEG":
                    img.draft("L", (max(width // 8, 17), max(height // 8, 16)))
                img.load()
                grey = img.convert("L").resize((17, 16), Image.Resampling.BOX)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(
            f"Decompression bomb: {exc}", fields={FILE_FIELD: "too many pixels"}
        ) from exc
    except Exception as exc:  # any failure of a decoder on untrusted bytes is the file's fault
        raise PhotoUnreadable(
            f"The {fmt} file is corrupt or truncated", fields={FILE_FIELD: str(exc)[:200]}
        ) from exc
    pixels = list(grey.tobytes())
    rows = [pixels[r * 17 : (r + 1) * 17] for r in range(16)]
    lat, lon = _gps(exif)
    taken_at = _taken_at(exif)
    usable = taken_at is None or usable_capture_time(taken_at)
    return ImageFacts(
        format=fmt,
        width=width,
        height=height,
        phash=dhash_hex(rows),
        taken_at=taken_at if usable else None,
        camera=_camera(exif),
        lat=lat,
        lon=lon,
        unusable_time=None if usable else _exif_text(_raw_time(exif))[:40],
    )


def _exif_text(value: Any) -> str:
    """An EXIF string as printable text: it comes from the file, so it is cleaned, not refused."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return printable(str(value)).strip()


def _raw_time(exif: Any) -> Any:
    return exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)


def _taken_at(exif: Any) -> datetime | None:
    """DateTimeOriginal with OffsetTimeOriginal when present, else read as WIB (advisory)."""
    try:
        raw = _raw_time(exif)
        if not raw:
            return None
        moment = datetime.strptime(_exif_text(raw), "%Y:%m:%d %H:%M:%S")
        offset = exif.get_ifd(0x8769).get(0x9011)
        return moment.replace(tzinfo=_parse_offset(offset) if offset else WIB)
    except (ValueError, TypeError, KeyError):
        return None


def _parse_offset(text: Any) -> timezone:
    sign = -1 if str(text).startswith("-") else 1
    hours, minutes = str(text).lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def _camera(exif: Any) -> str | None:
    parts = [_exif_text(exif.get(tag, "")) for tag in (0x010F, 0x0110)]
    text = " ".join(p for p in parts if p)
    return text[:200] or None


def _gps(exif: Any) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(0x8825)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat = _degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (ValueError, TypeError, ZeroDivisionError, KeyError):
        return None, None
    # Past a pole, or inf from a crafted rational (haversine would raise on it): no position.
    return gps_position(lat, lon) or (None, None)


def _degrees(dms: Any) -> float:
    d, m, s = (float(x) for x in dms)
    return d + m / 60 + s / 3600
