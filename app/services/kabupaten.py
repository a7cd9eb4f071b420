"""Approximate kabupaten/kota centres (app/data/kabupaten-centroids.json) for the GPS warning."""

import json
from functools import lru_cache
from pathlib import Path

CENTROIDS_FILE = Path(__file__).resolve().parents[1] / "data" / "kabupaten-centroids.json"


@lru_cache
def _centroids() -> dict[str, tuple[float, float]]:
    raw = json.loads(CENTROIDS_FILE.read_text())
    return {code: (float(v[0]), float(v[1])) for code, v in raw.items() if not code.startswith("_")}


def kabupaten_centroid(code: str) -> tuple[float, float] | None:
    """The (lat, lon) of a kabupaten's seat, or None when unknown (no warning is raised then)."""
    return _centroids().get(code)
