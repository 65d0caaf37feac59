"""Knee-to-chest rotation: lying on the back, knees drawn up together and dropped to one side.

Seen from the front (for a lying person: the camera at the feet, a little above)
or obliquely. The rules work in the image plane of that view, on the person's
own axes: the trunk axis (mid-hip to mid-shoulder) and the shoulder line, which
stays on the floor while the pelvis turns with the knees. The knees' direction
from the mid-hip is measured against the trunk axis: 0 with the knees up in the
middle, positive toward the person's left shoulder, negative toward the right,
near 180 with the legs stretched out.

A side view cannot show knees dropping away from the camera (they sink behind
the near leg), so it is refused with a camera cue. MediaPipe's world depth does
not help here: on the real side-view clip it did not move when the knees dropped
away from the camera.

Lying face up is told from sitting with the knees up (a seated twist looks much
the same from the front) by the face: it points at the ceiling, so seen from the
feet the nose rises above the ears. The synthetic actor's dropped knees read
42-61 deg, its fault (knees back up in the middle) 0-13 deg.
"""

from __future__ import annotations

import math

import numpy as np

from ..features import Body
from ..landmarks import PoseLandmark as L
from .base import Exercise, Goal, Rule, register

_BODY = ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE")


def _axes(body: Body) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(mid-hip, unit trunk axis toward the head, unit lateral axis toward the person's left)."""
    px = body.px
    hip = (px[L.LEFT_HIP] + px[L.RIGHT_HIP]) / 2
    trunk = (px[L.LEFT_SHOULDER] + px[L.RIGHT_SHOULDER]) / 2 - hip
    n = float(np.linalg.norm(trunk))
    if not np.isfinite(n) or n < 1e-6:
        return None
    t = trunk / n
    lateral = px[L.LEFT_SHOULDER] - px[L.RIGHT_SHOULDER]
    lateral = lateral - float(np.dot(lateral, t)) * t
    m = float(np.linalg.norm(lateral))
    if not np.isfinite(m) or m < 1e-6:
        return None
    return hip, t, lateral / m


def _direction(body: Body, point: np.ndarray) -> float:
    axes = _axes(body)
    if axes is None or not np.all(np.isfinite(point)):
        return math.nan
    hip, t, lat = axes
    d = point - hip
    return math.degrees(math.atan2(float(np.dot(d, lat)), float(np.dot(d, t))))


def knees_direction(body: Body) -> float:
    """Signed direction of the knees (their midpoint) from the mid-hip, in degrees (+ = person's left)."""
    return _direction(body, (body.px[L.LEFT_KNEE] + body.px[L.RIGHT_KNEE]) / 2)


def drop_side(body: Body) -> str:
    """The side the knees drop to, the person's own side."""
    angle = knees_direction(body)
    return "right" if angle < 0 else "left"


def knees_up(body: Body, side: str) -> float:
    """How far the knees point away from the head, ignoring the side: 0 drawn up in the middle,
    ~90 flat on the floor to one side, ~180 with the legs stretched out."""
    return abs(knees_direction(body))


def knees_dropped(body: Body, side: str) -> float:
    """How far the knees have dropped toward the working side, in degrees (negative: the other way)."""
    angle = knees_direction(body)
    return angle if side == "left" else -angle


def knees_apart(body: Body, side: str) -> float:
    """Angle between the two knees' directions from the mid-hip, in degrees: small with the knees together."""
    a = _direction(body, body.px[L.LEFT_KNEE])
    b = _direction(body, body.px[L.RIGHT_KNEE])
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.nan
    return abs((a - b + 180.0) % 360.0 - 180.0)


def face_up(body: Body, side: str) -> float:
    """How far the nose sits above the ears along the trunk axis, in ear-to-ear distances.

    Lying on the back the face points at the ceiling, so seen from the feet the
    nose tip rises above the ears (0.2-0.4 for the actor); a face turned to the
    camera while sitting or standing has the nose level with the ears or lower.
    """
    axes = _axes(body)
    px = body.px
    ears = (px[L.LEFT_EAR] + px[L.RIGHT_EAR]) / 2
    width = float(np.linalg.norm(px[L.LEFT_EAR] - px[L.RIGHT_EAR]))
    if axes is None or not np.isfinite(width) or width < 1e-6:
        return math.nan
    return float(np.dot(px[L.NOSE] - ears, axes[1])) / width


def front_view(body: Body) -> bool:
    """Seen from the feet, the head or obliquely the shoulder line shows; from the side it collapses."""
    ratio = body.features["shoulder_width_ratio"]
    return not ratio == ratio or ratio >= 0.3


KNEE_TO_CHEST_ROTATION = register(Exercise(
    id="knee_to_chest_rotation",
    title="Knee-to-chest rotation",
    instructions=("Lie on your back with your knees bent. Draw your knees toward your chest, then let "
                  "them drop together to one side while your shoulders stay on the floor. Switch sides."),
    view="front",
    goal=Goal("hold", 20.0),
    sides=("left", "right"),
    choose_side=drop_side,
    view_ok=front_view,
    view_cue="Place the camera at your feet, facing you",
    description="Supine lower-trunk rotation seen from the feet; the side is where the knees drop.",
    rules=(
        Rule(
            name="face_up",
            description="lying on the back, face up: the nose above the ears along the trunk axis "
                        "(ear-to-ear distances)",
            measure=face_up,
            low=0.1, high=5.0,
            cue_low="Lie on your back, face up, with the camera at your feet", cue_high="",
            landmarks=("NOSE", "LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER",
                       "LEFT_HIP", "RIGHT_HIP"),
            unit="",
            gate=True,
        ),
        Rule(
            name="knees_up",
            description="lying with the knees drawn up: their direction from the hips against the trunk "
                        "axis, either side (degrees; ~180 with the legs stretched out)",
            measure=knees_up,
            low=0.0, high=85.0,
            cue_low="", cue_high="Lie on your back and draw your knees up toward your chest",
            landmarks=_BODY,
            gate=True,
        ),
        Rule(
            name="knees_together",
            description="angle between the two knees' directions from the hips (degrees)",
            measure=knees_apart,
            low=0.0, high=70.0,
            cue_low="", cue_high="Keep your knees together",
            landmarks=_BODY,
        ),
        Rule(
            name="knees_dropped",
            description="how far the knees drop toward the working side (degrees against the trunk axis)",
            measure=knees_dropped,
            low=25.0, high=85.0,
            cue_low="Let both knees drop to one side",
            cue_high="Keep your knees drawn up toward your chest",
            landmarks=_BODY,
            joint="{side}_KNEE",
        ),
        Rule(
            name="shoulders_down",
            description="shoulder width against the torso length: both shoulders stay on the floor",
            measure="shoulder_width_ratio",
            low=0.5, high=5.0,
            cue_low="Keep both shoulders on the floor", cue_high="",
            landmarks=("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
            unit="torso",
        ),
    ),
))
