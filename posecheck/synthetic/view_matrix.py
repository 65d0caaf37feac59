"""The synthetic view matrix: every exercise's correct pose and typical faults, seen from a ring of
cameras, through the real pose model and the real rules.

A home user puts the laptop where it fits: beside the mat, 30-60 degrees off
the side, at the feet (or facing a standing person), at floor height or on a
table. The ring (``VIEWS``) names those directions relative to the person's
side: ``side`` is square on to the person's left or right, ``side+30`` and
``side+60`` turn toward the front (the feet, for someone lying on the back or
seated; the head, for someone prone or on all fours), ``side-30`` and
``side-60`` the other way, ``front`` faces the person (or that end of them).
Each is taken at two heights (``HEIGHTS``). An exercise lists the views it
judges in its data (``Exercise.views``); the matrix measures, per view, the
share of correct frames judged ``correct`` (acceptance) and the share of faulty
frames not judged ``correct`` (rejection: ``incorrect``, or ``uncertain`` where
a fault cannot be seen from there).

Every cell is a few frames: the pose seen from the view's azimuth and from a
few degrees either side (``JITTER``), for both working sides of a sided
exercise. Poses found by the model are cached on disk (keyed by the rendered
image, the model file and the cache version), so reruns skip the model.

``python -m posecheck.synthetic.view_matrix`` prints the full matrix.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecheck.core.features import compute_features
from posecheck.core.types import Assessment, Frame, Pose, State
from posecheck.judge.exercises import registry
from posecheck.judge.exercises.base import Exercise, judge
from posecheck.judge.exercises.views import CAMERA_VIEWS
from posecheck.synthetic.body import Skeleton, forward_kinematics
from posecheck.synthetic.camera import View, fit_view
from posecheck.synthetic.designs import DESIGNS, EXERCISE_IDS
from posecheck.synthetic.render import render_skeleton

VIEWS = CAMERA_VIEWS
# Camera height: degrees the camera looks down at the person's hips (a laptop on the floor; on a
# table or bed). For a person on the floor (lying, kneeling, seated) the camera looks down at them.
HEIGHTS: dict[str, float] = {"low": 8.0, "high": 30.0}
# A standing person's hips are about 1 m up, so the same laptop 2.5 m away looks up at them from the
# floor (lens about 0.1 m up: atan(0.9 / 2.5) = 20 degrees) and about level from a table (lens about
# 0.75 m up: 6 degrees up).
STANDING_HEIGHTS: dict[str, float] = {"low": -20.0, "high": -6.0}
# Hips at least this high (metres above the floor) mean the person is standing.
STANDING_HIP_HEIGHT_M = 0.6
# Each cell's frames: the view's azimuth and a few degrees either side.
JITTER = (-6.0, -2.0, 2.0, 6.0)

# The poses of each design that are correct and faulty. Cat-cow is correct at either end (cat,
# cow); the design's "correct" pose is the flat tabletop back, which the strict labels call the
# "neutral back" fault (a flat back held still is neither cat nor cow), so it counts as a fault here,
# beside the ends and the flat back done sitting back on the heels.
CORRECT_KINDS = {"cat_cow": ("cat", "cow")}
FAULT_KINDS = {"cat_cow": ("correct", "fault", "fault_cat", "fault_cow")}

CACHE_VERSION = 1


def correct_kinds(exercise: str) -> tuple[str, ...]:
    return CORRECT_KINDS.get(exercise, ("correct",))


def fault_kinds(exercise: str) -> tuple[str, ...]:
    return FAULT_KINDS.get(exercise, ("fault",))


def elevation(height: str, skeleton: Skeleton) -> float:
    """Degrees the camera at ``height`` looks down at this body (negative: up at a standing one)."""
    hips_y = (skeleton["l_hip"][1] + skeleton["r_hip"][1]) / 2.0
    table = STANDING_HEIGHTS if hips_y >= STANDING_HIP_HEIGHT_M else HEIGHTS
    return table[height]


def camera(view: str, height: str, side: str | None, jitter: float = 0.0,
           elevation_deg: float | None = None) -> View:
    """The camera of one view: the actor's ``side`` ("left" unless "right") is the near one."""
    turn = VIEWS[view] + jitter
    azimuth = 90.0 - turn if side != "right" else -90.0 + turn
    el = HEIGHTS[height] if elevation_deg is None else elevation_deg
    return View(name=f"{view}/{height}", azimuth=azimuth, elevation=el, distance=4.0)


