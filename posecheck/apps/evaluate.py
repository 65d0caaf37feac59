"""The evaluation harness: how truthful posecheck is on labelled photos and clips.

Photos (a CSV manifest ``file,label``): per exercise, the share of its own
photos judged ``correct`` (acceptance, over photos where a person is found),
the share of every other photo judged ``correct`` by it (false acceptance), and
the recognition confusion matrix with top-1 accuracy. Labels that are not an
exercise id count as ``other``, except ``cat`` and ``cow`` (both ``cat_cow``).

Clips (``labels.csv`` with ``segments`` as ``a-b;c-d`` seconds and ``cycles``):
the judged correct time against the labelled time, per labelled hold and in
total, and the rep error for rep exercises. Poses come from the pose cache so
that re-running the harness after a rule change takes seconds.
"""

from __future__ import annotations

import csv
import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.judge.exercises import get_exercise, judge, registry
from posecheck.core.features import compute_features
from posecheck.io.posecache import PoseTrack, cached_track, prefetch_tracks
from posecheck.judge.recognize import recognize_pose
from posecheck.judge.session import ExerciseSession
from posecheck.judge.summary import ExerciseFigures
from posecheck.core.types import State

OTHER = "other"
LABEL_ALIASES = {"cat": "cat_cow", "cow": "cat_cow"}


def canonical_label(label: str) -> str:
    label = LABEL_ALIASES.get(label, label)
    return label if label in registry() else OTHER


