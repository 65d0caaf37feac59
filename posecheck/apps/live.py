"""The live coach: camera (or a file played like one) -> pose -> judge -> routine -> window, voice, history.

Threads: a capture thread reads frames and keeps only the newest one in a
one-slot buffer (``FrameSlot``: a frame the loop has not taken yet is replaced,
and counted as dropped, never queued); the main thread estimates the pose,
drives the ``Coach`` (``routine.py``: the judge and the routine's state
machine), draws the overlay and shows the window; the voice speaks on its own
thread. Judgement time comes from the frames only: a camera's frames are
stamped with a monotonic clock when read, a file's frames carry the file's own
timestamps (delivered at the file's pace relative to the start, so a slow loop
drops frames just as it would with a camera).

Every session goes into the history as it happens: begun at the start, each
exercise's results added when it finishes (each in its own transaction), and
ended 'complete', 'interrupted' (q, Esc, closing the window, Ctrl-C, SIGTERM)
or 'camera_lost' (the camera stops delivering frames). The summary JSON is
written atomically at the end in every one of those cases.
"""

from __future__ import annotations

import contextlib
import functools
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
from typing import Callable, Protocol

import cv2
import numpy as np

from posecheck.draw import overlay
from posecheck.config import Settings
from posecheck.errors import PosecheckError
from posecheck.judge.exercises import Exercise
from posecheck.judge.routine import (SAFETY_NOTE, Coach, CoachStep, Phase, RoutineView, Timing, goal_words,
                      routine_plan, view_words)
from posecheck.io.sources import SourceInfo
from posecheck.core.types import State

WINDOW = "posecheck"
CANVAS_W, CANVAS_H = 1280, 720
STALL_S = 5.0  # a camera silent this long is lost
KEYS = {ord(" "): "pause", ord("n"): "next", ord("N"): "next", ord("b"): "back", ord("B"): "back",
        ord("s"): "switch", ord("S"): "switch", ord("q"): "quit", ord("Q"): "quit", 27: "quit"}
KEYS_HELP = "space pause   n next   b back   s switch side   m mute   q quit"

# Exit codes: 0 complete or quit by the user, 1 camera lost, 130 SIGINT, 143 SIGTERM.
EXIT_CAMERA_LOST = 1


# --------------------------------------------------------------------------- capture

class Feed(Protocol):
    """A frame source: ``info`` and iteration over Frames; ``close`` releases it."""

    info: SourceInfo

    def __iter__(self): ...

    def close(self) -> None: ...


class FrameSlot:
    """A one-slot buffer between two threads: only the newest item (a frame and what goes with it) waits."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: tuple | None = None
        self._end: str | None = None
        self.delivered = 0
        self.dropped = 0

    def put(self, *item) -> None:
        """Offer an item, e.g. ``(frame, captured_at)``; an item still waiting is replaced (dropped)."""
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.delivered += 1
            self._cond.notify_all()

    def put_wait(self, *item, stop: threading.Event) -> bool:
        """Offer an item once the slot is empty (no dropping); False when stopped."""
        with self._cond:
            while self._item is not None and not stop.is_set():
                self._cond.wait(0.05)
            if stop.is_set():
                return False
            self._item = item
            self.delivered += 1
            self._cond.notify_all()
            return True

    def end(self, reason: str) -> None:
        """No more frames will come: "eof" (a file ended) or "camera_lost"."""
        with self._cond:
            if self._end is None:
                self._end = reason
            self._cond.notify_all()

    def take(self, timeout: float) -> tuple | str | None:
        """The newest item, the end reason once all items are taken, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._item is None and self._end is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            if self._item is not None:
                item, self._item = self._item, None
                self._cond.notify_all()
                return item
            return self._end


