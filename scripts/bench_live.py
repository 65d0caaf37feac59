#!/usr/bin/env python3
"""How fast the live loop runs: frames per second and the latency from capture to overlay.

Plays a video file as if it were a camera (``posecheck live --source``: frames
delivered at the file's own pace, the newest one kept, late ones dropped) and
runs the whole loop on every frame it gets: pose estimation, the judge, the
routine, and the overlay drawn on the 1280x720 canvas (no window unless
``--window``). Prints the loop's frames per second, the frames dropped, and the
latency from the moment a frame was captured to the moment its overlay was
drawn (median and 95th percentile). ``--unpaced`` also measures the loop's
capacity: every frame, as fast as it goes.

    python scripts/bench_live.py [VIDEO] [--exercise NAME] [--seconds N] [--window] [--unpaced]

The default video is samples/knee_to_chest.mp4 (640x480, 30 fps).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from posecheck.config import Settings  # noqa: E402
from posecheck.apps.live import LiveOptions, run_live  # noqa: E402


def _clip(path: str, seconds: float | None, size: tuple[int, int] | None) -> str:
    """The first ``seconds`` of the video (resized when asked), as a temporary file; or the video itself."""
    if not seconds and not size:
        return path
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    out_size = size or (w, h)
    fd, tmp = tempfile.mkstemp(suffix=".avi", prefix="bench_live_")
    os.close(fd)
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"MJPG"), fps, out_size)
    n = 0
    limit = int(seconds * fps) if seconds else None
    while limit is None or n < limit:
        ok, image = cap.read()
        if not ok:
            break
        if image.shape[1::-1] != out_size:
            image = cv2.resize(image, out_size, interpolation=cv2.INTER_AREA)
        writer.write(image)
        n += 1
    writer.release()
    cap.release()
    return tmp


def _run(video: str, exercise: str | None, window: bool, speed: float, model: str | None) -> dict:
    options = LiveOptions(exercise=exercise, source=video, window=window, mute=True, model=model,
                          settings=Settings(), record_history=False, draw=True, speed=speed)
    start = time.monotonic()
    result = run_live(options)
    wall = time.monotonic() - start
    lat = sorted(result.latency_ms)
    pct = (lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]) if lat else (lambda q: float("nan"))
    return {"fps": result.fps, "frames": result.frames, "dropped": result.dropped,
            "median_ms": pct(0.5), "p95_ms": pct(0.95), "wall_s": wall,
            "cpu_ms": result.summary["live_stats"].get("cpu_ms_per_frame") or float("nan")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", default=str(REPO / "samples" / "knee_to_chest.mp4"))
    parser.add_argument("--exercise", "-e", default=None,
                        help="exercise to judge (default: the routine, following the video)")
    parser.add_argument("--seconds", type=float, default=None, help="only the first N seconds of the video")
    parser.add_argument("--size", default="640x480", help="resize frames to WxH first (default 640x480; 'keep')")
    parser.add_argument("--window", action="store_true", help="show the window too (needs a display)")
    parser.add_argument("--unpaced", action="store_true", help="also run every frame as fast as possible")
    parser.add_argument("--model", default=None, help="another pose_landmarker .task file")
    args = parser.parse_args()

    size = None if args.size == "keep" else tuple(int(v) for v in args.size.lower().split("x"))
    cap = cv2.VideoCapture(args.video)
    native = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    src_fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    video = _clip(args.video, args.seconds, size if size and size != native else None)
    try:
        w, h = size or native
        print(f"source: {args.video} ({native[0]}x{native[1]} at {src_fps:.1f} fps), judged at {w}x{h}, "
              f"{os.cpu_count()} cores")
        runs = [("camera pace", 1.0)] + ([("unpaced", 0.0)] if args.unpaced else [])
        for name, speed in runs:
            r = _run(video, args.exercise, args.window, speed, args.model)
            print(f"{name:12s} {r['fps']:6.1f} frames/s  {r['frames']} frames, {r['dropped']} dropped  "
                  f"latency capture->overlay median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms  "
                  f"(CPU {r['cpu_ms']:.1f} ms per frame, all threads)")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average {load:.1f} on {os.cpu_count()} cores (other work on the machine lowers the rate)")
    finally:
        if video != args.video:
            os.unlink(video)
    return 0


if __name__ == "__main__":
    sys.exit(main())
