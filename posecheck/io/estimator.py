"""The pose estimator: the only module that imports MediaPipe.

Wraps the Tasks ``PoseLandmarker`` (video mode for streams, image mode for
stills) and converts its result once, at this boundary, into ``Pose``. When the
model finds several people it keeps one person consistently: the largest at the
start, then whoever is nearest to the person tracked so far.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from posecheck.errors import PosecheckError
from posecheck.io.model import resolve_model
from posecheck.core.types import Frame, Pose

# How many people the model may report. For stills we ask for two and keep the
# largest. In video mode MediaPipe tracks the person's region from frame to
# frame and so stays on the same person by itself; asking for a second person
# there makes it run the detector on every frame, which halves the frame rate
# (measured: 49 vs 27 frames/s on a 768x432 clip), so video uses one unless asked.
MAX_PEOPLE_IMAGE = 2
MAX_PEOPLE_VIDEO = 1


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence the C++ logging MediaPipe/TFLite write straight to fd 2 while loading."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# Parts of the mediapipe package that ``import mediapipe`` loads eagerly but pose
# estimation never uses: drawing_utils pulls in matplotlib.pyplot (and builds
# its font cache on a first run), audio pulls in sounddevice. They are loaded
# lazily (importlib's LazyLoader: on first attribute access, so they still work
# for anyone who uses them). Measured: the import took 0.8 s on an idle machine
# and 2-5 s on a busy one, against 0.2-0.5 s lazily.
_LAZY_MEDIAPIPE = frozenset(f"mediapipe.tasks.python.{name}" for name in (
    "vision.drawing_utils", "vision.drawing_styles", "audio", "text", "retrieval", "decision"))


class _LazyFinder:
    """A meta path finder that makes the named modules lazy."""

    def __init__(self, names: frozenset[str]):
        self.names = names

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.names:
            return None
        import importlib.machinery
        import importlib.util

        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def _import_mediapipe():
    import sys

    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    finder = _LazyFinder(_LAZY_MEDIAPIPE) if "mediapipe" not in sys.modules else None
    if finder is not None:
        sys.meta_path.insert(0, finder)
    try:
        with quiet_native_stderr():
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)
    return mp, BaseOptions, vision


def limit_threads(n: int = 1) -> None:
    """Caps the threads a process uses around the model, for running one process per core.

    Call it first thing in each worker process (e.g. as the initializer of a
    ProcessPoolExecutor with one worker per core). It sets OpenCV's thread
    pool to ``n`` (colour conversions and resizes of large frames) and the
    OpenMP/BLAS variables for libraries loaded later and processes started
    from this one.

    The model itself needs no cap, and this MediaPipe (1.2.x) offers none: the
    Tasks API has no thread option (``BaseOptions`` and the C API's
    ``MpBaseOptionsC`` carry only the model and the delegate), no environment
    variable reaches XNNPACK, and the build runs the landmarker's inference on
    one thread on desktop Linux: measured, a process running only the model
    uses 1.00 core (its graph's two scheduler threads take turns) and 18-19 ms
    of CPU a frame with or without this call.
    """
    import cv2

    n = max(1, int(n))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(n)
    cv2.setNumThreads(n)


def _pose_from_landmarks(landmarks, world, timestamp_s: float, image_wh: tuple[int, int]) -> Pose:
    # One flat pass over the landmarks into one array (23 us a pose measured,
    # against 24-33 us for per-field lists); a missing confidence counts as 0.
    values = [v for lm in landmarks for v in (lm.x, lm.y, lm.z, lm.visibility, lm.presence)]
    rows = np.fromiter((0.0 if v is None else v for v in values), float, len(values)).reshape(-1, 5)
    if world:
        wxyz = np.fromiter((v for lm in world for v in (lm.x, lm.y, lm.z)), float, 3 * len(world)).reshape(-1, 3)
    else:
        wxyz = np.full((len(rows), 3), np.nan)
    return Pose(xyz=rows[:, :3], visibility=rows[:, 3], presence=rows[:, 4], world=wxyz,
                timestamp_s=timestamp_s, image_wh=image_wh)


def poses_of_result(result, frame: Frame) -> list[Pose]:
    """Every person in a ``detect`` result for ``frame``, as Poses."""
    h, w = frame.image.shape[:2]
    worlds = result.pose_world_landmarks or []
    return [_pose_from_landmarks(lms, worlds[i] if i < len(worlds) else None, frame.timestamp_s, (w, h))
            for i, lms in enumerate(result.pose_landmarks or [])]


def _bbox(pose: Pose) -> np.ndarray:
    px = pose.pixels
    return np.array([px[:, 0].min(), px[:, 1].min(), px[:, 0].max(), px[:, 1].max()])


def _area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.array([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])])
    i = _area(inter)
    union = _area(a) + _area(b) - i
    return i / union if union > 0 else 0.0


class PersonSelector:
    """Keeps one person across frames: largest first, then best box overlap."""

    def __init__(self) -> None:
        self._last_box: np.ndarray | None = None

    def reset(self) -> None:
        self._last_box = None

    def choose(self, poses: list[Pose]) -> Pose | None:
        if not poses:
            return None
        boxes = [_bbox(p) for p in poses]
        if self._last_box is None or len(poses) == 1:
            scores = [_area(b) for b in boxes] if self._last_box is None else [1.0]
            best = int(np.argmax(scores))
        else:
            overlaps = [_iou(b, self._last_box) for b in boxes]
            best = int(np.argmax(overlaps))
            if overlaps[best] < 0.05:  # nobody overlaps: fall back to the largest
                best = int(np.argmax([_area(b) for b in boxes]))
        self._last_box = boxes[best]
        return poses[best]


class ModelInput:
    """Converts frames to the model's input image (RGB ``mp.Image``), reusing one buffer.

    The conversion goes into one RGB array reused from frame to frame
    (``mp.Image`` copies it): a fresh array per frame cost 4 ms at 1280x720 in
    allocation and page faults, the reused one 0.5 ms. Not shared between
    threads: the pipeline gives the decoding thread its own, so that the next
    frame is converted while the model works on this one. Alone it takes
    0.16 ms at 640x480, but on the model's thread it took 1.2-1.7 ms (waiting
    for the GIL behind the other threads), all of it before the model could start.
    """

    def __init__(self, mp_module) -> None:
        self._mp = mp_module
        self._rgb: np.ndarray | None = None

    def __call__(self, frame: Frame):
        import cv2

        image = frame.image
        if self._rgb is None or self._rgb.shape != image.shape:
            self._rgb = np.empty(image.shape, np.uint8)
        cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=self._rgb)
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=self._rgb)


class PoseEstimator:
    """``PoseEstimator(video=True)`` then ``estimate(frame)`` per frame; a context manager.

    In video mode timestamps must increase; they are taken from the frames.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, *, video: bool = True,
                 max_people: int | None = None, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        self.model_path: Path = resolve_model(model_path)
        self.video = video
        self._mp, BaseOptions, vision = _import_mediapipe()
        mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
        if max_people is None:
            max_people = MAX_PEOPLE_VIDEO if video else MAX_PEOPLE_IMAGE
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=mode,
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except Exception as exc:  # MediaPipe raises RuntimeError/ValueError with long texts
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PosecheckError(f"{self.model_path}: cannot load pose model ({first})") from None
        self._selector = PersonSelector()
        self._last_ms = -1
        self._input = ModelInput(self._mp)

    def image_for(self, frame: Frame):
        """The frame as the model's input image (see ``ModelInput``)."""
        return self._input(frame)

    def model_input(self) -> "ModelInput":
        """A converter of frames to this model's input, for another thread (the decoder's)."""
        return ModelInput(self._mp)

    def detect(self, image, timestamp_s: float):
        """The landmarker alone on an ``image_for`` image: MediaPipe's own result."""
        if self.video:
            ms = max(int(round(timestamp_s * 1000)), self._last_ms + 1)
            self._last_ms = ms
            return self._landmarker.detect_for_video(image, ms)
        return self._landmarker.detect(image)

    def estimate_all(self, frame: Frame, image=None) -> list[Pose]:
        """Every person the model finds in the frame (``image``: its ``model_input``, if made already)."""
        return poses_of_result(self.detect(self.image_for(frame) if image is None else image,
                                           frame.timestamp_s), frame)

    def estimate(self, frame: Frame, image=None) -> Pose | None:
        """The tracked person in this frame, or None when nobody is found."""
        return self.choose(self.estimate_all(frame, image))

    def choose(self, poses: list[Pose]) -> Pose | None:
        """The tracked person among a frame's poses, in frame order (``estimate`` split in two)."""
        return self._selector.choose(poses)

    def close(self) -> None:
        landmarker = getattr(self, "_landmarker", None)
        if landmarker is not None:
            landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