@dataclass
class Cell:
    """The frames of one (exercise, view, height): how each correct and faulty frame was judged."""

    correct: list[State] = field(default_factory=list)
    faulty: list[State] = field(default_factory=list)

    @property
    def acceptance(self) -> float:
        return sum(s is State.CORRECT for s in self.correct) / max(len(self.correct), 1)

    @property
    def rejection(self) -> float:
        return sum(s is not State.CORRECT for s in self.faulty) / max(len(self.faulty), 1)

    @property
    def model_missed(self) -> int:
        """Frames where the model found nobody."""
        return sum(s is State.NO_PERSON for s in self.correct + self.faulty)

    @property
    def uncertain_faults(self) -> int:
        return sum(s is State.UNCERTAIN for s in self.faulty)


class PoseSource:
    """The real model on rendered frames, with a disk cache of what it found."""

    def __init__(self, cache_dir: Path | None = None, model: str | None = None):
        from posecheck.io.model import resolve_model
        from posecheck.io.posecache import default_cache_dir, file_digest

        self.model_path = resolve_model(model)
        self._model_digest = file_digest(self.model_path)
        self.cache_dir = (default_cache_dir() if cache_dir is None else Path(cache_dir)) / "view_matrix"
        self._estimator = None

    def _key(self, image: np.ndarray) -> str:
        h = hashlib.sha256()
        h.update(f"{CACHE_VERSION}:{self._model_digest}:{image.shape}".encode())
        h.update(image.tobytes())
        return h.hexdigest()[:32]

    def pose(self, image: np.ndarray) -> Pose | None:
        path = self.cache_dir / f"{self._key(image)}.npz"
        h, w = image.shape[:2]
        if path.is_file():
            data = np.load(path)
            if not data["found"]:
                return None
            return Pose(xyz=data["xyz"], visibility=data["visibility"], presence=data["presence"],
                        world=data["world"], timestamp_s=0.0, image_wh=(w, h))
        if self._estimator is None:
            from posecheck.io.estimator import PoseEstimator

            self._estimator = PoseEstimator(self.model_path, video=False)
        pose = self._estimator.estimate(Frame(image=image, timestamp_s=0.0, index=0))
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")  # other processes may fill the cache too
        if pose is None:
            np.savez(tmp, found=False)
        else:
            np.savez(tmp, found=True, xyz=pose.xyz, visibility=pose.visibility, presence=pose.presence,
                     world=pose.world)
        tmp.replace(path)
        return pose

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


def frame_assessment(source: PoseSource, exercise: Exercise, kind: str, side: str | None, view: str,
                     height: str, jitter: float) -> Assessment:
    """How one frame of the matrix was judged (the state, each rule's value and verdict)."""
    design = DESIGNS[exercise.id]
    sk = forward_kinematics(design.pose(kind, side))
    cam = fit_view(camera(view, height, side, jitter, elevation(height, sk)), [np.concatenate([p.points() for p in sk.parts])],
                   margin=0.08)
    pose = source.pose(render_skeleton(sk, cam))
    return judge(exercise, compute_features(pose) if pose is not None else None, still=True)


def frame_state(source: PoseSource, exercise: Exercise, kind: str, side: str | None, view: str,
                height: str, jitter: float) -> State:
    return frame_assessment(source, exercise, kind, side, view, height, jitter).state


