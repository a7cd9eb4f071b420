"""The digit model and its preprocessing: the committed ONNX file reads held-out boxes right."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from ocr.digits import INPUT_SIZE, normalize_box
from ocr.errors import EngineUnavailable, ModelUnavailable
from ocr.readers import (
    BLANK_CLASS,
    CLASSES,
    MODEL_PATH,
    X_CLASS,
    DigitModel,
    FakeDigitModel,
    default_digit_model,
    read_printed_text,
    tesseract_languages,
)

FIXTURES = Path(__file__).parent / "fixtures"
Gray = npt.NDArray[np.uint8]


@pytest.fixture(scope="module")
def model() -> DigitModel:
    return default_digit_model()


@pytest.fixture(scope="module")
def heldout() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    data = np.load(FIXTURES / "mnist_heldout_200.npz")
    return data["images"], data["labels"]


def printed_box(rng: np.random.Generator, ink: Gray | None = None) -> Gray:
    """A 72x64 interior crop of a printed box with pen ink, border remnants on two edges, blur."""
    page = np.full((88, 80), 205, dtype=np.uint8)
    cv2.rectangle(page, (4, 4), (75, 83), 40, 5)
    if ink is not None:
        h = int(rng.integers(44, 60))
        digit = cv2.resize(ink, (h, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255
        y, x = 14 + int(rng.integers(-3, 4)), 40 - h // 2 + int(rng.integers(-4, 5))
        region = page[y : y + h, x : x + h].astype(np.float32)
        page[y : y + h, x : x + h] = (region - digit * 120).clip(0, 255).astype(np.uint8)
    crop = page[6:78, 6:70].copy()
    crop = cv2.GaussianBlur(crop, (0, 0), 0.8)
    return (crop + rng.normal(0, 3, crop.shape)).clip(0, 255).astype(np.uint8)


def test_committed_model_is_small_and_versioned(model: DigitModel) -> None:
    assert MODEL_PATH.stat().st_size < 2_000_000
    assert model.engine_version.startswith("digits-cnn-")
    assert len(model.engine_version) == len("digits-cnn-") + 12
    assert CLASSES[X_CLASS] == "X" and CLASSES[BLANK_CLASS] == "blank"


def test_heldout_digits_in_printed_boxes(model: DigitModel, heldout: tuple) -> None:
    images, labels = heldout
    rng = np.random.default_rng(5)
    crops = [printed_box(rng, img) for img in images]
    probs = model.classify(crops)
    assert probs.shape == (len(labels), 12)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    accuracy = float((probs.argmax(axis=1) == labels).mean())
    assert accuracy >= 0.95


def test_pen_x_is_class_x(model: DigitModel) -> None:
    rng = np.random.default_rng(1)
    crops = []
    for a, b in [((8, 10), (56, 62)), ((14, 6), (50, 66)), ((4, 4), (60, 68))]:
        ink = np.zeros((72, 64), np.uint8)
        cv2.line(ink, a, b, 255, 3, cv2.LINE_AA)
        cv2.line(ink, (a[0], b[1]), (b[0], a[1]), 255, 3, cv2.LINE_AA)
        box = printed_box(rng)
        crops.append(np.minimum(box, 255 - (ink.astype(np.float32) * 0.55).astype(np.uint8)))
    assert list(model.classify(crops).argmax(axis=1)) == [X_CLASS] * 3


def test_empty_boxes_are_blank(model: DigitModel) -> None:
    rng = np.random.default_rng(2)
    crops = [printed_box(rng) for _ in range(5)] + [np.full((40, 40, 3), 230, np.uint8)]
    probs = model.classify(crops)
    assert list(probs.argmax(axis=1)) == [BLANK_CLASS] * 6


def test_classify_accepts_an_empty_batch(model: DigitModel) -> None:
    assert model.classify([]).shape == (0, 12)


@pytest.mark.parametrize(
    "crop",
    [
        np.full((3, 2), 200, np.uint8),
        np.full((2000, 1500), 220, np.uint8),
        np.full((50, 40, 3), 180, np.uint8),
        np.full((50, 40, 4), 180, np.uint8),
    ],
    ids=["tiny", "huge", "bgr", "bgra"],
)
def test_normalize_box_shapes_and_empty_input(crop: np.ndarray) -> None:
    out = normalize_box(crop)
    assert out.shape == (INPUT_SIZE, INPUT_SIZE) and out.dtype == np.float32
    assert float(out.max()) == 0.0


def test_normalize_box_centres_and_scales_a_digit_of_any_size() -> None:
    small = np.full((40, 30), 210, np.uint8)
    cv2.line(small, (15, 8), (15, 32), 30, 2)
    huge = cv2.resize(small, (1200, 1600), interpolation=cv2.INTER_NEAREST)
    for crop in (small, huge, cv2.cvtColor(huge, cv2.COLOR_GRAY2BGR)):
        out = normalize_box(crop)
        ys, xs = np.nonzero(out > 0.5)
        assert 18 <= ys.max() - ys.min() + 1 <= 20
        assert abs(xs.mean() - 13.5) <= 1.5 and abs(ys.mean() - 13.5) <= 1.5


def test_blank_noise_is_not_blown_up() -> None:
    rng = np.random.default_rng(3)
    noisy = (200 + rng.normal(0, 6, (60, 60))).clip(0, 255).astype(np.uint8)
    assert float(normalize_box(noisy).sum()) < 5.0


def test_border_remnants_are_erased() -> None:
    crop = np.full((64, 64), 210, np.uint8)
    cv2.rectangle(crop, (0, 0), (63, 63), 30, 4)
    assert float(normalize_box(crop).max()) == 0.0


def test_missing_model_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        DigitModel(tmp_path / "nope.onnx")


def test_fake_model_hands_out_rows_in_order() -> None:
    rows = np.eye(12, dtype=np.float32)[[3, X_CLASS, BLANK_CLASS]]
    fake = FakeDigitModel(rows)
    assert list(fake.classify([np.zeros((5, 5))] * 2).argmax(axis=1)) == [3, X_CLASS]
    assert list(fake.classify([np.zeros((5, 5))] * 2).argmax(axis=1)) == [BLANK_CLASS, 3]
    assert fake.calls == [2, 2]
    assert list(FakeDigitModel(label=7).classify([np.zeros((5, 5))]).argmax(axis=1)) == [7]


def test_read_printed_text_reads_a_page_label() -> None:
    image = np.full((80, 520), 255, np.uint8)
    cv2.putText(image, "Halaman 2 dari 3", (10, 55), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 0, 3)
    assert "Halaman 2 dari 3" in read_printed_text(image, psm=7)


def test_missing_tesseract_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    tesseract_languages.cache_clear()
    try:
        with pytest.raises(EngineUnavailable):
            read_printed_text(np.full((20, 20), 255, np.uint8))
    finally:
        tesseract_languages.cache_clear()


def test_real_photo_boxes_read_right(model: DigitModel) -> None:
    data = np.load(FIXTURES / "real_box_crops.npz")
    page2 = model.classify(list(data["page2"])).argmax(axis=1)
    assert "".join(CLASSES[k][0] for k in page2) == "".join(data["page2_labels"])
    page1 = model.classify(list(data["page1"])).argmax(axis=1)
    assert list(page1) == [BLANK_CLASS] * len(data["page1"])


@pytest.mark.parametrize("x", [24, 34, 40])
def test_a_one_written_off_centre_is_not_taken_for_a_border(model: DigitModel, x: int) -> None:
    crop = np.full((48, 48), 200, np.uint8)
    cv2.line(crop, (x, 4), (x, 44), 60, 2)
    crop = cv2.GaussianBlur(crop, (0, 0), 0.8)
    assert CLASSES[int(model.classify([crop])[0].argmax())] == "1"


def test_indonesian_forms_in_printed_boxes(model: DigitModel) -> None:
    """A flagged 1, an open 4, a crossed 7 and a 9 with a straight tail, drawn by the training's
    generator with a seed it never drew from, read right in printed boxes."""
    from training.hand_forms import FORMS, render_form

    rng = np.random.default_rng(11)
    labels = np.asarray([FORMS[i % len(FORMS)] for i in range(80)])
    crops = [printed_box(rng, (render_form(int(k), rng) * 255).astype(np.uint8)) for k in labels]
    predicted = model.classify(crops).argmax(axis=1)
    for form in FORMS:
        assert float((predicted[labels == form] == form).mean()) >= 0.9, form
    assert float((predicted == labels).mean()) >= 0.95
