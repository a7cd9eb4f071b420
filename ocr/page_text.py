"""Which page the printed text says: 'Halaman n dari 3' and the form's title, by Tesseract.

Used only when a photo has no readable AprilTag (`identify`): one Tesseract call (psm 11, sparse
text) on a bounded gray image, at most `MAX_SIDE` px on its long side: the header band of the
page rectified by the markers when there is one, else the whole photo. The parse tolerates OCR
noise ('Hala man 2 dari 3', 'HALAMAN l dari 3'). The title tells the family: 'PRESIDEN' is the
PPWP form, 'GUBERNUR' / 'BUPATI' / 'WALIKOTA' / 'KEPALA DAERAH' a KWK form. Without the tesseract
binary the text is simply not read (logged), never an error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.errors import EngineUnavailable

Gray = npt.NDArray[np.uint8]

log = logging.getLogger(__name__)

MAX_SIDE = 1600
HEADER_FRACTION = 0.2  # the title and 'Halaman n dari 3' sit in the top fifth of every page
PAGES = 3
_A = r"[a4@]"
_HALAMAN = re.compile(
    rf"h\s*{_A}\s*l\s*{_A}\s*m\s*{_A}\s*n\W{{0,3}}([0-9il|!])\s*d\s*{_A}\s*r\s*[i1l|!]\W{{0,2}}([0-9])",
    re.IGNORECASE,
)
_DIGITISH = {"i": "1", "l": "1", "|": "1", "!": "1", "I": "1", "L": "1"}
_PPWP = re.compile(r"PRES\s*[I1l]\s*DEN", re.IGNORECASE)
_KWK = re.compile(
    r"GUBERNUR|BUPAT[I1l]|WAL\s*[I1l]\s*KOTA|KEPALA\s+DAERAH|C\.?\s*HAS[I1l]L\s*-?\s*KWK",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PageText:
    """What the printed text says: the page number, the form family, the matched line."""

    page: int | None = None
    family: str | None = None  # "ppwp" or "kwk"
    line: str | None = None  # the 'Halaman n dari 3' text as read


def parse_page_text(text: str) -> PageText:
    """The page number ('Halaman n dari 3', n in 1..3) and the form family in OCR'd text."""
    page, line = None, None
    for match in _HALAMAN.finditer(text):
        number = int(_DIGITISH.get(match.group(1), match.group(1)))
        if int(match.group(2)) == PAGES and 1 <= number <= PAGES:
            page, line = number, match.group(0)
            break
    ppwp, kwk = bool(_PPWP.search(text)), bool(_KWK.search(text))
    family = "ppwp" if ppwp and not kwk else "kwk" if kwk and not ppwp else None
    return PageText(page=page, family=family, line=line)


def header_band(rectified: Gray) -> Gray:
    """The top `HEADER_FRACTION` of a rectified page (title, page number, tag)."""
    return rectified[: max(1, int(rectified.shape[0] * HEADER_FRACTION))]


def bounded(gray: Gray, max_side: int = MAX_SIDE) -> Gray:
    """The image shrunk (area averaging) to at most `max_side` px on its long side."""
    scale = max_side / max(gray.shape[:2])
    if scale >= 1:
        return gray
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.asarray(small, dtype=np.uint8)


def read_page_text(gray: Gray) -> PageText:
    """One Tesseract pass over `gray` (bounded), parsed; empty when Tesseract is unavailable."""
    from ocr.readers import read_printed_text

    try:
        text = read_printed_text(bounded(gray), psm=11)
    except EngineUnavailable as exc:
        log.warning("page text not read (no tag, text fallback skipped): %s", exc)
        return PageText()
    return parse_page_text(text)
