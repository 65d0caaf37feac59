"""Display words: how an exercise's camera view, its goal and a finished session read on screen.

Shared by the live window (``live_canvas``) and the lines the live command
prints at the end; the judge (``posecheck.judge``) carries only the facts.
"""

from __future__ import annotations

from posecheck.judge.exercises import Exercise, registry

VIEW_WORDS = {
    "side": "Camera at your side: turn sideways to it",
    "front": "Camera in front of you: face it",
    "front or oblique": "Camera in front of you or at an angle",
    "oblique": "Camera at an angle to you",
}


def view_words(view: str) -> str:
    return VIEW_WORDS.get(view, f"Camera view: {view}")


def goal_words(exercise: Exercise) -> str:
    goal = exercise.goal
    if goal.kind == "reps":
        return f"{int(goal.target)} slow repetitions"
    per_side = f" per side ({' and '.join(exercise.sides)})" if exercise.has_sides else ""
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


def _title(ex_id: str) -> str:
    ex = registry().get(ex_id)
    return ex.title if ex is not None else ex_id
