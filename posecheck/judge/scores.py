"""Figures of one analysed clip from its summary: the share of the goal reached, time correct, a score.

A report ranks clips by ``clip_score``: half the share of the goal reached,
half the share of the clip's time in correct form.
"""

from __future__ import annotations

import numpy as np


def goal_fraction(summary: dict) -> float:
    """Share of the goal reached: holds per side (averaged) against the target, or reps."""
    target_reps = summary.get("target_reps")
    if target_reps:
        return min(1.0, (summary.get("reps") or 0) / target_reps)
    target = summary.get("target_s")
    if not target:
        return 0.0
    sides = summary.get("sides")
    if sides:
        return float(np.mean([min(1.0, (v or 0.0) / target) for v in sides.values()]))
    return min(1.0, (summary.get("hold_s") or 0.0) / target)


def correct_share(summary: dict) -> float:
    """Share of the clip's time judged correct (a still: 1 when its pose is correct)."""
    if summary.get("kind") == "image":
        return 1.0 if summary.get("verdict") == "correct" else 0.0
    seconds = summary.get("state_seconds") or {}
    total = sum(v or 0.0 for v in seconds.values())
    return (seconds.get("correct") or 0.0) / total if total > 0 else 0.0


def clip_score(summary: dict) -> int:
    """0-100: half the share of the goal reached, half the share of time in correct form.

    A still has no goal to reach: 100 when its pose is correct, else 0.
    """
    if summary.get("kind") == "image":
        return int(round(100 * correct_share(summary)))
    return int(round(100 * (0.5 * goal_fraction(summary) + 0.5 * correct_share(summary))))
