"""A bounded red-team campaign against a fresh installation, over loopback only:

    .venv/bin/python -m bench.redteam [--backend sqlite|postgres] [--out FILE] [--keep]

starts the service itself (`rekap serve`, no REKAP_SECRET_KEY, public reading off) on a fresh
database with a small region set, creates people and device keys of each role over the API,
then tries forged and stale credentials, devices posing as PPK or plenary, corrections of
others' numbers, out-of-scope writes and reads of every role, hostile values in every field,
wrong sign-ins with a rotating X-Forwarded-For, parallel status changes, idempotency replays,
and a burst of result posts cut by a SIGKILL of the server. It prints and writes a JSON summary:
cases tried, 5xx seen, auth bypasses, hostile input accepted, accepted posts lost, duplicates,
lost updates, and whether `rekap audit verify` still passes. docs/reliability.md has the figures.
"""

import argparse
import json
import os
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from app.db import build_engine
from app.models import Submission
from bench.redteam_burst import burst_with_kill
from bench.redteam_cases import Campaign, forged_cases, provenance_cases, scope_cases
from bench.redteam_hostile import hostile_cases
from bench.redteam_races import (
    idempotency_replays,
    parallel_status_changes,
    signin_with_rotating_forwarded_for,
)
from bench.redteam_site import Site
from bench.redteam_world import Setup
from bench.verification_common import ROOT


def stored_posts(url: str) -> tuple[set[int], Counter[str]]:
    """Ids of every stored submission, and how many carry each campaign reason."""
    engine = build_engine(url)
    with Session(engine) as session:
        rows = session.exec(select(Submission.id, Submission.reason)).all()
    engine.dispose()
    reasons = Counter(r for _, r in rows if r and r.startswith("rt:"))
    return {i for i, _ in rows if i is not None}, reasons


def run_campaign(site: Site) -> tuple[Campaign, dict[str, Any]]:
    """Every attack, in an order that keeps the sign-in budget for the sign-in attack."""
    # A new connection per request: a connection the server dropped after a 500 must not turn
    # the next case into "no answer".
    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:
        world = Setup(site, client).build()
        camp = Campaign(site, world, client)
        camp.five_xx += [f for f in world.setup_failures if "→ 5" in f]
        for case in forged_cases(world) + scope_cases(world) + provenance_cases(world):
            camp.run(case)
        for case in hostile_cases(world):
            camp.run(case)
        idempotency_replays(camp)
        parallel_status_changes(camp)
        signin_with_rotating_forwarded_for(camp)
        burst = burst_with_kill(camp)
    return camp, vars(burst)


def summarize(site: Site, camp: Campaign, burst: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The JSON summary: figures first, then the names behind each non-zero figure."""
    ids, reasons = stored_posts(site.url)
    lost = sorted(f"{camp.accepted[i]} (submission {i})" for i in camp.accepted if i not in ids)
    duplicates = sorted(f"{r} ×{n}" for r, n in reasons.items() if n > 1)
    verify = site.cli("audit", "verify")
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "backend": site.backend,
        "seconds": round(seconds, 1),
        "cases": camp.cases,
        "requests": camp.requests,
        "five_xx": len(camp.five_xx),
        "auth_bypasses": len(camp.bypasses),
        "hostile_accepted": len(camp.hostile_accepted),
        "accepted_posts_lost": len(lost),
        "duplicates": len(duplicates),
        "lost_updates": len(camp.lost_updates),
        "audit_verify": "ok" if verify.returncode == 0 else (verify.stderr.strip() or "failed"),
        "burst": burst,
        "names": {
            "five_xx": camp.five_xx,
            "auth_bypasses": camp.bypasses,
            "hostile_accepted": camp.hostile_accepted,
            "accepted_posts_lost": lost,
            "duplicates": duplicates,
            "lost_updates": camp.lost_updates,
            "unexpected": camp.unexpected,
        },
    }


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return done.stdout.strip() + (" (+ uncommitted changes)" if dirty else "")


def print_summary(summary: dict[str, Any]) -> None:
    """The figures, then every name behind a non-zero one."""
    figures = (
        "cases",
        "requests",
        "five_xx",
        "auth_bypasses",
        "hostile_accepted",
        "accepted_posts_lost",
        "duplicates",
        "lost_updates",
        "audit_verify",
        "seconds",
    )
    print(f"red team, {summary['backend']}, commit {summary['commit']}:")
    print("  " + ", ".join(f"{k} {summary[k]}" for k in figures))
    print(f"  burst: {summary['burst']}")
    for kind, names in summary["names"].items():
        for name in names:
            print(f"  [{kind}] {name}")


def main() -> None:
    """Build the site, run the campaign, print and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--out", type=Path, default=None, help="default var/redteam-BACKEND.json")
    parser.add_argument("--keep", action="store_true", help="keep the database and directory")
    args = parser.parse_args()
    os.environ.pop("REKAP_SECRET_KEY", None)  # the campaign's server runs as installed
    site, started = Site(backend=args.backend), time.monotonic()
    try:
        site.create()
        site.start()
        camp, burst = run_campaign(site)
        summary = summarize(site, camp, burst, time.monotonic() - started)
    finally:
        site.stop(keep=args.keep)
    out = args.out or ROOT / "var" / f"redteam-{args.backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print_summary(summary)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
