"""The ocr library behind the PageReader interface: read_page, then PNGs of the rectified page
and of the annotated page (ocr.annotate: every box read, with its value, in the colours of the
acceptance line)."""

import cv2

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
        from ocr.annotate import annotate_page, encode_png
        from ocr.pipeline import read_page

        reading = read_page(
            image, form=FORM_FAMILIES.get(contest_code), page=page, model=self.model, line=self.line
        )
        data = reading.to_dict()
        annotated = annotate_page(reading, self.line)
        if reading.rectified is None or annotated is None:
            return ReadOutcome(self.engine_version, data)
        return ReadOutcome(
            self.engine_version,
            data,
            rectified_png=encode_png(reading.rectified),
            annotated_png=encode_png(annotated),
        )
