"""The benchmark's reader: `read_page` on each photo of a TPS (timed), then the cross-page sums.

Stages as the pipeline exposes them: *boxes only* is the number spelled by each box's top class
(``FieldReading.digits``, e.g. "X32" → 32, "__3" → 3); *fused* is the most probable value after
boxes and bubbles are fused (``alternatives[0]``); *final* is the reported value, after the
page's and the TPS's sums (``combine_pages``).
"""

from __future__ import annotations

import time

from ocr.bench.score import FieldOutcome, PageOutcome
from ocr.pipeline import combine_pages, read_page
from ocr.reading import FieldReading, PageReading


def boxes_value(digits: str) -> int | None:
    """The number the boxes' top classes spell, None when all are blank/X or it is malformed."""
    rest = digits.lstrip("X_")
    if not rest or not rest.isdigit():
        return None
    return int(rest)


def _field(f: FieldReading) -> FieldOutcome:
    boxes = ["blank" if c == "_" else c for c in f.digits]
    fused = f.alternatives[0][0] if f.alternatives else None
    review = f.bubbles_agree is False
    return FieldOutcome(boxes, boxes_value(f.digits), fused, f.value, f.confidence, review)


def outcome(reading: PageReading, seconds: float, cpu: float | None = None) -> PageOutcome:
    """The benchmark's view of one reading."""
    failure = None if reading.ok else reading.status
    fields = {name: _field(f) for name, f in reading.fields.items()}
    return PageOutcome(reading.form, reading.page, fields, seconds, failure, cpu)


def read_tps(photos: list[bytes]) -> list[PageOutcome]:
    """Read each photo on its own (timed), then decode the TPS's pages together."""
    readings, seconds, cpu = [], [], []
    for photo in photos:
        start, start_cpu = time.perf_counter(), time.process_time()
        readings.append(read_page(photo))
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    joint = combine_pages(readings)
    return [outcome(r, s, c) for r, s, c in zip(joint, seconds, cpu, strict=True)]
