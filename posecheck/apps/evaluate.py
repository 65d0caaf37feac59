"""The evaluation harness: how truthful posecheck is on labelled photos and clips.

Photos (``manifest.csv`` with ``strict.csv`` beside it, read by
``posecheck.io.labels``): per exercise, acceptance of its correct photos,
rejection of its fault photos, agreement over both, the share of fault photos
whose first cue names the fault, false acceptance of other poses, and
recognition (the figures are defined in ``posecheck.judge.agreement``).

Clips (``labels.csv``): per labelled clip the hold time against the labelled
segments, frame precision and recall of the hold clock against them, the side
of one-sided holds and the reps against the labelled cycles; per negative clip,
the most hold time any exercise would wrongly count. Poses come from the pose
cache, so re-running the harness after a rule change takes seconds.

Every function takes the exercises to judge with (default: the registry), so
that ``posecheck.apps.crossval`` can judge with ranges fitted in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from posecheck.core.features import Body, compute_features
from posecheck.io.labels import (
    OTHER,
    ClipLabel,
    ClipSet,
    PhotoLabel,
    PhotoSet,
    read_clip_labels,
    read_photo_labels,
)
from posecheck.io.posecache import PoseTrack, cached_track, prefetch_tracks
from posecheck.judge import agreement
from posecheck.judge.exercises import Exercise, judge, registry
from posecheck.judge.recognize import recognize_pose
from posecheck.judge.session import ExerciseSession

Exercises = dict[str, Exercise]


def photo_bodies(photo_set: PhotoSet, model: str | None = None) -> dict[str, Body | None]:
    """Each photo's body features (None where nobody was found), from the pose cache."""
    paths = [str(photo_set.path(p)) for p in photo_set.photos]
    prefetch_tracks(paths, model)
    bodies: dict[str, Body | None] = {}
    for photo, path in zip(photo_set.photos, paths):
        pose = cached_track(path, model).pose(0)
        bodies[photo.file] = compute_features(pose) if pose is not None else None
    return bodies


def photo_verdict(photo: PhotoLabel, body: Body | None, exercises: Exercises) -> agreement.PhotoVerdict:
    states, failing = {}, {}
    for ex_id, ex in exercises.items():
        assessment = judge(ex, body)
        states[ex_id] = assessment.state.value
        failing[ex_id] = agreement.first_failing_rule(assessment)
    return agreement.PhotoVerdict(
        file=photo.file, exercise=photo.exercise, form=photo.form, fault=photo.fault,
        person=body is not None, states=states, failing=failing,
        recognized=recognize_pose(body, exercises) if body is not None else None)


def evaluate_photos(photos: str | os.PathLike, model: str | None = None,
                    exercises: Exercises | None = None) -> dict:
    """The photo figures of a labelled folder (or its manifest.csv)."""
    photo_set = read_photo_labels(photos)
    bodies = photo_bodies(photo_set, model)
    exercises = exercises or registry()
    verdicts = [photo_verdict(p, bodies[p.file], exercises) for p in photo_set.photos]
    return {"labels": "strict" if photo_set.strict else "folder",
            **agreement.photo_figures(verdicts, list(exercises))}


@dataclass(frozen=True)
class ClipRun:
    """One exercise's session over a clip: what the hold clock counted, frame by frame."""

    times: tuple[float, ...]
    holds: tuple[tuple[float, float, str | None], ...]  # start, end, side
    hold_s: float
    reps: int | None

    @property
    def spans(self) -> list[tuple[float, float]]:
        return [(a, b) for a, b, _ in self.holds]


def run_clip(track: PoseTrack, exercise: Exercise) -> ClipRun:
    session = ExerciseSession(exercise)
    times = tuple(float(t) for t in track.timestamps)
    for i, t in enumerate(times):
        session.step(t, track.pose(i))
    period = 1.0 / track.fps if track.fps else 0.0
    session.finish(times[-1] + period if times else 0.0)
    return ClipRun(times, tuple((h.start_s, h.end_s, h.side) for h in session.holds.holds),
                   session.holds.total_s, session.reps.reps if session.reps is not None else None)


def clip_entry(clip: ClipLabel, track: PoseTrack, exercises: Exercises, negatives: bool = True) -> dict:
    entry: dict = {"file": clip.file, "exercise": clip.exercise, "view": clip.view, "frames": len(track),
                   "person_frames": int(sum(track.pose(i) is not None for i in range(len(track))))}
    if clip.exercise != OTHER:
        exercise = exercises[clip.exercise]
        run = run_clip(track, exercise)
        entry.update(agreement.hold_figures(run.spans, run.hold_s, clip.segments))
        entry["frames_vs_labels"] = agreement.frame_agreement(run.times, run.spans, clip.segments)
        sides = agreement.side_figures(run.holds, clip.segments, clip.sides)
        if sides:
            entry["sides"] = sides
        if exercise.goal.kind == "reps":
            entry.update(agreement.rep_figures(run.reps or 0, clip.cycles))
    elif negatives:
        # A negative: how much time would each exercise wrongly count?
        runs = {ex_id: run_clip(track, ex) for ex_id, ex in exercises.items()}
        worst = max(runs, key=lambda ex_id: runs[ex_id].hold_s)
        entry.update({"false_hold_s": round(runs[worst].hold_s, 3), "false_hold_exercise": worst,
                      "longest_false_hold_s": max(agreement.longest_span_s(r.spans) for r in runs.values())})
    return entry


