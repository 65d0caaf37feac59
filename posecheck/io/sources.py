"""Frame sources: a video file, image files, or a camera, as one iterator of Frames.

Timestamps come from the container for files (so variable frame rates stay
right) and from a monotonic clock for cameras. OpenCV applies a video's rotation
metadata and an image's EXIF orientation, so phone footage comes out upright.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from posecheck.errors import PosecheckError
from posecheck.core.types import Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".gif", ".3gp"}
# Above this an image is scaled down before estimation: the model sees 256x256
# anyway, and an 8K frame would only cost memory and time.
MAX_IMAGE_SIDE = 1920


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # "image", "video" or "camera"
    name: str
    width: int
    height: int
    fps: float  # nominal; 0 when unknown
    frame_count: int  # nominal; 0 when unknown


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image (gray, BGRA, 16-bit) as 3-channel 8-bit BGR."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.shape[2] == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


def limit_size(image: np.ndarray, max_side: int = MAX_IMAGE_SIDE) -> np.ndarray:
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA)


def kind_of(path: str | os.PathLike) -> str:
    """'image' or 'video' from the file's name; the file itself is checked on opening."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    raise PosecheckError(
        f"{path}: not a video or image file (known endings: "
        f"{', '.join(sorted(VIDEO_SUFFIXES | IMAGE_SUFFIXES))})")


def no_video_frames(path: str | os.PathLike) -> PosecheckError:
    return PosecheckError(f"{path}: no decodable video frames")


def check_input(path: str | os.PathLike) -> str:
    """An input file that exists and can be read; its kind ('image' or 'video') from its name."""
    if Path(path).is_dir():
        raise _a_folder(path)
    kind = kind_of(path)
    _check_readable(path)
    return kind


def _a_folder(path: str | os.PathLike) -> PosecheckError:
    return PosecheckError(f"{path}: is a folder; give the videos or images in it (e.g. {Path(path) / '*.mp4'}), "
                          f"or report on all of them: posecheck report {path} --out REPORT_FOLDER")


def _check_readable(path: str | os.PathLike) -> None:
    """Errors name the path as the caller gave it."""
    file = Path(path)
    if not file.exists():
        raise PosecheckError(f"{path}: no such file")
    if file.is_dir():
        raise _a_folder(path)
    if file.stat().st_size == 0:
        raise PosecheckError(f"{path}: file is empty")
    if not os.access(file, os.R_OK):
        raise PosecheckError(f"{path}: permission denied")


def read_image(path: str | os.PathLike) -> np.ndarray:
    path = Path(path)
    _check_readable(path)
    data = np.fromfile(str(path), dtype=np.uint8)  # np.fromfile copes with non-ASCII paths
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if image is None or image.size == 0:
        raise PosecheckError(f"{path}: not a readable image")
    if image.ndim == 3 and image.shape[2] in (3, 4):
        image = _apply_exif_orientation(data, image)
    return limit_size(to_bgr8(image))


def _apply_exif_orientation(data: np.ndarray, image: np.ndarray) -> np.ndarray:
    # IMREAD_UNCHANGED skips EXIF rotation; decode the orientation separately by
    # comparing with an IMREAD_COLOR decode (which applies it) when shapes differ.
    oriented = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if oriented is not None and oriented.shape[:2] != image.shape[:2]:
        return oriented
    return image


class ImageSource:
    """One or more still images; each is a Frame with timestamp 0."""

    def __init__(self, paths: list[str | os.PathLike]):
        self.paths = [Path(p) for p in paths]
        for path in self.paths:
            _check_readable(path)
        first = read_image(self.paths[0])
        self._first = first
        self.info = SourceInfo("image", str(self.paths[0]), first.shape[1], first.shape[0], 0.0,
                               len(self.paths))

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self.paths):
            image = self._first if index == 0 else read_image(path)
            yield Frame(image=image, timestamp_s=0.0, index=index)

    def close(self) -> None:
        pass


