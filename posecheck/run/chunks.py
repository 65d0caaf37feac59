"""One video's poses on every core: contiguous chunks, one pose model per worker process.

The pose model is single-threaded, so one clip on one process leaves the
other cores idle. ``ChunkedPoses`` splits the video into contiguous chunks of
frames and runs each in a worker process with its own model. Each chunk but
the first starts ``warm-up`` frames early: MediaPipe's video mode tracks the
person's region and smooths the landmarks from frame to frame, so its first
poses after a fresh start differ from those of a pass that came from earlier
frames; the warm-up's poses are dropped. The judged chunks come back in frame
order and are joined before anything is judged, so the smoothing, the exercise
session and the hold tracker run once over the whole clip, as in one pass.

``ChunkedPoses`` iterates like ``posecheck.run.poses.VideoPoses`` (the same
``PoseSample``s, then ``facts()``). With ``frames=True`` this process decodes
the video once more, in order, and hands each frame with its pose, so a sink
(the annotated video) draws and encodes the frames as the judged poses
arrive; the chunks are then smaller than the video divided by the workers, so
that the next chunk in order is never far behind.

Workers are spawned (MediaPipe's threads do not survive fork) and send their
poses in small batches over one queue; a worker that dies fails the analysis
with one line.
"""

from __future__ import annotations

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
from posecheck.run.stages import prefetch

# Poses dropped before each chunk but the first: see measure_warmup / tests/test_chunks.py for
# how many frames make every judged frame's state equal a sequential pass on the samples.
WARMUP_S = 2.0
# A chunk shorter than this is not worth a worker: spawning one and loading the model costs
# about 1-2 s of one core, which a chunk of 10 s of video (300 frames, 4-6 s of model) repays.
MIN_CHUNK_S = 10.0
# With a sink each worker takes this many chunks in turn, so that the chunk this process
# encodes next is already coming in (the encoder follows the chunks in frame order).
CHUNKS_PER_WORKER_WITH_FRAMES = 4
BATCH = 32  # poses per message from a worker
POLL_S = 0.5  # how often the parent checks that its workers live while it waits


@dataclass(frozen=True)
class Chunk:
    """Frames ``start``..``stop`` (``stop`` None: to the end) are judged; decoding starts at ``warm``."""

    index: int
    warm: int
    start: int
    stop: int | None


def plan_chunks(frame_count: int, fps: float, jobs: int, warmup_s: float = WARMUP_S,
                min_chunk_s: float = MIN_CHUNK_S, per_worker: int = 1) -> list[Chunk]:
    """Contiguous chunks for ``jobs`` workers; one chunk (no split) where splitting does not pay."""
    rate = fps if fps > 0 else 30.0
    min_frames = max(1, int(round(min_chunk_s * rate)))
    n = min(max(1, jobs) * max(1, per_worker), frame_count // min_frames if frame_count else 1)
    if jobs < 2 or n < 2:
        return [Chunk(0, 0, 0, None)]
    warm = int(round(warmup_s * rate))
    bounds = [round(i * frame_count / n) for i in range(n + 1)]
    return [Chunk(i, max(0, bounds[i] - warm), bounds[i], None if i == n - 1 else bounds[i + 1])
            for i in range(n)]


def chunked_jobs(path: str, jobs: int | None, sample_fps: float | None, pose_cache: str | None,
                 min_chunk_s: float = MIN_CHUNK_S) -> int:
    """How many workers a video gets: 1 (one pass) for --fps, a pose cache, one core or a short clip."""
    if not jobs or jobs < 2 or sample_fps or pose_cache:
        return 1
    source = VideoSource(path)
    try:
        frames, fps = source.info.frame_count, source.fps
    finally:
        source.close()
    return min(jobs, len(plan_chunks(frames, fps, jobs, min_chunk_s=min_chunk_s)))


def _poses_of_chunk(path: str, model: str | None, chunk: Chunk, out) -> None:
    """Runs in a worker: the chunk's poses, in batches of (frame index, time, pose) on ``out``."""
    from posecheck.io.estimator import PoseEstimator

    source = VideoSource(path)
    try:
        batch: list[tuple[int, float, Pose | None]] = []
        if source.seek(chunk.warm):
            with PoseEstimator(model, video=True) as estimator:
                convert = estimator.model_input()
                decoded = ((f, convert(f)) for f in source
                           if chunk.stop is None or f.index < chunk.stop)
                for frame, image in prefetch(decoded):
                    pose = estimator.estimate(frame, image)
                    if frame.index < chunk.start:
                        continue  # the warm-up: tracking settles, the pose is dropped
                    batch.append((frame.index, frame.timestamp_s, pose))
                    if len(batch) >= BATCH:
                        out.put(("poses", chunk.index, batch))
                        batch = []
        if batch:
            out.put(("poses", chunk.index, batch))
    finally:
        source.close()


def _worker(path: str, model: str | None, chunks, out) -> None:
    """A worker process: takes chunks until it gets None; each ends with a "done" or "error" message."""
    from posecheck.io.estimator import limit_threads

    limit_threads(1)
    while True:
        chunk = chunks.get()
        if chunk is None:
            return
        try:
            _poses_of_chunk(path, model, chunk, out)
        except Exception as exc:
            text = str(exc) if isinstance(exc, PosecheckError) else f"{type(exc).__name__}: {exc}"
            out.put(("error", chunk.index, " ".join(text.split())))
            return
        out.put(("done", chunk.index, None))


class ChunkedPoses:
    """A video's poses from ``jobs`` worker processes, in frame order; iterate once inside ``with``."""

    def __init__(self, path: str, model: str | None = None, jobs: int = 2, progress: bool | None = None,
                 frames: bool = False, warmup_s: float = WARMUP_S, min_chunk_s: float = MIN_CHUNK_S):
        self.path = str(path)
        self._model = model
        self._source = VideoSource(path)
        self.info = self._source.info
        self.decodes_frames = frames
        self.chunks = plan_chunks(self.info.frame_count, self._source.fps, jobs, warmup_s, min_chunk_s,
                                  CHUNKS_PER_WORKER_WITH_FRAMES if frames else 1)
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
        for _ in range(self.jobs):
            proc = ctx.Process(target=_worker, args=(self.path, self._model, chunks, out), daemon=True)
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
