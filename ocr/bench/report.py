"""Benchmark report: the "OCR" section of docs/benchmarks.md, replaced in place, others kept."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

SECTION = "OCR"
ROWS = (
    ("pages", "photos", "{}"),
    ("page_identification", "page identification rate", "{:.2%}"),
    ("box_accuracy", "box accuracy (all boxes: digit, X, blank)", "{:.2%}"),
    ("digit_box_accuracy", "digit accuracy (boxes holding a digit)", "{:.2%}"),
    ("fields", "fields", "{}"),
    ("field_accuracy_boxes_only", "field accuracy, boxes only", "{:.2%}"),
    ("field_accuracy_fused", "field accuracy, boxes + bubbles", "{:.2%}"),
    ("field_accuracy_after_sums", "field accuracy, after sums (reported value)", "{:.2%}"),
    ("silent_errors", "silent errors (confident and wrong)", "{}"),
    ("silent_error_rate", "silent error rate", "{:.2%}"),
    ("flagged_rate", "flagged for review (below threshold or no value)", "{:.2%}"),
    ("seconds_median", "seconds per page, median (1 core)", "{:.3f}"),
    ("seconds_p95", "seconds per page, p95 (1 core)", "{:.3f}"),
    ("cpu_seconds_median", "CPU seconds per page, median", "{:.3f}"),
    ("cpu_seconds_p95", "CPU seconds per page, p95", "{:.3f}"),
)


def _cell(value: Any, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def figures_table(buckets: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per metric, one column per bucket."""
    names = list(buckets)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key, label, fmt in ROWS:
        cells = [_cell(buckets[n].get(key), fmt) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def replace_section(text: str, title: str, body: str) -> str:
    """`text` with the `## title` section replaced by body (appended when there is none)."""
    block = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\s*\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: block + "\n", text, count=1).rstrip() + "\n"
    head = text.rstrip() + "\n\n" if text.strip() else "# Benchmarks\n\n"
    return head + block


def write_section(path: Path, body: str, title: str = SECTION) -> None:
    """Replace (or add) the section in the markdown file, creating the file if needed."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(old, title, body), encoding="utf-8")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _verdict(ok: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "not measured"}[ok]


def target_lines(normal: dict[str, Any], load: float | None = None) -> str:
    """Issue 3's targets on normal photos, each with the figure reached and met / NOT met."""
    acc, silent = normal.get("field_accuracy_after_sums"), normal.get("silent_error_rate")
    cpu, cpu95 = normal.get("cpu_seconds_median"), normal.get("cpu_seconds_p95")
    wall, wall95 = normal.get("seconds_median"), normal.get("seconds_p95")
    lines = [
        "Targets on normal photos:",
        f"- field accuracy after fusion and sums >= 99.5%: {_pct(acc)}, "
        f"{_verdict(None if acc is None else acc >= 0.995)};",
        f"- silent errors <= 0.1%: {_pct(silent)}, "
        f"{_verdict(None if silent is None else silent <= 0.001)};",
        f"- <= 0.3 s per 12 MP page on one core: CPU time median {cpu} s, p95 {cpu95} s, "
        f"{_verdict(None if cpu95 is None else cpu95 <= 0.3)} (judged on CPU time); wall clock "
        f"median {wall} s, p95 {wall95} s.",
    ]
    fields = normal.get("fields") or 0
    if normal.get("silent_errors") == 0 and fields:
        lines.append(
            f"No silent error in {fields} fields bounds the rate below {3 / fields:.2%} "
            "(95%, rule of three): more photos are needed to show 0.1%."
        )
    if load is not None and load > (os.cpu_count() or 1):
        lines.append(
            f"The wall clock is inflated by other jobs sharing the machine (load average "
            f"{load:.1f} on {os.cpu_count()} cores at the end of the run); CPU time is the "
            "reader's own work on its one thread."
        )
    return "\n".join(lines)


def silent_lines(errors: list[dict[str, Any]]) -> str:
    """One line per silent error (photo, page, field, what was written, what was reported)."""
    silent = [e for e in errors if e.get("silent")]
    if not silent:
        return ""
    lines = ["Silent errors (confident and wrong), photo / page / field: written -> reported:"]
    for e in silent:
        lines.append(
            f"- {e['case']} ({e['kind']}) / {e['page']} / `{e['field']}`: {e['written']} -> "
            f"{e['reported']} (boxes {''.join(e['boxes']).replace('blank', '_')}, "
            f"fused {e['fused']}, confidence {e['confidence']})"
        )
    return "\n".join(lines)
