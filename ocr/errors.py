"""Typed OCR failures: every reading problem is an OcrError subclass with a short reason code."""

from __future__ import annotations


class OcrError(Exception):
    """Base of every failure raised by the ocr library; `code` is stable and machine-readable."""

    code = "OCR_ERROR"


class EngineUnavailable(OcrError):
    """A reading engine (the tesseract binary, a language pack) is not installed."""

    code = "ENGINE_UNAVAILABLE"


class ModelUnavailable(OcrError):
    """The digit model file is missing or OpenCV cannot load it."""

    code = "MODEL_UNAVAILABLE"


class Unreadable(OcrError):
    """The photo cannot be decoded or used at all (not an image, too small, too large)."""

    code = "UNREADABLE"
