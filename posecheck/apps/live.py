"""The live coach: camera (or a file played like one) -> pose -> judge -> routine -> window, voice, history.

The stages, each in its own module:

* ``run.live_stages``: a capture thread reads frames into a one-slot buffer
  that keeps only the newest (a frame not taken yet is replaced and counted
  as dropped, never queued); an estimating thread runs the pose model one
  frame ahead of the loop;
* ``judge.coach``: the ``Coach`` (the judge driven through the routine's state
  machine, ``judge.routine``);
* ``draw.live_canvas``: the window's picture (``draw.references`` draws the
  reference figures on a background thread);
* ``io.voice``: the voice, speaking on its own thread, on the screen's clock
  (a ``FrameClock`` set from each frame's timestamp);
* this module: the loop that joins them, the keys, the window (full screen
  by default, ``f`` toggles), the history and the summary (which stays up
  until q or Esc).

Judgement time comes from the frames only: a camera's frames are stamped with
a monotonic clock when read, a file's frames carry the file's own timestamps
(delivered at the file's pace relative to the start, so a slow loop drops
frames just as it would with a camera).

Every session goes into the history as it happens: begun at the start, each
exercise's results added when it finishes (each in its own transaction), and
ended 'complete', 'interrupted' (q, Esc, closing the window, Ctrl-C, SIGTERM),
'camera_lost' (the camera stops delivering frames) or 'skipped' (``n`` on a
single exercise). The summary JSON is
written atomically at the end in every one of those cases.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from posecheck.config import Settings
from posecheck.draw.live_canvas import CANVAS_H, CANVAS_W, Drawn, render_canvas
from posecheck.draw.references import References
from posecheck.draw.words import summary_lines
from posecheck.errors import PosecheckError
from posecheck.judge.coach import Coach, CoachStep
from posecheck.judge.routine import Timing, routine_plan
from posecheck.judge.speech import NORMAL, SAFETY_NOTE
from posecheck.io.voice import FrameClock
from posecheck.run.live_stages import Capture, Estimating, Feed, FrameSlot

WINDOW = "posecheck"
STALL_S = 5.0  # a camera silent this long is lost
KEYS = {ord(" "): "pause", ord("n"): "next", ord("N"): "next", ord("b"): "back", ord("B"): "back",
        ord("s"): "switch", ord("S"): "switch", ord("q"): "quit", ord("Q"): "quit", 27: "quit"}
CLOSE_KEYS = (ord("q"), ord("Q"), 27)  # the only keys that close the summary (as it says: live_canvas.CLOSE_HELP)
FULL_SCREEN_KEYS = (ord("f"), ord("F"))
FINAL_WORDS_S = 6.0  # without a window, how long the last words may take before the voice is closed

# Exit codes: 0 complete or quit by the user, 1 camera lost, 130 SIGINT, 143 SIGTERM.
EXIT_CAMERA_LOST = 1


@dataclass
class LiveOptions:
    exercise: str | None = None  # None: the routine
    camera: int = 0
    source: str | None = None  # a video file played as if it were a camera
    window: bool = True
    mute: bool = False
    model: str | None = None
    settings: Settings = field(default_factory=Settings)
    history: str | None = None  # None: the default history file
    record_history: bool = True
    summary: str | None = None  # write the session summary JSON here
    mirror: bool = True
    speed: float = 1.0  # --source pace: 1 real time, 0 every frame as fast as possible
    draw: bool | None = None  # draw the overlay without a window (bench); default: with a window
    stall_s: float = STALL_S
    timing: Timing | None = None
    feed: Feed | None = None  # an already opened feed (tests); kind from feed.info.kind
    on_canvas: Callable[[np.ndarray, CoachStep], None] | None = None
    # Called once a canvas is on screen (after the window's events ran), with the texts it drew (tests).
    on_shown: Callable[[np.ndarray, CoachStep, list[Drawn]], None] | None = None
    full_screen: bool = True  # the window opens full screen (f toggles)
    voice: object | None = None  # a Voice-like object (tests)
    linger_s: float = 60.0  # with a window, how long the final summary stays up
    pipeline: bool = True  # estimate the next frame while this one is judged and drawn


@dataclass
class LiveResult:
    summary: dict
    ended: str
    exit_code: int
    frames: int
    dropped: int
    fps: float
    latency_ms: list[float]
    history_session: int | None


class _NullVoice:
    mute = True

    def say(self, text: str, priority: int = NORMAL) -> bool:
        return False

    def close(self, timeout: float = 1.0) -> None:
        pass


def _make_voice(mute: bool):
    if mute:
        return _NullVoice()
    try:
        from posecheck.io.voice import Voice
    except Exception:
        return _NullVoice()
    return Voice(clock=FrameClock())  # speech on the screen's clock: the frames' timestamps


def check_display() -> None:
    """Refuse (one line) to open a window where there is no display, instead of letting Qt abort."""
    if sys.platform in ("win32", "darwin"):
        return
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs",
                                                               "linuxfb", "wayland"):
        return
    display = os.environ.get("DISPLAY", "")
    if not display:
        if os.environ.get("WAYLAND_DISPLAY"):
            return
        raise PosecheckError("no display to open a window on (DISPLAY is not set); use --no-window")
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if host in ("", "unix") and number.isdigit() and not Path(f"/tmp/.X11-unix/X{number}").exists():
        raise PosecheckError(f"no X server on display {display}; use --no-window")


def open_feed(options: LiveOptions) -> tuple[Feed, str, str]:
    """(feed, kind "camera"|"video", name) for the options."""
    if options.feed is not None:
        info = options.feed.info
        return options.feed, info.kind, info.name
    if options.source is not None:
        from posecheck.io.sources import VideoSource, kind_of

        if kind_of(options.source) != "video":
            raise PosecheckError(f"{options.source}: --source takes a video file")
        source = VideoSource(options.source)
        return source, "video", str(options.source)
    from posecheck.io.sources import CameraSource

    if options.camera < 0:
        raise PosecheckError(f"--camera must be 0 or more, got {options.camera}")
    source = CameraSource(options.camera)
    return source, "camera", f"camera {options.camera}"


class _Stopper:
    """SIGINT / SIGTERM set a flag the loop checks (the session then ends cleanly)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, object] = {}

    def __enter__(self) -> "_Stopper":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(ValueError, OSError):
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, _frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop at once
        self.signum = signum

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, old)


