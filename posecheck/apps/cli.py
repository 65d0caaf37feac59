"""The command line: a thin layer over the library, one small function per subcommand.

Every user-facing failure is a ``PosecheckError``: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from posecheck import __version__
from posecheck.errors import PosecheckError


def _cmd_analyze(args: argparse.Namespace) -> int:
    from posecheck.config import load_settings
    from posecheck.io.outputs import (check_output_path, csv_text, json_line, refuse_two_on_stdout,
                                      stdout_taken, write_atomic)
    from posecheck.io.sources import check_input, kind_of
    from posecheck.run.pipeline import AUTO, AnalyzeOptions, analyze_file

    settings = load_settings(args.config)
    if args.exercise != AUTO:
        settings.exercise(args.exercise)
    for path in args.inputs:  # every input is checked before the first is analysed
        check_input(path)
    refuse_two_on_stdout(json=args.json, csv=args.csv, video=args.video)
    for out in (args.json, args.csv):
        if out:
            check_output_path(out, args.inputs)
    if args.csv and len(args.inputs) > 1:
        raise PosecheckError("--csv takes one input at a time")
    if args.jobs is not None and args.jobs < 1:
        raise PosecheckError(f"--jobs must be at least 1, got {args.jobs}")
    options = AnalyzeOptions(model=args.model, settings=settings, sample_fps=args.fps,  # checks --fps
                             pose_cache=args.pose_cache, jobs=args.jobs or os.cpu_count() or 1)

    lines = []
    image_estimator = None
    analyses = []
    with _video_sink(args, settings) as sink:
        try:
            for path in args.inputs:
                if kind_of(path) == "image" and image_estimator is None:
                    from posecheck.io.estimator import PoseEstimator
                    image_estimator = PoseEstimator(args.model, video=False)
                analysis = analyze_file(path, args.exercise, options, image_estimator=image_estimator,
                                        sink=sink)
                analyses.append(analysis)
                lines.append(json_line(analysis.summary.to_json()))
        finally:
            if image_estimator is not None:
                image_estimator.close()
    if not args.no_history:
        from posecheck.io.history import History

        with History(args.history) as history:
            for analysis in analyses:
                if analysis.summary.exercise:
                    history.record_summary(analysis.summary, source="analyze")
    if args.json:
        write_atomic(args.json, "\n".join(lines) + "\n")
    if not stdout_taken(args.json, args.csv, args.video):  # stdout is free: the summary for a person
        from posecheck.draw.text_summary import summary_text

        sys.stdout.write("\n".join(summary_text(a.summary, settings.exercises) for a in analyses))
    if args.csv:
        rule_names = sorted({r.name for fr in analyses[0].frames for r in fr.assessment.results})
        write_atomic(args.csv, csv_text(analyses[0].frames, rule_names))
    return 0


def _video_sink(args: argparse.Namespace, settings):
    """--video OUT: a sink drawing the overlay on every frame into an H.264 MP4 (or nothing)."""
    import contextlib

    if not args.video:
        return contextlib.nullcontext(None)
    from posecheck.io.outputs import check_output_path
    from posecheck.io.sources import kind_of
    from posecheck.draw.annotated import AnnotatedVideo
    from posecheck.io.video import probe_fps

    if len(args.inputs) != 1 or kind_of(args.inputs[0]) != "video":
        raise PosecheckError("--video takes one video input")
    check_output_path(args.video, args.inputs)
    exercise = None if args.exercise == "auto" else settings.exercise(args.exercise)
    return AnnotatedVideo(args.video, probe_fps(args.inputs[0]), exercises=settings.exercises,
                          exercise=exercise)


def _cmd_report(args: argparse.Namespace) -> int:
    from posecheck.apps.report import build_report
    from posecheck.run.pipeline import check_sample_fps

    if args.jobs is not None and args.jobs < 1:
        raise PosecheckError(f"--jobs must be at least 1, got {args.jobs}")
    check_sample_fps(args.fps)
    if args.address and args.engine != "ray":
        raise PosecheckError("--address needs --engine ray")
    reports = build_report(args.inputs, args.out, exercise=args.exercise, jobs=args.jobs, model=args.model,
                           config=args.config, sample_fps=args.fps, client=args.client, history=args.history,
                           record_history=not args.no_history, engine=args.engine, address=args.address)
    failed = [r for r in reports if r.error]
    for r in failed:
        print(f"posecheck: {r.error if r.path in r.error else f'{r.path}: {r.error}'}", file=sys.stderr)
    print(f"{Path(args.out) / 'index.html'}: {len(reports)} clip(s), {len(failed)} failed; "
          f"to attach: {Path(args.out) / 'report.html'} (no videos)")
    return 1 if failed else 0


def _cmd_exercises(args: argparse.Namespace) -> int:
    from posecheck.config import load_settings

    settings = load_settings(args.config)
    for ex in settings.exercises.values():
        goal = (f"hold {ex.goal.target:g} s" + (" per side" if ex.has_sides else "")
                if ex.goal.kind == "hold" else f"{int(ex.goal.target)} reps")
        sides = ", ".join(ex.sides) if ex.sides else "none"
        print(f"{ex.id} - {ex.title}")
        print(f"  view: {ex.view}; sides: {sides}; goal: {goal}")
        print(f"  judged from: {', '.join(ex.views) if ex.views else 'none yet (none passes the synthetic view matrix at 95%)'}")
        for rule in ex.rules:
            unit = "" if rule.unit == "" else f" {rule.unit}"
            gate = " (starting position)" if rule.gate else ""
            print(f"  - {rule.name}: {rule.low:g} to {rule.high:g}{unit}{gate}: {rule.description}")
        print()
    return 0


def _use_pose_cache(folder: str | None) -> None:
    """``--pose-cache DIR`` for the evaluation: the cache every worker process reads."""
    if folder:
        os.environ["POSECHECK_CACHE"] = folder


def _cmd_eval(args: argparse.Namespace) -> int:
    from posecheck.apps.evaluate import evaluate_clips, evaluate_photos, format_clips, format_report
    from posecheck.io.outputs import check_output_path, stdout_taken, write_text_atomic
    import json

    if not args.photos and not args.clips:
        raise PosecheckError("give --photos and/or --clips")
    if args.cv and not args.photos:
        raise PosecheckError("--cv source needs --photos (the ranges are fitted on the labelled photos)")
    if args.json:
        check_output_path(args.json, [])
    _use_pose_cache(args.pose_cache)
    exercises = None
    if args.ranges:
        from posecheck.judge.exercises.base import coded_registry, with_fitted_ranges

        if not Path(args.ranges).is_dir():
            raise PosecheckError(f"{args.ranges}: no such folder")
        exercises = {ex_id: with_fitted_ranges(ex, Path(args.ranges)) for ex_id, ex in coded_registry().items()}
    results: dict = {}
    if args.photos:
        results["photos"] = evaluate_photos(args.photos, model=args.model, exercises=exercises)
    if args.clips:
        results["clips"] = evaluate_clips(args.clips, model=args.model,
                                          exercises_for=(lambda _clip: exercises) if exercises else None)
    report = format_report(results)
    if args.cv:
        from posecheck.apps.calibrate import clip_exercises_held_out, cross_validate, format_cv

        cv = cross_validate(args.photos, model=args.model)
        results["fitted"], results["held_out"] = cv["fitted"], cv["held_out"]
        report += "\n\n" + "\n".join(format_cv(cv))
        if args.clips:
            results["clips_held_out"] = evaluate_clips(args.clips, model=args.model,
                                                       exercises_for=clip_exercises_held_out(cv))
            report += "\n\n" + "\n".join(format_clips(results["clips_held_out"], "Clips, held out by source"))
    print(report, file=sys.stderr if stdout_taken(args.json) else sys.stdout)  # `--json -`: JSON alone on stdout
    if args.json:
        write_text_atomic(args.json, json.dumps(results, indent=1) + "\n")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from posecheck.apps.calibrate import calibrate, format_fits

    _use_pose_cache(args.pose_cache)
    fits, out_dir = calibrate(args.photos, args.out, model=args.model)
    print(format_fits(fits, out_dir))
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    from posecheck.apps.history import run_history_command

    return run_history_command(args.history, args.exercise, args.plot, args.limit)


def _cmd_live(args: argparse.Namespace) -> int:
    from posecheck.config import load_settings
    from posecheck.apps.live import LiveOptions, run_live, summary_text
    from posecheck.io.outputs import stdout_taken

    if args.exercise and args.routine:
        raise PosecheckError("give --exercise NAME or --routine, not both")
    if args.camera is not None and args.source:
        raise PosecheckError("give --camera N or --source FILE, not both")
    options = LiveOptions(
        exercise=args.exercise, camera=args.camera or 0, source=args.source, window=not args.no_window,
        mute=args.mute, model=args.model, settings=load_settings(args.config), history=args.history,
        record_history=not args.no_history, summary=args.summary, mirror=not args.no_mirror,
        speed=args.speed, full_screen=not args.windowed)
    result = run_live(options)
    if not stdout_taken(args.summary):  # `--summary -`: stdout carries the JSON alone
        sys.stdout.write(summary_text(result.summary))
    if result.ended == "camera_lost":
        print("posecheck: the camera stopped delivering frames; the session was saved", file=sys.stderr)
    return result.exit_code


def _cmd_bench(args: argparse.Namespace) -> int:
    import json

    from posecheck.apps.bench import BenchOptions, run_bench
    from posecheck.io.outputs import write_text_atomic

    sizes = tuple(s.strip() for s in args.sizes.split(",") if s.strip())
    options = BenchOptions(clip=args.clip, frames=args.frames, exercise=args.exercise, sizes=sizes,
                           batch=args.batch, jobs=args.jobs, long_s=args.long, ray_batch=args.ray_batch,
                           live=not args.no_live, repeat=args.repeat,
                           model=args.model, out=lambda line: print(line, flush=True))
    results = run_bench(options)
    if args.json:
        write_text_atomic(args.json, json.dumps(results, indent=1) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posecheck", description="Checks stretching form, frame by frame.")
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    parser.add_argument("--verbose", action="store_true", help="show MediaPipe's own log lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = sub.add_parser("analyze", help="judge a video or images of one exercise")
    analyze.add_argument("inputs", nargs="+", metavar="INPUT", help="video file(s) or image file(s)")
    analyze.add_argument("--exercise", "-e", required=True,
                         help="exercise id (see `posecheck exercises`), or 'auto' to recognise it")
    analyze.add_argument("--json", metavar="FILE",
                         help="write JSON Lines summaries here ('-' for stdout); without it (and without another "
                              "output on stdout) a short summary for people is printed")
    analyze.add_argument("--csv", metavar="FILE", help="write per-frame angles and states here ('-' for stdout)")
    analyze.add_argument("--video", metavar="OUT",
                         help="write the video with the skeleton, angles and cues drawn on it (H.264 MP4)")
    analyze.add_argument("--model", metavar="PATH", help="another pose_landmarker .task file")
    analyze.add_argument("--config", metavar="TOML", help="coach settings: thresholds and goals")
    analyze.add_argument("--pose-cache", metavar="DIR",
                         help="keep estimated poses of videos in DIR and reuse them on later runs "
                              "(for re-judging with other settings; evaluation)")
    analyze.add_argument("--history", metavar="PATH",
                         help="history database (default: $POSECHECK_HISTORY or the user data folder)")
    analyze.add_argument("--no-history", action="store_true", help="do not store this analysis in the history")
    analyze.add_argument("--fps", type=float, metavar="N",
                         help="judge at most N frames per second (hold times stay in real seconds)")
    analyze.add_argument("--jobs", "-j", type=int, metavar="N",
                         help="processes for one long video, each a chunk of it (default: the number of "
                              "cores; short clips, --fps and --pose-cache run in one pass)")
    analyze.set_defaults(func=_cmd_analyze)

    report = sub.add_parser("report", help="analyse clips and write an HTML report folder")
    report.add_argument("inputs", nargs="+", metavar="INPUT", help="video files, images, or folders of videos")
    report.add_argument("--out", "-o", required=True, metavar="DIR", help="report folder (made if missing)")
    report.add_argument("--exercise", "-e", default="auto",
                        help="exercise id for every clip, or 'auto' (default) to recognise each")
    report.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="clips analysed at once, one process each (default: the number of cores)")
    report.add_argument("--model", metavar="PATH", help="another pose_landmarker .task file")
    report.add_argument("--config", metavar="TOML", help="coach settings: thresholds and goals")
    report.add_argument("--fps", type=float, metavar="N", help="judge at most N frames per second")
    report.add_argument("--client", metavar="NAME",
                        help="whom the clips show: named on the report, stored with them in the history, and "
                             "compared with their earlier sessions")
    report.add_argument("--history", metavar="PATH",
                        help="history database (default: $POSECHECK_HISTORY or the user data folder)")
    report.add_argument("--no-history", action="store_true",
                        help="neither store these clips in the history nor compare with it")
    report.add_argument("--engine", choices=["local", "ray"], default="local",
                        help="local: this machine's processes (default); ray: Ray tasks on a cluster "
                             "(needs pip install 'posecheck[ray]')")
    report.add_argument("--address", metavar="ADDR",
                        help="with --engine ray: a running cluster's HOST:PORT, or 'auto' for the one "
                             "`ray start` made here (default: start a local cluster for this report)")
    report.set_defaults(func=_cmd_report)

    exercises = sub.add_parser("exercises", help="list every exercise with its view, rules, ranges and goal")
    exercises.add_argument("--config", metavar="TOML", help="show the values a config file sets")
    exercises.set_defaults(func=_cmd_exercises)

    evaluate = sub.add_parser("eval", help="measure the judge on labelled photos and clips")
    evaluate.add_argument("--photos", metavar="DIR|CSV", help="folder with manifest.csv (file,label)")
    evaluate.add_argument("--clips", metavar="DIR|CSV", help="folder with labels.csv")
    evaluate.add_argument("--json", metavar="FILE", help="write all figures as JSON")
    evaluate.add_argument("--model", metavar="PATH", help="another pose_landmarker .task file")
    evaluate.add_argument("--pose-cache", metavar="DIR", help="estimated poses kept here (default: $POSECHECK_CACHE)")
    evaluate.add_argument("--cv", choices=["source"],
                          help="also refit the ranges on all sources but one and judge that one, for every "
                               "source (leave-one-source-out), beside the fitted in-sample figures")
    evaluate.add_argument("--ranges", metavar="DIR",
                          help="judge with the fitted-range files in DIR (from posecheck calibrate --out) "
                               "instead of the shipped ones")
    evaluate.set_defaults(func=_cmd_eval)

    calibrate = sub.add_parser("calibrate", help="fit every rule's accepted range to strict-labelled photos")
    calibrate.add_argument("--photos", required=True, metavar="DIR|CSV",
                           help="folder with manifest.csv and strict.csv")
    calibrate.add_argument("--out", metavar="DIR",
                           help="write <exercise>.json here (default: the shipped fitted/ folder, which the "
                                "rules read their ranges from)")
    calibrate.add_argument("--model", metavar="PATH", help="another pose_landmarker .task file")
    calibrate.add_argument("--pose-cache", metavar="DIR", help="estimated poses kept here (default: $POSECHECK_CACHE)")
    calibrate.set_defaults(func=_cmd_calibrate)

    history = sub.add_parser("history", help="list past sessions and progress per exercise per day")
    history.add_argument("--history", metavar="PATH",
                         help="history database (default: $POSECHECK_HISTORY or the user data folder)")
    history.add_argument("--exercise", "-e", metavar="NAME", help="only sessions and progress of this exercise")
    history.add_argument("--plot", metavar="OUT.png", help="also save a PNG of progress over days")
    history.add_argument("--limit", type=int, default=20, metavar="N",
                         help="sessions (and days of progress) to list; default 20")
    history.set_defaults(func=_cmd_history)

    live = sub.add_parser(
        "live", help="coach live from a camera: the routine of 8 stretches, or one exercise",
        epilog="Keys: space pause, n next (skip), b back, s switch side, f full screen, m mute, q or Esc quit. "
               "Exit codes: 0 done "
               "or quit, 1 camera lost (the session is saved), 2 bad input, 130 Ctrl-C, 143 SIGTERM.")
    what = live.add_mutually_exclusive_group()
    what.add_argument("--exercise", "-e", metavar="NAME",
                      help="one exercise (see `posecheck exercises`), or several joined by commas")
    what.add_argument("--routine", action="store_true", help="the whole routine of 8 stretches (the default)")
    live.add_argument("--camera", type=int, metavar="N", help="camera index (default 0)")
    live.add_argument("--source", metavar="FILE",
                      help="play a video file as if it were the camera, at its own pace (the routine follows it)")
    live.add_argument("--no-window", action="store_true", help="no window (headless use, tests)")
    live.add_argument("--windowed", action="store_true", help="open in a window instead of full screen")
    live.add_argument("--mute", action="store_true", help="no voice")
    live.add_argument("--no-mirror", action="store_true", help="show the picture as the camera sees it")
    live.add_argument("--model", metavar="PATH", help="another pose_landmarker .task file")
    live.add_argument("--config", metavar="TOML", help="coach settings: thresholds and goals")
    live.add_argument("--history", metavar="PATH",
                      help="history database (default: $POSECHECK_HISTORY or the user data folder)")
    live.add_argument("--no-history", action="store_true", help="do not store this session in the history")
    live.add_argument("--summary", metavar="FILE", help="write the session summary JSON here (atomically)")
    live.add_argument("--speed", type=float, default=1.0, metavar="X",
                      help="--source pace: 1 real time (default), 2 twice as fast, 0 every frame, no waiting")
    live.set_defaults(func=_cmd_live)

    bench = sub.add_parser("bench", help="measure whether this machine keeps up (model, analyze, live, batch)")
    bench.add_argument("clip", nargs="?", metavar="CLIP", help="a video clip (default: samples/bridge.mp4)")
    bench.add_argument("--frames", type=int, default=300, metavar="N",
                       help="measure on the clip's first N frames (default 300; 0: all)")
    bench.add_argument("--sizes", default="native,1280x720", metavar="LIST",
                       help="frame sizes to measure: 'native' and/or WxH (upscaled), comma-separated "
                            "(default: native,1280x720)")
    bench.add_argument("--exercise", "-e", metavar="NAME", help="exercise to judge (default: from the clip's name)")
    bench.add_argument("--batch", type=int, default=8, metavar="N",
                       help="copies of the clip in the batch figure (default 8; 0 skips it)")
    bench.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes in the batch (default: cores)")
    bench.add_argument("--long", type=float, default=180.0, metavar="S",
                       help="loop the clip to S seconds and analyze it in one pass vs on every core "
                            "(default 180; 0 skips it)")
    bench.add_argument("--ray-batch", type=int, default=16, metavar="N",
                       help="copies in the Ray batch figure, against local processes (default 16; 0 skips it)")
    bench.add_argument("--no-live", action="store_true", help="skip the live-loop figure")
    bench.add_argument("--repeat", type=int, default=1, metavar="N",
                       help="run each measurement N times (in rounds) and show the best (a busy machine)")
    bench.add_argument("--model", metavar="PATH", help="another pose_landmarker .task file")
    bench.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    bench.set_defaults(func=_cmd_bench)
    return parser


def _silence_native_logs() -> None:
    """Point fd 2 at /dev/null (MediaPipe's C++ logs go there) and keep Python's stderr."""
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(saved, "w", buffering=1, encoding="utf-8", errors="replace")
    except OSError:
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that outputs are cleaned up like on Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, _frame) -> None:
    raise Terminated(signum)


REDELIVER_S = 0.01  # long enough for a destructor to return, short against any run


def _redeliver_swallowed_interrupts(unraisable) -> None:
    """An interrupt raised inside a destructor is printed and dropped by Python: raise it again.

    A signal's handler runs wherever the main thread is, and that can be an
    object's ``__del__`` (MediaPipe's ``Image`` frees its buffer there): the
    exception would be swallowed and the run go on as if never stopped. Sent
    again from another thread a moment later, the signal lands once the
    destructor has returned (should it land in one again, this runs again).
    """
    import _thread
    import signal
    import threading

    exc = unraisable.exc_value
    if isinstance(exc, Terminated):
        again = threading.Timer(REDELIVER_S, signal.raise_signal, (exc.signum,))
    elif isinstance(exc, KeyboardInterrupt):
        again = threading.Timer(REDELIVER_S, _thread.interrupt_main)
    else:
        sys.__unraisablehook__(unraisable)
        return
    again.daemon = True
    again.start()


def install_interrupt_handlers() -> None:
    """SIGTERM raises ``Terminated`` like Ctrl-C raises KeyboardInterrupt, even from inside a destructor."""
    import signal

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise_terminated)
    sys.unraisablehook = _redeliver_swallowed_interrupts


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose and argv is None:
        _silence_native_logs()
    if argv is None:
        install_interrupt_handlers()
    try:
        return args.func(args)
    except PosecheckError as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Terminated as exc:
        print("posecheck: terminated", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"posecheck: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("posecheck: error: out of memory", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line, with a way to see the details
        if os.environ.get("POSECHECK_DEBUG"):
            raise
        print(f"posecheck: internal error: {type(exc).__name__}: {exc} "
              "(set POSECHECK_DEBUG=1 for details and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
