"""The words and small formats of the HTML report: state colours and labels, times, values, goals.

Every text that comes from the user goes through ``esc``; every file link
through ``href`` (each part URL-quoted).
"""

from __future__ import annotations

import html
import math
from urllib.parse import quote

from posecheck.judge.speech import SAFETY_NOTE  # noqa: F401  (re-exported for the report pages)
from posecheck.judge.summary import ExerciseFigures, Summary

STATE_COLORS = {"correct": "#2e9e4f", "incorrect": "#d64545", "uncertain": "#e0a800",
                "no_person": "#9aa0a6"}
GOAL_COLORS = {"met": "#2e9e4f", "partly": "#b7791f", "not_met": "#d64545"}  # keys: summary.GOAL_VERDICTS
STATE_LABELS = {"correct": "correct", "incorrect": "adjust form", "uncertain": "adjust the camera",
                "no_person": "no person"}


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(*parts: str) -> str:
    return "/".join(quote(p, safe="") for p in parts)


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    minutes, secs = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{secs:04.1f}"


def fmt_value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "?"
    if unit == "deg":
        return f"{value:.0f}\u00b0"
    return f"{value:.2f}" + (f" {unit}" if unit and unit != "ratio" else "")


def reached_short(summary: Summary) -> str:
    """What was reached against the goal, in a few characters, for the index table."""
    if summary.kind == "image":
        return "still"
    if summary.is_routine:
        return f"{summary.goal_fraction * 100:.0f}% of goals"
    return figures_short(summary.figures)


def figures_short(figures: ExerciseFigures) -> str:
    """What one exercise reached against its goal, in a few characters (per side for sided ones)."""
    if figures.target_reps:
        return f"{figures.reps or 0} / {figures.target_reps} reps"
    target = figures.target_s
    sides = figures.sides
    if target and sides:
        return " ".join(f"{side[:1].upper()} {v:.1f}" for side, v in sides.items()) + f" / {target:g} s"
    if target:
        return f"{figures.hold_s:.1f} / {target:g} s"
    return f"{figures.hold_s:.1f} s"


def goal_text(figures: ExerciseFigures) -> tuple[str, str]:
    """(the goal, what was reached) in words, of one exercise's figures."""
    if figures.target_reps:
        return (f"{figures.target_reps} reps", f"{figures.reps or 0} reps")
    target = figures.target_s
    if not target:
        return ("-", f"{figures.hold_s:.1f} s held")
    sides = figures.sides
    if sides:
        reached = ", ".join(f"{side} {v:.1f} s of {target:g} s" for side, v in sides.items())
        return (f"hold {target:g} s per side", reached)
    return (f"hold {target:g} s", f"{figures.hold_s:.1f} s of {target:g} s")