class _HistoryWriter:
    """Begin / add / end with the history; a failure after the start is reported, never fatal."""

    def __init__(self, path: str | None, enabled: bool) -> None:
        self.history = None
        self.session_id: int | None = None
        self.ended = False
        self.errors: list[str] = []
        if enabled:
            from posecheck.io.history import History

            self.history = History(path)

    def begin(self, name: str, kind: str, mode: str) -> None:
        if self.history is not None:
            self.session_id = self.history.begin_session(source="live", input=name, kind=kind, mode=mode)

    def add(self, entry: dict) -> None:
        if self.history is None or self.session_id is None:
            return
        from posecheck.io.history import result_rows
        from posecheck.judge.summary import ExerciseFigures

        figures = ExerciseFigures.from_json(entry)  # an attempt carries its exercise's figures
        rows = result_rows(figures, entry.get("duration_s"), figures.correct_share)
        per_side = entry.get("per_side") or {}
        for row in rows:
            side = row.get("side")
            if side in per_side:
                top = per_side[side].get("top_fault")
                row["top_fault"] = top["rule"] if top else None
            self.history.add_result(self.session_id, row)

    def end(self, ended: str, duration_s: float) -> None:
        if self.history is None or self.session_id is None or self.ended:
            return
        self.ended = True
        try:
            self.history.end_session(self.session_id, ended, duration_s)
        except Exception as exc:
            self.errors.append(f"history: {exc}")

    def close(self) -> None:
        if self.history is not None:
            with contextlib.suppress(Exception):
                self.history.close()


def _write_summary(path: str, summary: dict) -> None:
    from posecheck.io.outputs import json_line, write_text_atomic

    write_text_atomic(path, json.dumps(json.loads(json_line(summary)), indent=1, ensure_ascii=False) + "\n")


