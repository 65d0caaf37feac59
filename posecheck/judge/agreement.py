"""How far posecheck agrees with the labels: the figures of ``posecheck eval``, as pure functions.

Photos (strict labels, ``STRICT_LABELS.md``), per exercise:

- acceptance: the share of its ``correct`` photos judged correct;
- rejection: the share of its ``fault`` photos not judged correct;
- agreement: both together, over its correct and fault photos (the figure that is
  compared with physiotherapists agreeing with each other);
- fault named: the share of its fault photos whose first cue comes from a rule
  that the labelled fault names (``FAULT_RULES``): the person is told what is wrong;
- false acceptance: the share of photos of other poses judged correct by it
  (``variant`` and ``unclear`` photos are left out of every count);
- recognition: over the correct photos and the photos of other poses, the share
  whose recognised exercise (or none) is the labelled one.

Clips, per labelled clip: frame precision (of the frames the hold clock
counted, the share inside a labelled segment) and recall (of the frames inside
labelled segments, the share counted), the hold error against
``max(HOLD_TOLERANCE_MIN_S, HOLD_TOLERANCE_SHARE * labelled)``, the reps against
the labelled cycles, and for negative clips the longest false hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from posecheck.core.types import Assessment, State

OTHER = "other"
CORRECT = State.CORRECT.value
# A labelled hold is timed right within the larger of these (the acceptance bar).
HOLD_TOLERANCE_MIN_S = 1.5
HOLD_TOLERANCE_SHARE = 0.15
REP_TOLERANCE = 1

# Which rules name each labelled fault: the fault text (the ``fault`` column, or
# the note of a photo filed under another pose) is searched for the pattern; the
# first cue names the fault when it comes from one of the rules. A fault that no
# pattern matches is listed as unmapped (extend the table, never the cue).
FAULT_RULES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "knee_to_chest": (
        (r"knee barely lifted|knee not (lifted|up)", ("knee_to_chest", "knee_up")),
        (r"not holding", ("hands_at_knee",)),
        (r"other leg|other foot", ("other_leg_down",)),
    ),
    "cobra": (
        (r"head (cranked|thrown) back|face to the (sky|ceiling)|looking (up|at the ceiling)", ("head",)),
        (r"(hips|pelvis) (lifted|off)|gap under (the )?pelvis", ("pelvis_down", "thighs_down")),
        (r"hands? (far )?forward|arms angled", ("hands_placed",)),
        (r"barely lifted", ("chest_lift", "chest_above_elbows")),
    ),
    "side_torso_stretch": (
        (r"no bend|trunk straight", ("side_bend",)),
        (r"arm not over", ("arm_overhead",)),
        (r"hips pushed", ("hips_over_feet",)),
    ),
    "knee_to_chest_rotation": (
        (r"knees not dropped", ("knees_dropped",)),
        (r"knees apart", ("knees_together",)),
        (r"shoulders? lift", ("shoulders_down",)),
    ),
    "cat_cow": (
        (r"neutral back|flat back", ("back_curve",)),
        (r"sitting back|on the heels", ("knees_under_hips",)),
        (r"hands far forward", ("hands_under_shoulders",)),
    ),
    "forward_bend": (
        (r"flat-back|half lift", ("fold", "head_relaxed")),
        (r"squat", ("knees",)),
    ),
    "lumbar_spine_stretch": (
        (r"no twist|little twist|barely twisted|not turned", ("twist",)),
        (r"not hugging", ("hold_knee",)),
        (r"slump|leaning far back", ("upright",)),
    ),
    "bridge": (
        (r"hips barely", ("hips_up", "hip_lift")),
        (r"feet too far|legs almost straight", ("knee_bend",)),
        (r"over-arch", ("hip_lift",)),
    ),
}


def fault_rules(exercise: str, fault: str) -> tuple[str, ...] | None:
    """The rules that name a labelled fault, or None when no pattern knows it."""
    named: list[str] = []
    for pattern, rules in FAULT_RULES.get(exercise, ()):
        if re.search(pattern, fault, re.IGNORECASE):
            named.extend(r for r in rules if r not in named)
    return tuple(named) if named else None


def first_failing_rule(assessment: Assessment) -> str | None:
    """The rule whose cue an incorrect judgement gives: the first failing gate, else the first failing rule."""
    if assessment.state is not State.INCORRECT:
        return None
    ordered = sorted(assessment.results, key=lambda r: not r.gate)
    return next((r.name for r in ordered if r.ok is False), None)


@dataclass(frozen=True)
class PhotoVerdict:
    """A labelled photo and what every exercise said of it."""

    file: str
    exercise: str | None  # the exercise it counts for (None: a pose that is none of them)
    form: str  # correct, fault, variant, unclear or other
    fault: str
    person: bool
    states: dict[str, str]  # exercise -> judged state
    failing: dict[str, str | None] = field(default_factory=dict)  # exercise -> rule of the first cue
    recognized: str | None = None


def share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _counted_for_others(verdict: PhotoVerdict) -> bool:
    return verdict.form not in ("variant", "unclear")


def exercise_figures(verdicts: Sequence[PhotoVerdict], exercise: str) -> dict:
    correct = [v for v in verdicts if v.exercise == exercise and v.form == "correct"]
    faulty = [v for v in verdicts if v.exercise == exercise and v.form == "fault"]
    others = [v for v in verdicts if v.exercise != exercise and _counted_for_others(v)]
    accepted = [v for v in correct if v.states.get(exercise) == CORRECT]
    rejected = [v for v in faulty if v.states.get(exercise) != CORRECT]
    named, not_named, unmapped = [], [], []
    for v in faulty:
        rules = fault_rules(exercise, v.fault)
        if rules is None:
            unmapped.append(f"{v.file}: {v.fault}")
        said = v.failing.get(exercise)
        if rules is not None and said in rules:
            named.append(v)
        else:
            not_named.append(f"{v.file}: {said or v.states.get(exercise)}")
    falsely = [v for v in others if v.states.get(exercise) == CORRECT]
    return {
        "correct_photos": len(correct),
        "fault_photos": len(faulty),
        "acceptance": share(len(accepted), len(correct)),
        "rejection": share(len(rejected), len(faulty)),
        "agreement": share(len(accepted) + len(rejected), len(correct) + len(faulty)),
        "fault_named": share(len(named), len(faulty)),
        "false_acceptance": share(len(falsely), len(others)),
        "other_photos": len(others),
        "not_accepted": sorted(f"{v.file}: {v.states.get(exercise)}" for v in correct if v not in accepted),
        "not_rejected": sorted(v.file for v in faulty if v not in rejected),
        "fault_not_named": sorted(not_named),
        "unmapped_faults": sorted(unmapped),
        "falsely_accepted": sorted(v.file for v in falsely),
    }


def recognition_truth(verdict: PhotoVerdict) -> str | None:
    """What recognition should say of a photo: its exercise if correct, ``other`` for other poses,
    None (not counted) for faulty, variant and unclear photos."""
    if verdict.form == "correct" and verdict.exercise:
        return verdict.exercise
    if verdict.form == "other":
        return OTHER
    return None


def recognition_figures(verdicts: Sequence[PhotoVerdict], exercise_ids: Sequence[str]) -> dict:
    classes = list(exercise_ids) + [OTHER]
    confusion = {truth: {pred: 0 for pred in classes} for truth in classes}
    wrong = []
    counted = 0
    for v in verdicts:
        truth = recognition_truth(v)
        if truth is None:
            continue
        said = v.recognized or OTHER
        confusion[truth][said] += 1
        counted += 1
        if said != truth:
            wrong.append(f"{v.file}: {said}")
    hits = sum(confusion[c][c] for c in classes)
    return {"photos": counted, "top1_accuracy": share(hits, counted), "confusion": confusion,
            "wrong": sorted(wrong)}


def photo_figures(verdicts: Sequence[PhotoVerdict], exercise_ids: Sequence[str]) -> dict:
    return {
        "photos": len(verdicts),
        "no_person": sorted(v.file for v in verdicts if not v.person),
        "exercises": {ex: exercise_figures(verdicts, ex) for ex in exercise_ids},
        "recognition": recognition_figures(verdicts, exercise_ids),
    }


# --- clips -----------------------------------------------------------------

Span = tuple[float, float]


def _inside(t: float, spans: Sequence[Span]) -> bool:
    return any(a <= t < b for a, b in spans)


def overlap_s(spans: Sequence[Span], others: Sequence[Span]) -> float:
    return sum(max(0.0, min(b, d) - max(a, c)) for a, b in spans for c, d in others)


def frame_agreement(times: Sequence[float], judged: Sequence[Span], labelled: Sequence[Span]) -> dict:
    """Frame by frame: counted as hold (inside a judged span) against inside a labelled segment."""
    in_judged = [_inside(t, judged) for t in times]
    in_labelled = [_inside(t, labelled) for t in times]
    both = sum(j and lab for j, lab in zip(in_judged, in_labelled))
    return {"judged_frames": sum(in_judged), "labelled_frames": sum(in_labelled), "both_frames": both,
            "precision": share(both, sum(in_judged)), "recall": share(both, sum(in_labelled))}


def hold_tolerance_s(labelled_s: float) -> float:
    return max(HOLD_TOLERANCE_MIN_S, HOLD_TOLERANCE_SHARE * labelled_s)


def hold_figures(judged: Sequence[Span], judged_s: float, labelled: Sequence[Span]) -> dict:
    labelled_s = sum(b - a for a, b in labelled)
    tolerance = hold_tolerance_s(labelled_s)
    inside = overlap_s(labelled, judged)
    return {
        "labelled_s": round(labelled_s, 3),
        "judged_s": round(judged_s, 3),
        "error_s": round(judged_s - labelled_s, 3),
        "tolerance_s": round(tolerance, 3),
        "within_tolerance": abs(judged_s - labelled_s) <= tolerance,
        "false_s": round(max(0.0, judged_s - inside), 3),
        "holds": [{"labelled": [a, b], "judged_s": round(overlap_s([(a, b)], judged), 3),
                   "error_s": round(overlap_s([(a, b)], judged) - (b - a), 3)} for a, b in labelled],
    }


def side_figures(judged: Sequence[tuple[float, float, str | None]], labelled: Sequence[Span],
                 sides: Sequence[str | None]) -> list[dict]:
    """Per labelled one-sided segment: the side the clock counted most inside it."""
    out = []
    for (a, b), side in zip(labelled, sides):
        if side not in ("left", "right"):
            continue
        counted: dict[str, float] = {}
        for start, end, judged_side in judged:
            if judged_side:
                counted[judged_side] = counted.get(judged_side, 0.0) + overlap_s([(a, b)], [(start, end)])
        said = max(counted, key=counted.get) if counted and max(counted.values()) > 0 else None
        out.append({"labelled": [a, b], "side": side, "judged_side": said, "ok": said == side})
    return out


def rep_figures(reps: int, cycles: int | None) -> dict:
    labelled = cycles or 0
    return {"reps": reps, "labelled_reps": labelled, "rep_error": reps - labelled,
            "reps_ok": abs(reps - labelled) <= REP_TOLERANCE}


def longest_span_s(spans: Sequence[Span]) -> float:
    return round(max((b - a for a, b in spans), default=0.0), 3)


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else None


def clip_totals(clips: Sequence[dict]) -> dict:
    """Over all clips: how many holds are timed within tolerance, mean and pooled frame figures."""
    judged = [c for c in clips if "within_tolerance" in c]
    reps = [c for c in clips if "rep_error" in c]
    negatives = [c for c in clips if "false_hold_s" in c]
    both = sum(c["frames_vs_labels"]["both_frames"] for c in judged)
    counted = sum(c["frames_vs_labels"]["judged_frames"] for c in judged)
    labelled = sum(c["frames_vs_labels"]["labelled_frames"] for c in judged)
    return {
        "judged_clips": len(judged),
        "within_tolerance": sum(c["within_tolerance"] for c in judged),
        "mean_abs_error_s": _mean(abs(c["error_s"]) for c in judged),
        "mean_frame_precision": _mean(c["frames_vs_labels"]["precision"] for c in judged),
        "mean_frame_recall": _mean(c["frames_vs_labels"]["recall"] for c in judged),
        "clips_without_judged_frames": sorted(c["file"] for c in judged
                                              if c["frames_vs_labels"]["precision"] is None),
        "pooled_frame_precision": share(both, counted),
        "pooled_frame_recall": share(both, labelled),
        "rep_clips": len(reps),
        "reps_within_1": sum(c["reps_ok"] for c in reps),
        "negative_clips": len(negatives),
        "negatives_over_tolerance": sorted(c["file"] for c in negatives
                                           if c["false_hold_s"] > HOLD_TOLERANCE_MIN_S),
        "worst_false_hold_s": max((c["false_hold_s"] for c in negatives), default=None),
    }
