"""Drawing the judgement on a frame: skeleton, judged joints, angle arcs, cue, hold ring, banner.

Every ``draw_*(image, ...)`` draws into ``image`` (BGR uint8) in place and
returns it; the caller decides whether to pass a copy. There is no state
between frames. ``draw_overlay`` draws everything for one ``FrameResult``.

Sizes scale with the image (``Style.for_size``) so that the cue stays legible
from about 3 m on a 1280x720 window. Semi-transparent backing boxes are blended
on their region of interest only; nothing full-size is allocated per frame.

Mirroring (for a live selfie view) flips the picture and the landmarks' x
together; texts are drawn unmirrored and keep speaking of the person's own
left and right.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.core.landmarks import SKELETON_EDGES, PoseLandmark
from posecheck.core.types import FrameResult, Pose, RuleResult, State

# Colours are BGR.
GREEN = (90, 200, 40)
RED = (50, 50, 235)
AMBER = (0, 200, 255)
GREY = (170, 170, 170)
WHITE = (255, 255, 255)
DARK = (25, 25, 25)
BONE = (235, 235, 235)

STATE_COLORS: dict[State, tuple[int, int, int]] = {
    State.CORRECT: GREEN,
    State.INCORRECT: RED,
    State.UNCERTAIN: AMBER,
    State.NO_PERSON: GREY,
}

STATE_BANNERS: dict[State, str] = {
    State.CORRECT: "HOLD",
    State.INCORRECT: "GET INTO POSITION",  # until the person has been in position; then ADJUST_FORM
    State.UNCERTAIN: "ADJUST THE CAMERA",
    State.NO_PERSON: "NO PERSON",
}
ADJUST_FORM = "ADJUST FORM"  # a fault once in position: the report's "adjust form" (report_text.STATE_LABELS)


def banner_label(state: State, in_position: bool) -> str:
    """The banner's words for a shown state: a fault in the middle of a hold is form to adjust."""
    if state is State.INCORRECT and in_position:
        return ADJUST_FORM
    return STATE_BANNERS.get(state, str(state).upper())

FONT = cv2.FONT_HERSHEY_DUPLEX
MIN_VISIBILITY = 0.5  # landmarks below this are not drawn (unless a rule judges them)

_NEIGHBOURS: dict[int, list[int]] = {}
for _a, _b in SKELETON_EDGES:
    _NEIGHBOURS.setdefault(int(_a), []).append(int(_b))
    _NEIGHBOURS.setdefault(int(_b), []).append(int(_a))

_ASCII = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u00b0": " deg", "\u2026": "...", "\u00d7": "x"})