def run_live(options: LiveOptions) -> LiveResult:
    """One live session, start to end; returns the summary and the loop's figures."""
    from posecheck.io.estimator import PoseEstimator

    settings = options.settings
    plan = routine_plan(settings.exercises, options.exercise)
    if options.summary:
        from posecheck.io.outputs import check_output_path

        check_output_path(options.summary, [options.source] if options.source else [])
    if options.window:
        check_display()
    if options.speed < 0 or not math.isfinite(options.speed):
        raise PosecheckError(f"--speed must be 0 or more, got {options.speed:g}")
    draw = options.window if options.draw is None else options.draw

    feed, kind, name = open_feed(options)
    history = None
    estimator = None
    voice = None
    refs = None
    stage = None
    capture = None
    window_open = False
    try:
        history = _HistoryWriter(options.history, options.record_history)
        estimator = PoseEstimator(options.model, video=True)
        follow = kind != "camera"
        coach = Coach(plan, dwell_s=settings.dwell_s, grace_s=settings.grace_s, timing=options.timing,
                      follow=follow, exercises=settings.exercises, on_result=history.add)
        history.begin(name, kind, coach.mode)
        voice = options.voice if options.voice is not None else _make_voice(options.mute)
        refs = References() if draw else None
        if refs is not None:
            refs.get(plan[0].id, plan[0].sides[0] if plan[0].has_sides else None)
        print(f"posecheck live: {name}, {coach.mode} ({', '.join(ex.id for ex in plan)}). {SAFETY_NOTE}",
              file=sys.stderr)
        slot = FrameSlot()
        capture = Capture(feed, slot, paced=kind != "camera", speed=options.speed,
                          end_reason="eof" if kind != "camera" else "camera_lost")
        if options.window:
            flags = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
            cv2.namedWindow(WINDOW, flags)
            cv2.resizeWindow(WINDOW, CANVAS_W * 2 // 3, CANVAS_H * 2 // 3)
            if options.full_screen:
                _set_full_screen(True)
            window_open = True
        frames_in = slot
        if options.pipeline:
            stage = Estimating(estimator, slot)
            frames_in = stage.out
        with _Stopper() as stopper:
            capture.start()
            if stage is not None:
                stage.start()
            ended, stats = _loop(options, coach, estimator, frames_in, capture, voice, refs, stopper, draw,
                                 kind)
        if stage is not None:
            stage.close()
            if stage.error is not None:
                raise stage.error
        finished_itself = coach.finished  # the routine (or a skipped single exercise) ended, not a key or the source
        summary = coach.finish(None, ended)
        _speak(voice, coach.final_speech, coach.last_t)
        summary.update({"input": name, "source": kind,
                        "started_at": stats["started_at"],
                        "live_stats": {"fps": round(stats["fps"], 2), "frames": stats["frames"],
                                       "dropped_frames": slot.dropped,
                                       "cpu_ms_per_frame": stats["cpu_ms_per_frame"] and round(
                                           stats["cpu_ms_per_frame"], 2),
                                       "latency_ms": _percentiles(stats["latency_ms"])}})
        if capture.error is not None:
            summary["source_error"] = str(capture.error).strip().splitlines()[0] if str(capture.error).strip() \
                else type(capture.error).__name__
        history.end(ended, summary["duration_s"])
        summary["history_session"] = history.session_id
        errors = coach.result_errors + history.errors
        if errors:
            summary["warnings"] = errors
        if options.summary:
            _write_summary(options.summary, summary)
        if window_open and (ended in ("complete", "camera_lost") or finished_itself) and stopper.signum is None:
            _linger(options, coach, summary, refs, voice)  # the summary stays up until q or Esc
        exit_code = {"camera_lost": EXIT_CAMERA_LOST}.get(ended, 0)
        if stopper.signum is not None:
            exit_code = 128 + stopper.signum
        return LiveResult(summary, ended, exit_code, stats["frames"], slot.dropped, stats["fps"],
                          stats["latency_ms"], history.session_id)
    except BaseException:
        # Something broke (or a second Ctrl-C): keep what was done so far.
        if history is not None and history.session_id is not None and not history.ended:
            with contextlib.suppress(Exception):
                summary = coach.finish(None, "interrupted")  # noqa: F821 - coach exists once a session began
                history.end("interrupted", summary["duration_s"])
                if options.summary:
                    _write_summary(options.summary, summary)
        raise
    finally:
        if window_open:  # closed first: stopping the camera and the last words may take seconds
            with contextlib.suppress(Exception):
                cv2.destroyWindow(WINDOW)
                cv2.waitKey(1)
        if capture is not None:
            capture.close()
        else:
            with contextlib.suppress(Exception):
                feed.close()
        if voice is not None and options.voice is None:
            with contextlib.suppress(Exception):
                voice.wait_idle(FINAL_WORDS_S)  # the end is always said
            with contextlib.suppress(Exception):
                voice.close()
        if stage is not None:
            stage.close()  # never close the model while its thread may still use it
        if estimator is not None and (stage is None or not stage._thread.is_alive()):
            estimator.close()
        if history is not None:
            history.close()
        if refs is not None:
            refs.close()


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p95": None}
    arr = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(arr)), 2), "p95": round(float(np.percentile(arr, 95)), 2)}


