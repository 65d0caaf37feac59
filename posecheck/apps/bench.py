"""``posecheck bench``: does this machine keep up?

The pose model is the physical limit (about 20 ms a frame on a laptop core);
everything posecheck adds around it should hide behind it. The bench measures,
on the same frames and in one run, so that the ratios stay meaningful on a
busy machine:

- decode only: frames read from the clip, nothing else;
- model only (the limit): frames decoded and converted in advance, only the
  landmarker is timed;
- ``analyze``: the whole pipeline, without and with the annotated video;
- live: the live loop fed by the clip at its real pace (no window), with the
  latency from capture to drawn overlay, measured after a 2 s lead-in (the
  model's first frames are slow while its graph starts);
- batch: N copies of the clip one after another, then in parallel over the
  cores with the per-process thread counts limited (and, for comparison,
  without the limit);
- long clip: the clip looped to 3 minutes, ``analyze`` in one pass and in
  chunks on every core (``posecheck.run.chunks``), without and with the
  annotated video, as ratios to the model-only figure of the same run;
- Ray batch: 16 copies one after another, over local processes, and as Ray
  tasks on a local cluster (skipped without Ray);
- startup: ``posecheck analyze`` of one photo (a frame of the clip) as a
  command, from the interpreter's start to its exit, model load included.

Each figure is measured in its own fresh process, so that its peak memory
(``VmHWM``) is its own, with the CPU time of all its threads per frame. Frame
rates exclude the model load, which is shown apart. On a machine busy with
other work the frame rates become bound by CPU time per frame, and the "x
model" ratios approach the model's CPU per frame over the pipeline's. The clip is cut to its first ``frames`` frames (re-encoded with its own
codec) and, for ``--sizes``, also upscaled with OpenCV into a temporary file.

This module runs the figures and prints them; what each child process
measures is ``posecheck.apps.bench_children``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.run.chunks import usable_cores

DEFAULT_FRAMES = 300
DEFAULT_BATCH = 8
DEFAULT_SIZES = ("native", "1280x720")
DEFAULT_LONG_S = 180.0  # the long clip: at least 3 minutes
DEFAULT_RAY_BATCH = 16
CHILD_TIMEOUT_S = 1800


def default_clip() -> Path:
    """The shipped sample ``samples/bridge.mp4`` beside the package."""
    return Path(__file__).resolve().parents[2] / "samples" / "bridge.mp4"


def run_child(spec: dict, timeout: float = CHILD_TIMEOUT_S) -> dict:
    """Runs one measurement in a fresh interpreter; its figures, or ``{"error": ...}``."""
    cmd = [sys.executable, "-m", "posecheck.apps.bench", json.dumps(spec)]
    env = dict(os.environ)
    env.setdefault("GLOG_minloglevel", "2")
    # Its own process group, so that a timeout also ends the batch's worker processes.
    group = {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            **group)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException as exc:  # a timeout, or Ctrl-C in the parent
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        if isinstance(exc, subprocess.TimeoutExpired):
            return {"error": f"timed out after {timeout:.0f} s"}
        raise
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return {"error": lines[-1] if lines else f"exit code {proc.returncode}"}


def _codec_of(path: str) -> str:
    import av

    with av.open(path) as container:
        return container.streams.video[0].codec_context.name


def prepare_clip(src: str | os.PathLike, dst: str | os.PathLike, frames: int,
                 size: tuple[int, int] | None = None) -> dict:
    """The first ``frames`` frames (0: all) of ``src``, resized to ``size``, written to ``dst``.

    Re-encoded with the source's own codec (MPEG-4 part 2 or H.264 at high
    quality), so that decoding costs what it costs for the source.
    """
    import av
    import cv2

    from posecheck.io.sources import VideoSource
    from posecheck.io.video import frame_rate, time_base_for

    codec = _codec_of(str(src))
    source = VideoSource(src)
    rate = frame_rate(source.fps)
    time_base = time_base_for(rate)
    container = av.open(str(dst), mode="w")
    try:
        if codec == "h264":
            stream = container.add_stream("libx264", rate=rate)
            stream.options = {"preset": "veryfast", "crf": "16"}
        else:
            stream = container.add_stream("mpeg4", rate=rate)
            stream.codec_context.qscale = True  # constant quality, as ffmpeg -q:v 3
            stream.codec_context.global_quality = 3 * 118  # FF_QP2LAMBDA
        w, h = size or (source.info.width, source.info.height)
        stream.width, stream.height = w + (w & 1), h + (h & 1)
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = time_base
        n = 0
        first = None
        for frame in source:
            image = frame.image
            if image.shape[1] != stream.width or image.shape[0] != stream.height:
                image = cv2.resize(image, (stream.width, stream.height), interpolation=cv2.INTER_LINEAR)
            out = av.VideoFrame.from_ndarray(image, format="bgr24")
            first = frame.timestamp_s if first is None else first
            out.pts = int(round((frame.timestamp_s - first) / time_base))
            out.time_base = time_base
            for packet in stream.encode(out):
                container.mux(packet)
            n += 1
            if frames and n >= frames:
                break
        for packet in stream.encode(None):
            container.mux(packet)
    finally:
        container.close()
        source.close()
    return {"frames": n, "width": stream.width, "height": stream.height, "fps": float(rate), "codec": codec}


@dataclass
class BenchOptions:
    clip: str | None = None
    frames: int = DEFAULT_FRAMES  # 0: the whole clip
    exercise: str | None = None  # default: the clip's name when it is an exercise id, else bridge
    sizes: tuple[str, ...] = DEFAULT_SIZES  # "native" or WxH
    batch: int = DEFAULT_BATCH  # copies in the batch figure; 0 skips it
    long_s: float = DEFAULT_LONG_S  # the clip looped to this long, sequential vs chunked; 0 skips it
    ray_batch: int = DEFAULT_RAY_BATCH  # copies in the Ray batch figure; 0 skips it
    jobs: int | None = None  # parallel processes in the batch figure; default: the cores
    threads: int = 1  # limit_threads() in each parallel batch worker
    compare_unlimited: bool = True  # also the parallel batch without the thread limit
    live: bool = True
    startup: bool = True  # time ``posecheck analyze`` of one photo, start to finish
    repeat: int = 1  # runs of each figure (in rounds); the best is shown
    model: str | None = None
    out: Callable[[str], None] = field(default=print)


def _parse_size(text: str) -> tuple[int, int] | None:
    if text == "native":
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise PosecheckError(f"size {text!r}: give 'native' or WIDTHxHEIGHT, e.g. 1280x720") from None
    if w < 16 or h < 16 or w > 7680 or h > 4320:
        raise PosecheckError(f"size {text!r}: out of range")
    return w, h


def _exercise_for(clip: Path, exercise: str | None) -> str:
    if exercise:
        return exercise
    from posecheck.config import Settings

    stem = clip.stem.split(".")[0]
    return stem if stem in Settings().exercises else "bridge"


def _mb(value) -> str:
    return f"{value:7.0f}" if isinstance(value, (int, float)) else "      -"


def _row(out, label: str, figures: dict, limit: float | None, extra: str = "") -> None:
    if "error" in figures:
        out(f"  {label:<28} failed: {figures['error']}")
        return
    fps = figures["fps"]
    ratio = f"{fps / limit:7.2f}" if limit else "      -"
    cpu = figures.get("cpu_ms")
    cpu = f"{cpu:7.1f}" if isinstance(cpu, (int, float)) else "      -"
    out(f"  {label:<28} {fps:8.1f}  {ratio}  {_mb(figures.get('peak_mb'))}  {cpu}  {extra}".rstrip())


def run_bench(options: BenchOptions) -> dict:
    """Runs every measurement, prints the tables through ``options.out``; returns all figures."""
    out = options.out
    clip = Path(options.clip) if options.clip else default_clip()
    if not clip.is_file():
        hint = " (make the samples with: python samples/make_samples.py)" if options.clip is None else ""
        raise PosecheckError(f"{clip}: no such clip{hint}")
    from posecheck.io.sources import kind_of

    if kind_of(clip) != "video":
        raise PosecheckError(f"{clip}: bench takes a video clip")
    if options.frames < 0:
        raise PosecheckError(f"--frames must be 0 (all) or more, got {options.frames}")
    if options.batch < 0:
        raise PosecheckError(f"--batch must be 0 (none) or more, got {options.batch}")
    if options.jobs is not None and options.jobs < 1:
        raise PosecheckError(f"--jobs must be at least 1, got {options.jobs}")
    if options.repeat < 1:
        raise PosecheckError(f"--repeat must be at least 1, got {options.repeat}")
    if not options.sizes:
        raise PosecheckError("--sizes: give at least one size")
    sizes = [(name, _parse_size(name)) for name in options.sizes]
    exercise = _exercise_for(clip, options.exercise)
    from posecheck.config import Settings

    if exercise != "auto":
        Settings().exercise(exercise)  # an unknown exercise fails here, not in every child
    cores = usable_cores()
    jobs = options.jobs or cores
    results: dict = {"clip": str(clip), "exercise": exercise, "cores": cores, "frames_requested": options.frames,
                     "versions": _versions(), "sizes": {}, "batch": None}
    out(f"posecheck bench: {clip} ({exercise}); {cores} core(s); {results['versions']}")
    out("Each figure is measured in its own process on the same frames; frame rates exclude the model load.")
    out("Other work on the machine makes the figures noisy; the ratios to the model, measured in the same run, "
        "less so." + (f" Best of {options.repeat} runs each." if options.repeat > 1 else ""))
    with tempfile.TemporaryDirectory(prefix="posecheck-bench-") as tmp:
        native_clip = None
        for name, size in sizes:
            path = os.path.join(tmp, f"clip-{name}.mp4")
            info = prepare_clip(clip, path, options.frames, size)
            if native_clip is None:
                native_clip = path
            out("")
            out(f"{info['width']}x{info['height']} ({name}), {info['frames']} frames at {info['fps']:.2f} fps "
                f"({info['codec']})")
            out(f"  {'':<28} {'frames/s':>8}  {'x model':>7}  {'peak MB':>7}  {'CPU ms':>7}  (CPU ms: per frame, "
                f"all threads)")
            figures = _measure_size(path, exercise, options, out)
            figures["clip"] = info
            results["sizes"][name if size is None else f"{size[0]}x{size[1]}"] = figures
        if options.batch > 0 and native_clip is not None:
            results["batch"] = _measure_batch(native_clip, exercise, options, jobs, out)
        native_model = results["sizes"].get("native", {}).get("model", {})
        if options.long_s > 0 and native_clip is not None:
            results["long"] = _measure_long(native_clip, tmp, exercise, options, jobs, native_model, out)
        if options.ray_batch > 0 and native_clip is not None:
            results["ray_batch"] = _measure_ray_batch(native_clip, exercise, options, jobs, out)
        if options.startup and native_clip is not None:
            results["startup"] = _measure_startup(native_clip, tmp, exercise, options, out)
    return results


def photo_from_clip(clip: str, path: str) -> None:
    """The clip's middle frame as a JPEG photo."""
    import cv2

    cap = cv2.VideoCapture(clip)
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        cap.set(cv2.CAP_PROP_POS_FRAMES, max(0, count // 2))
        ok, image = cap.read()
    finally:
        cap.release()
    if not ok or not cv2.imwrite(path, image):
        raise PosecheckError(f"{clip}: cannot take a photo from the clip")


def run_startup(photo: str, exercise: str, model: str | None) -> dict:
    """``posecheck analyze PHOTO`` as a user runs it: a new interpreter, imports, model load, the judgement."""
    cmd = [sys.executable, "-m", "posecheck", "analyze", photo, "--exercise", exercise]
    if model:
        cmd += ["--model", model]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CHILD_TIMEOUT_S} s"}
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        return {"error": lines[-1] if lines else f"exit code {proc.returncode}"}
    return {"seconds": seconds}


def _measure_startup(clip: str, tmp: str, exercise: str, options: "BenchOptions", out) -> dict:
    photo = os.path.join(tmp, "photo.jpg")
    photo_from_clip(clip, photo)
    runs = [run_startup(photo, exercise, options.model) for _ in range(max(1, options.repeat))]
    ok = [r["seconds"] for r in runs if "error" not in r]
    out("")
    if not ok:
        out(f"startup: posecheck analyze of one photo failed: {runs[-1]['error']}")
        return runs[-1]
    out(f"startup: posecheck analyze of one photo (a frame of the clip), the whole command with the model "
        f"load: {min(ok):.2f} s")
    return {"seconds": min(ok), "runs": [round(v, 3) for v in ok]}


def _versions() -> str:
    from importlib import metadata

    parts = []
    for dist in ("mediapipe", "opencv-python", "opencv-contrib-python", "opencv-python-headless", "av"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def best_of(runs: list[dict]) -> dict:
    """The best of repeated runs (other work only ever slows a run down), with every run's rate."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[-1]
    if "latency_p95_ms" in ok[0]:  # live: fewest drops, then the lowest p95 latency
        best = min(ok, key=lambda r: (r["dropped"], r["latency_p95_ms"] if r["latency_p95_ms"] is not None
                                      else float("inf")))
    else:
        best = max(ok, key=lambda r: r["fps"])
    return {**best, "runs": [round(r["fps"], 2) for r in ok]} if len(runs) > 1 else best


SIZE_KINDS = (("decode", {"kind": "decode"}), ("model", {"kind": "model"}), ("analyze", {"kind": "analyze"}),
              ("analyze_video", {"kind": "analyze", "video": True}), ("live", {"kind": "live"}))


def _measure_size(path: str, exercise: str, options: BenchOptions, out) -> dict:
    base = {"clip": path, "exercise": exercise, "model": options.model}
    kinds = [(name, spec) for name, spec in SIZE_KINDS if options.live or name != "live"]
    runs: dict[str, list[dict]] = {name: [] for name, _ in kinds}
    for _ in range(max(1, options.repeat)):  # rounds, so that each figure sees the same conditions
        for name, spec in kinds:
            runs[name].append(run_child({**base, **spec}))
    figures = {name: best_of(r) for name, r in runs.items()}
    model = figures["model"]
    limit = None if "error" in model else model["fps"]
    _row(out, "decode only", figures["decode"], limit)
    extra = ""
    if limit:
        extra = (f"model load {model['load_s']:.2f} s; holds the {model['frames']} frames "
                 f"({model['held_frames_mb']:.0f} MB)")
    _row(out, "model only (the limit)", model, limit, extra)
    _row(out, "analyze", figures["analyze"], limit)
    _row(out, "analyze --video", figures["analyze_video"], limit)
    if "live" in figures:
        live = figures["live"]
        extra = ""
        if "error" not in live:
            med, p95 = live.get("latency_median_ms"), live.get("latency_p95_ms")
            lat = (f"latency median {med:.0f} ms, p95 {p95:.0f} ms" if med is not None
                   else "no latency figures")
            extra = f"{lat}; {live['dropped']} of {live['frames'] + live['dropped']} frames dropped"
        _row(out, "live (clip as camera)", live, limit, extra)
        if "error" not in live and not live["loop"].startswith("posecheck.apps.live"):
            out(f"  (live: {live['loop']})")
    return figures


def _measure_batch(path: str, exercise: str, options: BenchOptions, jobs: int, out) -> dict:
    base = {"clip": path, "exercise": exercise, "model": options.model, "kind": "batch",
            "copies": options.batch}
    variants = [("sequential", "one after another", {"jobs": 1}),
                ("parallel", f"{jobs} processes, limit_threads({options.threads})",
                 {"jobs": jobs, "threads": options.threads})]
    if options.compare_unlimited:
        variants.append(("parallel_unlimited", f"{jobs} processes, no thread limit", {"jobs": jobs, "threads": None}))
    runs: dict[str, list[dict]] = {key: [] for key, _, _ in variants}
    for _ in range(max(1, options.repeat)):
        for key, _, spec in variants:
            runs[key].append(run_child({**base, **spec}))
    figures: dict = {"copies": options.batch, "jobs": jobs, "threads": options.threads}
    out("")
    out(f"batch: {options.batch} copies of the {path_size(path)} clip (analyze, no video; process start-up "
        f"and model loads included)")
    for key, label, _ in variants:
        figures[key] = best_of(runs[key])
        _batch_row(out, label, figures[key], None if key == "sequential" else figures["sequential"])
    return figures


def loop_clip(src: str, dst: str, seconds: float) -> dict:
    """``src`` played over and over to at least ``seconds``, times continuing, into ``dst`` (H.264)."""
    from posecheck.io.sources import VideoSource
    from posecheck.io.video import VideoWriter

    n, offset = 0, 0.0
    with VideoWriter(dst, fps=VideoSource(src).fps, crf=18) as writer:
        while offset < seconds - 1e-6:
            source = VideoSource(src)
            last = 0.0
            try:
                for frame in source:
                    writer.write(frame.image, offset + frame.timestamp_s)
                    last = frame.timestamp_s
                    n += 1
            finally:
                source.close()
            offset += last + 1.0 / (source.fps or 30.0)
    return {"frames": n, "seconds": offset}


def _measure_long(clip: str, tmp: str, exercise: str, options: BenchOptions, jobs: int, model: dict,
                  out) -> dict:
    """One long clip: analyze in one pass vs in chunks on ``jobs`` processes, without and with --video."""
    path = os.path.join(tmp, "long.mp4")
    info = loop_clip(clip, path, options.long_s)
    base = {"clip": path, "exercise": exercise, "model": options.model, "kind": "analyze"}
    variants = [("sequential", "long: one pass", {"jobs": 1}),
                ("chunked", f"long: {jobs} processes", {"jobs": jobs}),
                ("sequential_video", "long --video: one pass", {"jobs": 1, "video": True}),
                ("chunked_video", f"long --video: {jobs} processes", {"jobs": jobs, "video": True})]
    runs: dict[str, list[dict]] = {key: [] for key, _, _ in variants}
    for _ in range(max(1, options.repeat)):
        for key, _, spec in variants:
            runs[key].append(run_child({**base, **spec}))
    limit = None if "error" in model or not model else model["fps"]
    out("")
    out(f"long clip: the clip looped to {info['seconds']:.0f} s ({info['frames']} frames); x model: to the "
        f"model-only figure above (one stream); process starts and model loads included")
    figures: dict = {"frames": info["frames"], "seconds": info["seconds"], "jobs": jobs,
                     "model_fps": limit}
    for key, label, _ in variants:
        figures[key] = best_of(runs[key])
        _row(out, label, figures[key], limit)
    return figures


def _measure_ray_batch(clip: str, exercise: str, options: BenchOptions, jobs: int, out) -> dict:
    """``ray_batch`` copies: one after another, over local processes, and as Ray tasks on a local cluster."""
    out("")
    try:
        from posecheck.run.ray_engine import import_ray

        import_ray()
    except PosecheckError as exc:
        out(f"ray batch: skipped ({exc})")
        return {"error": str(exc)}
    base = {"clip": clip, "exercise": exercise, "model": options.model, "copies": options.ray_batch}
    variants = [("sequential", "one after another", {"kind": "batch", "jobs": 1}),
                ("local", f"local engine, {jobs} processes", {"kind": "batch", "jobs": jobs,
                                                               "threads": options.threads}),
                ("ray", f"Ray, local cluster of {jobs} CPUs", {"kind": "ray_batch", "jobs": jobs})]
    runs: dict[str, list[dict]] = {key: [] for key, _, _ in variants}
    for _ in range(max(1, options.repeat)):
        for key, _, spec in variants:
            runs[key].append(run_child({**base, **spec}))
    figures: dict = {"copies": options.ray_batch, "jobs": jobs}
    out(f"ray batch: {options.ray_batch} copies of the {path_size(clip)} clip (analyze, no video; worker "
        f"starts and model loads included, the Ray cluster's own start apart)")
    for key, label, _ in variants:
        figures[key] = best_of(runs[key])
        _batch_row(out, label, figures[key], None if key == "sequential" else figures["sequential"])
    ray = figures["ray"]
    if "error" not in ray and "error" not in figures["local"]:
        out(f"  Ray vs the local engine: {ray['fps'] / figures['local']['fps']:.2f}x; the cluster started in "
            f"{ray['cluster_start_s']:.1f} s")
    return figures


def path_size(path: str) -> str:
    from posecheck.io.sources import VideoSource

    source = VideoSource(path)
    source.close()
    return f"{source.info.width}x{source.info.height}"


def _batch_row(out, label: str, figures: dict, reference: dict | None) -> None:
    if "error" in figures:
        out(f"  {label:<34} failed: {figures['error']}")
        return
    speedup = ""
    if reference is not None and "error" not in reference:
        speedup = f"  {figures['fps'] / reference['fps']:.2f}x faster"
    peak = figures.get("worker_peak_mb")
    cpu = figures.get("cpu_ms")
    extra = (f"  peak {peak:.0f} MB per process" if peak is not None else "") + (
        f"  CPU {cpu:.1f} ms/frame" if cpu is not None else "")
    out(f"  {label:<34} {figures['seconds']:7.1f} s  {figures['fps']:6.1f} frames/s{extra}{speedup}")


if __name__ == "__main__":  # one measuring child, started by run_child
    from posecheck.apps.bench_children import child_main

    sys.exit(child_main(sys.argv[1:]))
