#!/usr/bin/env python3
"""Memory soak: the live loop fed by a looping clip for ``--minutes``; resident memory must stay flat.

Runs ``posecheck.apps.live.run_live`` without a window (overlay drawn, voice muted,
no history) on a clip played at its own pace over and over, with timestamps
running on across loops as a camera's would. A thread samples this process's
resident memory (VmRSS) every few seconds. At the end it prints the memory
after the first minute, at the end and at its highest, the loop's frame rate
and latency, and PASS when the end is within ``--tolerance`` (10 %) of the
first minute's figure, FAIL otherwise (exit code 1).

    python scripts/memory_soak.py --minutes 20 [--clip samples/bridge.mp4] [--exercise bridge]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class LoopingFeed:
    """A clip played over and over as one endless stream, for ``seconds`` of stream time."""

    def __init__(self, path: str, seconds: float):
        from posecheck.io.sources import SourceInfo, VideoSource

        self.path = path
        self.seconds = seconds
        probe = VideoSource(path)
        info = probe.info
        probe.close()
        # kind "video": the live loop paces it at the frames' own timestamps.
        self.info = SourceInfo("video", f"{path} (looping)", info.width, info.height, info.fps, 0)
        self._source = None
        self._closed = False
        self.loops = 0

    def __iter__(self):
        from posecheck.io.sources import VideoSource
        from posecheck.core.types import Frame

        offset = 0.0
        index = 0
        while not self._closed:
            self._source = VideoSource(self.path)
            period = 1.0 / self._source.fps if self._source.fps else 1.0 / 30.0
            last = 0.0
            try:
                for frame in self._source:
                    t = offset + frame.timestamp_s
                    if t >= self.seconds or self._closed:
                        return
                    last = frame.timestamp_s
                    yield Frame(image=frame.image, timestamp_s=t, index=index)
                    index += 1
            finally:
                self._source.close()
            self.loops += 1
            offset += last + period

    def close(self) -> None:
        self._closed = True


class Sampler:
    """Resident memory every ``every_s`` seconds, sampled from inside the live loop (per drawn frame)."""

    def __init__(self, every_s: float):
        self.every_s = every_s
        self.samples: list[tuple[float, float]] = []
        self._t0: float | None = None
        self._next = 0.0

    def __call__(self, canvas, step) -> None:
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        if now - self._t0 >= self._next:
            self.samples.append((now - self._t0, rss_mb()))
            self._next += self.every_s

    def at(self, seconds: float) -> float:
        """The first sample taken at or after ``seconds`` (the last one if none)."""
        for t, mb in self.samples:
            if t >= seconds:
                return mb
        return self.samples[-1][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="length of the run (default 20)")
    parser.add_argument("--clip", default=str(REPO / "samples" / "bridge.mp4"), help="clip to loop")
    parser.add_argument("--exercise", default="bridge", help="exercise to judge (default bridge)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between memory samples")
    parser.add_argument("--tolerance", type=float, default=0.10, help="allowed growth after the first minute")
    parser.add_argument("--json", help="write the samples and figures here")
    args = parser.parse_args(argv)

    from posecheck.apps.live import LiveOptions, run_live

    seconds = args.minutes * 60.0
    feed = LoopingFeed(args.clip, seconds)
    sampler = Sampler(args.every)
    options = LiveOptions(exercise=args.exercise, feed=feed, window=False, draw=True, mute=True,
                          record_history=False, stall_s=30.0, on_canvas=sampler)
    print(f"memory soak: {args.clip} looping for {args.minutes:g} min, live loop without a window "
          f"({feed.info.width}x{feed.info.height} at {feed.info.fps:g} fps)", flush=True)
    reporter_stop = threading.Event()

    def report_each_minute() -> None:
        minute = 1
        while not reporter_stop.wait(60.0):
            print(f"  {minute:3d} min  RSS {rss_mb():7.1f} MB", flush=True)
            minute += 1

    reporter = threading.Thread(target=report_each_minute, daemon=True)
    reporter.start()
    t0 = time.monotonic()
    result = run_live(options)
    wall = time.monotonic() - t0
    reporter_stop.set()
    if not sampler.samples:
        print("the live loop drew no frames", file=sys.stderr)
        return 1

    first_minute = sampler.at(60.0)
    end = sampler.samples[-1][1]
    peak = max(mb for _, mb in sampler.samples)
    growth = (end - first_minute) / first_minute
    lat = result.summary.get("live_stats", {}).get("latency_ms", {})
    ok = wall >= min(seconds, 60.0) * 0.9 and growth <= args.tolerance
    figures = {
        "clip": args.clip, "minutes": args.minutes, "wall_s": round(wall, 1), "loops": feed.loops,
        "frames": result.frames, "dropped": result.dropped, "fps": round(result.fps, 2),
        "latency_ms": lat, "ended": result.ended,
        "rss_after_1_min_mb": round(first_minute, 1), "rss_end_mb": round(end, 1), "rss_peak_mb": round(peak, 1),
        "growth": round(growth, 4), "pass": ok,
        "samples": [(round(t, 1), round(mb, 1)) for t, mb in sampler.samples],
    }
    print(f"ran {wall / 60:.1f} min ({feed.loops} loops), {result.frames} frames at {result.fps:.1f} fps, "
          f"{result.dropped} dropped, latency median {lat.get('median')} ms p95 {lat.get('p95')} ms; "
          f"ended {result.ended}")
    print(f"RSS after 1 min {first_minute:.1f} MB, at the end {end:.1f} MB ({growth * 100:+.1f} %), "
          f"peak {peak:.1f} MB: {'PASS' if ok else 'FAIL'} (limit +{args.tolerance * 100:.0f} %)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
