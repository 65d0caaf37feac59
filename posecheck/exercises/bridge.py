"""Bridge: lying on the back, knees bent, feet flat, hips lifted.

Seen from the side; every rule reads the camera's near side, whose landmarks
MediaPipe places best (the far side is partly hidden). The hips are lifted when
shoulder, hip and knee are close to a straight line; the angle is unfolded past
180 when the hips rise above that line, so over-arching is told apart from
sagging. Measured on the real photos: held bridges span 160-226 deg (yoga
bridges arch more than a physio's bridge), knees 48-93 deg; a wheel is ~250.
"""

from __future__ import annotations

import math

import numpy as np

from .. import geometry as g
from ..features import Body, lm
from .base import Exercise, Goal, Rule, register


def shoulders_below_hips(body: Body, side: str) -> float:
    """Degrees the hip->shoulder line falls below the horizontal (negative: shoulders higher).

    Lying with the hips lifted it is 10-60; lying flat about 0; sitting, kneeling
    or on all fours the shoulders are higher than the hips and it is negative.
    """
    s, h = body.point(lm(side, "SHOULDER")), body.point(lm(side, "HIP"))
    dx, dy = s[0] - h[0], s[1] - h[1]  # image y grows downward
    if not (math.isfinite(dx) and math.isfinite(dy)) or dx == dy == 0:
        return math.nan
    return math.degrees(math.atan2(dy, abs(dx)))


def hips_above_floor(body: Body, side: str) -> float:
    """Height of the hip above the shoulder-ankle line (the floor), in torso lengths.

    Shoulders and feet rest on the floor in a bridge, so this is how far the hips
    are lifted: 0.3-0.6 held, about 0.0-0.1 lying flat (also with the knees dropped
    to one side, where the 2D shoulder-hip-knee angle alone can look like a bridge).
    """
    s, h, a = (body.point(lm(side, stem)) for stem in ("SHOULDER", "HIP", "ANKLE"))
    torso = body.features["torso_length_px"]
    chord = a - s
    length2 = float(np.dot(chord, chord))
    if not (np.all(np.isfinite(chord)) and np.all(np.isfinite(h))) or length2 < 1e-9 \
            or not torso > 0:
        return math.nan
    t = float(np.dot(h - s, chord)) / length2
    offset = h - (s + t * chord)
    height = float(np.hypot(*offset))
    return (height if offset[1] < 0 else -height) / torso  # image y grows downward


def shin_from_vertical(body: Body, side: str) -> float:
    """0 when the knee is straight above the ankle (feet flat, knees up), 90 with the shin on the floor."""
    return g.inclination_from_vertical(body.point(lm(side, "ANKLE")), body.point(lm(side, "KNEE")))


def side_view(body: Body) -> bool:
    """Lying seen from the side or obliquely: the shoulders overlap at least partly.

    Seen from the feet or the head the shoulder width approaches the torso length
    (and the torso shortens), and the 2D angles lose their meaning.
    """
    ratio = body.features["shoulder_width_ratio"]
    return not ratio == ratio or ratio < 0.9  # NaN: let the rules' trust checks decide


BRIDGE = register(Exercise(
    id="bridge",
    title="Bridge",
    instructions="Lie on your back, knees bent, feet flat. Lift your hips until shoulders, hips and knees line up.",
    view="side",
    goal=Goal("hold", 20.0),
    view_ok=side_view,
    view_cue="Turn so the camera sees you from the side",
    description="Hook lying seen from the side; the hips rise until shoulder, hip and knee line up.",
    rules=(
        Rule(
            name="lying",
            description="lying on the back: the shoulders are not higher than the hips "
                        "(degrees the hip-shoulder line drops below horizontal)",
            measure=shoulders_below_hips,
            low=-30.0, high=65.0,
            cue_low="Lie on your back with your knees bent",
            cue_high="Lower your hips a little, keep your shoulders on the floor",
            landmarks=("{side}_SHOULDER", "{side}_HIP"),
            gate=True,
        ),
        Rule(
            name="feet_flat",
            description="knees up above the feet, feet flat on the floor (shin angle from vertical)",
            measure=shin_from_vertical,
            low=0.0, high=60.0,
            cue_low="", cue_high="Bend your knees and put your feet flat on the floor",
            landmarks=("{side}_KNEE", "{side}_ANKLE"),
            joint="{side}_ANKLE",
            gate=True,
        ),
        Rule(
            name="hips_up",
            description="hip height above the shoulder-ankle line (the floor), in torso lengths",
            measure=hips_above_floor,
            low=0.2, high=2.0,
            cue_low="Lift your hips off the floor", cue_high="",
            landmarks=("{side}_SHOULDER", "{side}_HIP", "{side}_ANKLE"),
            joint="{side}_HIP",
            unit="torso",
        ),
        Rule(
            name="hip_lift",
            description="shoulder-hip-knee angle (180 = straight line, >180 hips above the line)",
            measure="hip_extension_{side}",
            low=155.0, high=235.0,
            cue_low="Lift your hips higher", cue_high="Lower your hips a little, don't arch your back",
            landmarks=("{side}_SHOULDER", "{side}_HIP", "{side}_KNEE"),
            joint="{side}_HIP",
        ),
        Rule(
            name="knee_bend",
            description="hip-knee-ankle angle: knees bent about 90 degrees",
            measure="knee_angle_{side}",
            low=40.0, high=125.0,
            cue_low="Move your feet a little further from your hips",
            cue_high="Bring your feet closer to your hips",
            landmarks=("{side}_HIP", "{side}_KNEE", "{side}_ANKLE"),
            joint="{side}_KNEE",
        ),
    ),
))
