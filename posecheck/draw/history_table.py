"""The tables of ``posecheck history``: sessions and progress per day, as plain padded text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from posecheck.io.history_schema import ProgressRow, SessionRow, parse_timestamp


def format_table(headers: Sequence[str], rows: Sequence[Sequence], right: Sequence[bool] | None = None) -> str:
    """A plain text table: columns padded to their widest cell, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    right = right or [False] * len(headers)
    lines = []
    for n, row in enumerate(cells):
        parts = [c.rjust(w) if right[i] else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes}:{seconds:02d}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _local(stamp: str) -> str:
    return parse_timestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def sessions_table(rows: Sequence[SessionRow]) -> str:
    body = []
    for s in rows:
        exercises: list[str] = []
        for r in s.results:
            if r.exercise not in exercises:
                exercises.append(r.exercise)
        name = Path(s.input).name if s.input else ""
        body.append([s.id, _local(s.started_at), s.source, s.mode, s.ended or "unfinished",
                     _seconds(s.duration_s), _seconds(s.hold_s), ", ".join(exercises), name])
    return format_table(["id", "started", "source", "mode", "ended", "duration", "correct hold", "exercises",
                         "input"], body, right=[True, False, False, False, False, True, True, False, False])


def progress_table(rows: Sequence[ProgressRow]) -> str:
    body = [[p.date, p.exercise, _seconds(p.hold_s), _share(p.correct_share), p.sessions] for p in rows]
    return format_table(["date", "exercise", "correct hold", "share correct", "sessions"], body,
                        right=[False, False, True, True, True])
