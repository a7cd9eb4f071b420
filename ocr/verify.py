"""How clearly a page's printed digit-box frames are on a rectified photo (identification
without a tag, in `identify`): about 1 where nothing is printed, 2-7 on the right page."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ocr.cells import FIELD_SEARCH, frames_offset
from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]


def frame_match(rectified: Gray, page: PageTemplate) -> float:
    """The median clarity of the page's field frames on the rectified photo (~1: none there)."""
    scores = [frames_offset(rectified, f.boxes, search=FIELD_SEARCH)[1] for f in page.fields]
    return float(np.median(scores)) if scores else 0.0
