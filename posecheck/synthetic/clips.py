"""Ground-truth exercise clips: the choreography, the truth, writing, joining and checking.

A clip is a keyframed timeline of ActorPoses with labelled phases. Every move
between correct and incorrect form lasts ``CROSS_S`` (0.3 s) and the truth
boundary is its midpoint; the poses on either side are chosen so that the
exercise's measure crosses its limit in the middle of that move.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import cv2
import numpy as np

from posecheck.io.outputs import write_text_atomic
from posecheck.synthetic.animate import frame_count, pose_at
from posecheck.synthetic.body import ActorPose, forward_kinematics
from posecheck.synthetic.camera import View, fit_view
from posecheck.synthetic.designs import DESIGNS, EXERCISE_IDS, Design
from posecheck.synthetic.render import SIZE, render_skeleton

FPS = 30.0
CROSS_S = 0.3
HOLD_TARGET_S = 20.0
ROUTINE_ORDER = EXERCISE_IDS
MAIN_JOINTS = (11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
LEFT_MAIN = (11, 13, 15, 23, 25, 27)
RIGHT_MAIN = (12, 14, 16, 24, 26, 28)


class Timeline:
    """Keyframes plus the phases and correct spans they describe."""

    def __init__(self, start: ActorPose):
        self.keys: list[tuple[float, ActorPose]] = [(0.0, start)]
        self.phases: list[list] = []
        self.spans: list[list] = []
        self._open: tuple[float, str | None] | None = None
        self.reps = 0

    @property
    def t(self) -> float:
        return self.keys[-1][0]

    @property
    def pose(self) -> ActorPose:
        return self.keys[-1][1]

    def _add(self, dur: float, pose: ActorPose, label: str) -> None:
        t0 = self.t
        self.keys.append((round(t0 + dur, 6), pose))
        if self.phases and self.phases[-1][2] == label and abs(self.phases[-1][1] - t0) < 1e-9:
            self.phases[-1][1] = round(t0 + dur, 6)
        else:
            self.phases.append([round(t0, 6), round(t0 + dur, 6), label])

    def hold(self, dur: float, label: str) -> None:
        self._add(dur, self.pose, label)

    def move(self, dur: float, pose: ActorPose, label: str) -> None:
        self._add(dur, pose, label)

    def enter(self, pose: ActorPose, label: str, side: str | None) -> None:
        """A 0.3 s move into correct form; the correct span starts at its midpoint."""
        assert self._open is None
        self._open = (self.t + CROSS_S / 2, side)
        self._add(CROSS_S, pose, label)

    def leave(self, pose: ActorPose, label: str) -> None:
        """A 0.3 s move out of correct form; the correct span ends at its midpoint."""
        assert self._open is not None
        start, side = self._open
        self.spans.append([round(start, 3), round(self.t + CROSS_S / 2, 3), side])
        self._open = None
        self._add(CROSS_S, pose, label)


@dataclass
class Clip:
    """One exercise clip: its design, keyframes, camera and truth."""

    exercise: str
    design: Design
    keys: list[tuple[float, ActorPose]]
    view: View
    truth: dict
    fps: float = FPS
    size: tuple[int, int] = SIZE
    _poses: list[ActorPose] = field(default_factory=list, repr=False)

    @property
    def frames(self) -> int:
        return frame_count(self.keys[-1][0], self.fps)

    def pose_at_frame(self, i: int) -> ActorPose:
        return pose_at(self.keys, i / self.fps)

    def poses(self) -> Iterator[tuple[float, ActorPose]]:
        for i in range(self.frames):
            yield i / self.fps, self.pose_at_frame(i)

    def render_frame(self, i: int) -> np.ndarray:
        return render_skeleton(forward_kinematics(self.pose_at_frame(i)), self.view, self.size)

    def truth_landmarks(self, i: int) -> np.ndarray:
        """(33, 2) ground-truth pixels of frame ``i``."""
        return self.view.project(forward_kinematics(self.pose_at_frame(i)).landmarks, self.size)[0]


# ------------------------------------------------------------------ choreography
def _hold_timeline(d: Design) -> tuple[Timeline, bool]:
    sides: Sequence[str | None] = ("left", "right") if d.sided else (None,)
    holds = (3.5, 3.0) if d.sided else (4.5, 4.0)
    tl = Timeline(d.pose("neutral"))
    tl.hold(1.5, "neutral")
    for side in sides:
        tag = f" ({side})" if side else ""
        if "via" in d.left_poses:
            tl.move(0.8, d.pose("via", side), "entering" + tag)
            tl.move(0.4, d.pose("approach", side), "entering" + tag)
        else:
            tl.move(1.2, d.pose("approach", side), "entering" + tag)
        tl.enter(d.pose("correct", side), "entering" + tag, side)
        tl.hold(holds[0], "correct" + tag)
        tl.leave(d.pose("fault", side), f"fault: {d.fault_label}" + tag)
        tl.hold(1.7, f"fault: {d.fault_label}" + tag)
        tl.enter(d.pose("correct", side), "correcting" + tag, side)
        tl.hold(holds[1], "correct" + tag)
        tl.leave(d.pose("approach", side), "leaving" + tag)
        if "via" in d.left_poses:
            tl.move(0.4, d.pose("via", side), "leaving" + tag)
            tl.move(0.8, d.pose("neutral", side), "leaving" + tag)
        else:
            tl.move(1.2, d.pose("neutral", side), "leaving" + tag)
        tl.hold(1.0, "neutral")
    return tl, False


def _cat_cow_timeline(d: Design) -> tuple[Timeline, bool]:
    p = d.pose
    tl = Timeline(p("neutral"))
    tl.hold(1.5, "neutral: sitting on the heels")
    tl.move(1.2, p("approach"), "entering: hands to the floor")
    tl.enter(p("correct"), "entering: onto all fours", None)
    tl.hold(0.5, "all fours, flat back")

    def cycles(n: int, cat: str, cow: str, flat: str, counted: bool, first: int = 1, cycle_s: float = 3.2) -> None:
        move = (cycle_s - 1.0) / 2.0
        for k in range(n):
            word = f"cycle {first + k}" if counted else f"fault cycle {k + 1} (not counted)"
            tl.move(move, p(cat), f"{word}: cat")
            tl.hold(0.5, f"{word}: cat")
            tl.move(move, p(cow), f"{word}: cow")
            tl.hold(0.5, f"{word}: cow")
            if counted:
                tl.reps += 1
        tl.move(0.5, p(flat), "back to a flat back" if counted else "fault: flat back, sitting back")

    cycles(3, "cat", "cow", "correct", True)
    tl.leave(p("fault"), f"fault: {d.fault_label}")
    cycles(2, "fault_cat", "fault_cow", "fault", False, cycle_s=2.8)
    tl.enter(p("correct"), "correcting: hips over the knees", None)
    tl.hold(0.2, "all fours, flat back")
    cycles(2, "cat", "cow", "correct", True, first=4)
    tl.leave(p("approach"), "leaving: sitting back")
    tl.move(1.2, p("neutral"), "leaving: sitting back")
    tl.hold(0.8, "neutral: sitting on the heels")
    return tl, True


def _truth(d: Design, tl: Timeline, view: View, fps: float, reps_exercise: bool) -> dict:
    spans = [[s, e, side] for s, e, side in tl.spans]
    lengths = [round(e - s, 3) for s, e, _ in spans]
    truth: dict = {
        "exercise": d.id,
        "hold_s": round(sum(lengths), 3),
    }
    if d.sided:
        truth["sides"] = {side: round(sum(l for l, sp in zip(lengths, spans) if sp[2] == side), 3)
                          for side in ("left", "right")}
    truth["reps"] = tl.reps if reps_exercise else None
    truth["target_s"] = None if reps_exercise else HOLD_TARGET_S
    truth["correct_spans"] = spans
    truth["fps"] = fps
    truth["frames"] = frame_count(tl.t, fps)
    truth["view"] = d.view_kind
    truth["camera"] = {"azimuth_deg": view.azimuth, "elevation_deg": view.elevation,
                       "sees": _camera_sees(view)}
    truth["phases"] = tl.phases
    return truth


def _camera_sees(view: View) -> str:
    az = view.azimuth % 360.0
    if abs(az - 90.0) < 1e-6:
        return "the person's left side"
    if abs(az - 270.0) < 1e-6:
        return "the person's right side"
    if abs(az) < 1e-6:
        return "the front (for lying poses: from the feet)"
    return f"an oblique view, azimuth {view.azimuth:g} deg"


def build_clip(exercise: str, fps: float = FPS, size: tuple[int, int] = SIZE) -> Clip:
    """The keyframes, fitted camera and truth of one exercise's clip (nothing is rendered)."""
    if exercise not in DESIGNS:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {', '.join(EXERCISE_IDS)}")
    d = DESIGNS[exercise]
    tl, reps = _cat_cow_timeline(d) if exercise == "cat_cow" else _hold_timeline(d)
    # frame the whole clip: every keyframe plus every 10th frame in between
    n = frame_count(tl.t, fps)
    sample = [k for _, k in tl.keys] + [pose_at(tl.keys, i / fps) for i in range(0, n, 10)]
    pts = []
    for p in sample:
        sk = forward_kinematics(p)
        pts.append(np.concatenate([part.points() for part in sk.parts] + [sk.landmarks]))
    view = fit_view(d.view, pts, size, margin=0.05)
    return Clip(exercise=exercise, design=d, keys=tl.keys, view=view,
                truth=_truth(d, tl, view, fps, reps), fps=fps, size=size)


