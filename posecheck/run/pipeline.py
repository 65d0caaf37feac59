"""The one loop: poses (from the model or the pose cache) -> a session or the routine splitter -> summary.

``analyze_file`` judges one video or image and returns its ``Summary`` with the
per-frame results; a sink (annotated video) sees every decoded frame with its
result. With ``sample_fps`` only a subsample of frames is judged, while times
still come from the frames' own timestamps, so hold times stay in real seconds
and the annotated video keeps the source rate.

A video's poses come from ``VideoPoses`` (one pass) or, for a video long enough
to have segments, from ``ChunkedPoses`` (segments fixed by the video, on
``jobs`` worker processes, joined in frame order before anything is judged). With one exercise they feed one
session as they arrive (the judge on its own thread, the sink on another).
With the exercise ``auto`` they are collected first, then the routine is split
into exercise segments (``recognize``) and each segment is judged by its own
exercise; a sink then sees the frames in a second decode, as it does when the
poses come from the cache (nothing was decoded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from posecheck.config import Settings
from posecheck.core.features import compute_features
from posecheck.core.smoothing import PoseSmoother
from posecheck.core.types import Assessment, Frame, FrameResult, Pose, State
from posecheck.errors import PosecheckError
from posecheck.io.estimator import PoseEstimator
from posecheck.io.sources import ImageSource, VideoSource, check_input
from posecheck.judge.exercises import Exercise
from posecheck.judge.recognize import (
    best_frame_score,
    frame_label,
    recognize_pose,
    segment_labels,
)
from posecheck.judge.session import ExerciseSession
from posecheck.judge.summary import (
    ExerciseSegment,
    Summary,
    exercise_segment,
    image_summary,
    routine_summary,
    video_summary,
)
from posecheck.run.chunks import SEGMENT_S, ChunkedPoses, chunked_jobs
from posecheck.run.poses import VideoPoses, image_pose
from posecheck.run.stages import BackgroundSink

AUTO = "auto"
FrameSink = Callable[[Frame, FrameResult], None]


def check_sample_fps(fps: float | None) -> float | None:
    """``--fps``: None (every frame) or a rate above 0."""
    if fps is not None and fps <= 0:
        raise PosecheckError(f"--fps must be above 0, got {fps:g}")
    return fps


@dataclass
class AnalyzeOptions:
    model: str | None = None
    settings: Settings = field(default_factory=Settings)
    sample_fps: float | None = None  # judge at most this many frames per second
    progress: bool | None = None  # None: a bar when stderr is a terminal
    # Reuse poses stored by ``posecache`` in this folder instead of running the
    # model again (re-runs after changing settings, the evaluation suite).
    pose_cache: str | None = None
    # Worker processes sharing one long video's segments (``posecheck.run.chunks``); the judgement
    # does not depend on it.
    jobs: int = 1
    segment_s: float = SEGMENT_S  # a long video's segments, each from a fresh model (run/chunks.py)

    def __post_init__(self) -> None:
        check_sample_fps(self.sample_fps)


@dataclass
class Analysis:
    summary: Summary
    frames: list[FrameResult]


def _session(exercise: Exercise, settings: Settings, smooth: bool = True) -> ExerciseSession:
    return ExerciseSession(exercise, smooth=smooth, dwell_s=settings.dwell_s, grace_s=settings.grace_s)


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
    pose = image_pose(path, source, estimator, pose_cache)
    width, height = source.info.width, source.info.height
    auto = exercise_name == AUTO
    recognized = None
    if auto:
        body = compute_features(pose) if pose is not None else None
        recognized = recognize_pose(body, settings.exercises) if body is not None else None
        judged_as = recognized or (frame_label(body, settings.exercises) if body is not None else None)
        if judged_as is None:
            result = _unjudged(0, 0.0, pose)
            return Analysis(image_summary(path, result, None, width, height, auto=True), [result])
        exercise = settings.exercise(judged_as)
    else:
        exercise = settings.exercise(exercise_name)
    session = _session(exercise, settings, smooth=False)
    result = session.step(0.0, pose)
    session.finish(0.0)
    return Analysis(image_summary(path, result, session.summary(), width, height, auto=auto,
                                  recognized=recognized), [result])


def analyze_video(path: str, exercise_name: str, options: AnalyzeOptions | None = None,
                  sink: FrameSink | None = None) -> Analysis:
    options = options or AnalyzeOptions()
    settings = options.settings
    exercise = None if exercise_name == AUTO else settings.exercise(exercise_name)
    jobs = chunked_jobs(path, options.jobs, options.sample_fps, options.pose_cache, options.segment_s)
    if jobs:
        poses = ChunkedPoses(path, options.model, jobs, options.progress,
                             frames=sink is not None and exercise is not None, segment_s=options.segment_s)
    else:
        poses = VideoPoses(path, options.model, options.sample_fps, options.pose_cache, options.progress)
    with poses:
        sink_now = sink is not None and exercise is not None and poses.decodes_frames
        if exercise is not None:
            session = _session(exercise, settings)
            results = _judge_as_they_come(poses, session, sink if sink_now else None)
        else:
            sampled = [(s.t, s.pose) for s in poses if s.sampled]
        video = poses.facts()
    if exercise is not None:
        session.finish(video.end_s)
        summary = video_summary(path, session.summary(), session.frames, session.person_frames, results, video)
    else:
        times, found = [t for t, _ in sampled], [pose for _, pose in sampled]
        parts, results = _judge_routine(times, found, video.end_s, settings)
        summary = routine_summary(path, parts, results, sum(p is not None for p in found), video)
    if sink is not None and not sink_now:
        _replay_to_sink(path, results, sink)
    return Analysis(summary, results)


def _judge_as_they_come(poses: VideoPoses | ChunkedPoses, session: ExerciseSession, sink: FrameSink | None) -> list[FrameResult]:
    """Each sampled pose through the session; the sink gets every frame with the latest result."""
    results: list[FrameResult] = []
    latest: list[FrameResult] = []  # for frames the sampler skips
    background = BackgroundSink(sink) if sink is not None else None

    def judge(t: float, pose: Pose | None, sampled: bool, frame: Frame | None) -> None:
        # On its own thread, in frame order: the judge (0.3-0.5 ms of Python a
        # frame) then runs while the model works on the next frame instead of after it.
        if sampled:
            result = session.step(t, pose)
            results.append(result)
            latest[:] = [result]
        if background is not None:
            background(frame, latest[0])

    judging: BackgroundSink | None = BackgroundSink(judge)
    try:
        for sample in poses:
            if sample.sampled or background is not None:
                judging(sample.t, sample.pose, sample.sampled, sample.frame)
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
    return results


def _judge_routine(times: list[float], poses: list[Pose | None], end_t: float,
                   settings: Settings) -> tuple[list[ExerciseSegment], list[FrameResult]]:
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
    parts: list[ExerciseSegment] = []
    for span in spans:
        idx = [i for i, t in enumerate(times) if span.start_s <= t < span.end_s]
        if span.exercise is None:
            results.extend(_unjudged(i, times[i], poses[i]) for i in idx)
            continue
        session = _session(settings.exercise(span.exercise), settings)
        part_results = [session.step(times[i], poses[i]) for i in idx]
        for i, r in zip(idx, part_results):
            results.append(replace(r, index=i))
        session.finish(span.end_s)
        parts.append(exercise_segment(span.start_s, span.end_s, session.summary()))
    return parts, results


def _replay_to_sink(path: str, results: list[FrameResult], sink: FrameSink) -> None:
    """A second decode for the sink: each frame with the latest judged result."""
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
    if check_input(path) == "image":
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
