"""One video's poses on every core: fixed segments, one pose model per worker process.

The pose model is single-threaded, so one clip on one process leaves the
other cores idle. A long video is cut into segments that depend on the video
alone (``plan_chunks``: an even number of about ``SEGMENT_S``), never on the number of
workers, and each segment is estimated by a fresh model in a worker process.
Each segment but the first starts ``WARMUP_S`` early and drops those poses:
MediaPipe's video mode tracks the person's region and smooths the landmarks
from frame to frame, so its first poses after a fresh start are rougher.

Why fixed segments: a restarted model never returns exactly to the poses of an
unbroken pass (measured on a real bridge clip: landmarks still 0.03-0.05 apart
240 frames after a restart with warm-ups of 0 to 10 s, so 40 of 749 frames
changed state). Cutting where the video says, not where the core count says,
makes the judgement of a clip the same with ``--jobs 1``, ``--jobs 2`` or any
other, with or without ``--video``; a video shorter than 1.5 segments is one
pass, as it always was. The judged segments come back in frame order and are
joined before anything is judged, so the smoothing, the exercise session and
the hold tracker run once over the whole clip.

``ChunkedPoses`` iterates like ``posecheck.run.poses.VideoPoses`` (the same
``PoseSample``s, then ``facts()``). With ``frames=True`` this process decodes
the video once more, in order, and hands each frame with its pose, so a sink
(the annotated video) draws and encodes the frames as the judged poses arrive.

A worker with a spare core beside it (fewer workers than cores) takes the
next segment as it starts one and loads that segment's model and runs its
warm-up in a thread meanwhile (``_Warmed``), so the seams cost its model's
stream nothing; the model sees the same frames either way.

Workers are spawned (MediaPipe's threads do not survive fork) and send their
poses in small batches over one queue; a worker that dies fails the analysis
with one line.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue as queue_mod
from collections.abc import Iterator
from dataclasses import dataclass

from posecheck.core.types import Pose
from posecheck.errors import PosecheckError
from posecheck.io.sources import VideoSource, no_video_frames
from posecheck.judge.summary import VideoFacts
from posecheck.run.poses import PoseSample
from posecheck.run.progress import Progress
from posecheck.run.stages import BackgroundSink, prefetch

# Poses dropped before each segment but the first, while the fresh model's tracking settles.
WARMUP_S = 2.0
# About how long a segment is. Long enough that the warm-ups cost little (2 s per 45 s: 4%)
# and that spawning a worker and loading the model (1-2 s of a core) pays; short enough that
# a 3-minute clip makes 4 segments, which 2 or 4 cores share evenly.
SEGMENT_S = 45.0
# The last segment's length against the others'. Chosen with a simple simulation (not kept in the
# repo) of 2 workers on 2 cores at the measured costs (12.4 ms a frame for a worker, 3.6 ms for
# drawing and encoding in order): on a 3-minute clip 1.46x the model with 1.3, against 1.41x for
# equal segments; 1.2 and 1.5 gave 1.44x. Measured, 5 paired runs of a 196-s clip with --video on
# 2 processes took 50.7 s on average against 51.9 s: a gain within the machine's noise (47-56 s).
LAST_SEGMENT = 1.3
BATCH = 32  # poses per message from a worker
POLL_S = 0.5  # how often the parent checks that its workers live while it waits


@dataclass(frozen=True)
class Chunk:
    """Frames ``start``..``stop`` (``stop`` None: to the end) are judged; decoding starts at ``warm``."""

    index: int
    warm: int
    start: int
    stop: int | None


def plan_chunks(frame_count: int, fps: float, warmup_s: float = WARMUP_S,
                segment_s: float = SEGMENT_S) -> list[Chunk]:
    """The video's segments, from the video alone: an even number of about ``segment_s``, the last longer.

    One segment (no split) for a video under 1.5 segments. The poses are judged
    and drawn in frame order, so a segment's poses wait until the one before is
    done. An even count pairs the segments up on the usual even number of cores
    (an odd one leaves a last segment running alone, with a core idle), and a
    last segment ``LAST_SEGMENT`` times as long lets the annotated video catch
    up on the one before it while the last is still being estimated, instead
    of drawing and encoding a whole segment after every worker is done.
    """
    rate = fps if fps > 0 else 30.0
    segments = frame_count / max(1.0, segment_s * rate)
    if segments < 1.5:
        return [Chunk(0, 0, 0, None)]
    n = 2 * round(segments / 2)  # at least 2: segments / 2 >= 0.75 here
    warm = int(round(warmup_s * rate))
    weights = [1.0] * (n - 1) + [LAST_SEGMENT]
    ends = list(itertools.accumulate(weights))
    bounds = [0] + [round(e * frame_count / ends[-1]) for e in ends]
    return [Chunk(i, max(0, bounds[i] - warm), bounds[i], None if i == n - 1 else bounds[i + 1])
            for i in range(n)]


def chunked_jobs(path: str, jobs: int | None, sample_fps: float | None, pose_cache: str | None,
                 segment_s: float = SEGMENT_S) -> int:
    """How many workers share a video's segments; 0: one pass (--fps, a pose cache, or one segment).

    One core still gets its segments from a worker, so that the poses, and
    so the judgement, do not depend on ``jobs``."""
    if sample_fps or pose_cache:
        return 0
    source = VideoSource(path)
    try:
        frames, fps = source.info.frame_count, source.fps
    finally:
        source.close()
    segments = len(plan_chunks(frames, fps, segment_s=segment_s))
    return 0 if segments < 2 else max(1, min(jobs or 1, segments))


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Warmed:
    """A chunk's fresh model after its warm-up, and the video's frames from the chunk's start on.

    Made in a thread while the worker's model is still busy with the chunk before
    (``lookahead``), so that on a spare core the next model's load and warm-up
    (60 frames of every 1350, 1-2 s of a core for the load) cost the model's
    stream nothing. The model sees the same frames in the same order either way,
    so its poses are the same.
    """

    def __init__(self, path: str, model: str | None, chunk: Chunk):
        from posecheck.io.estimator import PoseEstimator

        self.chunk = chunk
        self.source = VideoSource(path, decode_threads=1)  # the other cores run the other workers
        self.estimator = None
        self.frames: Iterator = iter(())
        try:
            if not self.source.seek(chunk.warm):
                return
            self.estimator = PoseEstimator(model, video=True)
            convert = self.estimator.model_input()
            frames = iter(self.source)
            for frame in frames:
                if frame.index >= chunk.start:
                    self.frames = itertools.chain([frame], frames)
                    break
                self.estimator.estimate(frame, convert(frame))  # the warm-up: tracking settles, the pose is dropped
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.estimator is not None:
            self.estimator.close()
            self.estimator = None
        self.source.close()


def _poses_of_chunk(warmed: _Warmed, out) -> None:
    """Runs in a worker: the chunk's poses, in batches of (frame index, time, pose) on ``out``.

    The model's thread only runs the model: decoding and the colour conversion
    are a thread ahead (``prefetch``), and turning its result into a ``Pose``
    (0.2 ms a frame) and batching are a thread behind (``BackgroundSink``).
    """
    from posecheck.io.estimator import poses_of_result

    chunk, estimator = warmed.chunk, warmed.estimator
    if estimator is None:
        return
    batch: list[tuple[int, float, Pose | None]] = []

    def collect(frame, result) -> None:
        batch.append((frame.index, frame.timestamp_s, estimator.choose(poses_of_result(result, frame))))
        if len(batch) >= BATCH:
            out.put(("poses", chunk.index, batch[:]))
            batch.clear()

    convert = estimator.model_input()
    # takewhile, not a filter: decoding stops at the chunk's end instead of running on to the video's
    in_chunk = itertools.takewhile(lambda f: chunk.stop is None or f.index < chunk.stop, warmed.frames)
    decoded = ((f, convert(f)) for f in in_chunk)
    behind = BackgroundSink(collect)
    try:
        for frame, image in prefetch(decoded):
            behind(frame, estimator.detect(image, frame.timestamp_s))
        behind.close()
        behind = None
    finally:
        if behind is not None:
            behind.abort()
    if batch:
        out.put(("poses", chunk.index, batch))


def _discard(ahead) -> None:
    """Closes a look-ahead chunk's model and video that will not be used (the worker failed)."""
    if ahead is None:
        return
    try:
        ahead.result().close()
    except Exception:  # its own failure is moot: the worker has reported the first one
        pass