def _read_csv(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise PosecheckError(f"{path}: cannot read ({exc.strerror})") from None
    return rows


def _manifest_in(folder_or_csv: str | os.PathLike, names: tuple[str, ...]) -> Path:
    path = Path(folder_or_csv)
    if path.is_dir():
        for name in names:
            if (path / name).is_file():
                return path / name
        raise PosecheckError(f"{path}: no {' or '.join(names)} in this folder")
    if not path.is_file():
        raise PosecheckError(f"{path}: no such file or folder")
    return path


def judge_track(track: PoseTrack, exercise_id: str) -> ExerciseFigures:
    """Run one exercise's session over a cached pose track; returns what it measured."""
    session = ExerciseSession(get_exercise(exercise_id))
    for i in range(len(track)):
        session.step(float(track.timestamps[i]), track.pose(i))
    period = 1.0 / track.fps if track.fps else 0.0
    session.finish(float(track.timestamps[-1]) + period if len(track) else 0.0)
    return session.summary()


@dataclass
class PhotoOutcome:
    file: str
    label: str
    person: bool
    states: dict[str, str]  # exercise -> state
    recognized: str | None


def evaluate_photos(manifest: str | os.PathLike, model: str | None = None, progress=None) -> dict:
    manifest_path = _manifest_in(manifest, ("manifest.csv",))
    rows = _read_csv(manifest_path)
    if rows and not {"file", "label"} <= set(rows[0]):
        raise PosecheckError(f"{manifest_path}: needs the columns file,label")
    exercises = registry()
    prefetch_tracks([str(manifest_path.parent / row["file"]) for row in rows], model)
    outcomes: list[PhotoOutcome] = []
    for row in rows:
        path = manifest_path.parent / row["file"]
        track = cached_track(str(path), model)
        pose = track.pose(0)
        body = compute_features(pose) if pose is not None else None
        states = {ex_id: judge(ex, body).state.value for ex_id, ex in exercises.items()}
        outcomes.append(PhotoOutcome(row["file"], canonical_label(row["label"]), pose is not None,
                                     states, recognize_pose(body) if body is not None else None))
        if progress:
            progress.update()
    return photo_metrics(outcomes, list(exercises))


def photo_metrics(outcomes: list[PhotoOutcome], exercise_ids: list[str]) -> dict:
    found = [o for o in outcomes if o.person]
    per_exercise = {}
    for ex in exercise_ids:
        own = [o for o in found if o.label == ex]
        others = [o for o in found if o.label != ex]
        accepted = [o.file for o in own if o.states[ex] == State.CORRECT.value]
        false_acc = [o.file for o in others if o.states[ex] == State.CORRECT.value]
        per_exercise[ex] = {
            "photos": sum(o.label == ex for o in outcomes),
            "with_person": len(own),
            "acceptance": _share(len(accepted), len(own)),
            "false_acceptance": _share(len(false_acc), len(others)),
            "rejected": sorted(o.file for o in own if o.file not in set(accepted)),
            "falsely_accepted": sorted(false_acc),
        }
    classes = exercise_ids + [OTHER]
    confusion = {truth: {pred: 0 for pred in classes} for truth in classes}
    for o in found:
        confusion[o.label][o.recognized or OTHER] += 1
    hits = sum(confusion[c][c] for c in classes)
    return {
        "photos": len(outcomes),
        "no_person": sorted(o.file for o in outcomes if not o.person),
        "exercises": per_exercise,
        "recognition": {
            "top1_accuracy": _share(hits, len(found)),
            "confusion": confusion,
            "wrong": sorted(f"{o.file}: {o.recognized or OTHER}" for o in found
                            if (o.recognized or OTHER) != o.label),
        },
    }


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def parse_segments(text: str) -> list[tuple[float, float]]:
    spans = []
    for part in (text or "").split(";"):
        part = part.strip()
        if part:
            a, b = part.split("-")
            spans.append((float(a), float(b)))
    return spans


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def evaluate_clips(labels: str | os.PathLike, model: str | None = None, progress=None,
                   negatives: bool = True) -> dict:
    """Judge every labelled clip; ``negatives=False`` skips measuring false holds on negative clips."""
    labels_path = _manifest_in(labels, ("labels.csv",))
    rows = _read_csv(labels_path)
    exercises = registry()
    prefetch_tracks([str(labels_path.parent / row["file"]) for row in rows], model)
    clips = []
    for row in rows:
        path = labels_path.parent / row["file"]
        track = cached_track(str(path), model)
        label = canonical_label(row.get("exercise", ""))
        labelled = parse_segments(row.get("segments", ""))
        entry: dict = {"file": row["file"], "exercise": label, "frames": len(track),
                       "person_frames": int(sum(track.pose(i) is not None for i in range(len(track))))}
        if label != OTHER:
            figures = judge_track(track, label)
            judged = [(h.start_s, h.end_s) for h in figures.holds]
            labelled_total = sum(b - a for a, b in labelled)
            tolerance = max(1.5, 0.15 * labelled_total)
            entry.update({
                "labelled_s": round(labelled_total, 3),
                "judged_s": figures.hold_s,
                "error_s": round(figures.hold_s - labelled_total, 3),
                "tolerance_s": round(tolerance, 3),
                "within_tolerance": abs(figures.hold_s - labelled_total) <= tolerance,
                "holds": [
                    {"labelled": [a, b],
                     "judged_s": round(sum(_overlap(a, b, j0, j1) for j0, j1 in judged), 3),
                     "error_s": round(sum(_overlap(a, b, j0, j1) for j0, j1 in judged) - (b - a), 3)}
                    for a, b in labelled],
                "false_s": round(figures.hold_s - sum(
                    _overlap(a, b, j0, j1) for a, b in labelled for j0, j1 in judged), 3),
            })
            if exercises[label].goal.kind == "reps":
                cycles = int(row["cycles"]) if row.get("cycles") else 0
                entry.update({"reps": figures.reps, "labelled_reps": cycles,
                              "rep_error": (figures.reps or 0) - cycles})
        elif negatives:
            # A negative: how much time would each exercise wrongly count?
            false = {ex: judge_track(track, ex).hold_s for ex in exercises}
            worst = max(false, key=false.get)
            entry.update({"false_hold_s": round(false[worst], 3), "false_hold_exercise": worst})
        clips.append(entry)
        if progress:
            progress.update()
    judged_clips = [c for c in clips if "within_tolerance" in c]
    rep_clips = [c for c in clips if "rep_error" in c]
    return {
        "clips": clips,
        "within_tolerance": sum(c["within_tolerance"] for c in judged_clips),
        "judged_clips": len(judged_clips),
        "mean_abs_error_s": round(sum(abs(c["error_s"]) for c in judged_clips) / len(judged_clips), 3)
        if judged_clips else None,
        "reps_within_1": sum(abs(c["rep_error"]) <= 1 for c in rep_clips),
        "rep_clips": len(rep_clips),
    }


def format_report(results: dict) -> str:
    lines = []
    photos = results.get("photos")
    if photos:
        lines.append(f"Photos: {photos['photos']} ({len(photos['no_person'])} with no person found)")
        lines.append(f"{'exercise':24} {'photos':>6} {'found':>6} {'accept':>7} {'false acc':>9}")
        for ex, m in photos["exercises"].items():
            lines.append(f"{ex:24} {m['photos']:6d} {m['with_person']:6d} {_pct(m['acceptance']):>7} "
                         f"{_pct(m['false_acceptance']):>9}")
        lines.append(f"Recognition top-1 accuracy: {_pct(photos['recognition']['top1_accuracy'])}")
    clips = results.get("clips")
    if clips:
        lines.append("")
        lines.append(f"Clips: {clips['within_tolerance']}/{clips['judged_clips']} within tolerance, "
                     f"mean |error| {clips['mean_abs_error_s']} s; reps within 1: "
                     f"{clips['reps_within_1']}/{clips['rep_clips']}")
        for c in clips["clips"]:
            if "error_s" in c:
                extra = f" reps {c['reps']}/{c['labelled_reps']}" if "reps" in c else ""
                mark = "ok " if c["within_tolerance"] else "BAD"
                lines.append(f"  {mark} {c['file']:32} labelled {c['labelled_s']:6.2f} s judged "
                             f"{c['judged_s']:6.2f} s (error {c['error_s']:+.2f}, tol {c['tolerance_s']:.2f}){extra}")
            elif "false_hold_s" in c:
                lines.append(f"  neg {c['file']:32} worst false hold {c['false_hold_s']:.2f} s "
                             f"({c['false_hold_exercise']})")
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"
