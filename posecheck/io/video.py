"""Video files: H.264 in MP4 through PyAV, written atomically.

``VideoWriter(path, fps)`` takes BGR uint8 frames with their timestamps and
encodes them with ``libx264`` (preset veryfast, lowest subpixel refinement, one thread,
yuv420p) into an MP4 with the ``moov`` atom at the front (``+faststart``), so
browsers can seek before the whole file has arrived. Frame presentation times come from the timestamps, so a
variable-frame-rate source keeps its timing; the nominal rate is the source's.

The file is written to a temporary file (``io.outputs.PendingOutput``: beside
the target, or in the temporary folder for stdout, a device or a FIFO) and put
in place by ``close()``; an error or ``abort()`` removes the temporary file
and leaves any existing output untouched. Use it as a context manager::

    with VideoWriter("out.mp4", fps=30.0) as writer:
        for frame in frames:
            writer.write(frame.image, frame.timestamp_s)
"""

from __future__ import annotations

import contextlib
import math
import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from posecheck.errors import PosecheckError
from posecheck.io.outputs import PendingOutput

# Container format and encoders (first available wins) by file ending.
_H264 = ("libx264", "libopenh264", "h264")
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    ".mp4": ("mp4", _H264),
    ".m4v": ("mp4", _H264),
    ".mov": ("mov", _H264),
    ".mkv": ("matroska", _H264),
    ".webm": ("webm", ("libvpx-vp9", "libvpx")),
}

DEFAULT_FPS = 30.0


# The encoder shares the cores with the pose model, so CPU is the scarcer resource.
# Sub-pixel motion refinement at its lowest level: measured on a 1280x720 clip,
# 24% less encoder CPU a frame (7.4 vs 9.7 ms) for a 7% larger file. The simplest
# motion search, a 5-frame look-ahead and 2 B-frames: on the 489 annotated bridge
# frames (640x480) 0.90-1.58 against 1.10-1.70 ms a frame in three paired runs, and
# a 9% smaller file (356 against 393 kB), since the overlay is static from frame to frame.
X264_PARAMS = "subme=1:me=dia:rc-lookahead=5:bframes=2"
# One encoding thread: x264's frame threads (by default 1.5 a core) cost CPU to
# coordinate, and the pose model already keeps every core busy. Measured on the
# 640x480 bridge clip (489 frames, busy 2-core machine, two runs each): 1.15-1.33
# vs 1.67-1.90 ms of CPU a frame, the file as large; the one thread still
# encodes a frame in well under the model's 13 ms.
X264_THREADS = "1"


def _encoder_options(codec: str, preset: str, crf: int) -> dict[str, str]:
    if codec == "libx264":
        return {"preset": preset, "crf": str(crf), "x264-params": X264_PARAMS, "threads": X264_THREADS}
    if codec.startswith("libvpx"):
        return {"deadline": "realtime", "cpu-used": "8", "crf": str(crf + 8), "b": "0"}
    return {}


def find_encoder(candidates: tuple[str, ...]) -> str:
    """The first encoder PyAV's FFmpeg has among ``candidates``; PosecheckError if none."""
    import av

    for name in candidates:
        try:
            av.codec.Codec(name, "w")
        except (ValueError, av.FFmpegError):  # UnknownCodecError is a ValueError
            continue
        return name
    raise PosecheckError(
        f"no video encoder available for this format (tried {', '.join(candidates)}); "
        f"this PyAV build lacks them: reinstall the 'av' wheel from PyPI, which ships libx264")


def frame_rate(fps: float | None) -> Fraction:
    """A rational frame rate: 23.976... -> 24000/1001, 25.0 -> 25."""
    if fps is None or not math.isfinite(fps) or fps <= 0 or fps > 1000:
        fps = DEFAULT_FPS
    return Fraction(fps).limit_denominator(1001)


def time_base_for(rate: Fraction) -> Fraction:
    """A time base in which one frame period is a whole number of ticks, ticks <= ~1 ms."""
    mult = max(1, math.ceil(1000 / rate.numerator))
    return Fraction(1, rate.numerator * mult)


def even_size(width: int, height: int) -> tuple[int, int]:
    """yuv420p needs even dimensions: odd ones are padded by one pixel."""
    return width + (width & 1), height + (height & 1)


