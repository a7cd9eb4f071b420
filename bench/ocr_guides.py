"""Printed guides or writing? `cells.guides_only` measured on every digit box it could meet.

    OMP_NUM_THREADS=1 .venv/bin/python bench/ocr_guides.py [--pages 200 --hard 40 --seed 2024]

Boxes: KPU's blank sample page 2 (dotted guides in every box, nothing written) and the real
page-2 photo (123 / 274 / X32 written, no guides) under the 18 degradations of
`bench/ocr_real.py`, and every box of the synthetic benchmark's photos (`rekap bench ocr`'s
pages for the same seed: written digits, X and empty boxes, no guides). Each photo is read by
`read_page` and its boxes cropped as the reader crops them. Per group: how many boxes
`guides_only` takes for guides (all of KPU's should be, none written should be), and the range
of its two measures (`guide_stroke`: the longest piece of ink, share of the crop's height;
`guide_match`: the correlation with the guide's drawing). A KPU field counts as *kept* when
every box the digit model reads as a digit is taken for guides (only then do its empty bubbles
decide). The last column is the rule before (809dca6: only the longest piece of ink, the
crop's edge included, under 0.3 of the crop), for comparison. Prints markdown for
docs/benchmarks.md.
"""

import argparse
from collections import defaultdict
from collections.abc import Iterator

import cv2
import numpy as np
import ocr_real

from ocr.cells import (
    GUIDE_EXTENT,
    GUIDE_INK,
    _relative_ink,
    crop_boxes,
    guide_match,
    guide_stroke,
    guides_only,
)
from ocr.pipeline import _default_model, read_page
from ocr.templates import load_form

WRITTEN = {"suara_paslon_1": "123", "suara_paslon_2": "274", "suara_paslon_3": "X32"}
Box = tuple[str, str, str, np.ndarray, int]  # group, where, field, crop, the model's class


def _crops(data: bytes) -> Iterator[tuple[str, int, np.ndarray, int]]:
    """(field, box index, crop, the digit model's class) of every box of one photo."""
    model = _default_model()
    reading = read_page(data, model=model)
    if not reading.ok or reading.rectified is None or reading.form is None:
        return
    page = load_form(reading.form).page_template(int(reading.page or 0))
    crops = crop_boxes(reading.rectified, page)
    classes = np.argmax(model.classify([c.image for c in crops]), axis=1)
    for crop, cls in zip(crops, classes, strict=True):
        yield crop.field, crop.index, crop.image, int(cls)


def _before(ink: np.ndarray) -> bool:
    """The rule of 809dca6: no piece of ink longer than GUIDE_EXTENT, the edge included."""
    mask = (ink > GUIDE_INK).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    longest = max((max(int(stats[i, 2]), int(stats[i, 3])) for i in range(1, count)), default=0)
    return bool(longest < GUIDE_EXTENT * ink.shape[0])


def real_boxes() -> Iterator[Box]:
    """KPU's blank page and the written real page 2, under every degradation."""
    photos = [("contoh-form-c1-hal2.jpeg", "KPU blank page 2 (guides)")]
    photos.append(("ppwp-2024-hal2-photo-a.jpg", "real page 2"))
    images = [(ocr_real._load(ocr_real.REAL / name), group) for name, group in photos]
    for img, _ in images:
        ocr_real.MARKERS[id(img)] = ocr_real._marker_spots(img)
    for label, degrade in ocr_real.DEGRADATIONS.items():
        for img, group in images:
            for field, index, image, cls in _crops(ocr_real.encode(label, degrade(img))):
                if group.startswith("KPU"):
                    yield group, label, field, image, cls
                else:
                    kind = "X" if WRITTEN[field][index] == "X" else "digit"
                    yield f"{group}: {kind}", label, field, image, cls


def synthetic_boxes(pages: int, hard: int, seed: int) -> Iterator[Box]:
    """Every box of the synthetic benchmark's photos, by what is written in it."""
    from app.cli.bench import held_out_digits
    from ocr.bench.cases import generate_cases

    for case in generate_cases(pages - hard, hard, seed, held_out_digits()):
        bucket = "normal" if case.kind == "normal" else "hard"
        for field, index, image, cls in _crops(case.jpeg):
            truth = case.boxes[field][index]
            kind = "empty" if truth == "" else "X" if truth == "X" else "digit"
            yield f"synthetic {bucket}: {kind}", f"{case.index} {case.kind}", field, image, cls


def main() -> None:
    """Measure every box; print the per-group table and the KPU fields kept."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="synthetic photos in all")
    parser.add_argument("--hard", type=int, default=40, help="of them hard")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    groups: dict[str, list[tuple[float, float, bool, bool, bool]]] = defaultdict(list)
    kept: dict[tuple[str, str], bool] = {}
    boxes = [*real_boxes(), *synthetic_boxes(args.pages, args.hard, args.seed)]
    for group, where, field, image, cls in boxes:
        ink = _relative_ink(image)
        judged = guides_only(image)
        row = (guide_stroke(ink), guide_match(ink), judged, cls <= 9, _before(ink))
        groups[group].append(row)
        if group.startswith("KPU"):
            key = (where, field)
            kept[key] = kept.get(key, True) and (judged or cls > 9)
        elif judged and args.verbose:
            print(f"<!-- taken for guides: {group} {where} {field} class {cls} -->")
    print("| boxes | n | taken for guides | of them read as a digit | longest stroke "
          "min / max | guide match min / max | taken before (read as a digit) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for group, rows in groups.items():
        stroke = [r[0] for r in rows]
        match = [r[1] for r in rows]
        taken = sum(r[2] for r in rows)
        digit = sum(r[2] and r[3] for r in rows)
        before = sum(r[4] for r in rows)
        before_digit = sum(r[4] and r[3] for r in rows)
        print(f"| {group} | {len(rows)} | {taken} | {digit} | {min(stroke):.2f} / "
              f"{max(stroke):.2f} | {min(match):.2f} / {max(match):.2f} | {before} "
              f"({before_digit}) |")  # fmt: skip
    lost = sorted(k for k, v in kept.items() if not v)
    print(f"\nKPU fields whose every box read as a digit is taken for guides: "
          f"{len(kept) - len(lost)} of {len(kept)}")  # fmt: skip
    for where, field in lost:
        print(f"- not kept: {where}, {field}")


if __name__ == "__main__":
    main()