def evaluate_clips(clips: str | os.PathLike, model: str | None = None, negatives: bool = True,
                   exercises_for: Callable[[ClipLabel], Exercises] | None = None, progress=None) -> dict:
    """Judge every labelled clip; ``negatives=False`` skips the (slow) false holds of negative clips.

    ``exercises_for(clip)`` gives the exercises to judge a clip with (default: the registry).
    """
    clip_set: ClipSet = read_clip_labels(clips)
    prefetch_tracks([str(clip_set.path(c)) for c in clip_set.clips], model)
    default = registry()
    entries = []
    for clip in clip_set.clips:
        track = cached_track(str(clip_set.path(clip)), model)
        exercises = exercises_for(clip) if exercises_for else default
        entries.append(clip_entry(clip, track, exercises, negatives))
        if progress:
            progress.update()
    return {"clips": entries, **agreement.clip_totals(entries)}


def format_photos(photos: dict, title: str = "Photos") -> list[str]:
    lines = [(f"{title}: {photos['photos']} ({len(photos['no_person'])} with no person found; "
              f"{photos.get('labels', 'strict')} labels)"),
             (f"{'exercise':24} {'correct':>7} {'fault':>5} {'accept':>7} {'reject':>7} {'agree':>7} "
              f"{'named':>7} {'false acc':>9}")]
    for ex, m in photos["exercises"].items():
        lines.append(f"{ex:24} {m['correct_photos']:7d} {m['fault_photos']:5d} {_pct(m['acceptance']):>7} "
                     f"{_pct(m['rejection']):>7} {_pct(m['agreement']):>7} {_pct(m['fault_named']):>7} "
                     f"{_pct(m['false_acceptance']):>9}")
    rec = photos["recognition"]
    lines.append(f"Recognition: {_pct(rec['top1_accuracy'])} of {rec['photos']} photos")
    return lines


def format_clips(clips: dict, title: str = "Clips") -> list[str]:
    lines = [(f"{title}: {clips['within_tolerance']}/{clips['judged_clips']} holds within tolerance, "
             f"mean |error| {clips['mean_abs_error_s']} s; frame precision {clips['mean_frame_precision']} "
             f"recall {clips['mean_frame_recall']} (mean over clips; pooled {clips['pooled_frame_precision']} / "
             f"{clips['pooled_frame_recall']}); reps within 1: {clips['reps_within_1']}/{clips['rep_clips']}")]
    if clips["clips_without_judged_frames"]:
        lines.append("  no frame counted (left out of the mean precision): "
                     + ", ".join(clips["clips_without_judged_frames"]))
    if clips["negative_clips"]:
        lines.append(f"  negatives: worst false hold {clips['worst_false_hold_s']} s; over "
                     f"{agreement.HOLD_TOLERANCE_MIN_S} s: {', '.join(clips['negatives_over_tolerance']) or 'none'}")
    for c in clips["clips"]:
        if "error_s" in c:
            frames = c["frames_vs_labels"]
            extra = f" reps {c['reps']}/{c['labelled_reps']}" if "reps" in c else ""
            sides = c.get("sides")
            if sides:
                extra += " sides " + "".join("ok " if s["ok"] else f"{s['judged_side']}!={s['side']} "
                                             for s in sides).strip()
            mark = "ok " if c["within_tolerance"] else "BAD"
            lines.append(f"  {mark} {c['file']:28} labelled {c['labelled_s']:6.2f} s judged "
                         f"{c['judged_s']:6.2f} s (error {c['error_s']:+.2f}, tol {c['tolerance_s']:.2f}) "
                         f"P {_num(frames['precision'])} R {_num(frames['recall'])}{extra}")
        elif "false_hold_s" in c:
            lines.append(f"  neg {c['file']:28} worst false hold {c['false_hold_s']:.2f} s "
                         f"({c['false_hold_exercise']}), longest {c['longest_false_hold_s']:.2f} s")
    return lines


def format_report(results: dict) -> str:
    lines: list[str] = []
    if results.get("photos"):
        lines += format_photos(results["photos"])
    if results.get("clips"):
        lines += [""] + format_clips(results["clips"])
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"
