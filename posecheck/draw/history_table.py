"""The tables of ``posecheck history``: sessions and progress per day, as plain padded text.

Both fit an 80-column terminal: a session's exercises (with how each went
against its goal), its client and its input go on indented lines under its row,
wrapped at ``WIDTH``, instead of in a column that would wrap the whole table.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from posecheck.io.history_schema import ProgressRow, ResultRow, SessionRow, figures_of_results, parse_timestamp
from posecheck.judge.summary import GOAL_VERDICT_LABELS

WIDTH = 80  # the terminal the tables are laid out for
DETAIL_INDENT = "    "


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
    return "-" if value is None else f"{100 * value:.0f}%"  # shares and the goal reached alike


def _local(stamp: str) -> str:
    return parse_timestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _exercise_words(results: Sequence[ResultRow]) -> list[str]:
    by_exercise: dict[str, list[ResultRow]] = {}
    for r in results:
        by_exercise.setdefault(r.exercise, []).append(r)
    words = []
    for exercise, rows in by_exercise.items():
        verdict = figures_of_results(rows).goal_verdict
        words.append(f"{exercise} ({GOAL_VERDICT_LABELS[verdict]})" if verdict else exercise)
    return words


def _wrap_items(items: Sequence[str]) -> list[str]:
    """Items joined by commas into indented lines of at most ``WIDTH``, an item split only when too long."""
    lines: list[str] = []
    line = ""
    room = WIDTH - len(DETAIL_INDENT)
    for n, item in enumerate(items):
        piece = item + ("," if n < len(items) - 1 else "")
        if line and len(line) + 1 + len(piece) <= room:
            line += " " + piece
            continue
        if line:
            lines.append(line)
        chunks = textwrap.wrap(piece, room, break_on_hyphens=False) or [""]
        lines.extend(chunks[:-1])
        line = chunks[-1]
    lines.append(line)
    return [DETAIL_INDENT + x for x in lines]


def sessions_table(rows: Sequence[SessionRow]) -> str:
    """One row per session; under it, indented, its exercises with their goal, its client and input."""
    body = []
    details = []
    for s in rows:
        body.append([s.id, _local(s.started_at), s.source, s.mode, s.ended or "unfinished",
                     _seconds(s.duration_s), _seconds(s.hold_s)])
        items = _exercise_words(s.results) or ["no exercise judged"]
        if s.client:
            items.insert(0, f"client {s.client}")
        if s.input:
            items.append(Path(s.input).name)
        details.append(_wrap_items(items))
    table = format_table(["id", "started", "source", "mode", "ended", "duration", "correct hold"], body,
                         right=[True, False, False, False, False, True, True]).splitlines()
    lines = table[:2]
    for row, detail in zip(table[2:], details):
        lines.append(row)
        lines.extend(detail)
    return "\n".join(lines)


def progress_table(rows: Sequence[ProgressRow]) -> str:
    body = [[p.date, p.exercise, _seconds(p.hold_s), _share(p.correct_share), _share(p.goal_fraction), p.sessions]
            for p in rows]
    return format_table(["date", "exercise", "correct hold", "share correct", "goal", "sessions"], body,
                        right=[False, False, True, True, True, True])
