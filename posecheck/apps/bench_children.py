"""The measurements of ``posecheck bench``, each run in a fresh process of its own.

``posecheck.apps.bench`` starts ``python -m posecheck.apps.bench SPEC`` once per
figure; that process calls ``child_main``, which runs the measurement the
JSON ``SPEC`` names (``CHILDREN``) and prints its figures on one line
``BENCH {...}``, with the process's own peak memory. A fresh process per
figure keeps each figure's peak memory and model start-up its own.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def _children_peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def cpu_s(children: bool = False) -> float:
    """CPU seconds (user + system) of every thread of this process (and of its waited-for children)."""
    total = time.process_time()
    if children:
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += usage.ru_utime + usage.ru_stime
    return total


class _Clock:
    """Notes when the pipeline's estimator has finished loading the model."""

    ready: float | None = None
    ready_cpu: float | None = None
    load_s: float | None = None


def _timed_estimator():
    """A PoseEstimator subclass that records its load time in ``_Clock`` (bench children only)."""
    from posecheck.io.estimator import PoseEstimator

    class TimedEstimator(PoseEstimator):
        def __init__(self, *args, **kwargs):
            t0 = time.perf_counter()
            super().__init__(*args, **kwargs)
            _Clock.ready = time.perf_counter()
            _Clock.ready_cpu = cpu_s()
            _Clock.load_s = _Clock.ready - t0

    return TimedEstimator


def child_decode(spec: dict) -> dict:
    from posecheck.io.sources import VideoSource

    t0, c0 = time.perf_counter(), cpu_s()
    source = VideoSource(spec["clip"])
    n = 0
    try:
        for _ in source:
            n += 1
    finally:
        source.close()
    seconds = time.perf_counter() - t0
    return {"frames": n, "seconds": seconds, "fps": n / seconds, "cpu_ms": 1000 * (cpu_s() - c0) / n}


def child_model(spec: dict) -> dict:
    """Only the landmarker is timed; frames are decoded and converted to images beforehand."""
    from posecheck.io.estimator import PoseEstimator
    from posecheck.io.sources import VideoSource

    t0 = time.perf_counter()
    estimator = PoseEstimator(spec.get("model"), video=True)
    load_s = time.perf_counter() - t0
    source = VideoSource(spec["clip"])
    try:
        images = [(estimator.image_for(frame), frame.timestamp_s) for frame in source]
    finally:
        source.close()
    found = 0
    t0, c0 = time.perf_counter(), cpu_s()
    for image, ts in images:
        found += bool(estimator.detect(image, ts).pose_landmarks)
    seconds = time.perf_counter() - t0
    cpu = cpu_s() - c0
    estimator.close()
    held = sum(image.width * image.height * image.channels for image, _ in images) / 2**20
    return {"frames": len(images), "seconds": seconds, "fps": len(images) / seconds, "load_s": load_s,
            "person_frames": found, "held_frames_mb": held, "cpu_ms": 1000 * cpu / len(images)}


def child_analyze(spec: dict) -> dict:
    from posecheck.config import Settings
    from posecheck.run import pipeline
    from posecheck.run.pipeline import AnalyzeOptions, analyze_file

    pipeline.PoseEstimator = _timed_estimator()  # this child only: to take the model load out of the rate
    settings = Settings()
    options = AnalyzeOptions(model=spec.get("model"), settings=settings, progress=False,
                             sample_fps=spec.get("sample_fps"), jobs=int(spec.get("jobs") or 1))
    sink = None
    out_dir = None
    if spec.get("video"):
        from posecheck.draw.annotated import AnnotatedVideo
        from posecheck.io.video import probe_fps

        out_dir = tempfile.mkdtemp(prefix="posecheck-bench-")
        exercise = settings.exercise(spec["exercise"]) if spec["exercise"] != "auto" else None
        sink = AnnotatedVideo(os.path.join(out_dir, "annotated.mp4"), probe_fps(spec["clip"]),
                              exercises=settings.exercises, exercise=exercise)
    try:
        t0 = time.perf_counter()
        analysis = analyze_file(spec["clip"], spec["exercise"], options, sink=sink)
        if sink is not None:
            sink.close()
        t1, c1 = time.perf_counter(), cpu_s(children=True)  # with the chunks' workers, joined by now
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    finally:
        if out_dir is not None:
            shutil.rmtree(out_dir, ignore_errors=True)
    decoded = analysis.summary.decoded_frames
    frames = int(decoded if decoded is not None else len(analysis.frames))
    start = _Clock.ready if _Clock.ready is not None else t0
    seconds = t1 - start
    cpu = c1 - (_Clock.ready_cpu if _Clock.ready_cpu is not None else 0.0)
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds, "load_s": _Clock.load_s,
            "cpu_ms": 1000 * cpu / frames,
            "total_s": t1 - t0, "judged_frames": len(analysis.frames),
            "person_frames": analysis.summary.person_frames}