def _worker(path: str, model: str | None, chunks, out, lookahead: bool = False) -> None:
    """A worker process: takes chunks until it gets None; each ends with a "done" or "error" message.

    With ``lookahead`` (fewer workers than cores) it takes the next chunk as it
    starts one and warms that chunk's model up in a thread meanwhile (``_Warmed``).
    """
    from concurrent.futures import ThreadPoolExecutor

    from posecheck.io.estimator import limit_threads

    limit_threads(1)
    pool = ThreadPoolExecutor(1, thread_name_prefix="posecheck-warm-up") if lookahead else None
    chunk = chunks.get()
    ahead = pool.submit(_Warmed, path, model, chunk) if pool is not None and chunk is not None else None
    while chunk is not None:
        warmed = None
        try:
            warmed = ahead.result() if ahead is not None else _Warmed(path, model, chunk)
            if pool is not None:
                following = chunks.get()
                ahead = pool.submit(_Warmed, path, model, following) if following is not None else None
            _poses_of_chunk(warmed, out)
        except Exception as exc:
            text = str(exc) if isinstance(exc, PosecheckError) else f"{type(exc).__name__}: {exc}"
            out.put(("error", chunk.index, " ".join(text.split())))
            _discard(ahead)
            return
        finally:
            if warmed is not None:
                warmed.close()
        out.put(("done", chunk.index, None))
        chunk = following if pool is not None else chunks.get()


