"""Synthetic OCR benchmark, same code as `rekap bench ocr`: python bench/ocr_bench.py [options].

Example (the figures in docs/benchmarks.md):
    python bench/ocr_bench.py --pages 80 --hard 20 --seed 2024 --docs docs/benchmarks.md
"""

import argparse
from pathlib import Path

from app.cli.bench import DEFAULT_SEED, run_ocr_benchmark
from ocr.bench.report import figures_table


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=80, help="photos in all")
    parser.add_argument("--hard", type=int, default=None, help="hard photos (default: 1/4)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None, help="JSON figures")
    parser.add_argument("--docs", type=Path, default=None, help="markdown file to update")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    hard = args.pages // 4 if args.hard is None else args.hard
    result = run_ocr_benchmark(
        pages=args.pages,
        hard=hard,
        seed=args.seed,
        out=args.out,
        docs=args.docs,
        verbose=args.verbose,
    )
    print(figures_table(result["figures"]))


if __name__ == "__main__":
    main()
