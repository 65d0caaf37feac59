"""Display words: how an exercise's camera view, its goal and a finished session read on screen.

Shared by the live window (``live_canvas``) and the lines the live command
prints at the end; the judge (``posecheck.judge``) carries only the facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from posecheck.judge.exercises import Exercise, registry
from posecheck.judge.summary import goal_verdict

VIEW_WORDS = {
    "side": "Camera at your side: turn sideways to it",
    "front": "Camera in front of you: face it",
    "front or oblique": "Camera in front of you or at an angle",
    "oblique": "Camera at an angle to you",
}


def view_words(view: str) -> str:
    return VIEW_WORDS.get(view, f"Camera view: {view}")


def goal_words(exercise: Exercise, name_sides: bool = True) -> str:
    goal = exercise.goal
    if goal.kind == "reps":
        return f"{int(goal.target)} slow repetitions"
    names = f" ({' and '.join(exercise.sides)})" if name_sides else ""
    per_side = f" per side{names}" if exercise.has_sides else ""
    return f"Hold {goal.target:g} s{per_side}"


def summary_lines(summary: dict) -> list[str]:
    """A live session summary in lines: each attempt's hold or reps and most frequent fault, then what was not done."""
    lines = []
    for a in summary.get("exercises", []):
        target = a.get("target_s")
        if a.get("target_reps") is not None:
            head = f"{a['title']}: {a.get('reps') or 0}/{a['target_reps']} reps"
        elif a.get("sides"):
            head = f"{a['title']}: " + ", ".join(
                f"{s} {v:.1f}/{target:g} s" for s, v in a["sides"].items())
        else:
            head = f"{a['title']}: {a['hold_s']:.1f}/{target:g} s" if target else f"{a['title']}: {a['hold_s']:.1f} s"
        faults = []
        if a.get("per_side"):
            for s, p in a["per_side"].items():
                if p.get("top_fault"):
                    faults.append(f"{s}: {p['top_fault']['cue'] or p['top_fault']['rule']}")
        elif a.get("top_fault"):
            faults.append(a["top_fault"]["cue"] or a["top_fault"]["rule"])
        lines.append(head + (f"  - most often: {'; '.join(faults)}" if faults else ""))
    for ex_id in summary.get("not_done", []):
        lines.append(f"{_title(ex_id)}: not done")
    return lines


def exercise_title(ex_id: str) -> str:
    """The exercise's one title, from its data (the id itself for an unknown one)."""
    ex = registry().get(ex_id)
    return ex.title if ex is not None else ex_id


_title = exercise_title


@dataclass(frozen=True)
class SummaryRow:
    """One exercise of a finished live session, as the summary table shows it.

    ``cells``: (text, status) per side, or one for an exercise without sides;
    status is "met" (the goal reached), "partly" (half of it), "none" (less) or "not done".
    ``note`` is the most frequent fault's cue (``faulty``) or why there is none.
    """

    exercise: str
    title: str
    cells: tuple[tuple[str, str], ...]
    note: str
    faulty: bool


def _status(value: float, target: float | None) -> str:
    """How a cell went against its goal, by the thresholds the report and the history use (GOAL_VERDICTS)."""
    if not target:
        return "partly" if value > 0 else "none"
    return {"met": "met", "partly": "partly", "not_met": "none"}[goal_verdict(value / target)]


def summary_rows(summary: dict) -> list[SummaryRow]:
    """A row per exercise of the plan, in order: the hold per side (or reps) against the goal, the main fault."""
    attempts: dict[str, list[dict]] = {}
    for a in summary.get("exercises", []):
        attempts.setdefault(a["exercise"], []).append(a)
    totals = summary.get("totals", {})
    rows = []
    plan = list(dict.fromkeys(summary.get("plan") or list(attempts) + list(summary.get("not_done", []))))
    for ex_id in plan:
        tries = attempts.get(ex_id)
        if not tries:
            rows.append(SummaryRow(ex_id, _title(ex_id), (("not done", "not done"),), "", False))
            continue
        last = tries[-1]
        total = totals.get(ex_id, {})
        target = last.get("target_s")
        if last.get("target_reps") is not None:
            reps = total.get("reps") if total.get("reps") is not None else (last.get("reps") or 0)
            cells = ((f"{reps}/{last['target_reps']} reps", _status(reps, last["target_reps"])),)
        elif last.get("sides"):
            sides = total.get("sides") or last["sides"]
            cells = tuple((f"{sides.get(side, 0.0):.0f}/{target:g} s", _status(sides.get(side, 0.0), target))
                          for side in last["sides"])
        else:
            held = total.get("hold_s", last.get("hold_s", 0.0))
            cells = ((f"{held:.0f}/{target:g} s" if target else f"{held:.0f} s", _status(held, target)),)
        faults = []
        if last.get("per_side"):
            per_side = {side: per["top_fault"]["cue"] or per["top_fault"]["rule"]
                        for side, per in last["per_side"].items() if per.get("top_fault")}
            if len(per_side) > 1 and len(set(per_side.values())) == 1:
                faults.append(next(iter(per_side.values())))  # the same on every side: once
            else:
                faults += [f"{side}: {cue}" for side, cue in per_side.items()]
        elif last.get("top_fault"):
            faults.append(last["top_fault"]["cue"] or last["top_fault"]["rule"])
        skipped = not total.get("completed", last.get("completed")) and last.get("ended_by") == "skipped"
        note = "; ".join(faults) if faults else ("skipped" if skipped else "no fault")
        rows.append(SummaryRow(ex_id, tries[-1].get("title") or _title(ex_id), cells,
                               ("skipped - " + note) if skipped and faults else note, bool(faults)))
    return rows
