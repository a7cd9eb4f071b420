"""Geometry of the dashboard's server-side SVG charts: a turnout histogram and the turnout vs
vote-share "fingerprint" (dots for a few TPS, a density grid for many). No chart library."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 22, 12, 36
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
HIST_BINS = 40  # 2.5 % wide
GRID = 50  # density cells per axis
MAX_DOTS = 1500  # above this many TPS the scatter becomes a density grid


@dataclass(frozen=True)
class Rect:
    """A bar or a density cell, with its tooltip."""

    x: float
    y: float
    w: float
    h: float
    title: str
    opacity: float = 1.0


@dataclass(frozen=True)
class Dot:
    """One TPS in the scatter."""

    cx: float
    cy: float
    title: str


@dataclass(frozen=True)
class Tick:
    """An axis tick: its position along the axis and its label."""

    pos: float
    label: str


@dataclass
class Chart:
    """Everything the SVG template draws."""

    rects: list[Rect] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    count: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = PLOT_W
    plot_h: int = PLOT_H


def _x(fraction: float) -> float:
    return round(LEFT + PLOT_W * min(max(fraction, 0.0), 1.0), 1)


def _y(fraction: float) -> float:
    return round(TOP + PLOT_H * (1.0 - min(max(fraction, 0.0), 1.0)), 1)


def _percent_ticks() -> list[Tick]:
    return [Tick(_x(p / 100), f"{p}%") for p in range(0, 101, 20)]


def _bin(value: float, bins: int) -> int:
    return min(max(int(value * bins), 0), bins - 1)


def _count_ticks(top: int) -> list[Tick]:
    step = max(1, 10 ** int(math.log10(top))) if top >= 1 else 1
    while top / step > 5:
        step *= 2
    return [Tick(_y(v / top), str(v)) for v in range(0, top + 1, step)]


def turnout_histogram(turnouts: Sequence[float]) -> Chart:
    """Bars of TPS counts per 2.5 % turnout bin (turnout above 100 % falls in the last bin)."""
    counts = [0] * HIST_BINS
    for value in turnouts:
        counts[_bin(value, HIST_BINS)] += 1
    return histogram_of_bins(counts)


def histogram_of_bins(counts: Sequence[int]) -> Chart:
    """The histogram of TPS counts already binned (HIST_BINS bins; the database can count)."""
    top = max(counts, default=0) or 1
    bar_w = PLOT_W / HIST_BINS
    rects = []
    for i, n in enumerate(counts):
        if n:
            low, high = 100 * i / HIST_BINS, 100 * (i + 1) / HIST_BINS
            y = _y(n / top)
            rects.append(
                Rect(
                    round(LEFT + i * bar_w + 0.5, 1),
                    y,
                    round(bar_w - 1, 1),
                    round(TOP + PLOT_H - y, 1),
                    f"{low:g}–{high:g}%: {n} TPS",
                )
            )
    return Chart(
        rects=rects, x_ticks=_percent_ticks(), y_ticks=_count_ticks(top), count=sum(counts)
    )


def fingerprint(points: Sequence[tuple[str, float, float]]) -> Chart:
    """Turnout (x) against vote share (y): one dot per TPS, or a density grid for many TPS."""
    if len(points) > MAX_DOTS:
        cells: dict[tuple[int, int], int] = {}
        for _, t, s in points:
            key = (_bin(t, GRID), _bin(s, GRID))
            cells[key] = cells.get(key, 0) + 1
        return density_grid(cells)
    chart = _scatter_frame()
    chart.count = len(points)
    chart.dots = [
        Dot(_x(t), _y(s), f"{code}: {100 * t:.0f}% / {100 * s:.0f}%") for code, t, s in points
    ]
    return chart


def _scatter_frame() -> Chart:
    return Chart(
        x_ticks=_percent_ticks(), y_ticks=[Tick(_y(p / 100), f"{p}%") for p in range(0, 101, 20)]
    )


def density_grid(cells: dict[tuple[int, int], int]) -> Chart:
    """The scatter as TPS counts per (turnout, share) cell of a GRID × GRID grid."""
    chart = _scatter_frame()
    chart.count = sum(cells.values())
    if not cells:
        return chart
    peak = math.log1p(max(cells.values()))
    size_w, size_h = PLOT_W / GRID, PLOT_H / GRID
    for (i, j), n in sorted(cells.items()):
        chart.rects.append(
            Rect(
                round(LEFT + i * size_w, 1),
                round(TOP + PLOT_H - (j + 1) * size_h, 1),
                round(size_w, 1),
                round(size_h, 1),
                f"{n} TPS",
                round(0.15 + 0.85 * math.log1p(n) / peak, 2),
            )
        )
    return chart
