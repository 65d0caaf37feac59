"""Bridge: lying on the back, knees bent, feet flat, hips lifted.

Seen from the side; every rule reads the camera's near side, whose landmarks
MediaPipe places best (the far side is partly hidden). The hips are lifted when
shoulder, hip and knee are close to a straight line; the angle is unfolded past
180 when the hips rise above that line, so over-arching is told apart from
sagging. Measured on the real photos: held bridges span 160-226 deg (yoga
bridges arch more than a physio's bridge), knees 48-93 deg; a wheel is ~250.

Seen from the feet (front or oblique: the shoulder line shows, at least half the
torso length wide), the shoulder-ankle line no longer marks the floor: the
hips rise in the image toward the knees instead, so the hip height is read
against the shoulders, which stay on the floor. The trunk is foreshortened from
the feet, so the length unit is taken from the shoulder width (a torso seen
square on is 1.4-1.7 shoulder widths; the low end is used). In that view MediaPipe can tangle the
legs (one knee placed on the hip), so when the near side's thigh is less than
0.6 of the other's the rules read the other side.

The hips' height above the shoulder-ankle line is read in 3D on MediaPipe's
world landmarks when there are any (``hips_above_floor_world``): the image
height foreshortens 30 degrees off the side, and from a table's height the
shoulder line widens past the feet-view threshold. The views judged (``views``)
are those the synthetic view matrix passes at 95%.

Bridges done as repetitions: the hold clock runs while the rules pass, so the
rise and the lowering (hip_lift below 155 deg) are not hold time; on the six
labelled clips the counted spans start within 0.2 s of the labelled ones and
end 0.0-0.4 s after them.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core import geometry as g
from posecheck.core.features import Body, lm
from posecheck.judge.exercises.base import Exercise, Goal, Rule, register
from posecheck.judge.exercises.views import seen_from_front, view_measured


def shoulders_below_hips(body: Body, side: str) -> float:
    """Degrees the hip->shoulder line falls below the horizontal (negative: shoulders higher).

    Lying with the hips lifted it is 10-60; lying flat about 0; sitting, kneeling
    or on all fours the shoulders are higher than the hips and it is negative.
    """
    return -g.rise_from_horizontal(body.point(lm(side, "HIP")), body.point(lm(side, "SHOULDER")))


# At or above this shoulder width (in torso lengths) the camera sees the person from the feet.
FRONT_VIEW_SHOULDER_RATIO = 0.5
# A square-on torso is 1.4-1.7 shoulder widths long (shoulder landmarks, shoulder to hip; standing
# front-view photos); the low end, so that a low lift from the feet is not missed.
TORSO_PER_SHOULDER_WIDTH = 1.4
# The near side's thigh shorter than this share of the other's: the near leg is tangled.
TANGLED_THIGH_SHARE = 0.6


def is_front_view(body: Body) -> bool:
    """Seen from the feet, squarely or obliquely: the shoulder line shows."""
    return seen_from_front(body, FRONT_VIEW_SHOULDER_RATIO)


def bridge_side(body: Body) -> str:
    """The side the rules read: the camera's near side, unless seen from the feet its thigh
    is implausibly short against the other (MediaPipe tangled the legs)."""
    near = body.near_side
    if not is_front_view(body):
        return near
    far = "right" if near == "left" else "left"
    thigh = {s: g.distance(body.point(lm(s, "HIP")), body.point(lm(s, "KNEE"))) for s in (near, far)}
    if thigh[near] < TANGLED_THIGH_SHARE * thigh[far]:
        return far
    return near


def hips_above_shoulders(body: Body) -> float:
    """Seen from the feet: the mid-hip's image height above the mid-shoulder, in torso lengths
    estimated from the shoulder width (0.2-0.7 held, -0.1 to -0.6 with the hips down)."""
    px = body.px
    shoulders = (px[lm("left", "SHOULDER")] + px[lm("right", "SHOULDER")]) / 2
    hips = (px[lm("left", "HIP")] + px[lm("right", "HIP")]) / 2
    width = g.distance(px[lm("left", "SHOULDER")], px[lm("right", "SHOULDER")])
    if not (np.all(np.isfinite(shoulders)) and np.all(np.isfinite(hips))) or not width > 0:
        return math.nan
    return float(shoulders[1] - hips[1]) / (TORSO_PER_SHOULDER_WIDTH * width)


def hips_above_floor(body: Body, side: str) -> float:
    """Height of the hip above the shoulder-ankle line (the floor), in torso lengths.

    Shoulders and feet rest on the floor in a bridge, so this is how far the hips
    are lifted: 0.3-0.6 held, about 0.0-0.1 lying flat (also with the knees dropped
    to one side, where the 2D shoulder-hip-knee angle alone can look like a bridge).
    Seen from the feet: ``hips_above_shoulders``.
    """
    world = hips_above_floor_world(body, side)
    if math.isfinite(world):
        return world
    if is_front_view(body):
        return hips_above_shoulders(body)
    s, h, a = (body.point(lm(side, stem)) for stem in ("SHOULDER", "HIP", "ANKLE"))
    return g.safe_ratio(g.height_above_line(h, s, a), body.features["torso_length_px"])


def hips_above_floor_world(body: Body, side: str) -> float:
    """``hips_above_floor`` in 3D on the world landmarks (NaN without them): the same from any view.

    In the image the lift foreshortens off the side: the actor's held bridge
    (hips 0.3 torso lengths up from the side) reads 0.17 seen 30 degrees toward
    the feet, and from a table's height the shoulder line widens past the
    feet-view threshold, where the feet-view formula reads it as hips down.
    """
    if body.world is None:
        return math.nan
    w = body.world
    s, h, a = (w[lm(side, stem)] for stem in ("SHOULDER", "HIP", "ANKLE"))
    torso = float(np.linalg.norm((w[lm("left", "SHOULDER")] + w[lm("right", "SHOULDER")]
                                  - w[lm("left", "HIP")] - w[lm("right", "HIP")]) / 2))
    if not np.isfinite(torso) or torso < 1e-4:
        return math.nan
    return g.height_above_line_3d(h, s, a) / torso


def shin_from_vertical(body: Body, side: str) -> float:
    """0 when the knee is straight above the ankle (feet flat, knees up), 90 with the shin on the floor."""
    return g.inclination_from_vertical(body.point(lm(side, "ANKLE")), body.point(lm(side, "KNEE")))


BRIDGE = register(Exercise(
    id="bridge",
    title="Bridge",
    instructions="Lie on your back, knees bent, feet flat. Lift your hips until shoulders, hips and knees line up.",
    view="side",
    views=("side", "side+30", "side-30"),
    goal=Goal("hold", 20.0),
    choose_side=bridge_side,
    view_ok=view_measured,  # side or from the feet: the view must be told, either works
    view_cue="Turn so the camera sees you from the side",
    description="Hook lying seen from the side (or from the feet); the hips rise until shoulder, hip "
                "and knee line up.",
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
            description="hip height above the shoulder-ankle line (the floor), in torso lengths; "
                        "seen from the feet, above the shoulders",
            measure=hips_above_floor,
            # In 3D (world landmarks): held bridges read 0.28-0.76 on the 37 strict-correct photos and
            # 0.17-0.37 on the actor (side and +-30, floor and table height), lying flat -0.07-0.06;
            # the low end sits between. A sagging bridge is the hip_lift rule's to catch.
            low=0.12, high=2.0,
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
