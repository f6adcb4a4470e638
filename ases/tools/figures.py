"""The report's figures as PNG bytes: lines with error bars, a forest of intervals, labelled
points. The Agg canvas directly, not pyplot: no GUI and no global backend switch for the
caller."""

from __future__ import annotations

import io
from collections.abc import Sequence


def figure(width: float, height: float):
    """An empty matplotlib Figure on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def to_png(fig) -> bytes:
    """The figure as PNG bytes, laid out tight (legends outside the axes included)."""
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=120, bbox_inches="tight")
    return png.getvalue()


def _axes(width: float, height: float):
    fig = figure(width, height)
    return fig, fig.add_subplot()


def plot(lines: dict[str, list[tuple]], xlabel: str, ylabel: str, title: str,
         hlines: Sequence[tuple[str, float]] = ()) -> bytes:
    """One line with error bars per label, dashed horizontal lines for baselines."""
    fig, ax = _axes(6.5, 4)
    for label, pts in lines.items():
        xs, ys, errs = zip(*pts, strict=True)
        ax.errorbar(xs, ys, yerr=errs, marker="o", capsize=3, label=label)
    for label, y in hlines:
        ax.axhline(y, linestyle="--", linewidth=1, color="grey", label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return to_png(fig)


def forest(points: Sequence[tuple[str, float, float, float]], xlabel: str, title: str,
           zero: bool = False) -> bytes:
    """One row per (label, value, low, high), the value with its interval; a dashed line at 0
    when ``zero``."""
    fig, ax = _axes(7, 1.2 + 0.32 * len(points))
    ys = list(range(len(points)))[::-1]
    for y, (_, value, low, high) in zip(ys, points, strict=True):
        ax.errorbar([value], [y], xerr=[[value - low], [high - value]], fmt="o", capsize=3,
                    color="tab:blue")
    if zero:
        ax.axvline(0.0, linestyle="--", linewidth=1, color="grey")
    ax.set_yticks(ys, [label for label, *_ in points], fontsize=7)
    ax.set(xlabel=xlabel, title=title)
    ax.grid(alpha=0.3, axis="x")
    return to_png(fig)


def scatter(points: Sequence[tuple[str, float, float, float, float]], xlabel: str, ylabel: str,
            title: str, log_x: bool = False, zero: bool = False) -> bytes:
    """One labelled point per (label, x, y, low, high), its [low, high] as error bar; x on a
    log scale with ``log_x``, a dashed line at y = 0 with ``zero``."""
    fig, ax = _axes(7, 4.5)
    for j, (label, x, y, low, high) in enumerate(points):
        ax.errorbar([x], [y], yerr=[[y - low], [high - y]], fmt="o", capsize=3,
                    color=f"C{j % 10}", label=label)
    if zero:
        ax.axhline(0.0, linestyle="--", linewidth=1, color="grey")
    if log_x:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return to_png(fig)