def _speak(voice, speech, t: float | None = None) -> None:
    """Offer the cues to the voice; ``t``, the frame time they belong to, advances the voice's clock."""
    clock = getattr(voice, "clock", None)
    if t is not None and isinstance(clock, FrameClock):
        clock.set(t)
    for say in speech:
        with contextlib.suppress(Exception):
            voice.say(say.text, say.priority)


_full_screen = {"on": False}


def screen_size() -> tuple[int, int] | None:
    """The X screen's size in pixels (Linux with $DISPLAY), else None."""
    if sys.platform in ("win32", "darwin") or not os.environ.get("DISPLAY"):
        return None
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("X11")
        if name is None:
            return None
        xlib = ctypes.CDLL(name)
        xlib.XOpenDisplay.restype = ctypes.c_void_p
        xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        for f in (xlib.XDefaultScreen, xlib.XCloseDisplay):
            f.argtypes = [ctypes.c_void_p]
        xlib.XDisplayWidth.argtypes = xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
        display = xlib.XOpenDisplay(None)
        if not display:
            return None
        try:
            screen = xlib.XDefaultScreen(display)
            return int(xlib.XDisplayWidth(display, screen)), int(xlib.XDisplayHeight(display, screen))
        finally:
            xlib.XCloseDisplay(display)
    except Exception:
        return None