class Capture:
    """Reads a feed on a thread into a FrameSlot.

    ``paced`` delivers each frame at its own timestamp relative to the start,
    scaled by ``speed`` (a file played like a camera); ``speed=0`` delivers
    every frame as soon as the loop has taken the previous one (no drops: for
    tests). Unpaced feeds (cameras) deliver frames as they are read.
    """

    def __init__(self, feed: Feed, slot: FrameSlot, paced: bool, speed: float = 1.0,
                 end_reason: str = "eof"):
        self.feed = feed
        self.slot = slot
        self.paced = paced
        self.speed = speed
        self.end_reason = end_reason
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-capture", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        reason = self.end_reason
        try:
            start = time.monotonic()
            first_ts: float | None = None
            for frame in self.feed:
                if self.stop.is_set():
                    return
                if self.paced and self.speed == 0:
                    if not self.slot.put_wait(frame, time.monotonic(), stop=self.stop):
                        return
                    continue
                if self.paced:
                    if first_ts is None:
                        first_ts = frame.timestamp_s
                    due = start + (frame.timestamp_s - first_ts) / self.speed
                    delay = due - time.monotonic()
                    if delay > 0 and self.stop.wait(delay):
                        return
                self.slot.put(frame, time.monotonic())
        except BaseException as exc:  # a broken decoder or driver: the source is lost
            self.error = exc
            reason = "camera_lost" if self.end_reason == "camera_lost" else "error"
        finally:
            self.slot.end(reason)

    def close(self, timeout: float = 2.0) -> None:
        self.stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            with contextlib.suppress(Exception):
                self.feed.close()