# ------------------------------------------------------------------ files
def write_video(frames: Iterable[np.ndarray], path: str | os.PathLike, fps: float = FPS,
                size: tuple[int, int] = SIZE) -> int:
    """Write BGR frames with OpenCV's 'mp4v' codec; returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot write mp4v video")
    n = 0
    try:
        for frame in frames:
            writer.write(frame)
            n += 1
    finally:
        writer.release()
    return n


def format_json(obj, indent: int = 0) -> str:
    """JSON with one key per line and short lists (spans, phases) kept on one line each."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {format_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(isinstance(x, (dict, list)) for x in obj):
        items = [inner + (format_json(x, indent + 1) if isinstance(x, dict) else json.dumps(x)) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


def write_truth(truth: dict | list, path: str | os.PathLike) -> None:
    write_text_atomic(path, format_json(truth) + "\n")


def write_clip(clip: Clip, directory: str | os.PathLike) -> tuple[Path, Path]:
    """Render ``clip`` to ``<dir>/<exercise>.mp4`` and write ``<dir>/<exercise>.truth.json``."""
    directory = Path(directory)
    video = directory / f"{clip.exercise}.mp4"
    truth = directory / f"{clip.exercise}.truth.json"
    write_video((clip.render_frame(i) for i in range(clip.frames)), video, clip.fps, clip.size)
    write_truth(clip.truth, truth)
    return video, truth


def read_video(path: str | os.PathLike) -> Iterator[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield frame
    finally:
        cap.release()


def join_clips(videos: Sequence[str | os.PathLike], truths: Sequence[dict], out_video: str | os.PathLike,
               out_truth: str | os.PathLike | None = None, fps: float = FPS,
               size: tuple[int, int] = SIZE) -> list[dict]:
    """Concatenate clips into one video; the truth is a list of per-clip truths with offsets.

    Each entry is the clip's truth plus ``offset_s`` and ``offset_frame`` (where the
    clip starts in the joined video); the clip's own times stay relative to its start.
    """
    entries: list[dict] = []
    offset = 0

    def frames() -> Iterator[np.ndarray]:
        nonlocal offset
        for video, truth in zip(videos, truths):
            entry = dict(truth)
            entry["offset_frame"] = offset
            entry["offset_s"] = round(offset / fps, 6)
            entry["video"] = Path(video).name
            entries.append(entry)
            count = 0
            for frame in read_video(video):
                if (frame.shape[1], frame.shape[0]) != tuple(size):
                    frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
                yield frame
                count += 1
            offset += count

    write_video(frames(), out_video, fps, size)
    if out_truth is not None:
        write_truth(entries, out_truth)
    return entries


# ------------------------------------------------------------------ checks
def self_check(clip: Clip, step: int = 1) -> dict:
    """Compare the truth spans with the exercise's measure on the truth landmarks.

    Returns the frames whose judged state disagrees with the truth, ignoring frames
    within half a crossing (0.15 s) of a span boundary.
    """
    d = clip.design
    spans = clip.truth["correct_spans"]
    bounds = [b for s, e, _ in spans for b in (s, e)]
    bad = []
    for i in range(0, clip.frames, step):
        t = i / clip.fps
        side = None
        truth_ok = False
        for s, e, sd in spans:
            if s <= t < e:
                truth_ok, side = True, sd
        if side is None and d.sided:
            # outside spans: judge against the side being worked on now
            side = _side_at(clip, t)
        ok, m = d.evaluate(clip.pose_at_frame(i), clip.view, side)
        if ok != truth_ok and min(abs(t - b) for b in bounds) > CROSS_S / 2 + 1e-6:
            bad.append((round(t, 3), truth_ok, {k: round(v, 1) for k, v in m.items()}))
    return {"frames_checked": len(range(0, clip.frames, step)), "disagreements": bad}


def _side_at(clip: Clip, t: float) -> str | None:
    for s, e, label in clip.truth["phases"]:
        if s <= t <= e:
            if "(right)" in label:
                return "right"
            if "(left)" in label:
                return "left"
    return "left"


def detection_report(clip: Clip, video: str | os.PathLike, estimator=None) -> dict:
    """Run the real model (video mode) over a written clip: detection share and landmark error."""
    from posecheck.io.estimator import PoseEstimator
    from posecheck.io.sources import VideoSource

    own = estimator is None
    est = estimator or PoseEstimator(video=True)
    detected = 0
    errors: list[float] = []
    near_errors: list[float] = []
    az = clip.view.azimuth % 360.0
    near = LEFT_MAIN if abs(az - 90.0) < 1e-6 else RIGHT_MAIN if abs(az - 270.0) < 1e-6 else None
    per_phase: dict[str, list[int]] = {}
    frames = 0
    try:
        src = VideoSource(video)
        for frame in src:
            i = frame.index
            if i >= clip.frames:
                break
            frames += 1
            pose = est.estimate(frame)
            label = _phase_of(clip, i / clip.fps)
            counts = per_phase.setdefault(label, [0, 0])
            counts[1] += 1
            if pose is None:
                continue
            detected += 1
            counts[0] += 1
            truth = clip.truth_landmarks(i)
            errors.append(float(np.mean(np.linalg.norm(pose.pixels[list(MAIN_JOINTS)] -
                                                        truth[list(MAIN_JOINTS)], axis=1))))
            if near is not None:
                near_errors.append(float(np.mean(np.linalg.norm(pose.pixels[list(near)] - truth[list(near)],
                                                                axis=1))))
        src.close()
    finally:
        if own:
            est.close()
    err = np.array(errors) if errors else np.array([np.nan])
    worst = min(per_phase.items(), key=lambda kv: kv[1][0] / max(kv[1][1], 1))
    return {
        "exercise": clip.exercise,
        "frames": frames,
        "detected": detected,
        "detection_rate": detected / max(frames, 1),
        "mean_error_px": float(np.mean(err)),
        "median_error_px": float(np.median(err)),
        "p90_error_px": float(np.percentile(err, 90)),
        "near_side_error_px": float(np.mean(near_errors)) if near_errors else None,
        "worst_phase": {"label": worst[0], "detected": worst[1][0], "frames": worst[1][1]},
    }


def _phase_of(clip: Clip, t: float) -> str:
    for s, e, label in clip.truth["phases"]:
        if s <= t < e:
            return label
    return clip.truth["phases"][-1][2]


def render_reference(exercise: str, size: tuple[int, int] = SIZE, side: str | None = None) -> np.ndarray:
    """The actor in the exercise's target (correct) pose, framed for an instruction card."""
    if exercise not in DESIGNS:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {', '.join(EXERCISE_IDS)}")
    d = DESIGNS[exercise]
    pose = d.pose("correct", side if d.sided else None)
    sk = forward_kinematics(pose)
    view = fit_view(d.view, [np.concatenate([p.points() for p in sk.parts] + [sk.landmarks])],
                    size, margin=0.08)
    return render_skeleton(sk, view, size)