def ascii_text(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only: typographic marks become plain, accents drop."""
    text = text.translate(_ASCII)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if 32 <= ord(ch) < 127)


@dataclass(frozen=True)
class Style:
    """Sizes in pixels for one image size; ``s`` is 1.0 at 1280x720."""

    s: float
    width: int
    height: int

    @staticmethod
    @functools.lru_cache(maxsize=16)
    def for_size(width: int, height: int) -> "Style":
        s = max(0.3, min(width / 1280.0, height / 720.0))
        return Style(s, width, height)

    def px(self, value: float) -> int:
        return max(1, int(round(value * self.s)))

    def font(self, scale: float) -> float:
        return scale * self.s

    @property
    def margin(self) -> int:
        return self.px(16)

    # Font scales (Hershey duplex): the cue's capitals are ~37 px tall at 720p.
    @property
    def cue_scale(self) -> float:
        return self.font(1.7)

    @property
    def cue_thickness(self) -> int:
        return self.px(3)

    @property
    def banner_scale(self) -> float:
        return self.font(1.25)

    @property
    def small_scale(self) -> float:
        return self.font(0.75)

    @property
    def label_scale(self) -> float:
        return self.font(0.9)


def style_for(image: np.ndarray) -> Style:
    return Style.for_size(int(image.shape[1]), int(image.shape[0]))


# -- small primitives ----------------------------------------------------------

def shade(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.6) -> np.ndarray:
    """Darkens a rectangle in place (a semi-transparent black box), clipped to the image."""
    h, w = image.shape[:2]
    x0, x1 = max(0, int(x0)), min(w, int(x1))
    y0, y1 = max(0, int(y0)), min(h, int(y1))
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        cv2.convertScaleAbs(roi, dst=roi, alpha=1.0 - alpha)
    return image


@functools.lru_cache(maxsize=8)
def _disc_mask(radius: int) -> np.ndarray:
    size = 2 * radius + 1
    mask = np.zeros((size, size), np.uint8)
    cv2.circle(mask, (radius, radius), radius, 255, -1, cv2.LINE_AA)
    mask[mask < 128] = 0
    mask[mask >= 128] = 255
    mask.setflags(write=False)
    return mask


def shade_disc(image: np.ndarray, cx: int, cy: int, radius: int, alpha: float = 0.6) -> np.ndarray:
    """Darkens a disc in place (only its bounding square is touched)."""
    h, w = image.shape[:2]
    mask = _disc_mask(radius)
    x0, y0 = cx - radius, cy - radius
    sx0, sy0 = max(0, -x0), max(0, -y0)
    x0c, y0c = max(0, x0), max(0, y0)
    x1c, y1c = min(w, cx + radius + 1), min(h, cy + radius + 1)
    if x1c <= x0c or y1c <= y0c:
        return image
    roi = image[y0c:y1c, x0c:x1c]
    m = mask[sy0:sy0 + (y1c - y0c), sx0:sx0 + (x1c - x0c)]
    dark = cv2.convertScaleAbs(roi, alpha=1.0 - alpha)  # a small ROI-sized temporary only
    cv2.copyTo(dark, np.ascontiguousarray(m), roi)
    return image


def anchored_box(org: tuple[float, float], anchor: str, width: int, height: int) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) of ``width`` x ``height`` whose corner ``anchor`` names is at ``org``:
    "t"/"b" for top or bottom, then "l"/"c"/"r" for left, centre or right."""
    x, y = org
    if anchor[1] == "r":
        x -= width
    elif anchor[1] == "c":
        x -= width // 2
    if anchor[0] == "b":
        y -= height
    x, y = int(x), int(y)
    return (x, y, x + width, y + height)


def text_box(image: np.ndarray, text: str, org: tuple[int, int], scale: float, thickness: int,
             color=WHITE, pad: int = 8, alpha: float = 0.6, fill=None, anchor: str = "tl") -> tuple[int, int, int, int]:
    """Draws ``text`` on a box; returns the box (x0, y0, x1, y1).

    ``org`` is the box's corner named by ``anchor`` ("tl", "tr", "bl", "br",
    "tc", "bc" for top/bottom centre). ``fill`` draws an opaque box of that
    colour instead of a darkened one.
    """
    text = ascii_text(text)
    (tw, th), base = text_size(text, scale, thickness)
    bw, bh = tw + 2 * pad, th + base + 2 * pad
    box = anchored_box(org, anchor, bw, bh)
    x, y = box[:2]
    if fill is None:
        shade(image, *box, alpha=alpha)
    else:
        cv2.rectangle(image, box[:2], (box[2] - 1, box[3] - 1), fill, -1)
    cv2.putText(image, text, (int(x + pad), int(y + pad + th)), FONT, scale, color, thickness, cv2.LINE_AA)
    return box


@functools.lru_cache(maxsize=1024)
def text_size(text: str, scale: float, thickness: int) -> tuple[tuple[int, int], int]:
    """``cv2.getTextSize`` in FONT, remembered: the same labels and cues come back frame after frame."""
    return cv2.getTextSize(text, FONT, scale, thickness)


def wrap_text(text: str, max_width: int, scale: float, thickness: int, max_lines: int = 3) -> list[str]:
    """Greedy word wrap so each line fits ``max_width`` pixels; a word too wide for a line is
    broken after its hyphens, and a cut last line ends in "..." that still fits."""
    return list(_wrap_text(text, max_width, scale, thickness, max_lines))


@functools.lru_cache(maxsize=512)
def _wrap_text(text: str, max_width: int, scale: float, thickness: int, max_lines: int) -> tuple[str, ...]:
    def wide(t: str) -> bool:
        return text_size(t, scale, thickness)[0][0] > max_width

    pieces: list[tuple[str, bool]] = []  # (piece, a space before it)
    for word in ascii_text(text).split():
        parts = [word]
        if wide(word) and "-" in word.strip("-"):
            parts = [p + "-" for p in word.split("-")[:-1]] + [word.split("-")[-1]]
        pieces += [(part, k == 0) for k, part in enumerate(parts) if part]
    lines: list[str] = []
    line = ""
    for piece, spaced in pieces:
        trial = (f"{line} {piece}" if spaced else line + piece) if line else piece
        if line and wide(trial):
            lines.append(line)
            line = piece
        else:
            line = trial
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and wide(last + "..."):
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last.rstrip(".") + "..."
    return tuple(lines)


def _contrast_text(color) -> tuple[int, int, int]:
    b, g, r = color
    return DARK if (0.114 * b + 0.587 * g + 0.299 * r) > 150 else WHITE


# -- landmarks -----------------------------------------------------------------

def landmark_pixels(pose: Pose, width: int, height: int, mirror: bool = False) -> np.ndarray:
    """(33, 2) landmark positions in the displayed image's pixels; x flipped when mirrored."""
    xy = pose.xyz[:, :2].astype(float) * np.array([width, height], dtype=float)
    if mirror:
        xy[:, 0] = width - xy[:, 0]
    return xy


def _rule_color(ok: bool | None) -> tuple[int, int, int]:
    return GREEN if ok is True else RED if ok is False else AMBER


_SEVERITY = {False: 3, None: 2, True: 1}


def _judged_joints(results) -> dict[int, bool | None]:
    """Joint index -> the worst outcome among the rules drawn there (failing > uncertain > ok)."""
    joints: dict[int, bool | None] = {}
    for r in results:
        if r.joint is None:
            continue
        j = int(r.joint)
        if j not in joints or _SEVERITY[r.ok] > _SEVERITY[joints[j]]:
            joints[j] = r.ok
    return joints


def draw_skeleton(image: np.ndarray, pose: Pose, results=(), mirror: bool = False,
                  exercise=None, min_visibility: float = MIN_VISIBILITY) -> np.ndarray:
    """The skeleton's bones and joints; joints judged by a rule are coloured by its outcome.

    The bones from a judged joint to the rule's other landmarks take the rule's colour too.
    """
    st = style_for(image)
    h, w = image.shape[:2]
    xy = landmark_pixels(pose, w, h, mirror)
    pts = np.round(np.nan_to_num(np.clip(xy, -1e5, 1e5))).astype(np.int64)
    finite = np.all(np.isfinite(xy), axis=1) & (np.abs(xy) < 1e5).all(axis=1)
    visible = finite & (pose.visibility >= min_visibility)
    joints = _judged_joints(results)
    bone_colors: dict[tuple[int, int], tuple[int, int, int]] = {}
    for r in results:
        if r.joint is None:
            continue
        for n in rule_neighbours(r, exercise):
            key = (min(int(r.joint), n), max(int(r.joint), n))
            if key not in bone_colors or _SEVERITY[r.ok] >= _SEVERITY.get(bone_colors[key][1], 0):
                bone_colors[key] = (_rule_color(r.ok), r.ok)
    thick = st.px(4)
    outline = thick + st.px(3)
    edges = []
    for a, b in SKELETON_EDGES:
        a, b = int(a), int(b)
        judged = (min(a, b), max(a, b)) in bone_colors
        if not (finite[a] and finite[b]):
            continue
        if not (visible[a] and visible[b]) and not judged:
            continue
        edges.append((a, b))
    for a, b in edges:  # dark outlines first so bones read on light floors too
        cv2.line(image, tuple(pts[a]), tuple(pts[b]), DARK, outline, cv2.LINE_AA)
    for a, b in edges:
        color = bone_colors.get((min(a, b), max(a, b)), (BONE, None))[0]
        cv2.line(image, tuple(pts[a]), tuple(pts[b]), color, thick, cv2.LINE_AA)
    r_small = st.px(5)
    for i in np.flatnonzero(visible):
        if i in joints or i < int(PoseLandmark.LEFT_SHOULDER):
            continue  # face points stay small: the edges show the head
        cv2.circle(image, tuple(pts[i]), r_small, DARK, -1, cv2.LINE_AA)
        cv2.circle(image, tuple(pts[i]), max(1, r_small - st.px(2)), BONE, -1, cv2.LINE_AA)
    r_big = st.px(11)
    for j, ok in joints.items():
        if 0 <= j < len(pts) and finite[j]:
            cv2.circle(image, tuple(pts[j]), r_big + st.px(3), WHITE, -1, cv2.LINE_AA)
            cv2.circle(image, tuple(pts[j]), r_big, _rule_color(ok), -1, cv2.LINE_AA)
    return image


def rule_neighbours(result: RuleResult, exercise=None) -> list[int]:
    """The two landmarks whose directions from the judged joint span the rule's angle.

    From the exercise's rule when it names three landmarks with the joint in
    the middle; otherwise the joint's neighbours in the skeleton.
    """
    if result.joint is None:
        return []
    joint = int(result.joint)
    if exercise is not None:
        try:
            rule = exercise.rule(result.name)
        except Exception:  # a result from another exercise: fall back to the skeleton
            rule = None
        if rule is not None:
            side = "left" if PoseLandmark(joint).name.startswith("LEFT_") else "right"
            try:
                indices = rule.landmark_indices(side)
            except KeyError:
                indices = []
            if len(indices) == 3 and indices[1] == joint:
                return [indices[0], indices[2]]
    return _NEIGHBOURS.get(joint, [])[:2]


def _format_value(result: RuleResult, unit: str) -> str:
    if not math.isfinite(result.value):
        return "?"
    if unit == "deg":
        return f"{result.value:.0f}"
    if unit in ("", "ratio"):
        return f"{result.value:.2f}"
    return f"{result.value:.1f} {unit}"


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def draw_angle_arcs(image: np.ndarray, pose: Pose, results, exercise=None, mirror: bool = False,
                    avoid=(), values: bool = True) -> np.ndarray:
    """At each judged joint: an arc between its two limbs and (``values``) the measured value beside it.

    The value sits outside the angle, or inside it when outside would leave the
    image or cover one of the ``avoid`` boxes (x0, y0, x1, y1) or another value.
    The live screen leaves the values out: a number means nothing to the person
    on the floor, the arc's colour and the cue say what to do.
    """
    avoid = list(avoid)
    st = style_for(image)
    h, w = image.shape[:2]
    xy = landmark_pixels(pose, w, h, mirror)
    radius = st.px(38)
    thick = st.px(4)
    drawn: set[int] = set()
    for r in results:
        if r.joint is None or not math.isfinite(r.value):
            continue
        j = int(r.joint)
        nb = rule_neighbours(r, exercise)
        if j in drawn or not np.all(np.isfinite(xy[j])):
            continue
        drawn.add(j)
        color = _rule_color(r.ok)
        centre = tuple(int(v) for v in np.round(xy[j]))
        bisector = np.array([0.0, -1.0])
        if len(nb) == 2 and np.all(np.isfinite(xy[nb])):
            a1 = math.degrees(math.atan2(*(xy[nb[0]] - xy[j])[::-1]))
            a2 = math.degrees(math.atan2(*(xy[nb[1]] - xy[j])[::-1]))
            sweep = (a2 - a1) % 360.0
            if sweep > 180.0:  # draw the interior angle
                a1, sweep = a2, 360.0 - sweep
            cv2.ellipse(image, centre, (radius, radius), 0.0, a1, a1 + sweep, DARK, thick + st.px(3), cv2.LINE_AA)
            cv2.ellipse(image, centre, (radius, radius), 0.0, a1, a1 + sweep, color, thick, cv2.LINE_AA)
            mid = math.radians(a1 + sweep / 2.0)
            bisector = -np.array([math.cos(mid), math.sin(mid)])  # label outside the angle
        if not values:
            continue
        unit = "deg"
        if exercise is not None:
            try:
                unit = exercise.rule(r.name).unit
            except Exception:
                pass
        label = _format_value(r, unit)
        scale, tk = st.label_scale, st.px(2)
        (tw, th), base = text_size(label, scale, tk)
        deg = unit == "deg" and label != "?"
        extra = st.px(12) if deg else 0
        pad = st.px(6)
        bw, bh = tw + extra + 2 * pad, th + base + 2 * pad
        dist = radius + st.px(10) + 0.5 * math.hypot(bw, bh)
        placed = None
        for direction in (bisector, -bisector):
            cx, cy = xy[j] + direction * dist
            box = (int(cx - bw / 2), int(cy - bh / 2), int(cx - bw / 2) + bw, int(cy - bh / 2) + bh)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= w and box[3] <= h
            if inside and not any(_overlaps(box, a) for a in avoid):
                placed = box
                break
            if placed is None and direction is bisector:
                placed = box  # fallback: outside, clamped below
        x0 = int(min(max(placed[0], 0), w - bw))
        y0 = int(min(max(placed[1], 0), h - bh))
        avoid.append((x0, y0, x0 + bw, y0 + bh))
        shade(image, x0, y0, x0 + bw, y0 + bh, alpha=0.65)
        cv2.putText(image, label, (x0 + pad, y0 + pad + th), FONT, scale, color, tk, cv2.LINE_AA)
        if deg:  # Hershey fonts have no degree sign
            cv2.circle(image, (x0 + pad + tw + st.px(6), y0 + pad + st.px(4)), st.px(4), color, st.px(2),
                       cv2.LINE_AA)
    return image


# -- panels --------------------------------------------------------------------

def cue_box(image: np.ndarray, cue: str) -> tuple[int, int, int, int] | None:
    """Where ``draw_cue`` puts its box (x0, y0, x1, y1), or None without a cue."""
    layout = _cue_layout(image, cue)
    return layout[2] if layout else None


def _cue_layout(image: np.ndarray, cue: str):
    if not cue:
        return None
    st = style_for(image)
    h, w = image.shape[:2]
    scale, tk = st.cue_scale, st.cue_thickness
    pad = st.px(14)
    lines = wrap_text(cue, w - 2 * st.margin - 2 * pad, scale, tk)
    if not lines:
        return None
    sizes = [text_size(line, scale, tk) for line in lines]
    gap = st.px(10)
    line_h = max(s[0][1] + s[1] for s in sizes) + gap
    box_w = max(s[0][0] for s in sizes) + 2 * pad
    box_h = line_h * len(lines) - gap + 2 * pad
    x0 = (w - box_w) // 2
    y0 = h - st.margin - box_h
    return lines, sizes, (x0, y0, x0 + box_w, y0 + box_h), line_h, pad


def draw_cue(image: np.ndarray, cue: str, color=WHITE) -> np.ndarray:
    """The cue in large type on a dark box, centred at the bottom (wrapped to fit)."""
    layout = _cue_layout(image, cue)
    if layout is None:
        return image
    st = style_for(image)
    w = image.shape[1]
    lines, sizes, box, line_h, pad = layout
    shade(image, *box, alpha=0.7)
    y = box[1] + pad
    for line, ((tw, th), base) in zip(lines, sizes):
        cv2.putText(image, line, ((w - tw) // 2, y + th), FONT, st.cue_scale, color, st.cue_thickness,
                    cv2.LINE_AA)
        y += line_h
    return image


def draw_banner(image: np.ndarray, state: State, title: str = "", side: str | None = None,
                text: str | None = None, fps: float | None = None, in_position: bool = False) -> np.ndarray:
    """Top left: the state in a coloured box; below it the exercise, the side worked, the fps."""
    st = style_for(image)
    m = st.margin
    color = STATE_COLORS.get(state, GREY)
    label = text or banner_label(state, in_position)
    box = text_box(image, label, (m, m), st.banner_scale, st.px(2), color=_contrast_text(color),
                   pad=st.px(12), fill=color)
    y = box[3] + st.px(6)
    details = [t for t in (title, f"{side.upper()} SIDE" if side else "") if t]
    if details:
        box = text_box(image, "  |  ".join(details), (m, y), st.small_scale, st.px(2), pad=st.px(8))
        y = box[3] + st.px(6)
    if fps is not None and math.isfinite(fps):
        text_box(image, f"{fps:.0f} fps", (m, y), st.font(0.6), st.px(1), color=GREY, pad=st.px(6))
    return image


def hold_progress(result: FrameResult, exercise=None) -> tuple[float, float | None, str, str]:
    """(value, target, big text, small text) for the progress ring.

    Holds: seconds held on the side being worked against the per-side target
    (all sides together when the side is unknown); reps: reps against the target.
    """
    goal = getattr(exercise, "goal", None)
    if goal is not None and goal.kind == "reps":
        reps = result.reps or 0
        return float(reps), float(goal.target), f"{reps}", f"/ {goal.target:g} reps"
    target = float(goal.target) if goal is not None else None
    sides = tuple(getattr(exercise, "sides", ()) or ())
    if sides and result.side:
        value = float(result.side_hold_s.get(result.side, 0.0))
    elif sides and target is not None:
        value = float(sum(result.side_hold_s.get(s, 0.0) for s in sides))
        target = target * len(sides)
    else:
        value = float(result.hold_s)
    small = f"/ {target:g} s" if target else "s held"
    return value, target, f"{int(value)}", small


def draw_progress_ring(image: np.ndarray, value: float, target: float | None, big: str, small: str,
                       running: bool = False, sides: dict[str, float] | None = None,
                       side_target: float | None = None, current_side: str | None = None) -> np.ndarray:
    """Top right: a ring filling toward the target with the count inside it.

    The arc is green while the clock runs, white while it is paused. ``sides``
    (side -> seconds) adds one line per side under the ring.
    """
    st = style_for(image)
    h, w = image.shape[:2]
    radius = st.px(62)
    ring = st.px(12)
    cx, cy = w - st.margin - radius - ring, st.margin + radius + ring
    shade_disc(image, cx, cy, radius + ring, alpha=0.6)
    cv2.circle(image, (cx, cy), radius, (90, 90, 90), ring, cv2.LINE_AA)
    frac = min(1.0, value / target) if target else 0.0
    done = target is not None and value >= target
    arc_color = GREEN if (running or done) else WHITE
    if frac > 0:
        cv2.ellipse(image, (cx, cy), (radius, radius), -90.0, 0.0, 360.0 * frac, arc_color, ring, cv2.LINE_AA)
    scale, tk = st.font(1.6), st.px(3)
    (tw, th), _ = text_size(big, scale, tk)
    cv2.putText(image, big, (cx - tw // 2, cy + th // 2 - st.px(8)), FONT, scale, WHITE, tk, cv2.LINE_AA)
    small = "done" if done else small
    sscale, stk = st.font(0.6), st.px(1)
    (sw, sh), _ = text_size(small, sscale, stk)
    cv2.putText(image, small, (cx - sw // 2, cy + th // 2 + sh + st.px(6)), FONT, sscale, WHITE, stk,
                cv2.LINE_AA)
    if sides:
        y = cy + radius + ring + st.px(8)
        for side, seconds in sides.items():
            mark = "> " if side == current_side else "  "
            goal = f"/{side_target:g}" if side_target else ""
            color = GREEN if side_target and seconds >= side_target else WHITE
            box = text_box(image, f"{mark}{side} {seconds:.0f}{goal} s", (w - st.margin, y), st.small_scale,
                           st.px(2), color=color, pad=st.px(6), anchor="tr")
            y = box[3] + st.px(4)
    return image


def draw_overlay(image: np.ndarray, result: FrameResult, exercise=None, fps: float | None = None,
                 mirror: bool = False) -> np.ndarray:
    """Everything for one frame, drawn into ``image`` (flipped first when ``mirror``)."""
    if mirror:
        cv2.flip(image, 1, dst=image)
    results = result.assessment.results
    if result.pose is not None:
        draw_skeleton(image, result.pose, results, mirror=mirror, exercise=exercise)
        box = cue_box(image, result.cue)
        draw_angle_arcs(image, result.pose, results, exercise=exercise, mirror=mirror,
                        avoid=[box] if box else ())
    goal = getattr(exercise, "goal", None)
    banner = None
    if result.state is State.CORRECT and goal is not None and goal.kind == "reps":
        banner = "GOOD FORM"
    draw_banner(image, result.state, title=getattr(exercise, "title", "") or (result.exercise or ""),
                side=result.side, text=banner, fps=fps, in_position=result.in_position)
    value, target, big, small = hold_progress(result, exercise)
    sides = None
    if exercise is not None and exercise.has_sides and (goal is None or goal.kind == "hold"):
        sides = {s: result.side_hold_s.get(s, 0.0) for s in exercise.sides}
    draw_progress_ring(image, value, target, big, small, running=result.state is State.CORRECT, sides=sides,
                       side_target=goal.target if goal is not None else None, current_side=result.side)
    draw_cue(image, result.cue)
    return image
