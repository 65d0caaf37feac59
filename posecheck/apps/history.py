"""``posecheck history``: the latest sessions, progress per day and, with ``--plot``, a PNG of it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from posecheck.draw.history_plot import plot_progress
from posecheck.draw.history_table import WIDTH, progress_table, sessions_table
from posecheck.errors import PosecheckError, unknown_name
from posecheck.io.history import History, default_history_path
from posecheck.io.outputs import check_output_path
from posecheck.judge.exercises import registry


def run_history_command(history_path: str | None, exercise: str | None, plot: str | None,
                        limit: int, stream=None) -> int:
    """What ``posecheck history`` does; the CLI only parses arguments."""
    stream = stream or sys.stdout
    if limit < 1:
        raise PosecheckError("--limit must be at least 1")
    path = Path(os.path.expanduser(history_path)) if history_path else default_history_path()
    if plot:
        check_output_path(plot, [path])
        if not str(plot).lower().endswith(".png"):
            raise PosecheckError(f"{plot}: --plot writes a PNG; name it .png")
    with History(path, readonly=True) as history:
        total = history.count_sessions(exercise)
        if total == 0 and exercise and exercise not in registry():
            raise unknown_name("exercise", exercise, registry())
        if total == 0:
            what = f" of {exercise}" if exercise else ""
            stream.write(f"No sessions{what} yet ({path}).\n")
            return 0
        listed = history.sessions(limit=limit, exercise=exercise)
        progress = history.progress(exercise)
    head = f"Sessions ({len(listed)} latest of {total}; history {path})"
    if len(head) > WIDTH:  # a long path on a line of its own
        head = f"Sessions ({len(listed)} latest of {total})\nHistory: {path}"
    stream.write(head + "\n")
    stream.write(sessions_table(listed) + "\n\n")
    shown_days = sorted({p.date for p in progress})[-limit:]
    shown = [p for p in progress if p.date in set(shown_days)]
    more = f", last {len(shown_days)} days" if len(shown_days) < len({p.date for p in progress}) else ""
    stream.write(f"Progress per day{more}\n")
    stream.write(progress_table(shown) + "\n")
    if plot:
        plot_progress(progress, plot, title=f"posecheck progress - {exercise}" if exercise else "posecheck progress")
        stream.write(f"Plot written to {plot}\n")
    return 0
