"""Batches of normalized box crops for training and the fixed evaluation sets of the model card."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.digits import normalize_box
from training.augment import BLANK_LABEL, X_LABEL, Look, as_bgr, render_box
from training.mnist import Split

Batch = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]


@dataclass(frozen=True)
class EvalSet:
    """A named evaluation set: model inputs (N, 1, 28, 28) and labels."""

    name: str
    inputs: Batch
    labels: Labels


def render_many(
    labels: Labels,
    digits: list[npt.NDArray[np.float32] | None],
    rng: np.random.Generator,
    clean_share: float,
) -> Batch:
    """Render and normalize one box per label; `clean_share` of them without photo effects."""
    out = np.zeros((len(labels), 1, 28, 28), dtype=np.float32)
    for i, (label, digit) in enumerate(zip(labels, digits, strict=True)):
        look = Look(photo=rng.random() >= clean_share)
        crop = render_box(int(label), digit, rng, look)
        if look.photo and rng.random() < 0.1:
            out[i, 0] = normalize_box(as_bgr(crop, rng))
        else:
            out[i, 0] = normalize_box(crop)
    return out


def epoch_batch(train: Split, rng: np.random.Generator, n_special: int) -> tuple[Batch, Labels]:
    """Every training digit once, freshly augmented, plus n_special X boxes and blank boxes."""
    labels = np.concatenate(
        [train.labels, np.full(n_special, X_LABEL), np.full(n_special, BLANK_LABEL)]
    )
    digits: list[npt.NDArray[np.float32] | None] = [*train.images, *([None] * (2 * n_special))]
    inputs = render_many(labels, digits, rng, clean_share=0.1)
    order = rng.permutation(len(labels))
    return inputs[order], labels[order].astype(np.int64)


def digits_eval(name: str, data: Split, seed: int, photo: bool) -> EvalSet:
    """Held-out digits rendered clean (share 1.0) or as photos, with a fixed seed."""
    rng = np.random.default_rng(seed)
    inputs = render_many(data.labels, list(data.images), rng, clean_share=0.0 if photo else 1.0)
    return EvalSet(name, inputs, data.labels)


def special_eval(seed: int, count: int) -> EvalSet:
    """X and blank boxes rendered as photos with a fixed seed."""
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.full(count, X_LABEL), np.full(count, BLANK_LABEL)]).astype(np.int64)
    inputs = render_many(labels, [None] * len(labels), rng, clean_share=0.0)
    return EvalSet("X and blank (photo)", inputs, labels)


def sklearn_digits() -> Split:
    """scikit-learn's load_digits (optdigits, 8x8, 0..16) upscaled into MNIST-like 28x28 frames."""
    from sklearn.datasets import load_digits

    data = load_digits()
    frames = np.zeros((len(data.images), 28, 28), dtype=np.float32)
    for i, img in enumerate(data.images):
        big = cv2.resize((img / 16.0).astype(np.float32), (20, 20), interpolation=cv2.INTER_CUBIC)
        frames[i, 4:24, 4:24] = np.clip(big, 0.0, 1.0)
    return Split(frames, data.target.astype(np.int64))
