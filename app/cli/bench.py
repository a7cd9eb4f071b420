"""`rekap bench ocr`: the synthetic OCR benchmark (KWK photos from held-out handwriting)."""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Benchmarks (figures go to docs/benchmarks.md)", no_args_is_help=True)
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SEED = 2024


def review_threshold() -> float:
    """The service's own LOW_CONFIDENCE line (settings.ocr_min_confidence): at or above it, and
    with boxes and bubbles agreeing, a value is accepted without a person looking."""
    from app.config import get_settings

    return get_settings().ocr_min_confidence


def held_out_digits() -> Any:
    """The held-out 20% of the MNIST split the digit model never trained on (training/mnist.py)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # training/ is a repo folder, not an installed package
    try:
        from training.mnist import load_split
    except ImportError as exc:
        raise typer.BadParameter(f"training/mnist.py not found under {REPO}: {exc}") from exc
    from ocr.bench.synth import DigitBank

    _, test = load_split()
    return DigitBank(test.images, test.labels)


def run_ocr_benchmark(
    *,
    pages: int,
    hard: int,
    seed: int,
    out: Path | None,
    docs: Path | None,
    verbose: bool,
    photos: Path | None = None,
) -> dict[str, Any]:
    """Generate, read and score; write JSON and the docs section when asked; return figures."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)
    from ocr.bench.cases import generate_cases, save_case
    from ocr.bench.reader import read_tps
    from ocr.bench.run import machine_line, run_benchmark
    from ocr.bench.score import wrong_fields
    from ocr.readers import default_digit_model

    errors: list[dict[str, Any]] = []
    threshold = review_threshold()

    def progress(case: Any, outcome: Any) -> None:
        """Note the wrong fields; save the photo and print a line, when asked to."""
        for wrong in wrong_fields(case.values, case.boxes, outcome, threshold):
            errors.append({"case": case.index, "kind": case.kind, "page": case.page, **wrong})
        if photos is not None:
            save_case(case, photos)
        if verbose:
            typer.echo(
                f"{case.index:4d} {case.kind:7s} {case.form} p{case.page} "
                f"{outcome.failure or 'read'} {outcome.seconds:.3f}s"
            )

    cases = generate_cases(pages - hard, hard, seed, held_out_digits())
    figures = run_benchmark(cases, read_tps, threshold, progress)
    command = f"rekap bench ocr --pages {pages} --hard {hard} --seed {seed}"
    result = {
        "command": command,
        "machine": machine_line(),
        "seed": seed,
        "threshold": threshold,
        "model": default_digit_model().engine_version,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": round(os.getloadavg()[0], 2),
        "figures": figures,
        "errors": errors,
    }
    _write_outputs(result, out, docs)
    return result


def _write_outputs(result: dict[str, Any], out: Path | None, docs: Path | None) -> None:
    """The JSON figures and the docs section, each when asked for."""
    from ocr.bench.report import silent_lines, target_lines, write_section
    from ocr.bench.run import section_body

    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if docs is not None:
        body = section_body(
            result["figures"],
            command=result["command"],
            machine=result["machine"],
            threshold=result["threshold"],
            model=result["model"],
            run_at=result["date"],
            notes=target_lines(result["figures"].get("normal", {}), result["load_average"])
            + "\n\n"
            + silent_lines(result.get("errors", [])),
        )
        write_section(docs, body)


@app.callback()
def _group() -> None:
    """Benchmarks."""


@app.command("ocr")
def ocr_bench(
    pages: int = typer.Option(80, "--pages", min=1, help="photos in all (normal + hard)"),
    hard: int | None = typer.Option(None, "--hard", min=0, help="hard photos (default: 1/4)"),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="one seed for everything"),
    out: Path | None = typer.Option(None, "--out", help="write the figures as JSON here"),
    docs: Path | None = typer.Option(None, "--docs", help="replace the OCR section of this file"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="one line per photo"),
    photos: Path | None = typer.Option(None, "--photos", help="also save each photo + truth"),
) -> None:
    """Photograph synthetic filled KWK pages, read them, and report accuracy and speed."""
    count = pages // 4 if hard is None else hard
    if count > pages:
        raise typer.BadParameter("--hard cannot exceed --pages")
    result = run_ocr_benchmark(
        pages=pages, hard=count, seed=seed, out=out, docs=docs, verbose=verbose, photos=photos
    )
    from ocr.bench.report import figures_table

    typer.echo(figures_table(result["figures"]))


@app.command("all")
def run_all() -> None:
    """Every benchmark of this group with its defaults; figures into docs/benchmarks.md."""
    docs = REPO / "docs" / "benchmarks.md"
    result = run_ocr_benchmark(
        pages=80, hard=20, seed=DEFAULT_SEED, out=None, docs=docs, verbose=False
    )
    from ocr.bench.report import figures_table

    typer.echo(figures_table(result["figures"]))
    typer.echo(f"written: {docs} (section OCR)")
