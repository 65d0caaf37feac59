"""The progress plot of ``posecheck history --plot``: correct hold time and share correct per day."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, timedelta

from posecheck.errors import PosecheckError
from posecheck.io.history_schema import ProgressRow
from posecheck.io.outputs import atomic_path


def plot_progress(rows: Sequence[ProgressRow], out: str | os.PathLike, title: str = "posecheck progress") -> None:
    """A PNG with one line per exercise over days: correct hold time above, share correct below.

    Uses matplotlib's Agg canvas directly (no pyplot, no display) and writes
    through a temporary file renamed into place.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PosecheckError("--plot needs matplotlib (pip install matplotlib)") from None
    import matplotlib.dates as mdates

    series: dict[str, list[ProgressRow]] = {}
    for p in rows:
        series.setdefault(p.exercise, []).append(p)
    fig = Figure(figsize=(9, 6), dpi=100)
    FigureCanvasAgg(fig)
    hold_ax = fig.add_subplot(2, 1, 1)
    share_ax = fig.add_subplot(2, 1, 2, sharex=hold_ax)
    for name, points in sorted(series.items()):
        days = [date.fromisoformat(p.date) for p in points]
        hold_ax.plot(days, [p.hold_s for p in points], marker="o", label=name)
        shares = [(d, 100 * p.correct_share) for d, p in zip(days, points) if p.correct_share is not None]
        share_ax.plot([d for d, _ in shares], [v for _, v in shares], marker="o", label=name)
    hold_ax.set_ylabel("correct hold (s)")
    hold_ax.set_title(title)
    hold_ax.grid(True, alpha=0.3)
    hold_ax.legend(loc="best", fontsize="small")
    share_ax.set_ylabel("time correct (%)")
    share_ax.set_ylim(0, 105)
    share_ax.grid(True, alpha=0.3)
    all_days = sorted({date.fromisoformat(p.date) for p in rows})
    if len(all_days) == 1:  # one day: give the axis some width instead of a degenerate range
        hold_ax.set_xlim(all_days[0] - timedelta(days=1), all_days[0] + timedelta(days=1))
    locator = mdates.AutoDateLocator(maxticks=10)
    share_ax.xaxis.set_major_locator(locator)
    share_ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.tight_layout()
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(str(tmp), format="png")
