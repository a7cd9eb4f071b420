"""Stage 8, annotate: the rectified page with every box read, its value and its confidence.

Colours say how far to trust a number: green at or above the acceptance line (the one that
decides read or needs_review), orange down to UNSURE, red below, and magenta when a sum made the
decoder choose other than the most probable reading. The only drawing of readings: the service's
annotated PNG and `rekap ocr read --annotated` both come from here.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from ocr.reading import ACCEPT_LINE, FieldReading, PageReading

Image = npt.NDArray[np.uint8]

UNSURE = 0.6
GREEN, ORANGE, RED, MAGENTA = (0, 150, 0), (0, 140, 255), (0, 0, 220), (200, 0, 200)


def field_colour(field: FieldReading, line: float = ACCEPT_LINE) -> tuple[int, int, int]:
    """The BGR colour a field is drawn in, green at or above the acceptance line."""
    if field.forced:
        return MAGENTA
    if field.confidence >= line:
        return GREEN
    return ORANGE if field.confidence >= UNSURE else RED


def annotate_page(reading: PageReading, line: float = ACCEPT_LINE) -> Image | None:
    """A BGR image of the rectified page with each field's boxes, value and confidence."""
    if reading.rectified is None:
        return None
    canvas: Image = np.asarray(cv2.cvtColor(reading.rectified, cv2.COLOR_GRAY2BGR), np.uint8)
    for field in reading.fields.values():
        _draw_field(canvas, field, field_colour(field, line))
    return np.ascontiguousarray(canvas)


def _draw_field(canvas: Image, field: FieldReading, colour: tuple[int, int, int]) -> None:
    """Outline the field's boxes and write 'value (confidence)' beside them."""
    for x, y, w, h in field.boxes:
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, 2)
    if not field.boxes:
        return
    x, y, _, h = field.boxes[0]
    value = "kosong" if field.value is None else str(field.value)
    label = f"{value} ({field.confidence:.2f}){' *' if field.forced else ''}"
    origin = (max(0, x - 10 - 9 * len(label)), y + h // 2 + 6)
    cv2.putText(canvas, label, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 4)
    cv2.putText(canvas, label, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 2)


def encode_png(image: Image) -> bytes:
    """PNG bytes of an image."""
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("could not encode the image as PNG")
    return bytes(buf.tobytes())
