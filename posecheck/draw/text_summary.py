"""The short human summary ``posecheck analyze`` prints on a terminal.

One block per input: the exercise's title, the hold per side against the target
(or the reps), the main faults (per side, as the report lists them) with when
they first showed, and the verdict. A
routine (``--exercise auto`` on a video in which more than one exercise was
found) gets a line for the whole, then such a block per exercise. Built from the typed ``Summary`` only; times
and values are formatted as in the report (``report_text``).
"""

from __future__ import annotations

from collections.abc import Mapping

from posecheck.core.types import State
from posecheck.draw.report_text import STATE_LABELS, fmt_time, fmt_value
from posecheck.judge.exercises import Exercise
from posecheck.judge.summary import GOAL_VERDICT_LABELS, ExerciseFigures, Summary

MAX_FAULTS = 3
LABEL_WIDTH = 9  # "  verdict" and the other labels line up their values


def _line(label: str, text: str) -> str:
    return f"  {label:<{LABEL_WIDTH}} {text}"


def _title(exercise_id: str | None, exercises: Mapping[str, Exercise]) -> str:
    if exercise_id is None:
        return "no exercise recognised"
    exercise = exercises.get(exercise_id)
    return exercise.title if exercise is not None else exercise_id


def _goal_line(figures: ExerciseFigures) -> str:
    if figures.target_reps:
        return _line("reps", f"{figures.reps or 0} of {figures.target_reps}")
    target = figures.target_s
    if figures.sides:
        held = ", ".join(f"{side} {seconds:.1f} s" for side, seconds in figures.sides.items())
        return _line("hold", f"{held}" + (f" of {target:g} s per side" if target else ""))
    if target:
        return _line("hold", f"{figures.hold_s:.1f} s of {target:g} s")
    return _line("hold", f"{figures.hold_s:.1f} s")


def _fault_lines(figures: ExerciseFigures) -> list[str]:
    shown = figures.faults  # as the report lists them: by side, getting into position and blips left out
    faults = shown[:MAX_FAULTS]
    if not faults:
        return [_line("faults", "none")]
    lines = []
    for i, fault in enumerate(faults):
        side = f" ({fault.side})" if fault.side else ""
        text = f"{fault.cue or fault.rule}{side}: {fault.seconds:.1f} s in all, first at {fmt_time(fault.first_s)}"
        lines.append(_line("faults" if i == 0 else "", text))
    more = len(shown) - len(faults)
    if more > 0:
        lines.append(_line("", f"and {more} more (see --json)"))
    return lines


MOSTLY = {State.CORRECT: "mostly correct form", State.INCORRECT: "mostly needs adjusting",
          State.UNCERTAIN: "mostly hard to judge (adjust the camera)", State.NO_PERSON: "mostly nobody in view"}


def _verdict_line(verdict: State, figures: ExerciseFigures) -> str:
    words = MOSTLY[verdict]
    share = figures.correct_share
    if share is not None:
        words += f" (correct {100 * share:.0f}% of the time)"
    verdict = figures.goal_verdict  # the thresholds of the report's badge and the history's
    if verdict is not None:
        words += f"; {GOAL_VERDICT_LABELS[verdict]}" + (
            "" if figures.goal_reached else f" ({100 * figures.goal_fraction:.0f}% of it)")
    return _line("verdict", words)


def _figures_lines(figures: ExerciseFigures, verdict: State) -> list[str]:
    return [_goal_line(figures), *_fault_lines(figures), _verdict_line(verdict, figures)]


def _most_shown(figures: ExerciseFigures) -> State:
    """An exercise segment's verdict: the state it showed longest (as a summary's verdict is)."""
    shown: dict[State, float] = {}
    for segment in figures.segments:
        shown[segment.state] = shown.get(segment.state, 0.0) + segment.end_s - segment.start_s
    return max(shown, key=shown.get) if shown else State.NO_PERSON


def _still_lines(summary: Summary, exercises: Mapping[str, Exercise]) -> list[str]:
    head = f"{summary.input}: {_title(summary.exercise, exercises)} (still)"
    verdict = STATE_LABELS.get(summary.verdict.value, summary.verdict.value)
    lines = [head, _line("verdict", verdict + (f": {summary.cue}" if summary.cue else ""))]
    exercise = exercises.get(summary.exercise or "")
    units = {rule.name: rule.unit for rule in exercise.rules} if exercise is not None else {}
    for row in summary.rules:
        if row.ok is False and row.value is not None:
            unit = units.get(row.rule, "")
            wanted = (f" (wanted {fmt_value(row.low, unit)} to {fmt_value(row.high, unit)})"
                      if row.low is not None and row.high is not None else "")
            lines.append(_line("off", f"{row.rule} {fmt_value(row.value, unit)}{wanted}"))
    return lines


def _routine_lines(summary: Summary, exercises: Mapping[str, Exercise]) -> list[str]:
    """The whole (time correct, goals reached), then each exercise found with its spans."""
    found = summary.exercises
    reached = sum(e.figures.goal_reached for e in found)
    share = summary.correct_share
    whole = [f"{summary.figures.hold_s:.1f} s held in all"]
    if share is not None:
        whole.append(f"correct {100 * share:.0f}% of the time")
    whole.append(f"goal reached in {reached} of {len(found)} ({100 * summary.goal_fraction:.0f}% on average)")
    lines = [_line("whole", "; ".join(whole))]
    for e in found:
        spans = ", ".join(f"{fmt_time(start)}-{fmt_time(end)}" for start, end in e.spans)
        lines.append(f"{_title(e.exercise, exercises)} ({spans})")
        lines += _figures_lines(e.figures, _most_shown(e.figures))
    return lines


def summary_text(summary: Summary, exercises: Mapping[str, Exercise]) -> str:
    """The human summary of one analysed input (lines ending in a newline)."""
    if summary.kind == "image":
        return "\n".join(_still_lines(summary, exercises)) + "\n"
    length = fmt_time(summary.duration_s)
    warnings = [_line("warning", w) for w in summary.warnings]
    if summary.is_routine:
        return "\n".join([f"{summary.input}: routine of {len(summary.exercises)} exercises (video, {length})",
                          *warnings, *_routine_lines(summary, exercises)]) + "\n"
    if summary.exercise is None:
        return "\n".join([f"{summary.input}: no exercise recognised (video, {length})", *warnings,
                          _line("verdict", STATE_LABELS.get(summary.verdict.value, summary.verdict.value))]) + "\n"
    found = ", recognised" if summary.auto else ""
    head = f"{summary.input}: {_title(summary.exercise, exercises)} (video, {length}{found})"
    return "\n".join([head, *warnings, *_figures_lines(summary.figures, summary.verdict)]) + "\n"
