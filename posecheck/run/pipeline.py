"""The one loop: source -> estimator -> session (smoothing, rules, trackers) -> sinks.

``analyze_file`` judges one video or image and returns its summary with the
per-frame results; sinks (annotated video, key frames) see every decoded frame
with its result. With ``sample_fps`` only a subsample of frames goes through
the model, while times still come from the frames' own timestamps, so hold
times stay in real seconds and the annotated video keeps the source rate.

With the exercise ``auto``, a video is judged in two passes: poses first, then
the routine is split into exercise segments (``recognize``) and each segment is
judged by its own exercise.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from posecheck.config import Settings
from posecheck.errors import PosecheckError
from posecheck.io.estimator import PoseEstimator
from posecheck.judge.exercises import Exercise
from posecheck.core.features import compute_features
from posecheck.run.progress import Progress
from posecheck.judge.recognize import best_frame_score, frame_label, recognize_pose, segment_labels
from posecheck.judge.session import ExerciseSession
from posecheck.core.smoothing import PoseSmoother
from posecheck.run.stages import BackgroundSink, prefetch
from posecheck.io.sources import ImageSource, VideoSource, kind_of
from posecheck.core.types import Assessment, Frame, FrameResult, Pose, State

AUTO = "auto"
FrameSink = Callable[[Frame, FrameResult], None]


@dataclass
class AnalyzeOptions:
    model: str | None = None
    settings: Settings = field(default_factory=Settings)
    sample_fps: float | None = None  # judge at most this many frames per second
    progress: bool | None = None  # None: a bar when stderr is a terminal
    # Reuse poses stored by ``posecache`` in this folder instead of running the
    # model again (re-runs after changing settings, the evaluation suite).
    pose_cache: str | None = None


@dataclass
class Analysis:
    summary: dict
    frames: list[FrameResult]


def _verdict(frames: list[FrameResult]) -> str:
    if not frames:
        return State.NO_PERSON.value
    return Counter(fr.state for fr in frames).most_common(1)[0][0].value


def _session(exercise: Exercise, settings: Settings, smooth: bool = True) -> ExerciseSession:
    return ExerciseSession(exercise, smooth=smooth, dwell_s=settings.dwell_s, grace_s=settings.grace_s)


def _rules_table(result: FrameResult) -> list[dict]:
    return [{"rule": r.name, "value": r.value, "ok": r.ok, "low": r.low, "high": r.high, "cue": r.cue}
            for r in result.assessment.results]


def _unjudged(index: int, t: float, pose: Pose | None) -> FrameResult:
    """A frame outside every exercise (auto mode between exercises)."""
    state = State.NO_PERSON if pose is None else State.INCORRECT
    cue = "Step into the camera's view" if pose is None else "Get into position for an exercise"
    return FrameResult(index=index, timestamp_s=t, pose=pose, features={},
                       assessment=Assessment(state=state, cue=cue), state=state, cue=cue,
                       side=None, hold_s=0.0)


def analyze_image(path: str, exercise_name: str, estimator: PoseEstimator | None,
                  settings: Settings | None = None, pose_cache: str | None = None) -> Analysis:
    settings = settings or Settings()
    source = ImageSource([path])
    if pose_cache:
        from pathlib import Path

        from posecheck.io.posecache import cached_track

        pose = cached_track(path, None if estimator is None else str(estimator.model_path),
                            Path(pose_cache)).pose(0)
    else:
        pose = estimator.estimate(next(iter(source)))
    summary: dict = {"input": str(path), "kind": "image"}
    if exercise_name == AUTO:
        body = compute_features(pose) if pose is not None else None
        recognized = recognize_pose(body, settings.exercises) if body is not None else None
        summary["recognized"] = recognized
        judged_as = recognized or (frame_label(body, settings.exercises) if body is not None else None)
        if judged_as is None:
            result = _unjudged(0, 0.0, pose)
            summary.update({"exercise": None, "frames": 1, "duration_s": 0.0,
                            "person_frames": int(pose is not None), "verdict": result.state.value,
                            "hold_s": 0.0, "target_s": None, "reps": None, "segments": [], "faults": [],
                            "cue": result.cue, "width": source.info.width, "height": source.info.height})
            return Analysis(summary, [result])
        exercise = settings.exercise(judged_as)
    else:
        exercise = settings.exercise(exercise_name)
    session = _session(exercise, settings, smooth=False)
    result = session.step(0.0, pose)
    session.finish(0.0)
    summary.update(_summary(session, exercise, [result], source.info.width, source.info.height))
    summary["verdict"] = result.assessment.state.value
    summary["segments"] = [{"start_s": 0.0, "end_s": 0.0, "state": summary["verdict"],
                            "side": result.assessment.side}]
    summary["cue"] = result.assessment.cue
    summary["rules"] = _rules_table(result)
    return Analysis(summary, [result])


def _summary(session: ExerciseSession, exercise: Exercise, results: list[FrameResult],
             width: int, height: int) -> dict:
    out = {
        "exercise": exercise.id,
        "frames": session.frames,
        "duration_s": 0.0,
        "person_frames": session.person_frames,
        "verdict": _verdict(results),
        "width": width,
        "height": height,
    }
    out.update(session.summary())
    return out


class _Sampler:
    """Chooses which frames go through the model when a sample rate is set."""

    def __init__(self, fps: float | None):
        self.period = 1.0 / fps if fps and fps > 0 else 0.0
        self.next_t: float | None = None

    def take(self, t: float) -> bool:
        if not self.period:
            return True
        if self.next_t is None or t >= self.next_t - 1e-6:
            self.next_t = (t if self.next_t is None else self.next_t) + self.period
            while self.next_t <= t:
                self.next_t += self.period
            return True
        return False


def _decoded_for_model(source, sampler: _Sampler, to_model_input) -> Iterator[tuple[Frame, object]]:
    """Each frame with its model input, or None for frames the sampler skips.

    Runs in the decoding thread (``prefetch``), so the colour conversion and
    copy into the model's image overlap with the model's work on the frame before.
    """
    for n, frame in enumerate(source):
        yield frame, (to_model_input(frame) if n == 0 or sampler.take(frame.timestamp_s) else None)


def analyze_video(path: str, exercise_name: str, options: AnalyzeOptions | None = None,
                  sink: FrameSink | None = None) -> Analysis:
    options = options or AnalyzeOptions()
    if options.pose_cache:
        return _analyze_cached_video(path, exercise_name, options, sink)
    if exercise_name == AUTO:
        return _analyze_video_auto(path, options, sink)
    settings = options.settings
    exercise = settings.exercise(exercise_name)
    source = VideoSource(path)
    session = _session(exercise, settings)
    results: list[FrameResult] = []
    bar = Progress(source.info.frame_count, label=os.path.basename(path), enabled=options.progress)
    sampler = _Sampler(options.sample_fps)
    last_frame: Frame | None = None
    decoded = 0
    background = BackgroundSink(sink) if sink is not None else None
    judged: list[FrameResult] = []  # the latest result, for frames the sampler skips

    def judge(frame: Frame, pose: Pose | None, fresh: bool) -> None:
        # On its own thread, in frame order: the judge (0.3-0.5 ms of Python a
        # frame) then runs while the model works on the next frame instead of after it.
        if fresh:
            result = session.step(frame.timestamp_s, pose)
            results.append(result)
            judged[:] = [result]
        if background is not None:
            background(frame, judged[0])

    judging: BackgroundSink | None = BackgroundSink(judge)
    try:
        with PoseEstimator(options.model, video=True) as estimator:
            for frame, model_input in prefetch(_decoded_for_model(source, sampler, estimator.model_input())):
                decoded += 1
                if model_input is not None:
                    judging(frame, estimator.estimate(frame, model_input), True)
                elif background is not None:
                    judging(frame, None, False)
                last_frame = frame
                bar.update()
        judging.close()
        judging = None
        if background is not None:
            background.close()
            background = None
    finally:
        if judging is not None:
            judging.abort()
        if background is not None:
            background.abort()
        bar.close()
        source.close()
    if last_frame is None:
        raise PosecheckError(f"{path}: no decodable video frames")
    end_t = _end_time(source, last_frame)
    session.finish(end_t)
    summary = {"input": str(path), "kind": "video"}
    summary.update(_summary(session, exercise, results, source.info.width, source.info.height))
    _finish_video_summary(summary, source, results, decoded, end_t, options)
    return Analysis(summary, results)


def _end_time(source: VideoSource, last_frame: Frame) -> float:
    # The last frame lasts one frame period.
    return last_frame.timestamp_s + (1.0 / source.fps if source.fps else 0.0)


def _finish_video_summary(summary: dict, source: VideoSource, results: list[FrameResult],
                          decoded: int, end_t: float, options: AnalyzeOptions) -> None:
    summary["duration_s"] = round(end_t - (results[0].timestamp_s if results else 0.0), 3)
    summary["fps"] = round(source.fps, 3)
    summary["decoded_frames"] = decoded
    if options.sample_fps:
        summary["sample_fps"] = options.sample_fps
    expected = source.info.frame_count
    if expected and decoded < expected * 0.9:
        summary.setdefault("warnings", []).append(
            f"only {decoded} of {expected} frames decoded; the rest of the file is unreadable")


def _analyze_video_auto(path: str, options: AnalyzeOptions, sink: FrameSink | None) -> Analysis:
    settings = options.settings
    source = VideoSource(path)
    bar = Progress(source.info.frame_count, label=os.path.basename(path), enabled=options.progress)
    sampler = _Sampler(options.sample_fps)
    times: list[float] = []
    poses: list[Pose | None] = []
    decoded = 0
    last_frame: Frame | None = None
    try:
        with PoseEstimator(options.model, video=True) as estimator:
            for frame, model_input in prefetch(_decoded_for_model(source, sampler, estimator.model_input())):
                decoded += 1
                if model_input is not None:
                    times.append(frame.timestamp_s)
                    poses.append(estimator.estimate(frame, model_input))
                last_frame = frame
                bar.update()
    finally:
        bar.close()
        source.close()
    if last_frame is None:
        raise PosecheckError(f"{path}: no decodable video frames")
    end_t = _end_time(source, last_frame)
    summary, results = _judge_routine(path, times, poses, end_t, source.info, settings)
    _finish_video_summary(summary, source, results, decoded, end_t, options)
    if sink is not None:
        _replay_to_sink(path, results, sink)
    return Analysis(summary, results)


def _judge_routine(path: str, times: list[float], poses: list[Pose | None], end_t: float, info,
                   settings: Settings) -> tuple[dict, list[FrameResult]]:
    """Split poses into exercise segments and judge each by its own exercise."""
    smoother = PoseSmoother()
    labels: list[str | None] = []
    correct: list[bool] = []
    for pose in poses:
        smoothed = smoother(pose)
        best = best_frame_score(compute_features(smoothed), settings.exercises) if smoothed else None
        labels.append(best.exercise if best else None)
        correct.append(best is not None and best.state is State.CORRECT)
    spans = segment_labels(times, labels, end_t, correct=correct)
    results: list[FrameResult] = []
    parts = []
    for span in spans:
        idx = [i for i, t in enumerate(times) if span.start_s <= t < span.end_s]
        if span.exercise is None:
            results.extend(_unjudged(i, times[i], poses[i]) for i in idx)
            continue
        exercise = settings.exercise(span.exercise)
        session = _session(exercise, settings)
        part_results = [session.step(times[i], poses[i]) for i in idx]
        for i, r in zip(idx, part_results):
            results.append(replace(r, index=i))
        session.finish(span.end_s)
        part = {"start_s": round(span.start_s, 3), "end_s": round(span.end_s, 3)}
        part.update(session.summary())
        parts.append(part)
    longest = max(parts, key=lambda p: p["end_s"] - p["start_s"], default=None)
    summary: dict = {"input": str(path), "kind": "video"}
    if longest is not None:
        summary.update({k: v for k, v in longest.items() if k not in ("start_s", "end_s")})
    else:
        summary.update({"exercise": None, "hold_s": 0.0, "target_s": None, "reps": None,
                        "segments": [], "faults": []})
    summary.update({
        "recognized": longest["exercise"] if longest else None,
        "frames": len(results),
        "person_frames": sum(p is not None for p in poses),
        "verdict": _verdict(results),
        "width": info.width,
        "height": info.height,
        "exercise_segments": parts,
    })
    return summary, results


def _analyze_cached_video(path: str, exercise_name: str, options: AnalyzeOptions,
                          sink: FrameSink | None) -> Analysis:
    from pathlib import Path

    from posecheck.io.posecache import cached_track

    source = VideoSource(path)  # checks the file and gives its facts
    source.close()
    track = cached_track(path, options.model, Path(options.pose_cache))
    sampler = _Sampler(options.sample_fps)
    keep = [i for i in range(len(track)) if i == 0 or sampler.take(float(track.timestamps[i]))]
    times = [float(track.timestamps[i]) for i in keep]
    poses = [track.pose(i) for i in keep]
    if not times:
        raise PosecheckError(f"{path}: no decodable video frames")
    end_t = float(track.timestamps[-1]) + (1.0 / source.fps if source.fps else 0.0)
    if exercise_name == AUTO:
        summary, results = _judge_routine(path, times, poses, end_t, source.info, options.settings)
    else:
        exercise = options.settings.exercise(exercise_name)
        session = _session(exercise, options.settings)
        results = [session.step(t, pose) for t, pose in zip(times, poses)]
        session.finish(end_t)
        summary = {"input": str(path), "kind": "video"}
        summary.update(_summary(session, exercise, results, source.info.width, source.info.height))
    _finish_video_summary(summary, source, results, len(track), end_t, options)
    if sink is not None:
        _replay_to_sink(path, results, sink)
    return Analysis(summary, results)


def _replay_to_sink(path: str, results: list[FrameResult], sink: FrameSink) -> None:
    """Second decode for sinks in auto mode: each frame with the latest judged result."""
    source = VideoSource(path)
    k = 0
    try:
        for frame in source:
            while k + 1 < len(results) and results[k + 1].timestamp_s <= frame.timestamp_s + 1e-9:
                k += 1
            sink(frame, results[k])
    finally:
        source.close()


def analyze_file(path: str, exercise: str | Exercise, options: AnalyzeOptions | None = None,
                 image_estimator: PoseEstimator | None = None,
                 sink: FrameSink | None = None, model: str | None = None) -> Analysis:
    """Judge one file. ``exercise`` is an id, ``"auto"``, or an Exercise object."""
    options = options or AnalyzeOptions(model=model)
    if isinstance(exercise, Exercise):
        options = replace(options, settings=replace(
            options.settings, exercises={**options.settings.exercises, exercise.id: exercise}))
        exercise_name = exercise.id
    else:
        exercise_name = exercise
    kind = kind_of(path)
    if not os.path.exists(path):
        raise PosecheckError(f"{path}: no such file")
    if kind == "image":
        if image_estimator is None:
            with PoseEstimator(options.model, video=False) as estimator:
                analysis = analyze_image(path, exercise_name, estimator, options.settings, options.pose_cache)
        else:
            analysis = analyze_image(path, exercise_name, image_estimator, options.settings, options.pose_cache)
        if sink is not None:
            frame = next(iter(ImageSource([path])))
            sink(frame, analysis.frames[0])
        return analysis
    return analyze_video(path, exercise_name, options, sink)
