"""The model card's fixed evaluation sets, and the scoring of any exported digit model on them.

    python -m training.evaluate [path/to/digits.onnx ...]

prints, for each ONNX file (default: the committed `ocr/models/digits.onnx`), the accuracy on
every set, so two models can be put side by side on the same renders (cv2.dnn, as at run time).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from multiprocessing.pool import Pool
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ocr.readers import CLASSES, MODEL_PATH
from training.datasets import (
    Batch,
    EvalSet,
    digits_eval,
    fonts_eval,
    forms_eval,
    guides_eval,
    sklearn_digits,
    special_eval,
)
from training.fonts import HELDOUT_FONTS, fetch_fonts, load_faces
from training.mnist import Split, load_split

FONT_VARIANTS = 40  # wobbled renders per unseen face and digit
FORMS_EACH = 250  # renders per Indonesian form
Predict = Callable[[Batch], npt.NDArray[np.float32]]


def _build(builder: Callable[..., EvalSet], args: tuple[object, ...]) -> EvalSet:
    return builder(*args)


def eval_sets(test: Split, pool: Pool | None = None) -> list[EvalSet]:
    """Every set of the card, rendered with fixed seeds (the MNIST, X/blank and load_digits sets
    are the same renders as before the fonts were added); in `pool`'s processes when given."""
    fetch_fonts()
    unseen = [face for name in HELDOUT_FONTS for face in load_faces(name)]
    sklearn = sklearn_digits()
    specs: list[tuple[Callable[..., EvalSet], tuple[object, ...]]] = [
        (digits_eval, ("MNIST held-out 20% (clean)", test, 101, False)),
        (digits_eval, ("MNIST held-out 20% (photo-augmented)", test, 102, True)),
        (fonts_eval, ("unseen fonts (clean)", unseen, 106, False, FONT_VARIANTS)),
        (fonts_eval, ("unseen fonts (photo-augmented)", unseen, 107, True, FONT_VARIANTS)),
        (forms_eval, ("Indonesian forms 1/4/7/9 (clean)", 108, FORMS_EACH, False)),
        (forms_eval, ("Indonesian forms 1/4/7/9 (photo-augmented)", 109, FORMS_EACH, True)),
        (special_eval, (103, 500)),
        (guides_eval, (110, 500)),
        (digits_eval, ("sklearn load_digits (clean)", sklearn, 104, False)),
        (digits_eval, ("sklearn load_digits (photo-augmented)", sklearn, 105, True)),
    ]
    if pool is None:
        return [_build(f, a) for f, a in specs]
    return pool.starmap(_build, specs)


def score(predict: Predict, sets: list[EvalSet]) -> dict[str, dict[str, object]]:
    """Accuracy, per-class accuracy and the top confusions of each evaluation set."""
    results: dict[str, dict[str, object]] = {}
    for s in sets:
        pred = predict(s.inputs).argmax(1)
        confusion = np.zeros((12, 12), dtype=int)
        np.add.at(confusion, (s.labels, pred), 1)
        off = [
            (int(confusion[t, p]), CLASSES[t], CLASSES[p])
            for t in range(12)
            for p in range(12)
            if t != p and confusion[t, p]
        ]
        per_class = {
            CLASSES[c]: round(float((pred[s.labels == c] == c).mean()), 4)
            for c in np.unique(s.labels)
        }
        results[s.name] = {
            "n": len(s.labels),
            "accuracy": round(float((pred == s.labels).mean()), 4),
            "per_class": per_class,
            "top_confusions": [f"{t}->{p}: {n}" for n, t, p in sorted(off, reverse=True)[:6]],
        }
    return results


def onnx_predict(path: Path) -> Predict:
    """Probabilities from an exported model through cv2.dnn, in batches of 512."""
    net = cv2.dnn.readNetFromONNX(str(path))

    def predict(inputs: Batch) -> npt.NDArray[np.float32]:
        parts = []
        for start in range(0, len(inputs), 512):
            net.setInput(np.ascontiguousarray(inputs[start : start + 512]))
            parts.append(np.asarray(net.forward(), dtype=np.float32))
        return np.concatenate(parts)

    return predict


def main() -> None:
    """Score each given model on every set and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="*", type=Path, default=[MODEL_PATH])
    args = parser.parse_args()
    _, test = load_split()
    with Pool(2) as pool:
        sets = eval_sets(test, pool)
    columns = [score(onnx_predict(path), sets) for path in args.models]
    print("| set | n | " + " | ".join(str(p) for p in args.models) + " |")
    print("|---|---|" + "---|" * len(args.models))
    for s in sets:
        accs = " | ".join(f"{c[s.name]['accuracy']:.4f}" for c in columns)
        print(f"| {s.name} | {len(s.labels)} | {accs} |")
    for path, col in zip(args.models, columns, strict=True):
        print(f"\n{path}:")
        for name, r in col.items():
            print(f"- {name}: {r['accuracy']} confusions {r['top_confusions']}")


if __name__ == "__main__":
    main()
