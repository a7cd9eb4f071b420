"""Benchmark scoring: compare what the reader reported with the ground truth, per bucket.

Definitions (all end to end: a page that was not identified or not read counts every one of its
boxes and fields as wrong, but never as a silent error, since the reader said it failed):

- page identification: the reader named the right form and page;
- box accuracy: the box's top class (0-9, X, blank) equals what was written in it; reported over
  all boxes and over the boxes that hold a digit;
- field accuracy at three stages: from the boxes alone, after fusing boxes with bubbles, after
  the sum-constrained decoding (the reported value);
- silent error: the reported value is wrong although its confidence is at or above the reader's
  high-confidence threshold and the reader did not ask for review (boxes and bubbles agree);
  flagged: below that threshold, no value, or review asked, so a person looks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ocr.bench.synth import BoxTruth

STAGES = ("boxes", "fused", "final")


@dataclass(frozen=True)
class FieldOutcome:
    """What the reader said about one field, at each stage."""

    boxes: list[str]  # top class per box: "0".."9", "X" or "blank"
    boxes_value: int | None
    fused_value: int | None
    final_value: int | None
    confidence: float
    needs_review: bool = False  # the reader itself asks for a look (e.g. bubbles disagree)


@dataclass(frozen=True)
class PageOutcome:
    """What the reader said about one photo, and how long it took."""

    form: str | None
    page: int | None
    fields: dict[str, FieldOutcome]
    seconds: float  # wall clock
    failure: str | None = None
    cpu_seconds: float | None = None  # process CPU time: steadier on a shared machine


@dataclass
class Tally:
    """Running counts for one bucket."""

    pages: int = 0
    identified: int = 0
    boxes: int = 0
    boxes_ok: int = 0
    digit_boxes: int = 0
    digit_boxes_ok: int = 0
    fields: int = 0
    ok: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    silent: int = 0
    flagged: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)


def _box_label(token: BoxTruth) -> str:
    return token if token else "blank"


def add_case(
    tally: Tally,
    truth: dict[str, int],
    boxes: dict[str, list[BoxTruth]],
    identity: tuple[str, int],
    outcome: PageOutcome,
    threshold: float,
) -> None:
    """Count one photo into a bucket."""
    tally.pages += 1
    tally.seconds.append(outcome.seconds)
    if outcome.cpu_seconds is not None:
        tally.cpu_seconds.append(outcome.cpu_seconds)
    read = (outcome.form, outcome.page) == identity and outcome.failure is None
    tally.identified += (outcome.form, outcome.page) == identity
    if outcome.failure:
        tally.failures[outcome.failure] = tally.failures.get(outcome.failure, 0) + 1
    for name, value in truth.items():
        got = outcome.fields.get(name) if read else None
        _count_boxes(tally, boxes[name], got)
        tally.fields += 1
        if got is None:
            tally.flagged += 1
            continue
        for stage in STAGES:
            tally.ok[stage] += getattr(got, f"{stage}_value") == value
        confident = (
            got.final_value is not None and got.confidence >= threshold and not got.needs_review
        )
        tally.flagged += not confident
        tally.silent += confident and got.final_value != value


def _count_boxes(tally: Tally, tokens: list[BoxTruth], got: FieldOutcome | None) -> None:
    for i, token in enumerate(tokens):
        right = got is not None and got.boxes[i] == _box_label(token)
        tally.boxes += 1
        tally.boxes_ok += right
        if token.isdigit():
            tally.digit_boxes += 1
            tally.digit_boxes_ok += right


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 5) if den else None


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summarize(tally: Tally) -> dict[str, Any]:
    """A bucket's figures as plain JSON-able values."""
    return {
        "pages": tally.pages,
        "page_identification": _rate(tally.identified, tally.pages),
        "box_accuracy": _rate(tally.boxes_ok, tally.boxes),
        "digit_box_accuracy": _rate(tally.digit_boxes_ok, tally.digit_boxes),
        "fields": tally.fields,
        "field_accuracy_boxes_only": _rate(tally.ok["boxes"], tally.fields),
        "field_accuracy_fused": _rate(tally.ok["fused"], tally.fields),
        "field_accuracy_after_sums": _rate(tally.ok["final"], tally.fields),
        "silent_errors": tally.silent,
        "silent_error_rate": _rate(tally.silent, tally.fields),
        "flagged_rate": _rate(tally.flagged, tally.fields),
        "seconds_median": round(median(tally.seconds), 3) if tally.seconds else None,
        "seconds_p95": round(_p95(tally.seconds), 3) if tally.seconds else None,
        "cpu_seconds_median": round(median(tally.cpu_seconds), 3) if tally.cpu_seconds else None,
        "cpu_seconds_p95": round(_p95(tally.cpu_seconds), 3) if tally.cpu_seconds else None,
        "failures": dict(sorted(tally.failures.items())),
    }


def summarize_all(buckets: Iterable[tuple[str, Tally]]) -> dict[str, dict[str, Any]]:
    """Every bucket's figures, keyed by bucket name."""
    return {name: summarize(t) for name, t in buckets if t.pages}


def wrong_fields(
    truth: dict[str, int], boxes: dict[str, list[BoxTruth]], outcome: PageOutcome, threshold: float
) -> list[dict[str, Any]]:
    """Every field of a read page whose reported value is wrong, with what the reader saw."""
    wrong = []
    for name, value in truth.items():
        got = outcome.fields.get(name)
        if outcome.failure is not None or got is None or got.final_value == value:
            continue
        confident = got.confidence >= threshold and not got.needs_review
        wrong.append(
            {
                "field": name,
                "truth": value,
                "written": "".join(t or "_" for t in boxes[name]),
                "reported": got.final_value,
                "boxes": got.boxes,
                "fused": got.fused_value,
                "confidence": round(got.confidence, 4),
                "silent": confident and got.final_value is not None,
            }
        )
    return wrong
