"""Reading engines: the digit CNN (ONNX through cv2.dnn) and Tesseract for printed text.

This is the only module of the library that loads a model or imports pytesseract. Box crops go
through ``ocr.digits.normalize_box`` (the same preprocessing the model was trained with); the
model returns probabilities over 12 classes: the digits 0-9, ``X`` (a crossed-out leading box)
and ``blank`` (an empty box). Thread counts are the caller's business (``cv2.setNumThreads``).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ocr.digits import normalize_box
from ocr.errors import EngineUnavailable, ModelUnavailable

CLASSES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "blank")
X_CLASS = 10
BLANK_CLASS = 11
N_CLASSES = len(CLASSES)
MODEL_PATH = Path(__file__).resolve().parent / "models" / "digits.onnx"

Probabilities = npt.NDArray[np.float32]
Crop = npt.NDArray[np.generic]


def file_digest(path: Path) -> str:
    """First 12 hex digits of the SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class DigitModel:
    """The committed digit CNN, loaded once with cv2.dnn; classify() is batched."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        """Load the ONNX file; raise ModelUnavailable if it is missing or unreadable."""
        if not path.is_file():
            raise ModelUnavailable(f"digit model not found: {path}")
        try:
            self._net = cv2.dnn.readNetFromONNX(str(path))
        except cv2.error as exc:
            raise ModelUnavailable(f"cv2.dnn cannot load {path}: {exc}") from exc
        self.engine_version = f"digits-cnn-{file_digest(path)}"

    def classify(self, crops: Sequence[Crop]) -> Probabilities:
        """Probabilities (N, 12) over CLASSES for box-interior crops (gray or BGR, any size)."""
        if len(crops) == 0:
            return np.zeros((0, N_CLASSES), dtype=np.float32)
        images = [normalize_box(crop) for crop in crops]
        blob = cv2.dnn.blobFromImages(images, 1.0, (0, 0), 0.0, False, False, cv2.CV_32F)
        self._net.setInput(blob)
        probs = np.asarray(self._net.forward(), dtype=np.float32).reshape(len(images), N_CLASSES)
        return probs


class FakeDigitModel:
    """A stand-in for tests: returns the given rows (cycled) or one fixed class per crop."""

    engine_version = "fake-digits"

    def __init__(self, rows: Sequence[Sequence[float]] | None = None, *, label: int = 0) -> None:
        """`rows`: probability rows handed out in order, cycling; else always `label` with p=1."""
        self._rows = np.asarray(rows, dtype=np.float32) if rows is not None else None
        self._label = label
        self._next = 0
        self.calls: list[int] = []

    def classify(self, crops: Sequence[Crop]) -> Probabilities:
        """The next len(crops) rows, recording the batch size in `calls`."""
        self.calls.append(len(crops))
        if self._rows is None:
            out = np.zeros((len(crops), N_CLASSES), dtype=np.float32)
            out[:, self._label] = 1.0
            return out
        idx = (self._next + np.arange(len(crops))) % len(self._rows)
        self._next += len(crops)
        return self._rows[idx].reshape(len(crops), N_CLASSES)


@cache
def default_digit_model() -> DigitModel:
    """The process-wide DigitModel (loaded on first use)."""
    return DigitModel()


@cache
def tesseract_languages() -> str:
    """'ind+eng' when both packs are installed, else 'eng'; EngineUnavailable without tesseract."""
    import pytesseract

    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise EngineUnavailable("the tesseract binary is not installed (apt install tesseract-ocr)")
    try:
        langs = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise EngineUnavailable(f"tesseract cannot run: {exc}") from exc
    if "eng" not in langs:
        raise EngineUnavailable("tesseract has no 'eng' language pack")
    return "ind+eng" if "ind" in langs else "eng"


def read_printed_text(image: npt.NDArray[np.generic], *, psm: int = 6) -> str:
    """Printed text of an image region (a form title, 'Halaman n dari 3') with Tesseract."""
    import pytesseract

    lang = tesseract_languages()
    try:
        text = pytesseract.image_to_string(
            np.ascontiguousarray(image), lang=lang, config=f"--psm {psm}"
        )
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
        raise EngineUnavailable(f"tesseract failed: {exc}") from exc
    return str(text)
