"""The annotated video: each frame drawn with its judgement (skeleton, angles, cues) and encoded."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from posecheck.io.video import VideoWriter, _ClosedOnExit


class Annotator:
    """Draws the overlay on a copy of a frame, with the exercise the frame was judged as.

    ``exercises`` maps ids to Exercise objects so that each frame is drawn with
    its own exercise (``FrameResult.exercise``; in auto mode that changes along
    the video); ``exercise`` is the fallback. ``max_side`` scales frames down
    first (reports keep files small). The source image is never modified.
    """

    def __init__(self, exercises=None, exercise=None, max_side: int | None = None):
        self.exercises = dict(exercises or {})
        self.exercise = exercise
        self.max_side = max_side

    def exercise_for(self, result):
        if result is not None and result.exercise:
            return self.exercises.get(result.exercise, self.exercise)
        return self.exercise

    def __call__(self, image: np.ndarray, result) -> np.ndarray:
        import cv2

        from posecheck.draw.overlay import draw_overlay

        h, w = image.shape[:2]
        if self.max_side and max(h, w) > self.max_side:
            scale = self.max_side / max(h, w)
            image = cv2.resize(image, (max(2, round(w * scale)), max(2, round(h * scale))),
                               interpolation=cv2.INTER_AREA)
        else:
            image = image.copy()
        if result is not None:
            draw_overlay(image, result, self.exercise_for(result))
        return image


class AnnotatedVideo(_ClosedOnExit):
    """A pipeline sink that draws the overlay on each frame and writes it to a video.

    See ``Annotator`` for ``exercises``, ``exercise`` and ``max_side``.
    ``on_frame(image, frame, result)`` sees each annotated image (for key
    frames) before it is encoded.
    """

    def __init__(self, path: str | os.PathLike, fps: float | None, exercises=None, exercise=None,
                 max_side: int | None = None, on_frame=None, **writer_options):
        self.annotate = Annotator(exercises, exercise, max_side)
        self.writer = VideoWriter(path, fps=fps, **writer_options)
        self.on_frame = on_frame

    def __call__(self, frame, result) -> None:
        image = self.annotate(frame.image, result)
        if self.on_frame is not None:
            self.on_frame(image, frame, result)
        self.writer.write(image, frame.timestamp_s)

    @property
    def start_s(self) -> float:
        return self.writer.start_s or 0.0

    def close(self) -> Path:
        return self.writer.close()

    def abort(self) -> None:
        self.writer.abort()
