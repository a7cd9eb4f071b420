"""The ocr library behind the PageReader interface: read_page, then PNGs of the rectified page
and of the annotated page (every box read, with its value)."""

from typing import Any

import cv2
import numpy as np

from app.domain.accepted import MIN_OCR_CONFIDENCE
from app.services.reader import ReadOutcome

# Sirekap contest code → the ocr template family the photo must be.
FORM_FAMILIES = {"ppwp": "ppwp-plano-2024", "pkwkp": "kwk-plano-2024", "pkwkk": "kwk-plano-2024"}


class LibraryReader:
    """read_page with the project's digit model (loaded once per worker process)."""

    def __init__(self, line: float = MIN_OCR_CONFIDENCE) -> None:
        from ocr.readers import default_digit_model

        self.line = line  # the acceptance line (settings.ocr_min_confidence): read or needs_review
        # One thread per worker process: scale with processes (`rekap worker -w N`), not threads.
        cv2.setNumThreads(1)
        self.model = default_digit_model()
        self.engine_version = str(self.model.engine_version)

    def read(self, image: bytes, *, contest_code: str, page: int | None) -> ReadOutcome:
        """Read the photo as the page and form family it was uploaded as."""
        from ocr.pipeline import read_page

        reading = read_page(
            image, form=FORM_FAMILIES.get(contest_code), page=page, model=self.model, line=self.line
        )
        data = reading.to_dict()
        rectified = reading.rectified
        if rectified is None:
            return ReadOutcome(self.engine_version, data)
        return ReadOutcome(
            self.engine_version,
            data,
            rectified_png=_png(rectified),
            annotated_png=_png(annotate(rectified, data.get("fields", {}), self.line)),
        )


def _png(image: Any) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("could not encode PNG")
    return bytes(buf.tobytes())


def annotate(rectified: Any, fields: dict[str, Any], line: float = MIN_OCR_CONFIDENCE) -> Any:
    """The rectified page in colour with every box read outlined and its value written."""
    canvas = (
        cv2.cvtColor(rectified, cv2.COLOR_GRAY2BGR) if rectified.ndim == 2 else rectified.copy()
    )
    for name, f in fields.items():
        boxes = f.get("boxes") or []
        sure = float(f.get("confidence", 0.0)) >= line
        colour = (0, 160, 0) if sure else (0, 0, 220)
        for x, y, w, h in boxes:
            cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, 2)
        if boxes:
            x, y = boxes[0][0], max(boxes[0][1] - 6, 12)
            label = f"{name}={f.get('value')} ({float(f.get('confidence', 0.0)):.2f})"
            cv2.putText(canvas, label, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1)
    return np.ascontiguousarray(canvas)
