"""The progress plot of ``posecheck history --plot``: correct hold time and share correct per day."""

from __future__ import annotations

import os
from collections.abc import Sequence
import math
from datetime import date

from posecheck.errors import PosecheckError
from posecheck.io.history_schema import ProgressRow
from posecheck.io.outputs import atomic_path
from posecheck.judge.summary import GOAL_VERDICTS

MAX_DAY_TICKS = 10  # more days than this: a tick every few days


def plot_progress(rows: Sequence[ProgressRow], out: str | os.PathLike, title: str = "posecheck progress") -> None:
    """The progress figure (``progress_figure``) as a PNG, through a temporary file renamed into place."""
    fig = progress_figure(rows, title)
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(str(tmp), format="png")


def progress_figure(rows: Sequence[ProgressRow], title: str = "posecheck progress"):
    """A matplotlib Figure with one line per exercise over days: share of the goal reached above, share correct below.

    Days are days: one tick per day at most (never hourly), each point on its
    day, a single day centred in a one-day-wide axis. The goal (100%) is drawn
    as the target line, with the "partly met" bar (``GOAL_VERDICTS``) dashed
    under it, and the legend sits outside the data, right of the plots. Uses
    matplotlib's Agg canvas directly (no pyplot, no display).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PosecheckError("--plot needs matplotlib (pip install matplotlib)") from None
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedLocator

    series: dict[str, list[ProgressRow]] = {}
    for p in rows:
        series.setdefault(p.exercise, []).append(p)
    fig = Figure(figsize=(10, 6), dpi=100)
    FigureCanvasAgg(fig)
    goal_ax = fig.add_subplot(2, 1, 1)
    share_ax = fig.add_subplot(2, 1, 2, sharex=goal_ax)
    for name, points in sorted(series.items()):
        days = [mdates.date2num(date.fromisoformat(p.date)) for p in points]
        goals = [(d, 100 * p.goal_fraction) for d, p in zip(days, points) if p.goal_fraction is not None]
        line, = goal_ax.plot([d for d, _ in goals], [v for _, v in goals], marker="o", label=name)
        shares = [(d, 100 * p.correct_share) for d, p in zip(days, points) if p.correct_share is not None]
        share_ax.plot([d for d, _ in shares], [v for _, v in shares], marker="o", color=line.get_color())
    met, partly = (100 * bar for bar, _ in GOAL_VERDICTS[:2])
    goal_ax.axhline(met, color="#2e9e4f", linewidth=2, label="target: goal met")
    goal_ax.axhline(partly, color="#e0a800", linewidth=1.5, linestyle="--", label="goal partly met")
    goal_ax.set_ylabel("goal reached (%)")
    goal_ax.set_ylim(0, 110)
    goal_ax.set_title(title)
    goal_ax.grid(True, alpha=0.3)
    share_ax.set_ylabel("time correct (%)")
    share_ax.set_ylim(0, 105)
    share_ax.grid(True, alpha=0.3)
    all_days = sorted({mdates.date2num(date.fromisoformat(p.date)) for p in rows})
    first, last = (all_days[0], all_days[-1]) if all_days else (0.0, 0.0)
    share_ax.set_xlim(first - 0.5, last + 0.5)  # each day a whole day wide, its point in the middle
    step = max(1, math.ceil((last - first + 1) / MAX_DAY_TICKS))
    share_ax.xaxis.set_major_locator(FixedLocator(all_days if len(all_days) <= MAX_DAY_TICKS
                                                  else [d for d in _every(first, last, step)]))
    share_ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
    share_ax.xaxis.set_minor_locator(FixedLocator([]))
    for label in share_ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    for label in goal_ax.get_xticklabels():
        label.set_visible(False)
    goal_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    fig.tight_layout()
    return fig


def _every(first: float, last: float, step: int) -> list[float]:
    days = []
    d = first
    while d <= last + 1e-9:
        days.append(d)
        d += step
    return days