LIVE_LEAD_IN_S = 2.0


class LeadInFeed:
    """The clip as a camera, after a lead-in of its first ``lead_s`` seconds that is not measured.

    The model's first frames are slow (its graph starts up); a live session
    hides that behind its intro, a short clip would not, so the figures are
    taken on the clip itself, played after the lead-in with the clock running
    on. ``measured_from`` is when the capture thread took the first measured
    frame: every measured frame was captured at or after it.
    """

    def __init__(self, path: str, lead_s: float = LIVE_LEAD_IN_S):
        from posecheck.io.sources import SourceInfo, VideoSource

        self.path = path
        self.lead_s = lead_s
        probe = VideoSource(path)
        probe.close()
        self.period = 1.0 / probe.fps if probe.fps else 1.0 / 30.0
        self.info = SourceInfo("video", path, probe.info.width, probe.info.height, probe.fps, 0)
        self.measured_from: float | None = None
        self.measured_frames = 0
        self._closed = False

    def __iter__(self):
        from posecheck.core.types import Frame
        from posecheck.io.sources import VideoSource

        index = 0
        offset = 0.0
        for lead_in in (True, False):
            source = VideoSource(self.path)
            last = 0.0
            try:
                for frame in source:
                    if self._closed:
                        return
                    if lead_in and frame.timestamp_s >= self.lead_s - 1e-6:
                        break
                    if not lead_in:
                        if self.measured_from is None:
                            self.measured_from = time.monotonic()
                        self.measured_frames += 1
                    last = frame.timestamp_s
                    yield Frame(image=frame.image, timestamp_s=offset + frame.timestamp_s, index=index)
                    index += 1
            finally:
                source.close()
            offset += last + self.period

    def close(self) -> None:
        self._closed = True


def _measured_live(feed: LeadInFeed, drawn_at: list[float], latency_ms: list[float], loop: str) -> dict:
    """Frames per second, drops and latency over the frames captured after the lead-in."""
    start = feed.measured_from
    pairs = [(t, lat) for t, lat in zip(drawn_at, latency_ms)
             if start is not None and t - lat / 1000.0 >= start - 1e-4]
    frames = len(pairs)
    elapsed = (pairs[-1][0] - start) if pairs else 0.0
    figures = _live_figures(frames, max(0, feed.measured_frames - frames), frames / elapsed if elapsed > 0 else 0.0,
                            [lat for _, lat in pairs], loop)
    figures["lead_in_s"] = feed.lead_s
    return figures


def child_live(spec: dict) -> dict:
    """The live loop in its no-window mode with the clip as the camera, at the clip's real pace."""
    try:
        from posecheck.apps.live import LiveOptions, run_live
    except ImportError:
        return _live_equivalent(spec)
    from posecheck.config import Settings

    feed = LeadInFeed(spec["clip"])
    drawn_at: list[float] = []
    options = LiveOptions(exercise=spec["exercise"] if spec["exercise"] != "auto" else None,
                          feed=feed, window=False, draw=True, mute=True, model=spec.get("model"),
                          settings=Settings(), record_history=False,
                          on_canvas=lambda canvas, step: drawn_at.append(time.monotonic()))
    stderr = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull  # its one-line session banner
        c0 = cpu_s()
        try:
            result = run_live(options)
        finally:
            sys.stderr = stderr
    cpu = cpu_s() - c0
    if len(drawn_at) == len(result.latency_ms):
        figures = _measured_live(feed, drawn_at, result.latency_ms, "posecheck.apps.live")
    else:  # cannot pair draw times with latencies: the whole run, lead-in included
        figures = _live_figures(result.frames, result.dropped, result.fps, result.latency_ms, "posecheck.apps.live")
    figures["cpu_ms"] = 1000 * cpu / result.frames if result.frames else None  # model load included
    return figures


def _live_figures(frames: int, dropped: int, fps: float, latency_ms: list[float], loop: str) -> dict:
    import numpy as np

    lat = np.asarray(latency_ms, dtype=float)
    return {"frames": frames, "dropped": dropped, "fps": fps, "loop": loop,
            "latency_median_ms": float(np.median(lat)) if lat.size else None,
            "latency_p95_ms": float(np.percentile(lat, 95)) if lat.size else None}


