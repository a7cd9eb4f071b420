"""What `read_page` returns: a page's status, its numbers with confidence and crops, its sum checks.

`PageReading.to_dict()` is the `reading` shape of API.md (``{form, page, fields: {name: {value,
confidence, alternatives}}}``) plus ``status``, ``reason``, ``checks`` and, per field, the crop
boxes in the rectified page, so the confidence travels with the crop it came from.

A page whose fields were read is ``read`` only when every field has a value at or above the
acceptance line; otherwise it is ``needs_review`` (its reason names the fields), like a photo
in API.md. The line is the service's `ocr_min_confidence`; `ACCEPT_LINE` is its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

Status = Literal[
    "read", "needs_review", "unreadable", "not_cform", "markers_not_found", "wrong_page"
]
READ_STATUSES: Final = ("read", "needs_review")  # the page was found and its fields read
ACCEPT_LINE: Final = 0.8  # default acceptance line (the service passes ocr_min_confidence)
CheckStatus = Literal["satisfied", "violated", "not_applicable"]
Value = int | None
Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class FieldReading:
    """One number read from the page."""

    name: str
    value: Value
    confidence: float
    alternatives: list[tuple[Value, float]]  # most probable first; the candidates for the sums
    boxes: list[Rect] = field(default_factory=list)  # x, y, w, h in the rectified page
    digits: str = ""  # the box classifier's top class per box, e.g. "X32", "__3"
    bubbles: str | None = None  # the bubbles' reading per column ("-" none), None if no bubbles
    bubbles_agree: bool | None = None
    forced: bool = False  # a sum made the decoder choose other than the most probable value
    frame_score: float = float("inf")  # how clearly the printed frames were found (cells)
    limit: float = 1.0  # the most confidence the crop allows (registration, frames)
    limited_by: tuple[str, ...] = ()  # why `limit` is below 1, e.g. "registration tag-affine"
    # P(value) for every value 0..999 (index = value), for the sums to reach beyond the
    # alternatives; not serialised.
    masses: npt.NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: value, confidence, alternatives, and where it was read."""
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "alternatives": [[v, round(p, 4)] for v, p in self.alternatives],
            "boxes": [list(b) for b in self.boxes],
            "digits": self.digits,
            "bubbles": self.bubbles,
            "bubbles_agree": self.bubbles_agree,
            "forced_by_sum": self.forced,
            "frame_score": round(self.frame_score, 2) if self.frame_score != float("inf") else None,
            "capped_by": list(self.limited_by),
        }


@dataclass(frozen=True)
class SumCheck:
    """One of the form's sums (Σ lhs = rhs) on the decoded values."""

    code: str
    lhs: list[str]
    rhs: str
    status: CheckStatus
    lhs_total: int | None
    rhs_value: int | None
    changed: list[str]  # fields the decoder moved off their most probable value for this sum
    cross_page: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the check."""
        return {
            "code": self.code,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "status": self.status,
            "satisfied": self.status == "satisfied",
            "lhs_total": self.lhs_total,
            "rhs_value": self.rhs_value,
            "changed": self.changed,
            "cross_page": self.cross_page,
        }


@dataclass(frozen=True)
class PageReading:
    """The result of reading one photo: a status, and when read, fields and checks."""

    status: Status
    form: str | None = None
    page: int | None = None
    reason: str | None = None
    fields: dict[str, FieldReading] = field(default_factory=dict)
    checks: list[SumCheck] = field(default_factory=list)
    registration: dict[str, Any] = field(default_factory=dict)
    rectified: npt.NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the page was found and its fields read (``read`` or ``needs_review``)."""
        return self.status in READ_STATUSES

    def values(self) -> dict[str, Value]:
        """Field name → decoded value."""
        return {name: f.value for name, f in self.fields.items()}

    def to_dict(self) -> dict[str, Any]:
        """The API.md `reading` shape plus status, reason, checks and registration details."""
        return {
            "status": self.status,
            "reason": self.reason,
            "form": self.form,
            "page": self.page,
            "fields": {name: f.to_dict() for name, f in self.fields.items()},
            "checks": [c.to_dict() for c in self.checks],
            "registration": self.registration,
        }


def judge(reading: PageReading, line: float = ACCEPT_LINE) -> PageReading:
    """The reading with its status set from its fields: ``read`` when every field has a value
    at or above `line`, else ``needs_review`` with the fields named in the reason. Failed
    readings are returned unchanged."""
    if not reading.ok:
        return reading
    empty = [n for n, f in reading.fields.items() if f.value is None]
    unsure = [n for n, f in reading.fields.items() if f.value is not None and f.confidence < line]
    if not empty and not unsure:
        return replace(reading, status="read", reason=None)
    parts = []
    if unsure:
        parts.append(f"{len(unsure)} below the acceptance line {line:g}: {', '.join(unsure)}")
    if empty:
        parts.append(f"{len(empty)} not filled or not read: {', '.join(empty)}")
    return replace(reading, status="needs_review", reason="; ".join(parts))


def failure(status: Status, reason: str, **known: Any) -> PageReading:
    """A reading that failed, with its reason (and the form/page if they were identified)."""
    return PageReading(status=status, reason=reason, **known)
