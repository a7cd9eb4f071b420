"""Run the synthetic OCR benchmark: generate photos, read each with a reader, score per bucket."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ocr.bench.cases import BenchCase
from ocr.bench.photo_sim import HARD_KINDS
from ocr.bench.report import figures_table
from ocr.bench.score import PageOutcome, Tally, add_case, summarize_all

GroupReader = Callable[[list[bytes]], list[PageOutcome]]  # the photos of one TPS, read together
Progress = Callable[[BenchCase, PageOutcome], None]
DESCRIPTION = " ".join(
    """
Synthetic KWK plano pages (`ocr/forms/kwk.py`, 1-6 paslon drawn at random) filled with consistent
TPS numbers in handwritten digits from the held-out 20% of MNIST (`training/mnist.py`, never seen in
training), X or nothing in unused leading boxes, hand-filled bubbles (partial fills, stray marks),
then photographed in simulation (`ocr/bench/photo_sim.py`: 8-12 MP, rotation up to 30 degrees,
perspective, blur, noise, uneven light, shadow, JPEG 60-95). Hard photos carry one severe effect
each (blur, shadow, angle, screen moiré, a thumb over a corner, the page partly off the frame or
low light). Definitions are in `ocr/bench/score.py`; time is the reader's wall
clock per photo, JPEG decoding included, generation excluded.
""".split()
)


def _groups(cases: Iterable[BenchCase]) -> Iterator[list[BenchCase]]:
    """Consecutive cases of the same TPS, together."""
    group: list[BenchCase] = []
    for case in cases:
        if group and case.tps != group[0].tps:
            yield group
            group = []
        group.append(case)
    if group:
        yield group


def run_benchmark(
    cases: Iterable[BenchCase],
    reader: GroupReader,
    threshold: float,
    progress: Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Read every TPS's photos and return the figures of normal, hard and each hard kind."""
    names = ["normal", "hard", *(f"hard:{kind}" for kind in HARD_KINDS)]
    buckets = {name: Tally() for name in names}
    for group in _groups(cases):
        for case, outcome in zip(group, reader([c.jpeg for c in group]), strict=True):
            targets = ["normal"] if case.kind == "normal" else ["hard", f"hard:{case.kind}"]
            for name in targets:
                identity = (case.form, case.page)
                add_case(buckets[name], case.values, case.boxes, identity, outcome, threshold)
            if progress is not None:
                progress(case, outcome)
    return summarize_all(buckets.items())


def machine_line() -> str:
    """The machine the figures come from, as one line (OS, cores, CPU, Python)."""
    system = platform.system()
    release = Path("/etc/debian_version")
    if release.exists():
        system = f"Debian {release.read_text().strip()}"
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.machine(),
    )
    return f"{system}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def _cpuinfo() -> list[str]:
    path = Path("/proc/cpuinfo")
    return path.read_text().splitlines() if path.exists() else []


def section_body(
    figures: dict[str, dict[str, Any]],
    *,
    command: str,
    machine: str,
    threshold: float,
    model: str = "",
    run_at: str = "",
    notes: str = "",
) -> str:
    """The markdown of the OCR section: how it was run, what is simulated, the figures."""
    parts = [
        f"Command: `{command}` (run {run_at})  ",
        f"Machine: {machine}; one core for reading "
        "(`cv2.setNumThreads(1)`, `OMP_THREAD_LIMIT=1`).  ",
        f"Digit model: `{model}` (`ocr/models/MODEL_CARD.md`).",
        "",
        DESCRIPTION,
        "",
        f"Review threshold: {threshold} (the service's `ocr_min_confidence`: a value at or above "
        "it, with boxes and bubbles agreeing, is accepted without review; below it the service "
        "raises LOW_CONFIDENCE). A silent error is an accepted value that is wrong.",
        "",
        figures_table(figures),
    ]
    if notes:
        parts += ["", notes.strip()]
    return "\n".join(parts)
