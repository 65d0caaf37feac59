"""The live window's picture, laid out to be read from the floor 3 m from a laptop.

``render_canvas`` makes one 1920x1080 canvas per frame (the window is full
screen, so on a 1080p screen a canvas pixel is a screen pixel) from the
frame's image and the coach's ``CoachStep``. The camera picture sits in the
middle (``PICTURE``) with the skeleton drawn on it; every text lives around
it, so no text covers the person:

* top band: the state badge (left) and "3/8 Title" (right);
* left column: the side being worked, then the compact card (figure, goal);
* right column: the hold ring, the seconds per side, what comes next;
* bottom band: the one cue (or the safety note, or "done - next"), the keys.

The moments that need the whole screen (the safety note, the instruction
card, the countdown, "switch sides", the rest, the pause, the summary table)
are drawn as one panel in the middle, and the texts that would compete with
them are left out: one message per moment.

Every text is drawn in one of three sizes (``SMALL``, ``MEDIUM``, ``LARGE``);
their capitals are at least ``MIN_TEXT_PX`` pixels tall. ``render_canvas``
reports each text it drew (``Drawn``: the text, its box, its capital height)
when given a list, so a test can check sizes and overlaps on the real layout.
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
from posecheck.draw.words import SummaryRow, goal_words, summary_rows, view_words
from posecheck.judge.coach import CoachStep
from posecheck.judge.exercises import Exercise
from posecheck.judge.routine import Phase, RoutineView
from posecheck.judge.speech import SAFETY_NOTE

CANVAS_W, CANVAS_H = 1920, 1080
KEYS_HELP = "space pause   n next   b back   s side   f full screen   m mute   q quit"  # apps/live.py's keys
CLOSE_HELP = "q or Esc: close     f: full screen"  # the keys that close the summary (apps/live.py)

# The picture area is 1280x720: a 720p camera's picture goes in without scaling.
TOP = 132  # the top band's height
BOTTOM = 228  # the bottom band's height
SIDE = 320  # each side column's width
MARGIN = 16
PICTURE = (SIDE, TOP, CANVAS_W - SIDE, CANVAS_H - BOTTOM)  # where the camera picture fits (x0, y0, x1, y1)


@dataclass(frozen=True)
class Size:
    """A Hershey duplex font size: scale and stroke thickness."""

    scale: float
    thickness: int

    @property
    def cap_px(self) -> int:
        """The height of its capital letters in pixels, measured on a drawn "H"."""
        return _cap_px(self.scale, self.thickness)


@functools.lru_cache(maxsize=32)
def _cap_px(scale: float, thickness: int) -> int:
    (w, h), _ = cv2.getTextSize("H", overlay.FONT, scale, thickness)
    img = np.zeros((h + 4 * thickness + 8, w + 4 * thickness + 8), np.uint8)
    cv2.putText(img, "H", (2 * thickness + 4, h + 2 * thickness + 4), overlay.FONT, scale, 255, thickness,
                cv2.LINE_AA)
    rows = np.flatnonzero(img.max(axis=1) >= 128)
    return int(rows[-1] - rows[0] + 1)


SMALL = Size(1.6, 2)  # secondary text: side counters, keys, card details (32 px capitals)
MEDIUM = Size(2.0, 3)  # headings, the side, "Starting in" (40 px)
LARGE = Size(2.4, 4)  # the state badge, the cue, the big messages (49 px)
HUGE = Size(9.0, 14)  # the countdown's number
MIN_TEXT_PX = SMALL.cap_px  # no text on the live screen is smaller (32 px capitals on a 1080p screen)


@dataclass(frozen=True)
class Drawn:
    """One text drawn on the canvas: where its ink can be (x0, y0, x1, y1) and how tall its capitals are.

    ``role`` names what it is ("badge", "cue", "picture" for the camera
    picture's rectangle, which is not a text and has ``cap_px`` 0).
    """

    text: str
    box: tuple[int, int, int, int]
    cap_px: int
    role: str


@dataclass
class Layout:
    """Where the (scaled) camera picture sits on the canvas."""

    x: int
    y: int
    w: int
    h: int

    @staticmethod
    def fit(width: int, height: int, area: tuple[int, int, int, int] = PICTURE) -> "Layout":
        x0, y0, x1, y1 = area
        scale = min((x1 - x0) / width, (y1 - y0) / height)
        w, h = max(1, int(round(width * scale))), max(1, int(round(height * scale)))
        return Layout(x0 + (x1 - x0 - w) // 2, y0 + (y1 - y0 - h) // 2, w, h)


class _Pen:
    """Draws texts on the canvas and notes each one in ``drawn`` (when a list is given)."""

    def __init__(self, canvas: np.ndarray, drawn: list[Drawn] | None):
        self.canvas = canvas
        self.drawn = drawn

    def size(self, text: str, size: Size) -> tuple[int, int, int]:
        (tw, th), base = overlay.text_size(overlay.ascii_text(text), size.scale, size.thickness)
        return tw, th, base

    def text(self, text: str, org: tuple[int, int], size: Size, color=overlay.WHITE, role: str = "text",
             anchor: str = "tl", pad: int = 0, fill=None, shade: float | None = None) -> tuple[int, int, int, int]:
        """``text`` with its box's corner ``anchor`` ("tl", "tc", "tr", "bl", "bc", "br") at ``org``.

        ``pad`` around the text for a background: ``fill`` (an opaque colour)
        or ``shade`` (darkening). Returns the background box (the text's box
        when there is none).
        """
        text = overlay.ascii_text(text)
        tw, th, base = self.size(text, size)
        bw, bh = tw + 2 * pad, th + base + 2 * pad
        box = overlay.anchored_box(org, anchor, bw, bh)
        x, y = box[:2]
        if not self._from_cache(text, size, color, pad, fill, x, y, bw, bh, th):
            if fill is not None:
                cv2.rectangle(self.canvas, box[:2], (box[2] - 1, box[3] - 1), fill, -1)
            elif shade is not None:
                overlay.shade(self.canvas, *box, alpha=shade)
            cv2.putText(self.canvas, text, (x + pad, y + pad + th), overlay.FONT, size.scale, color,
                        size.thickness, cv2.LINE_AA)
        if self.drawn is not None:
            t = size.thickness
            self.drawn.append(Drawn(text, (x + pad - t, y + pad - t, x + pad + tw + t, y + pad + th + base + t),
                                    size.cap_px, role))
        return box

    def _from_cache(self, text, size: Size, color, pad: int, fill, x: int, y: int, bw: int, bh: int,
                    th: int) -> bool:
        """Draw a text where the canvas is still black by copying the ink of an earlier drawing of it.

        The same texts come back frame after frame and drawing them is most of a
        frame's drawing time. On black, a darkened box stays black and an opaque
        one is part of the copy, so the copy is exactly what drawing would give;
        anywhere else (over the picture) the text is drawn. Returns whether it was.
        """
        m = 2 * size.thickness + 4  # ink may reach a little past the text's box
        x0, y0, x1, y1 = x - m, y - m, x + bw + m, y + bh + m
        h, w = self.canvas.shape[:2]
        if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
            return False
        roi = self.canvas[y0:y1, x0:x1]
        if roi.any():
            return False
        key = (text, size, tuple(color), pad, None if fill is None else tuple(fill))
        sprite = _SPRITES.get(key)
        if sprite is None:
            ink = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
            if fill is not None:
                cv2.rectangle(ink, (m, m), (m + bw - 1, m + bh - 1), fill, -1)
            cv2.putText(ink, text, (m + pad, m + pad + th), overlay.FONT, size.scale, color, size.thickness,
                        cv2.LINE_AA)
            if len(_SPRITES) >= 512:
                _SPRITES.clear()
            sprite = _SPRITES[key] = ink
        roi[:] = sprite
        return True

    def paragraph(self, text: str, x: int, y: int, width: int, size: Size, color=overlay.WHITE,
                  role: str = "text", max_lines: int = 4, center: bool = False, gap: int | None = None) -> int:
        """Wrapped lines from (x, y), each fitting ``width``; returns the y below the last."""
        gap = size.cap_px // 2 if gap is None else gap
        for line in overlay.wrap_text(text, width, size.scale, size.thickness, max_lines):
            box = self.text(line, (x + width // 2 if center else x, y), size, color, role,
                            anchor="tc" if center else "tl")
            y = box[3] + gap
        return y

    def lines(self, text: str, width: int, size: Size, max_lines: int = 4) -> int:
        return len(overlay.wrap_text(text, width, size.scale, size.thickness, max_lines))

    def line_h(self, size: Size, gap: int | None = None) -> int:
        _, th, base = self.size("Hg", size)
        return th + base + (size.cap_px // 2 if gap is None else gap)


_SPRITES: dict[tuple, np.ndarray] = {}  # text drawn on black, by (text, size, colour, pad, fill)



def _panel(canvas: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.8) -> None:
    overlay.shade(canvas, x0, y0, x1, y1, alpha=alpha)
    cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), (110, 110, 110), 2, cv2.LINE_AA)


def _paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int, w: int, h: int) -> int:
    """``image`` fitted into the box; returns the y below it."""
    ih, iw = image.shape[:2]
    scale = min(w / iw, h / ih)
    sw, sh = max(1, int(iw * scale)), max(1, int(ih * scale))
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    ox, oy = x + (w - sw) // 2, y + (h - sh) // 2
    canvas[oy:oy + sh, ox:ox + sw] = small
    cv2.rectangle(canvas, (ox, oy), (ox + sw - 1, oy + sh - 1), (200, 200, 200), 1)
    return oy + sh


def _figure(refs: References | None, ex: Exercise, side: str | None, mirror: bool) -> np.ndarray | None:
    figure = refs.get(ex.id, side) if refs is not None else None
    if figure is not None and mirror:  # seen as in the mirrored picture of oneself
        figure = cv2.flip(figure, 1)
    return figure


# -- the moments that take the middle of the screen -----------------------------

def _draw_intro(pen: _Pen) -> None:
    _panel(pen.canvas, 160, 150, CANVAS_W - 160, 930)
    w = CANVAS_W - 2 * 220
    y = pen.text("posecheck: stretches for the back", (CANVAS_W // 2, 190), LARGE, role="title",
                 anchor="tc")[3] + 40
    y = pen.paragraph(SAFETY_NOTE, 220, y, w, MEDIUM, overlay.AMBER, "note", center=True) + 30
    y = pen.paragraph("Hold each stretch still and breathe. Stop if anything hurts.", 220, y, w, MEDIUM,
                      center=True) + 30
    pen.paragraph(KEYS_HELP, 220, y, w, SMALL, overlay.GREY, "keys", center=True)


def _draw_card(pen: _Pen, ex: Exercise, view: RoutineView, refs: References | None, mirror: bool) -> None:
    """The full instruction card (leading: before the countdown)."""
    canvas = pen.canvas
    x0, y0, x1, y1 = 60, 40, CANVAS_W - 60, CANVAS_H - 40
    _panel(canvas, x0, y0, x1, y1, alpha=0.93)
    y = pen.text(f"{view.index + 1}/{view.total}  {ex.title}", (x0 + 40, y0 + 30), LARGE, role="title")[3] + 40
    figure = _figure(refs, ex, view.side, mirror)
    fx, fw, fh = x0 + 40, 760, 570
    if figure is not None:
        _paste(canvas, figure, fx, y, fw, fh)
    else:
        _panel(canvas, fx, y, fx + fw, y + fh, alpha=0.3)
    x, w = fx + fw + 50, x1 - 40 - (fx + fw + 50)
    yy = pen.paragraph(goal_words(ex), x, y, w, MEDIUM, overlay.GREEN, "goal", max_lines=2) + 16
    yy = pen.paragraph(view_words(ex.view), x, yy, w, SMALL, overlay.AMBER, "view", max_lines=2) + 16
    yy = pen.paragraph(ex.instructions, x, yy, w, SMALL, role="instructions", max_lines=7) + 16
    bottom = y1 - 40
    if view.remaining_s is not None:
        bottom = pen.text(f"Starting in {math.ceil(view.remaining_s)} s", (x, bottom), MEDIUM, overlay.GREY,
                          "starting", anchor="bl")[1] - 16
    if view.side:
        pen.text(f"Start with your {view.side} side", (x, bottom), MEDIUM, role="side", anchor="bl")


def _draw_center(pen: _Pen, lines: list[tuple[str, Size, tuple]], y: int | None = None) -> None:
    """A few lines centred on a panel in the middle of the picture."""
    sizes = [pen.size(t, s) for t, s, _ in lines]
    gap = 30
    w = max(sz[0] for sz in sizes) + 120
    h = sum(sz[1] + sz[2] for sz in sizes) + gap * (len(lines) - 1) + 80
    cx = CANVAS_W // 2
    if y is None:
        y = (PICTURE[1] + PICTURE[3]) // 2 - h // 2
    _panel(pen.canvas, cx - w // 2, y, cx + w // 2, y + h)
    yy = y + 40
    for (text, size, color), _ in zip(lines, sizes):
        yy = pen.text(text, (cx, yy), size, color, "message", anchor="tc")[3] + gap


def _mark(canvas: np.ndarray, x: int, y: int, kind: str, px: int) -> None:
    """A tick (goal met), a dash (partly) or a cross (not at all), ``px`` tall, its top left at (x, y)."""
    t = max(3, px // 7)
    if kind == "met":
        pts = np.array([[x, y + px * 0.55], [x + px * 0.38, y + px], [x + px, y]], np.int32)
        cv2.polylines(canvas, [pts], False, overlay.GREEN, t, cv2.LINE_AA)
    elif kind == "partly":
        cv2.line(canvas, (x + px // 8, y + px // 2), (x + px - px // 8, y + px // 2), overlay.AMBER, t, cv2.LINE_AA)
    else:
        cv2.line(canvas, (x + px // 6, y + px // 6), (x + px - px // 6, y + px - px // 6), overlay.RED, t, cv2.LINE_AA)
        cv2.line(canvas, (x + px - px // 6, y + px // 6), (x + px // 6, y + px - px // 6), overlay.RED, t, cv2.LINE_AA)


STATUS_COLORS = {"met": overlay.GREEN, "partly": overlay.AMBER, "none": overlay.RED, "not done": overlay.GREY}


def _draw_summary(pen: _Pen, summary: dict | None) -> None:
    """The end of the session as a table: a row per exercise, a coloured, ticked cell per side."""
    canvas = pen.canvas
    summary = summary or {}
    canvas[:] = (30, 30, 30)
    ended = {"complete": "", "interrupted": " (stopped)", "camera_lost": " (camera lost)",
             "skipped": " (skipped)"}.get(
        summary.get("ended") or "complete", "")
    pen.text(f"Session summary{ended}", (CANVAS_W // 2, 30), LARGE, role="title", anchor="tc")
    rows: list[SummaryRow] = summary_rows(summary)
    cols = [(40, "Exercise"), (640, "Left"), (900, "Right"), (1160, "Most often to fix")]
    widths = [590, 250, 250, CANVAS_W - 40 - 1160]
    y = 130
    for (x, head), _ in zip(cols, widths):
        pen.text(head, (x, y), SMALL, overlay.GREY, "table head")
    y += pen.line_h(SMALL, 8) + 4
    cv2.line(canvas, (40, y), (CANVAS_W - 40, y), (110, 110, 110), 2)
    line_h = pen.line_h(SMALL, 8)
    mark_px = SMALL.cap_px + 6
    footer_top = CANVAS_H - 40 - pen.line_h(SMALL) * 3
    spare = footer_top - y - len(rows) * (line_h + 8)  # room for second lines of the notes
    for row in rows:
        n = pen.lines(row.note, widths[3], SMALL, 2) if row.note else 1
        if n > 1 and spare < line_h:
            n = 1
        spare -= (n - 1) * line_h
        row_h = n * line_h + 8
        if y + row_h > footer_top:
            break
        y += 4
        pen.text(_fit(pen, row.title, widths[0] - 20, SMALL), (cols[0][0], y), SMALL, role="table")
        cells = row.cells
        for k, (value, status) in enumerate(cells):
            x = cols[1][0] if len(cells) == 1 else cols[1 + k][0]
            if status != "not done":
                _mark(canvas, x, y - 3, status, mark_px)
                x += mark_px + 14
            pen.text(value, (x, y), SMALL, STATUS_COLORS.get(status, overlay.WHITE), "table")
        if row.note:
            pen.paragraph(row.note, cols[3][0], y, widths[3], SMALL, overlay.AMBER if row.faulty else overlay.GREY,
                          "table", max_lines=n, gap=8)
        y += row_h - 4
        cv2.line(canvas, (40, y), (CANVAS_W - 40, y), (70, 70, 70), 1)
    y = pen.paragraph(SAFETY_NOTE, 40, footer_top, CANVAS_W - 80, SMALL, overlay.AMBER, "note", max_lines=2,
                      center=True)
    pen.text(CLOSE_HELP, (CANVAS_W // 2, CANVAS_H - 24), SMALL, overlay.WHITE, "keys", anchor="bc")


def _fit(pen: _Pen, text: str, width: int, size: Size) -> str:
    """``text`` cut (with "...") to fit ``width`` pixels on one line."""
    lines = overlay.wrap_text(text, width, size.scale, size.thickness, 1)
    return lines[0] if lines else ""


# -- the bands around the picture -------------------------------------------------

def _badge_words(step: CoachStep) -> tuple[str, tuple] | None:
    """The state badge: what the judge sees, or the phase when nothing is judged."""
    view, r = step.view, step.result
    if view.paused or view.phase in (Phase.INTRO, Phase.CARD, Phase.SWITCH, Phase.DONE):
        return None  # the middle panel says it
    if view.phase is Phase.COUNTDOWN:
        return "GET READY", overlay.GREY
    if view.phase is Phase.REST:
        return "DONE", overlay.GREEN
    if r is None:
        return None
    state = r.state
    if state is State.NO_PERSON and (r.pose is not None or not step.person_lost):
        state = State.INCORRECT  # someone is in view (or was a moment ago): settling in, not gone
    label = overlay.banner_label(state, r.in_position and r.pose is not None)
    goal = getattr(step.exercise, "goal", None)
    if state is State.CORRECT and goal is not None and goal.kind == "reps":
        label = "GOOD FORM"
    return label, overlay.STATE_COLORS.get(state, overlay.GREY)


def _draw_top(pen: _Pen, step: CoachStep, fps_px: float | None) -> None:
    view, ex = step.view, step.view.exercise
    badge = _badge_words(step)
    right = CANVAS_W - MARGIN
    left = MARGIN
    if badge is not None:
        text, color = badge
        box = pen.text(text, (MARGIN, MARGIN), LARGE, overlay._contrast_text(color), "badge", pad=18,
                       fill=color)
        left = box[2] + 40
    if ex is not None and view.phase not in (Phase.CARD, Phase.DONE):
        head = f"{view.index + 1}/{view.total}  {ex.title}" if view.total > 1 else ex.title
        width = right - left
        pen.text(_fit(pen, head, width, MEDIUM), (right, MARGIN + 24), MEDIUM, role="header", anchor="tr")


def _draw_ring(pen: _Pen, step: CoachStep, x0: int, y: int) -> int:
    """The hold ring (or the reps count) in the right column; returns the y below the side counters."""
    canvas, r, ex, view = pen.canvas, step.result, step.exercise, step.view
    goal = ex.goal
    cx = x0 + (CANVAS_W - x0) // 2
    radius, ring = 100, 20
    cy = y + radius + ring
    if goal.kind == "reps":
        value, target, small = float(r.reps or 0), float(goal.target), f"/ {goal.target:g} reps"
    elif ex.has_sides:
        # The side the routine is on (it follows the judge's once that one holds): the one the side
        # label names, never "both added up".
        side = view.side if view.side in ex.sides else r.side
        value, target, small = float(r.side_hold_s.get(side, 0.0)), float(goal.target), f"/ {goal.target:g} s"
    else:
        value, target, small = float(r.hold_s), float(goal.target), f"/ {goal.target:g} s"
    overlay.shade_disc(canvas, cx, cy, radius + ring, alpha=0.6)
    cv2.circle(canvas, (cx, cy), radius, (90, 90, 90), ring, cv2.LINE_AA)
    frac = min(1.0, value / target) if target else 0.0
    done = value >= target
    color = overlay.GREEN if (r.state is State.CORRECT or done) else overlay.WHITE
    if frac > 0:
        cv2.ellipse(canvas, (cx, cy), (radius, radius), -90.0, 0.0, 360.0 * frac, color, ring, cv2.LINE_AA)
    pen.text(f"{int(value)}", (cx, cy - 8), LARGE, role="ring", anchor="bc")
    pen.text("done" if done else small, (cx, cy + 8), SMALL, role="ring", anchor="tc")
    y = cy + radius + ring + 20
    if ex.has_sides and goal.kind == "hold":
        current = view.side if view.side in ex.sides else r.side
        for side in ex.sides:
            secs = r.side_hold_s.get(side, 0.0)
            met = secs >= goal.target
            # The side being worked on a lighter box.
            box = pen.text(f"{side} {int(secs)}/{goal.target:g} s", (CANVAS_W - MARGIN, y), SMALL,
                           overlay.GREEN if met else overlay.WHITE, "sides", anchor="tr", pad=8,
                           fill=(90, 90, 90) if side == current else None, shade=0.6)
            y = box[3] + 8
    return y


def _draw_left(pen: _Pen, step: CoachStep, refs: References | None, mirror: bool) -> None:
    view, ex = step.view, step.view.exercise
    x, w = MARGIN, SIDE - 2 * MARGIN
    y = TOP + 8
    if ex is None:
        return
    if ex.has_sides and view.side and view.phase in (Phase.COUNTDOWN, Phase.ACTIVE):
        y = pen.text(f"{view.side.upper()} SIDE", (x, y), MEDIUM, overlay.WHITE, "side", pad=4, shade=0.6)[3] + 24
    if view.show_card and view.phase is Phase.ACTIVE:  # following: the compact card while the video runs
        figure = _figure(refs, ex, view.side, mirror)
        if figure is not None:
            y = _paste(pen.canvas, figure, x, y, w, 220) + 16
        y = pen.paragraph(goal_words(ex, name_sides=False), x, y, w, SMALL, overlay.GREEN, "card", max_lines=3) + 10
        pen.paragraph(view_words(ex.view), x, y, w, SMALL, overlay.AMBER, "card",
                      max_lines=max(1, (PICTURE[3] - y) // pen.line_h(SMALL)))


def _draw_bottom(pen: _Pen, step: CoachStep, muted: bool, help_line: bool) -> None:
    view = step.view
    keys_top = CANVAS_H
    if help_line:
        text = KEYS_HELP + ("   (muted)" if muted else "")
        keys_top = pen.text(text, (CANVAS_W // 2, CANVAS_H - 10), SMALL, overlay.GREY, "keys", anchor="bc")[1]
    message, color, size = "", overlay.WHITE, LARGE
    room = keys_top - 12 - PICTURE[3]
    if view.phase is Phase.REST and view.follow:
        message = "Done - next: " + view.next_exercise.title if view.next_exercise is not None else "Exercise done"
        color = overlay.GREEN
    elif step.cue and not view.paused and view.phase is Phase.ACTIVE:
        message = step.cue
    elif view.show_note and view.phase is not Phase.INTRO:
        message, color, size = SAFETY_NOTE, overlay.AMBER, MEDIUM
    if not message:
        return
    pad = 12
    width = CANVAS_W - 2 * MARGIN - 2 * pad
    n = pen.lines(message, width, size, 2)
    h = n * pen.line_h(size, 12) - 12 + 2 * pad
    if h > room and size is LARGE:  # two lines of the largest type do not fit: the next size
        size = MEDIUM
        n = pen.lines(message, width, size, 2)
        h = n * pen.line_h(size, 12) - 12 + 2 * pad
    y0 = PICTURE[3] + 4 + max(0, (room - h) // 2)
    overlay.shade(pen.canvas, MARGIN, y0, CANVAS_W - MARGIN, y0 + h, alpha=0.75)
    pen.paragraph(message, MARGIN + pad, y0 + pad, width, size, color, "cue", max_lines=2, center=True, gap=12)


def render_canvas(image: np.ndarray, step: CoachStep, fps: float | None, mirror: bool,
                  refs: References | None = None, summary: dict | None = None,
                  muted: bool = False, help_line: bool = True, out: np.ndarray | None = None,
                  drawn: list[Drawn] | None = None) -> np.ndarray:
    """The 1920x1080 picture for one frame: the camera picture with the skeleton, and the routine around it.

    ``out`` is a canvas to draw into (reused from frame to frame), else a new
    one is made. ``drawn``, a list, receives every text drawn (``Drawn``) and
    the picture's rectangle (role "picture").
    """
    if out is None or out.shape != (CANVAS_H, CANVAS_W, 3) or out.dtype != np.uint8:
        canvas = np.zeros((CANVAS_H, CANVAS_W, 3), np.uint8)
    else:
        canvas = out
        canvas[:] = 0
    pen = _Pen(canvas, drawn)
    view = step.view
    if view.phase is Phase.DONE:
        _draw_summary(pen, summary)
        return canvas
    h, w = image.shape[:2]
    lay = Layout.fit(w, h)
    scaled = cv2.resize(image, (lay.w, lay.h), interpolation=cv2.INTER_LINEAR)
    if mirror:
        cv2.flip(scaled, 1, dst=scaled)
    r = step.result
    if r is not None and r.pose is not None:
        results = r.assessment.results
        overlay.draw_skeleton(scaled, r.pose, results, mirror=mirror, exercise=step.exercise)
        overlay.draw_angle_arcs(scaled, r.pose, results, exercise=step.exercise, mirror=mirror, values=False)
    canvas[lay.y:lay.y + lay.h, lay.x:lay.x + lay.w] = scaled
    if drawn is not None:
        drawn.append(Drawn("", (lay.x, lay.y, lay.x + lay.w, lay.y + lay.h), 0, "picture"))
    ex = view.exercise
    _draw_top(pen, step, fps)
    judging = (r is not None and step.exercise is not None and ex is not None and step.exercise.id == ex.id
               and view.phase is Phase.ACTIVE and not view.paused)
    y = TOP + 8
    if judging:
        y = _draw_ring(pen, step, CANVAS_W - SIDE, y)
    if view.next_exercise is not None and view.phase in (Phase.ACTIVE, Phase.REST) and view.total > 1:
        pen.paragraph(f"Next: {view.next_exercise.title}", CANVAS_W - SIDE + 10, max(y, TOP + 330) + 10,
                      SIDE - 10 - MARGIN, SMALL, overlay.GREY, "next", max_lines=3)
    if fps is not None and math.isfinite(fps) and view.phase is not Phase.CARD:
        pen.text(f"{fps:.0f} fps", (CANVAS_W - MARGIN, PICTURE[3] - 8), SMALL, overlay.GREY, "fps", anchor="br")
    if not view.paused and view.phase is not Phase.INTRO:
        _draw_left(pen, step, refs, mirror)
    if view.phase is not Phase.CARD:
        _draw_bottom(pen, step, muted, help_line and view.phase is not Phase.INTRO)
    if refs is not None and view.phase is Phase.REST and view.next_exercise is not None:
        nxt_ex = view.next_exercise  # draw its figure before its card shows
        refs.get(nxt_ex.id, nxt_ex.sides[0] if nxt_ex.has_sides else None)
    if view.paused:
        _draw_center(pen, [("PAUSED", LARGE, overlay.AMBER), ("space to go on", MEDIUM, overlay.WHITE)])
    elif view.phase is Phase.INTRO:
        _draw_intro(pen)
    elif view.phase is Phase.CARD and ex is not None:
        _draw_card(pen, ex, view, refs, mirror)
    elif view.phase is Phase.COUNTDOWN and view.remaining_s is not None and ex is not None:
        n = max(1, math.ceil(view.remaining_s - 1e-9))
        _draw_center(pen, [(str(n), HUGE, overlay.WHITE), ("Get into position", MEDIUM, overlay.GREY)])
    elif view.phase is Phase.SWITCH:
        _draw_center(pen, [(f"Switch to your {(view.side or '').upper()} side", LARGE, overlay.AMBER),
                           ("Release, then hold on the other side", MEDIUM, overlay.WHITE)])
    elif view.phase is Phase.REST and not view.follow:
        left = f" in {math.ceil(view.remaining_s)} s" if view.remaining_s is not None else ""
        nxt = view.next_exercise.title if view.next_exercise is not None else ""
        _draw_center(pen, [("Well done - rest", LARGE, overlay.GREEN), (f"Next: {nxt}{left}", MEDIUM, overlay.WHITE)])
    return canvas
