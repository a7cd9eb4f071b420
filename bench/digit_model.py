"""Speed of the digit model on one core: python bench/digit_model.py [--batch 75] [--repeat 50].

Classifies a batch of box crops (held-out MNIST digits from tests/ocr/fixtures drawn into
72x64 printed-box interiors) with ocr.readers.DigitModel, cv2.setNumThreads(1), and prints the
median wall-clock and CPU milliseconds per batch, split into preprocessing (normalize_box) and the
whole classify() call.
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ocr.digits import normalize_box
from ocr.readers import DigitModel

FIXTURE = (
    Path(__file__).resolve().parents[1] / "tests" / "ocr" / "fixtures" / "mnist_heldout_200.npz"
)


def box_crops(count: int) -> list[np.ndarray]:
    """`count` crops of printed boxes holding held-out digits (cycled)."""
    images = np.load(FIXTURE)["images"]
    crops = []
    for i in range(count):
        page = np.full((72, 64), 205, np.uint8)
        digit = cv2.resize(images[i % len(images)], (50, 50)).astype(np.float32) / 255
        page[10:60, 7:57] = (page[10:60, 7:57] - digit * 120).clip(0, 255).astype(np.uint8)
        cv2.rectangle(page, (0, 0), (63, 71), 40, 2)
        crops.append(page)
    return crops


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repeat` calls of fn()."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Parse the options, warm up, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=75)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    model = DigitModel()
    crops = box_crops(args.batch)
    model.classify(crops)
    prep = timed(lambda: [normalize_box(c) for c in crops], args.repeat)
    full = timed(lambda: model.classify(crops), args.repeat)
    print(f"{model.engine_version}, batch {args.batch}, {os.cpu_count()} CPUs, 1 OpenCV thread")
    print(f"normalize_box x{args.batch}: wall {prep[0]:.1f} ms, cpu {prep[1]:.1f} ms")
    print(f"classify (normalize + CNN): wall {full[0]:.1f} ms, cpu {full[1]:.1f} ms")


if __name__ == "__main__":
    main()
