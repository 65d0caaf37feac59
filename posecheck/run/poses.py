"""Poses of an input's frames, from the model or from the pose cache: what the pipeline judges.

``VideoPoses`` gives every frame of a video in order, with its pose when the
frame is sampled (``--fps``: at most that many frames a second go to the
model; times stay the frames' own timestamps). The poses come from the model
(frames decoded in a background thread, the colour conversion there too) or,
with a pose cache folder, from poses stored by ``posecache`` on an earlier run
(no decoding at all). After the loop, ``facts()`` says what was read.
``image_pose`` is the same choice for a still.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from posecheck.core.types import Frame, Pose
from posecheck.io.estimator import PoseEstimator
from posecheck.io.sources import ImageSource, VideoSource, no_video_frames
from posecheck.judge.summary import VideoFacts
from posecheck.run.progress import Progress
from posecheck.run.stages import prefetch


@dataclass(frozen=True)
class PoseSample:
    """One frame: its time, whether it was sampled, its pose if so, and the frame if it was decoded."""

    t: float
    sampled: bool
    pose: Pose | None  # None: nobody found, or the frame was not sampled
    frame: Frame | None = None  # None with poses from the cache (nothing is decoded)


class Sampler:
    """Chooses which frames go through the model when a sample rate is set (the first always does)."""

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


def _decoded_for_model(source: VideoSource, sampler: Sampler, to_model_input) -> Iterator[tuple[Frame, object]]:
    """Each frame with its model input, or None for frames the sampler skips.

    Runs in the decoding thread (``prefetch``), so the colour conversion and
    copy into the model's image overlap with the model's work on the frame before.
    """
    for n, frame in enumerate(source):
        yield frame, (to_model_input(frame) if n == 0 or sampler.take(frame.timestamp_s) else None)


class VideoPoses:
    """The frames of one video with their poses; iterate once, inside ``with``, then ask ``facts()``."""

    def __init__(self, path: str, model: str | None = None, sample_fps: float | None = None,
                 pose_cache: str | None = None, progress: bool | None = None):
        self.path = str(path)
        self._model = model
        self._sample_fps = sample_fps
        self._pose_cache = pose_cache
        self._source = VideoSource(path)  # checks the file and gives its facts
        self.info = self._source.info
        self.decodes_frames = not pose_cache
        self._bar = (Progress(self.info.frame_count, label=os.path.basename(path), enabled=progress)
                     if self.decodes_frames else None)
        if pose_cache:
            self._source.close()
        self._samples: Iterator[PoseSample] | None = None
        self._read = 0
        self._last_t: float | None = None

    def __iter__(self) -> Iterator[PoseSample]:
        if self._samples is not None:
            raise RuntimeError("VideoPoses is iterated once")
        self._samples = self._from_cache() if self._pose_cache else self._from_model()
        for sample in self._samples:
            self._read += 1
            self._last_t = sample.t
            yield sample

    def _from_model(self) -> Iterator[PoseSample]:
        sampler = Sampler(self._sample_fps)
        with PoseEstimator(self._model, video=True) as estimator:
            for frame, model_input in prefetch(_decoded_for_model(self._source, sampler, estimator.model_input())):
                sampled = model_input is not None
                pose = estimator.estimate(frame, model_input) if sampled else None
                yield PoseSample(frame.timestamp_s, sampled, pose, frame)
                self._bar.update()

    def _from_cache(self) -> Iterator[PoseSample]:
        from posecheck.io.posecache import cached_track

        track = cached_track(self.path, self._model, Path(self._pose_cache))
        sampler = Sampler(self._sample_fps)
        for i in range(len(track)):
            t = float(track.timestamps[i])
            sampled = i == 0 or sampler.take(t)
            yield PoseSample(t, sampled, track.pose(i) if sampled else None)

    def facts(self) -> VideoFacts:
        """What was read; a video with no frame at all is an error."""
        if self._last_t is None:
            raise no_video_frames(self.path)
        fps = self._source.fps
        return VideoFacts(width=self.info.width, height=self.info.height, fps=fps,
                          frame_count=self.info.frame_count, decoded=self._read,
                          # The last frame lasts one frame period.
                          end_s=self._last_t + (1.0 / fps if fps else 0.0), sample_fps=self._sample_fps)

    def close(self) -> None:
        if self._samples is not None:
            self._samples.close()  # ends the model and the decoding thread
        if self._bar is not None:
            self._bar.close()
        self._source.close()

    def __enter__(self) -> VideoPoses:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def image_pose(path: str, source: ImageSource, estimator: PoseEstimator | None,
               pose_cache: str | None = None) -> Pose | None:
    """The pose in a still: from the model, or from the pose cache."""
    if pose_cache:
        from posecheck.io.posecache import cached_track

        model = None if estimator is None else str(estimator.model_path)
        return cached_track(path, model, Path(pose_cache)).pose(0)
    return estimator.estimate(next(iter(source)))