class VideoSource:
    """Frames of a video file with the container's presentation timestamps."""

    def __init__(self, path: str | os.PathLike, decode_threads: int | None = None):
        """``decode_threads``: FFmpeg's decoding threads (None: its default, one per core). Where
        every core is busy already (a chunk's worker), 1 costs less CPU a frame: 0.24-0.28 ms
        against 0.29-0.38 at 640x480, measured."""
        self.path = Path(path)
        _check_readable(self.path)
        params = [cv2.CAP_PROP_N_THREADS, int(decode_threads)] if decode_threads else []
        self._cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG, params)
        if not self._cap.isOpened():
            raise PosecheckError(f"{self.path}: cannot be opened as a video")
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise no_video_frames(self.path)
        self._first = first
        self._first_ts = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        fps = self._cap.get(cv2.CAP_PROP_FPS) or 0.0
        self.fps = fps if 0 < fps < 1000 else 0.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.info = SourceInfo("video", str(self.path), first.shape[1], first.shape[0], self.fps,
                               max(count, 0))
        self.decode_errors = 0
        self._start = 0

    def seek(self, index: int) -> bool:
        """The next iteration starts at frame ``index`` (counted from 0); False if the video is shorter.

        Exact, frame and timestamp alike, for the MP4 files measured (OpenCV
        seeks to the key frame before and decodes forward): the frames after
        a seek were pixel-equal to those of a decode from the start.
        """
        if index <= 0:
            return True
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, image = self._cap.read()
        if not ok or image is None:
            return False
        self._first, self._first_ts, self._start = image, self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0, index
        return True

    def __iter__(self) -> Iterator[Frame]:
        index = self._start
        last_ts = -1.0
        image, ts = self._first, self._first_ts
        fallback_dt = 1.0 / self.fps if self.fps else 1.0 / 30.0
        while image is not None:
            # Some containers report 0 or repeat a time for every frame; keep the
            # clock strictly increasing so trackers and the model stay happy.
            if not np.isfinite(ts) or ts <= last_ts:
                ts = last_ts + fallback_dt if index > self._start else index * fallback_dt
            yield Frame(image=image, timestamp_s=ts, index=index)
            last_ts = ts
            index += 1
            ok, image = self._cap.read()
            if not ok:
                image = None
            else:
                ts = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        self.frames_read = index - self._start

    def close(self) -> None:
        self._cap.release()


class CameraSource:
    """A live camera; timestamps from a monotonic clock, starting at 0."""

    def __init__(self, index: int):
        self.index = index
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            working = list_cameras(exclude=index)
            names = ", ".join(str(i) for i in working) if working else "none"
            raise PosecheckError(f"camera {index} cannot be opened (cameras that open: {names})")
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.info = SourceInfo("camera", f"camera {index}", w, h,
                               self._cap.get(cv2.CAP_PROP_FPS) or 0.0, 0)

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        while True:
            ok, image = self._cap.read()
            if not ok or image is None:
                return  # the camera stopped delivering: the session ends cleanly
            yield Frame(image=image, timestamp_s=time.monotonic() - start, index=index)
            index += 1

    def close(self) -> None:
        self._cap.release()


def list_cameras(max_index: int = 5, exclude: int | None = None) -> list[int]:
    """Indices of cameras that open and deliver a frame."""
    found = []
    for i in range(max_index):
        if i == exclude:
            continue
        cap = cv2.VideoCapture(i)
        try:
            if cap.isOpened() and cap.read()[0]:
                found.append(i)
        finally:
            cap.release()
    return found


def open_source(inputs: list[str]) -> ImageSource | VideoSource | CameraSource:
    """The right source for CLI inputs: camera index, one video, or image files."""
    if len(inputs) == 1 and inputs[0].isdigit() and not Path(inputs[0]).exists():
        return CameraSource(int(inputs[0]))
    kinds = {kind_of(p) for p in inputs}
    if kinds == {"image"}:
        return ImageSource(inputs)
    if len(inputs) == 1:
        return VideoSource(inputs[0])
    raise PosecheckError("give one video, or any number of images, per source")
