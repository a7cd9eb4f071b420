"""How far the blurred photo's ink check (ocr/blurred.py) tells written boxes from empty ones.

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.ocr_blur_ink [--pages 72] [--seed 11]

Synthetic KWK pages (the benchmark's filled pages: held-out MNIST digits, X and empty leading
boxes) are photographed with the simulator's heavy blur (``blur``: σ 3.5-5 px of an 8-12 MP
frame) and located as the reader does (`ocr.pipeline.locate_page`). On every deconvolved photo,
each field the blurred frames place gives its boxes' ink (frame contrast units, `EMPTY_INK` is
the line): the written boxes' lowest inks say how much margin the line leaves, the empty boxes'
share under it how many blanks can be verified. Each page is then read end to end
(`read_page`): fields right, wrong at or above the acceptance line (a silent error; "not filled"
where a number is written counts) and sent to review.
"""

from __future__ import annotations

import argparse

import numpy as np

from app.cli.bench import held_out_digits
from ocr.bench.cases import generate_cases
from ocr.blurred import EMPTY_INK
from ocr.errors import OcrError
from ocr.pipeline import locate_page, read_page
from ocr.reading import ACCEPT_LINE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=72)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    bank = held_out_digits()
    written: list[tuple[float, str, int, str]] = []
    empty: list[float] = []
    deblurred = fields = placed = 0
    right = wrong = review = 0
    wrong_blank: list[str] = []
    for case in generate_cases(0, args.pages, args.seed, bank, only="blur"):
        index, values, boxes = case.index, case.values, case.boxes
        try:
            located = locate_page(case.jpeg)
        except OcrError:
            located = None
        if located is not None and located.restored.deblurred:
            deblurred += 1
            for name, check in located.checks.items():
                fields += 1
                placed += check.placed
                for token, ink in zip(boxes[name], check.ink, strict=True):
                    if ink != ink:
                        continue
                    if token == "":
                        empty.append(ink)
                    else:
                        written.append((ink, token, index, name))
        reading = read_page(case.jpeg)
        for name, value in values.items():
            got = reading.fields.get(name)
            if got is None or got.confidence < ACCEPT_LINE:
                review += 1
            elif got.value == value:
                right += 1
            else:
                wrong += 1
                if got.value is None:
                    wrong_blank.append(f"page {index} {name}")
    inks = np.asarray([w[0] for w in written])
    blanks = np.asarray(empty)
    print(f"pages {args.pages} (seed {args.seed}), deconvolved {deblurred}; fields there {fields},")
    print(f"placed by the blurred frames {placed} ({100 * placed / max(fields, 1):.0f}%)")
    if len(inks):
        print(
            f"written boxes in placed fields: {len(inks)}, ink min {inks.min():.3f}, "
            f"p1 {np.percentile(inks, 1):.3f}, p5 {np.percentile(inks, 5):.3f}; "
            f"at or under EMPTY_INK {EMPTY_INK}: {int((inks <= EMPTY_INK).sum())}"
        )
        print(
            "  lowest:",
            ", ".join(f"{k:.3f} ({t!r}, page {i} {n})" for k, t, i, n in sorted(written)[:5]),
        )
    if len(blanks):
        print(
            f"empty boxes in placed fields: {len(blanks)}, verified (ink <= {EMPTY_INK}) "
            f"{int((blanks <= EMPTY_INK).sum())}, ink median {np.median(blanks):.3f}, "
            f"max {blanks.max():.3f}"
        )
    total = right + wrong + review
    print(
        f"read end to end: {total} fields, right {right}, wrong at/above the line {wrong}"
        f" ({len(wrong_blank)} of them 'not filled'), review {review}"
    )
    for where in wrong_blank:
        print("  not filled, but written:", where)


if __name__ == "__main__":
    main()