class _ClosedOnExit:
    """As a context manager: ``close()`` when the block ends normally, ``abort()`` on an error."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class VideoWriter(_ClosedOnExit):
    """Writes BGR frames to an H.264 MP4 (or another format by the file ending).

    ``fps`` is the source's nominal rate (metadata and the duration of the last
    frame); each frame's presentation time is its timestamp minus the first
    one's, so the video starts at 0 and ``start_s`` says which timestamp that is.
    ``size`` (width, height) defaults to the first frame's; frames of another
    size are resized; odd dimensions are padded to even.
    """

    def __init__(self, path: str | os.PathLike, fps: float | None = None,
                 size: tuple[int, int] | None = None, preset: str = "veryfast", crf: int = 23,
                 codec: str | None = None):
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in FORMATS:
            raise PosecheckError(
                f"{path}: unknown video ending (known: {', '.join(sorted(FORMATS))})")
        self.format, candidates = FORMATS[suffix]
        self.codec = find_encoder((codec,) if codec else candidates)
        self.rate = frame_rate(fps)
        self.time_base = time_base_for(self.rate)
        self._period = int(round(1 / (self.rate * self.time_base)))
        self.preset, self.crf = preset, crf
        self.size = size
        self.start_s: float | None = None
        self.frames = 0
        self._last_pts = -1
        self._container = None
        self._stream = None
        self._yuv: np.ndarray | None = None
        self._pending = PendingOutput(self.path, suffix=suffix)
        self._tmp = self._pending.tmp
        self._closed = False

    # -- opening is deferred to the first frame, whose size may be needed ------
    def _open(self, width: int, height: int) -> None:
        import av

        self.size = (width, height) if self.size is None else self.size
        ew, eh = even_size(*self.size)
        options = {"movflags": "+faststart"} if self.format in ("mp4", "mov") else {}
        try:
            self._container = av.open(str(self._tmp), mode="w", format=self.format, options=options)
            stream = self._container.add_stream(self.codec, rate=self.rate)
            stream.width, stream.height = ew, eh
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = self.time_base
            stream.options = _encoder_options(self.codec, self.preset, self.crf)
            stream.codec_context.open()
        except (av.FFmpegError, ValueError) as exc:
            raise PosecheckError(f"{self.path}: cannot start the {self.codec} encoder ({exc})") from exc
        self._stream = stream
        self._encoded_wh = (ew, eh)

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        import cv2

        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise PosecheckError(f"{self.path}: frames must be BGR uint8 (H, W, 3), got "
                                 f"{image.dtype} {image.shape}")
        w, h = self.size
        if image.shape[1] != w or image.shape[0] != h:
            image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        ew, eh = self._encoded_wh
        if (ew, eh) != (w, h):
            image = cv2.copyMakeBorder(image, 0, eh - h, 0, ew - w, cv2.BORDER_REPLICATE)
        return image

    def _video_frame(self, image: np.ndarray):
        """The BGR image as an encoder frame.

        For yuv420p the conversion is OpenCV's (into a buffer reused from frame
        to frame; ``from_ndarray`` copies it): 0.5 ms at 1280x720 against
        2.8 ms for FFmpeg's swscale from bgr24, with a slightly smaller error.
        """
        import av
        import cv2

        if self._stream.pix_fmt != "yuv420p":
            return av.VideoFrame.from_ndarray(image, format="bgr24")
        h, w = image.shape[:2]
        if self._yuv is None or self._yuv.shape != (h * 3 // 2, w):
            self._yuv = np.empty((h * 3 // 2, w), np.uint8)
        cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420, dst=self._yuv)
        return av.VideoFrame.from_ndarray(self._yuv, format="yuv420p")

    def write(self, image: np.ndarray, timestamp_s: float | None = None) -> None:
        """Encodes one frame shown from ``timestamp_s`` (default: one period after the last)."""
        import av

        if self._closed:
            raise PosecheckError(f"{self.path}: writer already closed")
        if self._stream is None:
            self._open(image.shape[1], image.shape[0])
        if timestamp_s is None or not math.isfinite(timestamp_s):
            pts = self._last_pts + self._period if self._last_pts >= 0 else 0
        else:
            if self.start_s is None:
                self.start_s = float(timestamp_s)
            pts = int(round((timestamp_s - self.start_s) / self.time_base))
            pts = max(pts, self._last_pts + 1)  # strictly increasing, whatever the source says
        if self.start_s is None:
            self.start_s = 0.0
        frame = self._video_frame(self._prepare(image))
        frame.pts = pts
        frame.time_base = self.time_base
        frame.duration = self._period
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except av.FFmpegError as exc:
            raise PosecheckError(f"{self.path}: encoding failed ({exc})") from exc
        self._last_pts = pts
        self.frames += 1

    def close(self) -> Path:
        """Flushes the encoder and renames the file into place; returns the path."""
        if self._closed:
            return self.path
        try:
            if self._stream is None:
                raise PosecheckError(f"{self.path}: no frames were written")
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
            self._container = None
            self._pending.commit()
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drops the partial file; an existing file at ``path`` stays as it was."""
        self._closed = True
        if self._container is not None:
            with contextlib.suppress(Exception):
                self._container.close()
            self._container = None
        self._pending.discard()

    def __del__(self):  # a writer dropped without close() leaves no temp file behind
        if not getattr(self, "_closed", True):
            self.abort()


def probe_fps(path: str | os.PathLike) -> float:
    """The nominal frame rate OpenCV reports for a video (0 when unknown)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    finally:
        cap.release()
    return fps if 0 < fps < 1000 else 0.0
