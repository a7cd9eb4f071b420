"""The page reader interface the workers use, and the fake one; app/worker/tasks.py picks the
ocr library (app/services/ocr_reader.py) or a fake by REKAP_OCR_ENGINE.

Readings are plain dicts in the `reading` shape of API.md (PageReading.to_dict()), so the rest of
the service never depends on the library's classes.
"""

import io
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

FAKE_VERSION = "fake-1"


@dataclass(frozen=True)
class ReadOutcome:
    """A reading (status "read", "needs_review" or the reader's failure status) and the images
    it produced."""

    engine_version: str
    reading: dict[str, Any]
    rectified_png: bytes | None = None
    annotated_png: bytes | None = None

    @property
    def status(self) -> str:
        """read, needs_review, unreadable, not_cform, markers_not_found or wrong_page."""
        return str(self.reading.get("status", "read"))


class PageReader(Protocol):
    """Reads one photo's bytes."""

    engine_version: str

    def read(self, image: bytes, *, contest_code: str, page: int | None) -> ReadOutcome:
        """The reading of the photo."""


def fake_field(value: int | None, confidence: float = 0.99) -> dict[str, Any]:
    """A field as the reader reports it."""
    return {"value": value, "confidence": confidence, "alternatives": [[value, confidence]],
            "boxes": [[100, 200, 60, 80]]}  # fmt: skip


def fake_reading(
    values: dict[str, int | None], *, page: int = 2, form: str = "ppwp"
) -> dict[str, Any]:
    """A confident reading of the given values."""
    fields = {name: fake_field(v) for name, v in values.items()}
    return {"status": "read", "reason": None, "form": form, "page": page, "fields": fields,
            "checks": []}  # fmt: skip


@dataclass
class FakeReader:
    """For tests: answers `readings[sha or "*"]` (default 123/274/32 on page 2), after `delay` s."""

    engine_version: str = FAKE_VERSION
    delay: float = 0.0
    readings: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def read(self, image: bytes, *, contest_code: str, page: int | None) -> ReadOutcome:
        """The planted reading for these bytes."""
        import hashlib

        sha = hashlib.sha256(image).hexdigest()
        self.calls.append(sha)
        if self.delay:
            time.sleep(self.delay)
        default = fake_reading(
            {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32},
            page=page or 2,
            form=contest_code,
        )
        reading = self.readings.get(sha) or self.readings.get("*") or default
        return ReadOutcome(self.engine_version, reading, rectified_png=_png_of(image))


def _png_of(image: bytes) -> bytes | None:
    from PIL import Image

    try:
        out = io.BytesIO()
        with Image.open(io.BytesIO(image)) as img:
            img.convert("L").resize((64, 96)).save(out, format="PNG")
        return out.getvalue()
    except OSError:
        return None
