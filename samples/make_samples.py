#!/usr/bin/env python
"""Regenerate the ground-truth sample clips (deterministically) and, with --check, measure them.

    python samples/make_samples.py                 # all 8 clips + routine.mp4
    python samples/make_samples.py bridge cobra    # just these (the routine is rebuilt only for all)
    python samples/make_samples.py --check         # run the real model on the written clips
    python samples/make_samples.py --check-only    # measure without regenerating

Each clip is 640x480, 30 fps, OpenCV 'mp4v' in .mp4, with ``<exercise>.truth.json``
beside it (see samples/README.md). Nothing here is random: the same code gives
the same truth and the same frames.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from posecheck.synthetic.clips import (  # noqa: E402
    ROUTINE_ORDER, build_clip, detection_report, join_clips, self_check, write_clip)
from posecheck.synthetic.designs import write_solved_cache  # noqa: E402


def generate(exercises: list[str], out: Path, verbose: bool = True) -> None:
    for ex in exercises:
        t0 = time.time()
        clip = build_clip(ex)
        sc = self_check(clip)
        if sc["disagreements"]:
            print(f"warning: {ex}: the measure disagrees with the truth away from boundaries at "
                  f"{len(sc['disagreements'])} frames, first {sc['disagreements'][0]}", file=sys.stderr)
        write_clip(clip, out)
        if verbose:
            tr = clip.truth
            print(f"{ex:24s} {clip.frames:4d} frames {clip.frames / clip.fps:5.1f} s  hold {tr['hold_s']:5.2f} s"
                  f"  reps {tr['reps']}  ({time.time() - t0:.1f} s)")


def routine(out: Path) -> None:
    videos = [out / f"{ex}.mp4" for ex in ROUTINE_ORDER]
    truths = [json.loads((out / f"{ex}.truth.json").read_text()) for ex in ROUTINE_ORDER]
    entries = join_clips(videos, truths, out / "routine.mp4", out / "routine.truth.json")
    last = entries[-1]
    print(f"routine.mp4: {len(entries)} clips, {(last['offset_frame'] + last['frames']) / last['fps']:.1f} s")


def check(exercises: list[str], out: Path) -> list[dict]:
    from posecheck.io.estimator import PoseEstimator

    rows = []
    print(f"{'exercise':24s} {'frames':>6s} {'detected':>8s} {'mean px':>8s} {'median':>7s} {'p90':>6s} "
          f"{'near px':>7s}  worst phase")
    for ex in exercises:
        clip = build_clip(ex)
        with PoseEstimator(video=True) as est:
            r = detection_report(clip, out / f"{ex}.mp4", est)
        rows.append(r)
        w = r["worst_phase"]
        near = "-" if r["near_side_error_px"] is None else f"{r['near_side_error_px']:.1f}"
        print(f"{ex:24s} {r['frames']:6d} {100 * r['detection_rate']:7.1f}% {r['mean_error_px']:8.1f} "
              f"{r['median_error_px']:7.1f} {r['p90_error_px']:6.1f} {near:>7s}  "
              f"{w['label']} ({w['detected']}/{w['frames']})", flush=True)
    failing = [r["exercise"] for r in rows if r["detection_rate"] < 0.95]
    if failing:
        print(f"detection below 95%: {', '.join(failing)}")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exercises", nargs="*", help=f"default: all ({', '.join(ROUTINE_ORDER)})")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: samples/)")
    ap.add_argument("--check", action="store_true", help="after generating, run the real model on the clips")
    ap.add_argument("--check-only", action="store_true", help="only run the model on existing clips")
    ap.add_argument("--no-routine", action="store_true", help="do not rebuild routine.mp4")
    ap.add_argument("--json", type=Path, help="write the --check figures to this JSON file")
    args = ap.parse_args(argv)
    unknown = [e for e in args.exercises if e not in ROUTINE_ORDER]
    if unknown:
        ap.error(f"unknown exercise(s) {', '.join(unknown)}; valid: {', '.join(ROUTINE_ORDER)}")
    exercises = args.exercises or list(ROUTINE_ORDER)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.check_only:
        path = write_solved_cache()
        print(f"solved poses: {path.relative_to(HERE.parent) if path.is_relative_to(HERE.parent) else path}")
        generate(exercises, args.out)
        if not args.exercises and not args.no_routine:
            routine(args.out)
    if args.check or args.check_only:
        rows = check(exercises, args.out)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1) + "\n")
        return 1 if any(r["detection_rate"] < 0.95 for r in rows) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