def _live_equivalent(spec: dict) -> dict:
    """What the live loop does, for when ``posecheck.apps.live`` is missing.

    A capture thread delivers the clip's frames at their own pace into a
    one-slot buffer (an untaken frame is replaced and counted as dropped, as a
    camera would); the loop estimates, judges and draws the mirrored overlay.
    """
    import threading

    from posecheck.config import Settings
    from posecheck.draw.overlay import draw_overlay
    from posecheck.io.estimator import PoseEstimator
    from posecheck.run.pipeline import _session

    settings = Settings()
    exercise = settings.exercise(spec["exercise"] if spec["exercise"] != "auto" else "bridge")
    session = _session(exercise, settings)
    feed = LeadInFeed(spec["clip"])
    cond = threading.Condition()
    slot: list = []
    state = {"done": False}

    def capture() -> None:
        start = time.monotonic()
        for frame in feed:
            delay = start + frame.timestamp_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with cond:
                slot[:] = [(frame, time.monotonic())]  # an untaken frame is dropped
                cond.notify()
        with cond:
            state["done"] = True
            cond.notify()

    latencies: list[float] = []
    drawn_at: list[float] = []
    frames = 0
    c0 = cpu_s()
    with PoseEstimator(spec.get("model"), video=True) as estimator:
        thread = threading.Thread(target=capture, daemon=True)
        thread.start()
        while True:
            with cond:
                while not slot and not state["done"]:
                    cond.wait()
                if not slot:
                    break
                frame, captured = slot.pop()
            result = session.step(frame.timestamp_s, estimator.estimate(frame))
            canvas = frame.image.copy()
            draw_overlay(canvas, result, exercise, fps=30.0, mirror=True)
            now = time.monotonic()
            latencies.append((now - captured) * 1000.0)
            drawn_at.append(now)
            frames += 1
    figures = _measured_live(feed, drawn_at, latencies, "equivalent loop (posecheck.apps.live not found)")
    figures["cpu_ms"] = 1000 * (cpu_s() - c0) / frames if frames else None
    return figures


def batch_worker_init(threads: int | None) -> None:
    if threads:
        from posecheck.io.estimator import limit_threads

        limit_threads(threads)


def batch_one(clip: str, exercise: str, model: str | None) -> int:
    from posecheck.run.pipeline import AnalyzeOptions, analyze_file

    analysis = analyze_file(clip, exercise, AnalyzeOptions(model=model, progress=False))
    return int(analysis.summary.decoded_frames or 0)


def child_batch(spec: dict) -> dict:
    """``copies`` analyses of the clip: one after another (jobs 1) or over ``jobs`` processes."""
    copies, jobs = int(spec["copies"]), int(spec["jobs"])
    args = (spec["clip"], spec["exercise"], spec.get("model"))
    t0, c0 = time.perf_counter(), cpu_s(children=True)
    if jobs <= 1:
        batch_worker_init(spec.get("threads"))
        frames = sum(batch_one(*args) for _ in range(copies))
        worker_peak = peak_rss_mb()
    else:
        import concurrent.futures as cf
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # MediaPipe's threads do not survive fork
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=batch_worker_init,
                                    initargs=(spec.get("threads"),)) as pool:
            frames = sum(pool.map(batch_one, *zip(*[args] * copies)))
        worker_peak = _children_peak_mb()
    seconds = time.perf_counter() - t0
    cpu = cpu_s(children=True) - c0
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds, "worker_peak_mb": worker_peak,
            "cpu_ms": 1000 * cpu / frames}


@dataclass(frozen=True)
class BatchJob:
    """One copy of the clip in the Ray batch (a task needs an ``index``)."""

    index: int
    clip: str
    exercise: str
    model: str | None = None


def batch_job(job: BatchJob) -> int:
    return batch_one(job.clip, job.exercise, job.model)


def child_ray_batch(spec: dict) -> dict:
    """``copies`` analyses of the clip as Ray tasks on a local cluster of ``jobs`` CPUs (its start apart)."""
    from posecheck.run.ray_engine import Failed, import_ray, run_on_ray

    ray = import_ray()
    copies, jobs = int(spec["copies"]), int(spec["jobs"])
    t0 = time.perf_counter()
    ray.init(address="local", include_dashboard=False, num_cpus=jobs, log_to_driver=False, configure_logging=False)
    try:
        start_s = time.perf_counter() - t0
        plan = [BatchJob(i, spec["clip"], spec["exercise"], spec.get("model")) for i in range(copies)]
        t1 = time.perf_counter()
        results = run_on_ray(batch_job, plan)
        seconds = time.perf_counter() - t1
    finally:
        ray.shutdown()
    failed = [r for r in results.values() if isinstance(r, Failed)]
    if failed:
        return {"error": f"{len(failed)} of {copies} tasks failed: {failed[0].error}"}
    frames = sum(results.values())
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds, "cluster_start_s": start_s}


CHILDREN: dict[str, Callable[[dict], dict]] = {
    "decode": child_decode,
    "model": child_model,
    "analyze": child_analyze,
    "live": child_live,
    "batch": child_batch,
    "ray_batch": child_ray_batch,
}


def child_main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    if spec.get("threads_env"):
        from posecheck.io.estimator import limit_threads

        limit_threads(int(spec["threads_env"]))
    figures = CHILDREN[spec["kind"]](spec)
    figures["peak_mb"] = peak_rss_mb()
    sys.stdout.write("BENCH " + json.dumps(figures) + "\n")
    sys.stdout.flush()
    return 0
