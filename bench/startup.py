"""Start-up time of `rekap`: `--help`, `db --help`, `serve --help` and one real command
(`audit checkpoint` on a migrated SQLite database), each the median of N fresh processes.

    .venv/bin/python -m bench.startup [--runs 15] [--tree DIR]

--tree times another checkout of the code (e.g. `git archive <commit> | tar -x -C DIR`) with
this venv, for a before/after. Uses hyperfine when it is installed, else a loop of subprocesses.
Prints one JSON line: wall seconds per command (median, min, max), the median CPU seconds of
a start, and the load average.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "rekap --help": ["--help"],
    "rekap db --help": ["db", "--help"],
    "rekap serve --help": ["serve", "--help"],
    "rekap audit checkpoint": ["audit", "checkpoint"],
}


def argv(tree: Path, args: list[str]) -> list[str]:
    """The `rekap ARGS` process, on the code of tree."""
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); from app.cli import main; main()"
    return [sys.executable, "-c", code, *args]


def cpu_runs(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    """CPU seconds (user + system) of each of `runs` fresh processes: what a start costs, much
    less bent by a busy machine than wall time."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return times


def time_runs(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of each of `runs` fresh processes (after one warm-up)."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            quoted = " ".join(f"'{c}'" for c in cmd)
            subprocess.run(
                ["hyperfine", "-N", "--warmup", "1", "--runs", str(runs), "--export-json",
                 out.name, quoted], env=env, check=True, capture_output=True,
            )  # fmt: skip
            return list(json.loads(Path(out.name).read_text())["results"][0]["times"])
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def run(tree: Path, runs: int) -> dict[str, Any]:
    """Median, min and max seconds of every command."""
    with tempfile.TemporaryDirectory(prefix="rekap-startup-") as work:
        url = f"sqlite:///{work}/rekap.db"
        env = {**os.environ, "REKAP_DATABASE_URL": url, "REKAP_DATA_DIR": work,
               "REKAP_LOG_LEVEL": "WARNING", "PYTHONPATH": str(tree)}  # fmt: skip
        subprocess.run(argv(tree, ["db", "upgrade"]), env=env, check=True, capture_output=True)
        load = os.getloadavg()[0]
        out: dict[str, Any] = {"tree": str(tree), "runs": runs, "load_1min_before": round(load, 2)}
        for label, args in COMMANDS.items():
            times = time_runs(argv(tree, args), env, runs)
            cpu = cpu_runs(argv(tree, args), env, runs)
            out[label] = {
                "median_s": round(statistics.median(times), 3),
                "min_s": round(min(times), 3),
                "max_s": round(max(times), 3),
                "cpu_median_s": round(statistics.median(cpu), 3),
            }
        out["load_1min_after"] = round(os.getloadavg()[0], 2)
        out["tool"] = "hyperfine" if shutil.which("hyperfine") else "subprocess loop"
    return out


def main() -> None:
    """Command-line entry: print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to time")
    args = parser.parse_args()
    print(json.dumps(run(args.tree.resolve(), args.runs)))


if __name__ == "__main__":
    main()
