"""Which submitted value counts: the accepted value of each field of one TPS and contest."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

# Highest first. A PPK plenary correction outranks everything; a double-entry review confirms a
# person's typing; PPK staff outrank the KPPS app; photo readings and Sirekap come last.
SOURCE_PRIORITY: Final[tuple[str, ...]] = (
    "plenary",
    "review",
    "ppk",
    "app",
    "demo",
    "ocr",
    "sirekap",
)
# The acceptance line of photo readings: the default of the one setting REKAP_OCR_MIN_CONFIDENCE,
# which also sends a field below it to review, so every OCR value is either accepted or reviewed.
MIN_OCR_CONFIDENCE: Final = 0.8


@dataclass(frozen=True)
class SubmissionValues:
    """One stored submission as the rules see it (no database row)."""

    submission_id: int
    source: str
    submitted_at: datetime
    values: Mapping[str, int | None]
    supersedes: int | None = None
    reason: str | None = None
    confidence: Mapping[str, float] | None = None


@dataclass(frozen=True)
class AcceptedValue:
    """The accepted value of one field and the submission it came from."""

    value: int
    submission_id: int
    source: str


def source_rank(source: str, priority: Sequence[str] = SOURCE_PRIORITY) -> int:
    """0 for the most trusted source; sources not in the priority list rank after all others."""
    return priority.index(source) if source in priority else len(priority)


def live_values(submissions: Sequence[SubmissionValues]) -> dict[int, dict[str, int]]:
    """Each submission's values minus None and minus fields a later correction replaced.

    A submission that `supersedes` another replaces the other's value of every field it carries
    itself (a correction may carry only the fields it corrects); chains work the same way.
    """
    live = {
        s.submission_id: {f: v for f, v in s.values.items() if v is not None} for s in submissions
    }
    for s in submissions:
        if s.supersedes is not None and s.supersedes in live:
            corrected = live[s.supersedes]
            for name in live[s.submission_id]:
                corrected.pop(name, None)
    return live


def _trusted(s: SubmissionValues, name: str, min_ocr_confidence: float) -> bool:
    """Whether a value may be accepted: an OCR reading only with its confidence ≥ the threshold."""
    if s.source != "ocr":
        return True
    confidence = (s.confidence or {}).get(name)
    return confidence is not None and confidence >= min_ocr_confidence


def accepted_values(
    submissions: Sequence[SubmissionValues],
    *,
    priority: Sequence[str] = SOURCE_PRIORITY,
    min_ocr_confidence: float = MIN_OCR_CONFIDENCE,
) -> dict[str, AcceptedValue]:
    """The accepted value per field of one TPS and contest, and which submission it came from.

    Per field, among the submissions that carry it (not replaced by a correction that supersedes
    them, see `live_values`): the newest `plenary` correction > the newest `review` (double entry
    confirmed) > the newest `ppk` > the newest `app` > the newest `demo` > the newest `ocr` reading
    whose confidence for that field is ≥ `min_ocr_confidence` (a reading without a confidence is
    never accepted) > the newest `sirekap` import. A field missing from the best source falls back
    to the next. Ties on `submitted_at` go to the higher submission id. Unknown sources rank last.
    """
    live = live_values(submissions)
    ordered = sorted(
        submissions,
        key=lambda s: (
            source_rank(s.source, priority),
            -s.submitted_at.timestamp(),
            -s.submission_id,
        ),
    )
    accepted: dict[str, AcceptedValue] = {}
    for s in ordered:
        for name, value in live[s.submission_id].items():
            if name not in accepted and _trusted(s, name, min_ocr_confidence):
                accepted[name] = AcceptedValue(value, s.submission_id, s.source)
    return accepted