class Estimating:
    """Pose estimation on its own thread, one frame ahead of the judge and the drawing.

    Takes the newest frame from the capture's slot, estimates the pose and hands
    ``(frame, captured_at, pose)`` on without dropping (the next estimate waits
    until the loop has taken the last one), so on two cores the model and the
    drawing overlap instead of adding up. The estimator's timestamps still come
    from the frames, in order.
    """

    def __init__(self, estimator, source: FrameSlot):
        self.estimator = estimator
        self.source = source
        self.out = FrameSlot()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-estimate", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        reason = "error"
        try:
            while not self.stop.is_set():
                item = self.source.take(0.1)
                if item is None:
                    continue
                if isinstance(item, str):
                    reason = item
                    return
                frame, captured_at = item
                pose = self.estimator.estimate(frame)
                if not self.out.put_wait(frame, captured_at, pose, stop=self.stop):
                    return
            reason = "stopped"
        except BaseException as exc:
            self.error = exc
        finally:
            self.out.end(reason)

    def close(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread (before the estimator is closed)."""
        self.stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


# --------------------------------------------------------------------------- drawing

@dataclass
class Layout:
    """Where the (scaled) camera picture sits on the 1280x720 canvas."""

    x: int
    y: int
    w: int
    h: int

    @staticmethod
    def fit(width: int, height: int, cw: int = CANVAS_W, ch: int = CANVAS_H) -> "Layout":
        scale = min(cw / width, ch / height)
        w, h = max(1, int(round(width * scale))), max(1, int(round(height * scale)))
        return Layout((cw - w) // 2, (ch - h) // 2, w, h)


class References:
    """Reference figures (the synthetic actor in an exercise's target pose), drawn on a background thread.

    ``get(exercise_id, side)`` returns the figure once drawn, and asks for it
    (None) the first time; nothing is drawn that is not asked for.
    """

    def __init__(self, size: tuple[int, int] = (400, 300)):
        self.size = size
        self._images: dict[tuple[str, str | None], np.ndarray | None] = {}
        self._wanted: list[tuple[str, str | None]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="posecheck-references", daemon=True)
        self._thread.start()

    @staticmethod
    def _renderer():
        try:
            from posecheck.synthetic import render_reference  # type: ignore[attr-defined]
        except ImportError:
            try:
                from posecheck.synthetic.clips import render_reference
            except ImportError:
                return None
        return render_reference

    def _run(self) -> None:
        render = None
        while True:
            with self._cond:
                while not self._wanted and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                key = self._wanted.pop(0)
            if render is None:
                render = self._renderer() or (lambda *a, **k: None)
            try:
                image = render(key[0], self.size, key[1])
                image = None if image is None else np.ascontiguousarray(image[..., :3]).astype(np.uint8)
            except Exception:
                image = None
            with self._cond:
                self._images[key] = image

    def get(self, ex_id: str, side: str | None = None) -> np.ndarray | None:
        key = (ex_id, side)
        with self._cond:
            if key in self._images:
                return self._images[key]
            if key not in self._wanted:
                self._wanted.append(key)
                self._cond.notify_all()
            return None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def _panel(canvas: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.78) -> None:
    overlay.shade(canvas, x0, y0, x1, y1, alpha=alpha)
    cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), (110, 110, 110), 1, cv2.LINE_AA)


def _text(canvas, text, org, scale, color=overlay.WHITE, thickness=2, center=False) -> int:
    """Plain text; returns its height. ``org`` is the top-left (or top-centre) corner."""
    text = overlay.ascii_text(text)
    (tw, th), base = cv2.getTextSize(text, overlay.FONT, scale, thickness)
    x = org[0] - tw // 2 if center else org[0]
    cv2.putText(canvas, text, (int(x), int(org[1] + th)), overlay.FONT, scale, color, thickness, cv2.LINE_AA)
    return th + base


@functools.lru_cache(maxsize=256)
def _wrap(text: str, width: int, scale: float, thickness: int, max_lines: int) -> tuple[str, ...]:
    return tuple(overlay.wrap_text(text, width, scale, thickness, max_lines=max_lines))


def _paragraph(canvas, text, x, y, width, scale, color=overlay.WHITE, thickness=1, max_lines=4,
               center=False) -> int:
    for line in _wrap(text, width, scale, thickness, max_lines):
        y += _text(canvas, line, (x + width // 2 if center else x, y), scale, color, thickness, center) + 8
    return y


def _paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int, w: int, h: int) -> None:
    ih, iw = image.shape[:2]
    scale = min(w / iw, h / ih)
    sw, sh = max(1, int(iw * scale)), max(1, int(ih * scale))
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    ox, oy = x + (w - sw) // 2, y + (h - sh) // 2
    canvas[oy:oy + sh, ox:ox + sw] = small
    cv2.rectangle(canvas, (ox, oy), (ox + sw - 1, oy + sh - 1), (200, 200, 200), 1)


def _draw_note(canvas: np.ndarray, big: bool) -> None:
    if big:
        _panel(canvas, 190, 150, 1090, 570)
        y = 185
        y += _text(canvas, "posecheck: 8 stretches for the back", (640, y), 1.2, center=True) + 30
        y = _paragraph(canvas, SAFETY_NOTE, 230, y, 820, 0.95, overlay.AMBER, 2, center=True) + 25
        y = _paragraph(canvas, "Hold each stretch still and breathe. Stop if anything hurts.", 230, y, 820,
                       0.8, center=True) + 20
        _paragraph(canvas, KEYS_HELP, 230, y, 820, 0.65, overlay.GREY, center=True)
    else:
        lines = _wrap(SAFETY_NOTE, 640, 0.55, 1, 2)
        h = 16 + 28 * len(lines)
        _panel(canvas, 310, 44, 970, 44 + h)
        y = 52
        for line in lines:
            y += _text(canvas, line, (640, y), 0.55, overlay.AMBER, 1, center=True) + 8


def _draw_card(canvas: np.ndarray, ex: Exercise, view: RoutineView, refs: References | None, full: bool,
               mirror: bool = False) -> None:
    figure = refs.get(ex.id, view.side) if refs is not None else None
    if figure is not None and mirror:  # seen as in the mirrored picture of oneself
        figure = cv2.flip(figure, 1)
    side = f"Start with your {view.side} side" if view.side else ""
    if full:
        _panel(canvas, 90, 110, 1190, 620)
        _text(canvas, f"{view.index + 1}/{view.total}  {ex.title}", (130, 140), 1.4, thickness=2)
        if figure is not None:
            _paste(canvas, figure, 130, 215, 480, 360)
        else:
            _panel(canvas, 130, 215, 610, 575, alpha=0.3)
            _text(canvas, "(reference figure)", (370, 385), 0.7, overlay.GREY, 1, center=True)
        x, y, w = 650, 225, 510
        y = _paragraph(canvas, view_words(ex.view), x, y, w, 0.85, overlay.AMBER, 2) + 10
        y = _paragraph(canvas, goal_words(ex), x, y, w, 0.85, overlay.GREEN, 2) + 10
        y = _paragraph(canvas, ex.instructions, x, y, w, 0.75, max_lines=5) + 10
        if side:
            y = _paragraph(canvas, side, x, y, w, 0.8, overlay.WHITE, 2) + 10
        if view.remaining_s is not None:
            _text(canvas, f"Starting in {math.ceil(view.remaining_s)} s", (x, 545), 0.9, overlay.GREY, 2)
    else:  # compact, bottom left, while the video runs
        fig_h = 150 if figure is not None else 0
        x0, x1, y1 = 12, 292, CANVAS_H - 40
        lines = [(f"{view.index + 1}/{view.total} {ex.title}", 0.65, overlay.WHITE, 2),
                 (view_words(ex.view), 0.5, overlay.AMBER, 1), (goal_words(ex), 0.5, overlay.GREEN, 1)]
        text_h = sum(len(_wrap(t, 256, sc, tk, 2)) * (int(30 * sc / 0.65) + 8) for t, sc, _, tk in lines)
        y0 = y1 - fig_h - text_h - 28
        _panel(canvas, x0, y0, x1, y1)
        y = y0 + 10
        for text, scale, color, tk in lines:
            y = _paragraph(canvas, text, x0 + 12, y, 256, scale, color, tk, max_lines=2)
        if figure is not None:
            _paste(canvas, figure, x0 + 10, y1 - fig_h - 8, x1 - x0 - 20, fig_h)


def _draw_center(canvas: np.ndarray, lines: list[tuple[str, float, tuple]], y: int = 250) -> None:
    sizes = [cv2.getTextSize(overlay.ascii_text(t), overlay.FONT, s, 3)[0] for t, s, _ in lines]
    w = max(sz[0] for sz in sizes) + 80
    h = sum(sz[1] + 28 for sz in sizes) + 40
    _panel(canvas, 640 - w // 2, y, 640 + w // 2, y + h)
    yy = y + 28
    for (text, scale, color), sz in zip(lines, sizes):
        yy += _text(canvas, text, (640, yy), scale, color, 3, center=True) + 18


def _title(ex_id: str) -> str:
    from posecheck.judge.exercises import registry

    ex = registry().get(ex_id)
    return ex.title if ex is not None else ex_id


def _summary_lines(summary: dict) -> list[str]:
    lines = []
    for a in summary.get("exercises", []):
        target = a.get("target_s")
        if a.get("target_reps") is not None:
            head = f"{a['title']}: {a.get('reps') or 0}/{a['target_reps']} reps"
        elif a.get("sides"):
            head = f"{a['title']}: " + ", ".join(
                f"{s} {v:.1f}/{target:g} s" for s, v in a["sides"].items())
        else:
            head = f"{a['title']}: {a['hold_s']:.1f}/{target:g} s" if target else f"{a['title']}: {a['hold_s']:.1f} s"
        faults = []
        if a.get("per_side"):
            for s, p in a["per_side"].items():
                if p.get("top_fault"):
                    faults.append(f"{s}: {p['top_fault']['cue'] or p['top_fault']['rule']}")
        elif a.get("top_fault"):
            faults.append(a["top_fault"]["cue"] or a["top_fault"]["rule"])
        lines.append(head + (f"  - most often: {'; '.join(faults)}" if faults else ""))
    for ex_id in summary.get("not_done", []):
        lines.append(f"{_title(ex_id)}: not done")
    return lines


def _draw_summary(canvas: np.ndarray, summary: dict | None) -> None:
    _panel(canvas, 60, 70, 1220, 670, alpha=0.85)
    y = 95
    ended = {"complete": "", "interrupted": " (stopped)", "camera_lost": " (camera lost)"}.get(
        (summary or {}).get("ended") or "complete", "")
    y += _text(canvas, f"Session summary{ended}", (640, y), 1.2, center=True) + 20
    for line in _summary_lines(summary or {})[:14]:
        y = _paragraph(canvas, line, 90, y, 1100, 0.6, max_lines=2) + 2
    _text(canvas, SAFETY_NOTE, (640, 625), 0.5, overlay.AMBER, 1, center=True)
    _text(canvas, "q or Esc to close", (640, 648), 0.5, overlay.GREY, 1, center=True)


def render_canvas(image: np.ndarray, step: CoachStep, fps: float | None, mirror: bool,
                  refs: References | None = None, summary: dict | None = None,
                  muted: bool = False, help_line: bool = True, out: np.ndarray | None = None) -> np.ndarray:
    """The 1280x720 picture for one frame: the scaled camera picture with the overlay, and the routine.

    ``out`` is a canvas to draw into (reused from frame to frame), else a new one is made.
    """
    h, w = image.shape[:2]
    lay = Layout.fit(w, h)
    scaled = cv2.resize(image, (lay.w, lay.h), interpolation=cv2.INTER_LINEAR)
    view = step.view
    if step.result is not None:
        overlay.draw_overlay(scaled, step.result, step.exercise, fps=fps, mirror=mirror)
    else:
        if mirror:
            cv2.flip(scaled, 1, dst=scaled)
        words = {Phase.INTRO: "WELCOME", Phase.CARD: "GET READY", Phase.COUNTDOWN: "GET READY",
                 Phase.REST: "REST"}.get(view.phase, "")
        if view.paused:
            words = "PAUSED"
        title = view.exercise.title if view.exercise is not None else ""
        if view.phase is not Phase.DONE:
            overlay.draw_banner(scaled, State.NO_PERSON, title=title, side=view.side if view.exercise else None,
                                text=words or None, fps=fps)
    if lay.w == CANVAS_W and lay.h == CANVAS_H:
        canvas = scaled
    else:
        if out is None or out.shape != (CANVAS_H, CANVAS_W, 3) or out.dtype != np.uint8:
            canvas = np.zeros((CANVAS_H, CANVAS_W, 3), np.uint8)
        else:
            canvas = out  # only the bars need clearing: the picture covers the rest
            canvas[:lay.y] = 0
            canvas[lay.y + lay.h:] = 0
            canvas[:, :lay.x] = 0
            canvas[:, lay.x + lay.w:] = 0
        canvas[lay.y:lay.y + lay.h, lay.x:lay.x + lay.w] = scaled
    ex = view.exercise
    if view.total > 1 and ex is not None and view.phase is not Phase.DONE:
        nxt = f"   next: {view.next_exercise.title}" if view.next_exercise is not None else ""
        overlay.text_box(canvas, f"{view.index + 1}/{view.total} {ex.title}{nxt}", (640, 8), 0.6, 1,
                         anchor="tc", pad=6)
    if view.phase is Phase.INTRO:
        _draw_note(canvas, big=True)
    elif view.show_note:
        _draw_note(canvas, big=False)
    if refs is not None and view.phase is Phase.REST and view.next_exercise is not None:
        nxt_ex = view.next_exercise  # draw its figure before its card shows
        refs.get(nxt_ex.id, nxt_ex.sides[0] if nxt_ex.has_sides else None)
    if view.show_card and ex is not None:
        _draw_card(canvas, ex, view, refs, full=view.phase is Phase.CARD, mirror=mirror)
    if view.phase is Phase.COUNTDOWN and view.remaining_s is not None:
        n = max(1, math.ceil(view.remaining_s - 1e-9))
        _draw_center(canvas, [(str(n), 5.0, overlay.WHITE), (f"Get into position: {ex.title}", 1.0, overlay.GREY)],
                     y=200)
    elif view.phase is Phase.SWITCH:
        _draw_center(canvas, [("Switch sides", 2.0, overlay.AMBER),
                              (f"now your {(view.side or '').upper()} side", 1.2, overlay.WHITE)])
    elif view.phase is Phase.REST:
        if view.follow:
            words = ("Routine complete" if view.next_exercise is None
                     else f"Done - next: {view.next_exercise.title}")
            overlay.text_box(canvas, words, (640, 60), 0.9, 2, color=overlay.GREEN, anchor="tc")
        else:
            left = f" in {math.ceil(view.remaining_s)} s" if view.remaining_s is not None else ""
            nxt = view.next_exercise.title if view.next_exercise is not None else ""
            _draw_center(canvas, [("Well done - rest", 1.8, overlay.GREEN), (f"Next: {nxt}{left}", 1.0, overlay.WHITE)])
    elif view.phase is Phase.DONE:
        _draw_summary(canvas, summary)
    if view.paused:
        _draw_center(canvas, [("PAUSED", 2.5, overlay.AMBER), ("space to go on", 0.9, overlay.WHITE)], y=280)
    if help_line and view.phase is not Phase.INTRO:
        text = KEYS_HELP + ("   (muted)" if muted else "")
        overlay.text_box(canvas, text, (8, CANVAS_H - 6), 0.45, 1, color=overlay.GREY, anchor="bl", pad=5)
    return canvas


# --------------------------------------------------------------------------- the session

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

    def say(self, text: str, priority: int = 1) -> bool:
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
    return Voice()


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
        from posecheck.io.history import results_from_summary

        rows = results_from_summary(entry)
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
            cv2.resizeWindow(WINDOW, CANVAS_W, CANVAS_H)
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
        summary = coach.finish(None, ended)
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
        if window_open and ended in ("complete", "camera_lost") and stopper.signum is None:
            _linger(options, coach, summary, refs)  # the summary stays up until a key
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
        if capture is not None:
            capture.close()
        else:
            with contextlib.suppress(Exception):
                feed.close()
        if voice is not None and options.voice is None:
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
        if window_open:
            with contextlib.suppress(Exception):
                cv2.destroyWindow(WINDOW)
                cv2.waitKey(1)


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p95": None}
    arr = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(arr)), 2), "p95": round(float(np.percentile(arr, 95)), 2)}


def _speak(voice, speech) -> None:
    for say in speech:
        with contextlib.suppress(Exception):
            voice.say(say.text, say.priority)


def _key(options: LiveOptions, coach: Coach, voice, t: float) -> str | None:
    """Poll the window's keys; returns "quit" when the window wants to close."""
    code = cv2.waitKey(1)
    if code == -1:
        with contextlib.suppress(cv2.error):
            if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                return "quit"  # closed with the mouse
        return None
    code &= 0xFF
    if code in (ord("m"), ord("M")):
        if hasattr(voice, "mute") and not isinstance(voice, _NullVoice):
            voice.mute = not voice.mute
        return None
    key = KEYS.get(code)
    if key is None:
        return None
    if key == "quit":
        return "quit"
    _speak(voice, coach.press(t, key))
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
                if _key(options, coach, voice, last_t) == "quit":
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
        _speak(voice, step.speech)
        frames += 1
        if draw:
            canvas = render_canvas(frame.image, step, fps, options.mirror, refs, summary=None,
                                   muted=muted or bool(getattr(voice, "mute", False)),
                                   help_line=options.window, out=canvas_buffer)
            canvas_buffer = canvas
            latencies.append((time.monotonic() - captured_at) * 1000.0)
            if options.on_canvas is not None:
                options.on_canvas(canvas, step)
            if options.window:
                cv2.imshow(WINDOW, canvas)
        elif options.on_canvas is not None:
            options.on_canvas(None, step)
        if options.window and _key(options, coach, voice, frame.timestamp_s) == "quit":
            ended = "interrupted"
            break
        if coach.finished:
            ended = coach.machine.ended or "complete"
            break
    elapsed = (time.monotonic() - t0) if t0 is not None else 0.0
    cpu = time.process_time() - cpu0  # every thread of the process: capture, model, loop
    return ended, {"started_at": started_at, "frames": frames,
                   "fps": frames / elapsed if elapsed > 0 else 0.0, "latency_ms": latencies,
                   "cpu_ms_per_frame": 1000.0 * cpu / frames if frames else None}


def _linger(options: LiveOptions, coach: Coach, summary: dict, refs) -> None:
    """At the end (the routine done, the file or the camera ended) the summary stays up until a key."""
    step = CoachStep(coach.machine.clock(coach.last_t), coach.machine.view(), None, None, ())
    canvas = render_canvas(np.zeros((CANVAS_H, CANVAS_W, 3), np.uint8), step, None, False, refs, summary,
                           help_line=False)
    end = time.monotonic() + options.linger_s
    while time.monotonic() < end:
        cv2.imshow(WINDOW, canvas)
        code = cv2.waitKey(100)
        if code != -1:
            return
        with contextlib.suppress(cv2.error):
            if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                return


def summary_text(summary: dict) -> str:
    """The end-of-session lines printed on stdout."""
    head = (f"Session {summary.get('ended')}: {summary.get('mode')}, {summary.get('duration_s', 0):.1f} s "
            f"({summary.get('input')})")
    return "\n".join([head] + ["  " + line for line in _summary_lines(summary)]) + "\n"