def _set_full_screen(on: bool) -> None:
    """Full screen (or a window of 2/3 of the canvas). Without a window manager (a bare X server) the
    full-screen flag does nothing, so the window is also moved to the corner and sized to the screen."""
    _full_screen["on"] = on
    with contextlib.suppress(cv2.error):
        cv2.setWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN if on else cv2.WINDOW_NORMAL)
        size = screen_size() if on else None
        if size is not None:
            cv2.moveWindow(WINDOW, 0, 0)
            cv2.resizeWindow(WINDOW, *size)
        elif not on:
            cv2.resizeWindow(WINDOW, CANVAS_W * 2 // 3, CANVAS_H * 2 // 3)


def _toggle_full_screen() -> None:
    _set_full_screen(not _full_screen["on"])


def _key(coach: Coach, voice, t: float) -> str | None:
    """Poll the window's keys; returns "quit" when the window wants to close."""
    code = cv2.waitKey(1)
    if code == -1:
        with contextlib.suppress(cv2.error):
            if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                return "quit"  # closed with the mouse
        return None
    code &= 0xFF
    if code in FULL_SCREEN_KEYS:
        _toggle_full_screen()
        return None
    if code in (ord("m"), ord("M")):
        if hasattr(voice, "mute") and not isinstance(voice, _NullVoice):
            voice.mute = not voice.mute
        return None
    key = KEYS.get(code)
    if key is None:
        return None
    if key == "quit":
        return "quit"
    _speak(voice, coach.press(t, key), t)
    return None


def _loop(options: LiveOptions, coach: Coach, estimator, slot: FrameSlot, capture: Capture, voice,
          refs: References | None, stopper: _Stopper, draw: bool, kind: str) -> tuple[str, dict]:
    started_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    latencies: list[float] = []
    frames = 0
    t0 = None
    fps = None
    last_tick = None
    last_t = 0.0
    last_frame_at = time.monotonic()
    ended = "complete"
    muted = options.mute
    canvas_buffer = None
    cpu0 = time.process_time()
    while True:
        if stopper.signum is not None:
            ended = "interrupted"
            break
        item = slot.take(0.1)
        now = time.monotonic()
        if item is None:
            if options.window:
                if _key(coach, voice, last_t) == "quit":
                    ended = "interrupted"
                    break
            if now - last_frame_at > options.stall_s:
                ended = "camera_lost" if kind == "camera" else "complete"
                break
            continue
        if isinstance(item, str):
            ended = "camera_lost" if item == "camera_lost" else "complete"
            if item == "error" and kind != "camera":
                ended = "complete"  # a damaged file ends where it breaks
            break
        if len(item) == 3:  # estimated on the estimator's thread
            frame, captured_at, pose = item
        else:
            frame, captured_at = item
            pose = estimator.estimate(frame)
        last_frame_at = now
        if t0 is None:
            t0 = now
        if last_tick is not None:
            dt = now - last_tick
            if dt > 0:
                fps = 1.0 / dt if fps is None else 0.9 * fps + 0.1 / dt
        last_tick = now
        step = coach.step(frame.timestamp_s, pose)
        last_t = frame.timestamp_s
        _speak(voice, step.speech, frame.timestamp_s)
        frames += 1
        drawn: list[Drawn] | None = [] if options.on_shown is not None else None
        canvas = None
        if draw:
            canvas = render_canvas(frame.image, step, fps, options.mirror, refs, summary=None,
                                   muted=muted or bool(getattr(voice, "mute", False)),
                                   help_line=options.window, out=canvas_buffer, drawn=drawn)
            canvas_buffer = canvas
            latencies.append((time.monotonic() - captured_at) * 1000.0)
            if options.on_canvas is not None:
                options.on_canvas(canvas, step)
            if options.window:
                cv2.imshow(WINDOW, canvas)
        elif options.on_canvas is not None:
            options.on_canvas(None, step)
        if options.window and _key(coach, voice, frame.timestamp_s) == "quit":
            ended = "interrupted"
            break
        if options.on_shown is not None and canvas is not None:
            options.on_shown(canvas, step, drawn)
        if coach.finished:
            ended = coach.machine.ended or "complete"
            break
    elapsed = (time.monotonic() - t0) if t0 is not None else 0.0
    cpu = time.process_time() - cpu0  # every thread of the process: capture, model, loop
    return ended, {"started_at": started_at, "frames": frames,
                   "fps": frames / elapsed if elapsed > 0 else 0.0, "latency_ms": latencies,
                   "cpu_ms_per_frame": 1000.0 * cpu / frames if frames else None}


def _linger(options: LiveOptions, coach: Coach, summary: dict, refs, voice) -> None:
    """At the end (the routine done, the file or the camera ended) the summary stays up until q or Esc."""
    step = CoachStep(coach.machine.clock(coach.last_t), coach.machine.view(), None, None, ())
    drawn: list[Drawn] = []
    canvas = render_canvas(np.zeros((CANVAS_H, CANVAS_W, 3), np.uint8), step, None, False, refs, summary,
                           help_line=False, drawn=drawn)
    end = time.monotonic() + options.linger_s
    while time.monotonic() < end:
        _speak(voice, (), coach.last_t + (time.monotonic() - end + options.linger_s))
        cv2.imshow(WINDOW, canvas)
        code = cv2.waitKey(100)
        if options.on_shown is not None:
            options.on_shown(canvas, step, drawn)
        if code != -1:
            if code & 0xFF in CLOSE_KEYS:
                return
            if code & 0xFF in FULL_SCREEN_KEYS:
                _toggle_full_screen()
        with contextlib.suppress(cv2.error):
            if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                return


def summary_text(summary: dict) -> str:
    """The end-of-session lines printed on stdout."""
    head = (f"Session {summary.get('ended')}: {summary.get('mode')}, {summary.get('duration_s', 0):.1f} s "
            f"({summary.get('input')})")
    return "\n".join([head] + ["  " + line for line in summary_lines(summary)]) + "\n"
