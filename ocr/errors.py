"""Typed OCR failures: every reading problem is an OcrError subclass with a short reason code."""

from __future__ import annotations

from typing import Literal

# The status `read_page` reports for a photo it could not read (API.md: failures are values).
FailureStatus = Literal["unreadable", "not_cform", "markers_not_found", "wrong_page"]


class OcrError(Exception):
    """Base of every failure raised by the ocr library; `code` is stable and machine-readable."""

    code = "OCR_ERROR"
    status: FailureStatus = "unreadable"


class EngineUnavailable(OcrError):
    """A reading engine (the tesseract binary, a language pack) is not installed."""

    code = "ENGINE_UNAVAILABLE"


class ModelUnavailable(OcrError):
    """The digit model file is missing or OpenCV cannot load it."""

    code = "MODEL_UNAVAILABLE"


class Unreadable(OcrError):
    """The photo cannot be decoded or used at all (not an image, too small, too large)."""

    code = "UNREADABLE"


class NotCForm(OcrError):
    """No known form tag, no markers and no page hint: not a C.Hasil page we know."""

    code = "NOT_CFORM"
    status: FailureStatus = "not_cform"


class MarkersNotFound(OcrError):
    """The page could not be registered to its template (too few markers or tag corners)."""

    code = "MARKERS_NOT_FOUND"
    status: FailureStatus = "markers_not_found"


class WrongPage(OcrError):
    """The photo shows another page or form than the one it was said to be."""

    code = "WRONG_PAGE"
    status: FailureStatus = "wrong_page"

    def __init__(
        self, reason: str, *, found_form: str | None = None, found_page: int | None = None
    ) -> None:
        super().__init__(reason)
        self.found_form = found_form
        self.found_page = found_page