class ChunkedPoses:
    """A video's poses from ``jobs`` worker processes, in frame order; iterate once inside ``with``."""

    def __init__(self, path: str, model: str | None = None, jobs: int = 2, progress: bool | None = None,
                 frames: bool = False, warmup_s: float = WARMUP_S, segment_s: float = SEGMENT_S):
        self.path = str(path)
        self._model = model
        self._source = VideoSource(path, decode_threads=1)  # the workers keep every core busy
        self.info = self._source.info
        self.decodes_frames = frames
        self.chunks = plan_chunks(self.info.frame_count, self._source.fps, warmup_s, segment_s)
        self.jobs = max(1, min(jobs, len(self.chunks)))
        self._bar = Progress(self.info.frame_count, label=os.path.basename(path), enabled=progress)
        self._procs: list = []
        self._queues: tuple = ()
        self._read = 0
        self._last_t: float | None = None
        self._iterated = False

    def _start(self):
        ctx = multiprocessing.get_context("spawn")
        # Kept on self: a queue dropped here would be gone before a spawned worker opens it.
        self._queues = chunks, out = ctx.Queue(), ctx.Queue()
        for chunk in self.chunks:
            chunks.put(chunk)
        for _ in range(self.jobs):
            chunks.put(None)
        # A spare core warms the next chunk's model up while this one runs (``_worker``).
        lookahead = self.jobs < usable_cores()
        for _ in range(self.jobs):
            proc = ctx.Process(target=_worker, args=(self.path, self._model, chunks, out, lookahead), daemon=True)
            proc.start()
            self._procs.append(proc)
        return out

    def _poses_in_order(self) -> Iterator[tuple[int, float, Pose | None]]:
        """Every judged frame's (index, time, pose), chunk after chunk, as the workers send them."""
        out = self._start()
        buffers: dict[int, list] = {c.index: [] for c in self.chunks}
        done: set[int] = set()
        current = 0
        while current < len(self.chunks):
            if buffers[current]:
                items, buffers[current] = buffers[current], []
                yield from items
                continue
            if current in done:
                current += 1
                continue
            try:
                kind, index, payload = out.get(timeout=POLL_S)
            except queue_mod.Empty:
                died = [p.exitcode for p in self._procs if p.exitcode not in (None, 0)]
                if died:
                    raise PosecheckError(f"{self.path}: a pose worker process died (exit code {died[0]})")
                if all(p.exitcode == 0 for p in self._procs):
                    raise PosecheckError(f"{self.path}: the pose workers ended before chunk {current + 1}")
                continue
            if kind == "poses":
                buffers[index].extend(payload)
            elif kind == "done":
                done.add(index)
            else:
                raise PosecheckError(f"{self.path}: {payload}")

    def __iter__(self) -> Iterator[PoseSample]:
        if self._iterated:
            raise RuntimeError("ChunkedPoses is iterated once")
        self._iterated = True
        frames = prefetch(iter(self._source)) if self.decodes_frames else None
        expected = 0
        for index, t, pose in self._poses_in_order():
            if index != expected:
                raise PosecheckError(f"{self.path}: chunks do not join (frame {index} where {expected} was due)")
            frame = None
            if frames is not None:
                frame = next(frames, None)
                if frame is None or abs(frame.timestamp_s - t) > 1e-6:
                    raise PosecheckError(f"{self.path}: frame {index} decoded at another time in a chunk")
            expected += 1
            self._read += 1
            self._last_t = t
            self._bar.update()
            yield PoseSample(t, True, pose, frame)
        if frames is not None:
            frames.close()

    def facts(self) -> VideoFacts:
        if self._last_t is None:
            raise no_video_frames(self.path)
        fps = self._source.fps
        return VideoFacts(width=self.info.width, height=self.info.height, fps=fps,
                          frame_count=self.info.frame_count, decoded=self._read,
                          end_s=self._last_t + (1.0 / fps if fps else 0.0), sample_fps=None)

    def close(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(timeout=5)
        self._procs = []
        self._queues = ()
        self._bar.close()
        self._source.close()

    def __enter__(self) -> ChunkedPoses:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def warmup_agreement(sequential: list, chunked: list, chunks: list[Chunk]) -> dict:
    """Frames whose state differs between two analyses of one video, and how far past a chunk start."""
    starts = [c.start for c in chunks if c.start > 0]
    differ = [i for i, (a, b) in enumerate(zip(sequential, chunked)) if a.state is not b.state]
    past = [min((i - s for s in starts if i >= s), default=i) for i in differ]
    return {"frames": len(sequential), "differ": len(differ),
            "furthest_past_start": max(past) if past else None}
