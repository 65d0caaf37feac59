"""The one loop: source -> estimator -> session (smoothing, rules, trackers) -> sinks.

``analyze_file`` judges one video or image and returns its summary with the
per-frame results; sinks (CSV, annotated video, reports) consume those.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import PosecheckError
from .estimator import PoseEstimator
from .exercises import Exercise
from .progress import Progress
from .session import ExerciseSession
from .sources import ImageSource, VideoSource, kind_of
from .types import Frame, FrameResult, State

FrameSink = Callable[[Frame, FrameResult], None]


@dataclass
class Analysis:
    summary: dict
    frames: list[FrameResult]


def _verdict(frames: list[FrameResult], kind: str) -> str:
    if not frames:
        return State.NO_PERSON.value
    if kind == "image":
        return frames[0].assessment.state.value
    counts = Counter(fr.state for fr in frames)
    return counts.most_common(1)[0][0].value


def analyze_image(path: str, exercise: Exercise, estimator: PoseEstimator) -> Analysis:
    source = ImageSource([path])
    frame = next(iter(source))
    pose = estimator.estimate(frame)
    session = ExerciseSession(exercise, smooth=False)
    result = session.step(0.0, pose)
    session.finish(0.0)
    summary = _base_summary(path, "image", exercise, session, [result], source.info)
    summary["verdict"] = result.assessment.state.value
    summary["hold_s"] = 0.0
    summary["cue"] = result.assessment.cue
    summary["rules"] = [
        {"rule": r.name, "value": r.value, "ok": r.ok, "low": r.low, "high": r.high, "cue": r.cue}
        for r in result.assessment.results]
    return Analysis(summary, [result])


def analyze_video(path: str, exercise: Exercise, model: str | None = None,
                  sink: FrameSink | None = None, progress: bool | None = None) -> Analysis:
    source = VideoSource(path)
    session = ExerciseSession(exercise)
    results: list[FrameResult] = []
    bar = Progress(source.info.frame_count, label=Path(path).name, enabled=progress)
    last_frame: Frame | None = None
    try:
        with PoseEstimator(model, video=True) as estimator:
            for frame in source:
                result = session.step(frame.timestamp_s, estimator.estimate(frame))
                results.append(result)
                if sink is not None:
                    sink(frame, result)
                last_frame = frame
                bar.update()
    finally:
        bar.close()
        source.close()
    if last_frame is None:
        raise PosecheckError(f"{path}: no decodable video frames")
    # The last frame lasts one frame period.
    period = 1.0 / source.fps if source.fps else 0.0
    end_t = last_frame.timestamp_s + period
    session.finish(end_t)
    summary = _base_summary(path, "video", exercise, session, results, source.info)
    summary["duration_s"] = round(end_t - (results[0].timestamp_s if results else 0.0), 3)
    summary["fps"] = round(source.fps, 3)
    expected = source.info.frame_count
    if expected and len(results) < expected * 0.9:
        summary["warnings"] = [f"only {len(results)} of {expected} frames decoded; the rest of the file is unreadable"]
    return Analysis(summary, results)


def _base_summary(path: str, kind: str, exercise: Exercise, session: ExerciseSession,
                  results: list[FrameResult], info) -> dict:
    body = session.summary()
    summary = {
        "input": str(path),
        "kind": kind,
        "exercise": exercise.id,
        "frames": session.frames,
        "duration_s": 0.0,
        "person_frames": session.person_frames,
        "verdict": _verdict(results, kind),
        "width": info.width,
        "height": info.height,
    }
    summary.update(body)
    return summary


def analyze_file(path: str, exercise: Exercise, model: str | None = None,
                 image_estimator: PoseEstimator | None = None,
                 sink: FrameSink | None = None, progress: bool | None = None) -> Analysis:
    kind = kind_of(path)
    if not os.path.exists(path):
        raise PosecheckError(f"{path}: no such file")
    if kind == "image":
        if image_estimator is None:
            with PoseEstimator(model, video=False) as estimator:
                return analyze_image(path, exercise, estimator)
        return analyze_image(path, exercise, image_estimator)
    return analyze_video(path, exercise, model=model, sink=sink, progress=progress)
