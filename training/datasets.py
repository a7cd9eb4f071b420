"""Batches of normalized box crops for training and the fixed evaluation sets of the model card."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr.digits import normalize_box
from training.augment import BLANK_LABEL, X_LABEL, Look, as_bgr, render_box
from training.fonts import Face, render_glyph
from training.hand_forms import FORMS, render_form
from training.mnist import Split

Batch = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]
Frames = list[npt.NDArray[np.float32]]


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
    decorate: list[bool] | None = None,
    guides: float = 0.0,
) -> Batch:
    """Render and normalize one box per label; `clean_share` of them without photo effects.

    `decorate[i]` False keeps a digit's own form (no random crossbar on a 7 or flag on a 1).
    """
    out = np.zeros((len(labels), 1, 28, 28), dtype=np.float32)
    flags = decorate if decorate is not None else [True] * len(labels)
    for i, (label, digit, deco) in enumerate(zip(labels, digits, flags, strict=True)):
        look = Look(photo=rng.random() >= clean_share)
        if look.photo and guides > 0:
            look = Look(photo=True, guides=guides)
        crop = render_box(int(label), digit, rng, look, decorate=deco)
        if look.photo and rng.random() < 0.1:
            out[i, 0] = normalize_box(as_bgr(crop, rng))
        else:
            out[i, 0] = normalize_box(crop)
    return out


def by_package(faces: list[Face]) -> list[list[Face]]:
    """Faces grouped per font package (so a font with many weights is not drawn more often)."""
    groups: dict[str, list[Face]] = {}
    for face in faces:
        groups.setdefault(face.package, []).append(face)
    return list(groups.values())


def form_digits(count: int, rng: np.random.Generator) -> tuple[Frames, Labels]:
    """`count` Indonesian forms (flagged 1, open 4, crossed 7, 9 with a straight tail) in turn."""
    labels = np.asarray([FORMS[i % len(FORMS)] for i in range(count)], dtype=np.int64)
    return [render_form(int(label), rng) for label in labels], labels


@dataclass(frozen=True)
class Mix:
    """How many samples of each synthetic source one training epoch adds to the MNIST digits."""

    fonts: int
    forms: int
    special: int


# An epoch is a shuffled list of items (source, value), rendered in chunks by worker processes.
MNIST_ITEM, FONT_ITEM, FORM_ITEM, X_ITEM, BLANK_ITEM = range(5)
CHUNK = 512
GUIDES = 0.12  # share of the training boxes printed with a dotted 7-segment guide
_WORKER: dict[str, object] = {}


def init_worker(train: Split, faces: list[Face]) -> None:
    """Give a rendering process the training digits and fonts (once, at its start)."""
    cv2.setNumThreads(1)
    _WORKER["train"], _WORKER["packages"] = train, by_package(faces)


def render_chunk(job: tuple[int, npt.NDArray[np.int64]]) -> Batch:
    """Render one chunk of epoch items (rows of source, value) with its own seeded generator."""
    seed, items = job
    rng = np.random.default_rng(seed)
    train = _WORKER["train"]
    packages = _WORKER["packages"]
    assert isinstance(train, Split) and isinstance(packages, list)
    labels, digits, decorate = [], [], []
    for source, value in items:
        digit: npt.NDArray[np.float32] | None = None
        if source == MNIST_ITEM:
            label, digit = int(train.labels[value]), train.images[value]
        elif source == FONT_ITEM:
            weights = packages[int(rng.integers(len(packages)))]
            face = weights[int(rng.integers(len(weights)))]
            label, digit = int(value), render_glyph(face, int(value), rng)
        elif source == FORM_ITEM:
            label, digit = int(value), render_form(int(value), rng)
        else:
            label = X_LABEL if source == X_ITEM else BLANK_LABEL
        labels.append(label)
        digits.append(digit)
        decorate.append(source != FORM_ITEM)
    return render_many(
        np.asarray(labels), digits, rng, clean_share=0.1, decorate=decorate, guides=GUIDES
    )


def epoch_items(train: Split, mix: Mix, rng: np.random.Generator) -> tuple[list, Labels]:
    """The shuffled items of one epoch in seeded chunks, and their labels: every MNIST training
    digit once, font digits (the ten in turn), Indonesian forms (the four in turn), X, blank."""
    items = np.concatenate(
        [
            np.stack([np.full(len(train.labels), MNIST_ITEM), np.arange(len(train.labels))], 1),
            np.stack([np.full(mix.fonts, FONT_ITEM), np.arange(mix.fonts) % 10], 1),
            np.stack([np.full(mix.forms, FORM_ITEM), np.take(FORMS, np.arange(mix.forms) % 4)], 1),
            np.stack([np.full(mix.special, X_ITEM), np.full(mix.special, X_LABEL)], 1),
            np.stack([np.full(mix.special, BLANK_ITEM), np.full(mix.special, BLANK_LABEL)], 1),
        ]
    ).astype(np.int64)
    items = items[rng.permutation(len(items))]
    labels = np.where(items[:, 0] == MNIST_ITEM, train.labels[items[:, 1]], items[:, 1])
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    seeds = rng.integers(0, 2**62, len(chunks))
    return list(zip(seeds.tolist(), chunks, strict=True)), labels.astype(np.int64)


def digits_eval(name: str, data: Split, seed: int, photo: bool) -> EvalSet:
    """Held-out digits rendered clean (share 1.0) or as photos, with a fixed seed."""
    rng = np.random.default_rng(seed)
    inputs = render_many(data.labels, list(data.images), rng, clean_share=0.0 if photo else 1.0)
    return EvalSet(name, inputs, data.labels)


def fonts_eval(name: str, faces: list[Face], seed: int, photo: bool, per_digit: int) -> EvalSet:
    """Digits of the given fonts (`per_digit` wobbled variants per face and digit), clean or as
    photos, with a fixed seed."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for face in faces:
        for digit in range(10):
            for _ in range(per_digit):
                images.append(render_glyph(face, digit, rng))
                labels.append(digit)
    label_arr = np.asarray(labels, dtype=np.int64)
    inputs = render_many(label_arr, list(images), rng, clean_share=0.0 if photo else 1.0)
    return EvalSet(name, inputs, label_arr)


def forms_eval(name: str, seed: int, per_form: int, photo: bool) -> EvalSet:
    """The Indonesian forms drawn with a fixed seed, clean or as photos (no extra decoration)."""
    rng = np.random.default_rng(seed)
    images, labels = form_digits(per_form * len(FORMS), rng)
    inputs = render_many(
        labels,
        list(images),
        rng,
        clean_share=0.0 if photo else 1.0,
        decorate=[False] * len(labels),
    )
    return EvalSet(name, inputs, labels)


def guides_eval(seed: int, count: int) -> EvalSet:
    """Empty boxes printed with a dotted 7-segment guide, as photos, with a fixed seed."""
    rng = np.random.default_rng(seed)
    labels = np.full(count, BLANK_LABEL, dtype=np.int64)
    inputs = render_many(labels, [None] * count, rng, clean_share=0.0, guides=1.0)
    return EvalSet("blank with a dotted guide (photo)", inputs, labels)


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
