"""One annotator: a field is green exactly when it is at or above the acceptance line."""

import numpy as np
import pytest

from ocr.annotate import GREEN, MAGENTA, ORANGE, RED, annotate_page, field_colour
from ocr.reading import ACCEPT_LINE, FieldReading, PageReading


def field(confidence: float, *, forced: bool = False) -> FieldReading:
    """A field of one box read as 7."""
    return FieldReading("suara_sah", 7, confidence, [(7, confidence)], [(10, 10, 20, 30)],
                        forced=forced)  # fmt: skip


@pytest.mark.parametrize(
    ("confidence", "line", "colour"),
    [(0.85, ACCEPT_LINE, GREEN), (0.8, 0.8, GREEN), (0.79, 0.8, ORANGE), (0.95, 0.97, ORANGE),
     (0.5, 0.8, RED)],
)  # fmt: skip
def test_green_is_at_or_above_the_acceptance_line(
    confidence: float, line: float, colour: tuple[int, int, int]
) -> None:
    assert field_colour(field(confidence), line) == colour


def test_a_value_a_sum_chose_is_magenta_whatever_its_confidence() -> None:
    assert field_colour(field(0.99, forced=True)) == MAGENTA


def test_the_page_is_drawn_in_the_line_s_colours() -> None:
    page = PageReading("read", fields={"suara_sah": field(0.85)},
                       rectified=np.full((60, 60), 255, np.uint8))  # fmt: skip
    for line, colour in ((0.8, GREEN), (0.9, ORANGE)):
        picture = annotate_page(page, line)
        assert picture is not None
        assert tuple(int(c) for c in picture[10, 20]) == colour  # the box's top edge
