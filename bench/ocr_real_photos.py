"""Time the page reader on the real 2024 photos, stage by stage, on one core.

    OMP_NUM_THREADS=1 .venv/bin/python bench/ocr_real_photos.py [--repeat 7]

Prints a markdown table (CPU seconds of this process, median over the repeats, the digit model
loaded beforehand) for docs/benchmarks.md.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

from ocr.bubbles import read_column
from ocr.cells import crop_boxes
from ocr.decode import decode_image
from ocr.identify import identify_page
from ocr.pipeline import _default_model, read_page
from ocr.rectify import rectify_page, register_page

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "ocr" / "fixtures" / "real"


def cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of one call, and its result."""
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def stages(data: bytes) -> dict[str, float]:
    """CPU seconds of each stage of one reading."""
    out: dict[str, float] = {}
    out["decode"], decoded = cpu(lambda: decode_image(data))
    out["tag"], found = cpu(lambda: identify_page(decoded.gray, form=None, page=None))
    page, tag = found.page, found.tag
    out["markers + frames fit"], reg = cpu(lambda: register_page(decoded.gray, page, tag))
    out["rectify"], rect = cpu(lambda: rectify_page(decoded.gray, reg, page))
    out["cells"], crops = cpu(lambda: crop_boxes(rect, page, reg.frames))
    model = _default_model()
    out["digits"], _ = cpu(lambda: model.classify([c.image for c in crops]))
    columns = [(col, crops[3 * k + j].offset) for k, f in enumerate(page.fields)
               for j, col in enumerate(f.bubbles or [])]  # fmt: skip
    out["bubbles"], _ = cpu(lambda: [read_column(rect, col, off) for col, off in columns])
    out["whole read_page"], _ = cpu(lambda: read_page(data, model=model))
    return out


def main() -> None:
    """Run the stages `--repeat` times per photo and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    _default_model()
    for photo in sorted(PHOTOS.glob("*.jpg")):
        data = photo.read_bytes()
        runs = [stages(data) for _ in range(args.repeat)]
        print(f"\n{photo.name} ({len(data) / 1e6:.1f} MB JPEG)\n")
        print("| stage | median CPU s |\n|---|---|")
        for name in runs[0]:
            print(f"| {name} | {statistics.median(r[name] for r in runs):.3f} |")


if __name__ == "__main__":
    main()
