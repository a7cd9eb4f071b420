"""The worker's annotated PNG is the library's annotation, drawn at the service's line."""

import numpy as np
import pytest

from app.services import ocr_reader
from ocr.annotate import annotate_page, encode_png
from ocr.reading import FieldReading, PageReading


def test_the_annotated_png_is_the_library_s_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    rectified = np.full((80, 120), 255, np.uint8)
    reading = PageReading(
        "read",
        form="ppwp-plano-2024",
        page=2,
        fields={"suara_sah": FieldReading("suara_sah", 7, 0.85, [(7, 0.85)], [(10, 20, 20, 30)])},
        rectified=rectified,
    )
    monkeypatch.setattr("ocr.pipeline.read_page", lambda *_, **__: reading)
    reader = ocr_reader.LibraryReader(line=0.9)
    outcome = reader.read(b"photo", contest_code="ppwp", page=2)
    assert outcome.annotated_png == encode_png(annotate_page(reading, 0.9))  # type: ignore[arg-type]
    assert outcome.rectified_png == encode_png(rectified)
