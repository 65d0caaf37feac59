"""The live window's picture: the camera image with the overlay, and the routine drawn around it.

``render_canvas`` makes one 1280x720 canvas per frame from the frame's image
and the coach's ``CoachStep``: the scaled (mirrored) picture with the judge's
overlay (``overlay.py``), and on top of it what the routine's phase shows: the
safety note, the exercise card with its reference figure, the countdown, the
side switch, the rest, the pause and, at the end, the session summary.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.core.types import State
from posecheck.draw import overlay
from posecheck.draw.references import References
from posecheck.draw.words import goal_words, summary_lines, view_words
from posecheck.judge.coach import CoachStep
from posecheck.judge.exercises import Exercise
from posecheck.judge.routine import Phase, RoutineView
from posecheck.judge.speech import SAFETY_NOTE

CANVAS_W, CANVAS_H = 1280, 720
KEYS_HELP = "space pause   n next   b back   s switch side   m mute   q quit"  # the keys of apps/live.py


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


def _draw_summary(canvas: np.ndarray, summary: dict | None) -> None:
    _panel(canvas, 60, 70, 1220, 670, alpha=0.85)
    y = 95
    ended = {"complete": "", "interrupted": " (stopped)", "camera_lost": " (camera lost)"}.get(
        (summary or {}).get("ended") or "complete", "")
    y += _text(canvas, f"Session summary{ended}", (640, y), 1.2, center=True) + 20
    for line in summary_lines(summary or {})[:14]:
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