def format_frames(source: PoseSource, exercise: Exercise, views: list[str],
                  jitters: tuple[float, ...] = JITTER) -> str:
    """One line per frame of the given views: the pose, the state, each rule's value (``!`` failed,
    ``?`` not judged), to see why a cell falls short."""
    design = DESIGNS[exercise.id]
    lines = []
    for view in views:
        for height in HEIGHTS:
            for side in ("left", "right") if design.sided else (None,):
                for jitter in jitters:
                    for kind in correct_kinds(exercise.id) + fault_kinds(exercise.id):
                        a = frame_assessment(source, exercise, kind, side, view, height, jitter)
                        values = " ".join(f"{r.name}={r.value:.2f}{'' if r.ok else '?' if r.ok is None else '!'}"
                                          for r in a.results)
                        lines.append(f"{view:<8}{height:<5}{side or '-':<6}{jitter:+4.0f} {kind:<9}"
                                     f"{a.state.name:<10}{a.side or '-':<6}{values}")
    return "\n".join(lines)


def measure_cell(source: PoseSource, exercise: Exercise, view: str, height: str,
                 jitters: tuple[float, ...] = JITTER) -> Cell:
    design = DESIGNS[exercise.id]
    sides = ("left", "right") if design.sided else (None,)
    cell = Cell()
    for side in sides:
        for jitter in jitters:
            for kind in correct_kinds(exercise.id):
                cell.correct.append(frame_state(source, exercise, kind, side, view, height, jitter))
            for kind in fault_kinds(exercise.id):
                cell.faulty.append(frame_state(source, exercise, kind, side, view, height, jitter))
    return cell


def measure(source: PoseSource, exercises: list[str] | None = None, listed_only: bool = False,
            jitters: tuple[float, ...] = JITTER) -> dict[str, dict[tuple[str, str], Cell]]:
    """exercise id -> (view, height) -> Cell, over the whole ring (``listed_only``: the views each
    exercise lists)."""
    reg = registry()
    out: dict[str, dict[tuple[str, str], Cell]] = {}
    for ex_id in exercises or list(EXERCISE_IDS):
        ex = reg[ex_id]
        views = ex.views if listed_only else tuple(VIEWS)
        out[ex_id] = {(v, h): measure_cell(source, ex, v, h, jitters) for v in views for h in HEIGHTS}
    return out


def format_matrix(matrix: dict[str, dict[tuple[str, str], Cell]]) -> str:
    """Per exercise and view: acceptance / rejection in percent, ``*`` on the views the exercise lists."""
    reg = registry()
    lines = []
    for ex_id, cells in matrix.items():
        listed = set(reg[ex_id].views)
        lines.append(f"{ex_id} (judges: {', '.join(reg[ex_id].views) or 'none listed'})")
        lines.append(f"  {'view':<10}{'height':<7}{'accept':>8}{'reject':>8}  notes")
        for (view, height), cell in cells.items():
            notes = []
            if cell.model_missed:
                notes.append(f"model found nobody in {cell.model_missed}")
            if cell.uncertain_faults:
                notes.append(f"{cell.uncertain_faults} fault(s) uncertain")
            mark = "*" if view in listed else " "
            lines.append(f" {mark}{view:<10}{height:<7}{100 * cell.acceptance:>7.0f}%{100 * cell.rejection:>7.0f}%"
                         f"  {'; '.join(notes)}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posecheck.synthetic.view_matrix",
                                     description="print the synthetic view matrix of every exercise")
    parser.add_argument("--exercise", action="append", choices=EXERCISE_IDS, help="only this one (repeatable)")
    parser.add_argument("--cache", metavar="DIR", help="pose cache folder (default: POSECHECK_CACHE)")
    parser.add_argument("--frames", metavar="VIEW", action="append", choices=list(VIEWS),
                        help="print each frame of this view (repeatable) with its rule values instead")
    args = parser.parse_args(argv)
    if args.frames and not args.exercise:
        parser.error("--frames needs --exercise")
    source = PoseSource(args.cache)
    try:
        if args.frames:
            reg = registry()
            print("\n\n".join(format_frames(source, reg[e], args.frames) for e in args.exercise))
        else:
            print(format_matrix(measure(source, args.exercise)))
    finally:
        source.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
