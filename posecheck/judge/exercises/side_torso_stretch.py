"""Standing side stretch: stand tall, reach one arm over the head and bend the trunk sideways.

Seen from the front or obliquely (up to about 45 degrees off the front). The
working side is the direction of the bend, in the person's own terms
(MediaPipe's left/right): the trunk (mid-hip -> mid-shoulder) leans toward that
side, and the arm of the other side reaches over the head. The bend is measured
in MediaPipe's world landmarks (3D), in the pelvis' frontal plane: a 2D lean
shrinks as the camera turns off the front (on the synthetic actor's 26 degree
bend, to 12-14 degrees 60 degrees off the front, at the rule's bound), and a
lean forward starts to look sideways, while the 3D lateral flexion reads about
the same from the front and obliquely. Which way the person's own left lies in
the image (for the hips' shift, in 2D) is read from the hips (the left hip is
on the image right when the person faces the camera, on the left when the image
is mirrored or they face away), so it works mirrored too.

Standing is checked by gates (hips high above the feet, feet under the hips,
legs straight), which keep lunging side bends (extended side angle), wide
stances (triangle) and one-legged poses (tree, half moon) out. The bend must be
clear but not a deep fold to the floor; the hips stay over the feet.
"""

from __future__ import annotations

import math

from posecheck.core import geometry as g
from posecheck.core.features import Body, lm, world_lateral_flexion
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.judge.exercises.base import Exercise, Goal, Rule, register
from posecheck.judge.exercises.views import FrontView

OTHER = {"left": "right", "right": "left"}
# Below this lean the bend has no clear direction; the side then follows the raised arm.
MIN_BEND_FOR_SIDE_DEG = 5.0


def _torso(body: Body) -> float:
    return body.features["torso_length_px"]


def bend_toward(body: Body, side: str) -> float:
    """Lateral flexion of the trunk (deg, 3D, in the pelvis' frontal plane), positive toward ``side``."""
    toward_left = world_lateral_flexion(body)
    return toward_left if side == "left" else -toward_left


# Standing tall with an arm overhead fills the frame: the feet and the raised hand
# often sit at its edges, where the model gives them a visibility just under 0.5
# while their position is still right. These rules read the feet and the reaching
# hand from this visibility (and a little past the frame's edge) instead of 0.5.
EDGE_MIN_VISIBILITY = 0.3
EDGE_MARGIN = 0.08


def _seen(body: Body, index: int) -> bool:
    w, h = body.image_wh
    x, y = body.px[index]
    return bool(body.visibility[index] >= EDGE_MIN_VISIBILITY and math.isfinite(x) and math.isfinite(y)
                and -EDGE_MARGIN <= x / w <= 1 + EDGE_MARGIN and -EDGE_MARGIN <= y / h <= 1 + EDGE_MARGIN)


def _seen_ankles(body: Body) -> list[int]:
    return [i for i in (L.LEFT_ANKLE, L.RIGHT_ANKLE) if _seen(body, i)]


def reach_height(body: Body, side: str) -> float:
    """How far the reaching wrist (the arm opposite the bend) is above the nose, in torso lengths.

    The rule's landmark list can only name the working side, so this wrist's
    trust is checked here (NaN, hence uncertain, when it is not seen).
    """
    index = lm(OTHER[side], "WRIST")
    if not _seen(body, index):
        return math.nan
    return g.safe_ratio(body.px[L.NOSE][1] - body.px[index][1], _torso(body))


def hips_above_feet(body: Body, side: str) -> float:
    """Height of mid-hip above the lower seen ankle, in torso lengths."""
    ankles = _seen_ankles(body)
    if not ankles:
        return math.nan
    mid_hip = g.midpoint(body.px[L.LEFT_HIP], body.px[L.RIGHT_HIP])
    return g.safe_ratio(max(body.px[i][1] for i in ankles) - mid_hip[1], _torso(body))


def straighter_knee_bend(body: Body, side: str) -> float:
    """The more bent knee's hip-knee-ankle angle (deg) over the legs whose ankle is seen: 180 = straight."""
    angles = [body.features[f"knee_angle_{s}"] for s, i in (("left", L.LEFT_ANKLE), ("right", L.RIGHT_ANKLE))
              if i in _seen_ankles(body)]
    return min(angles) if angles else math.nan


def _left_is_image_right(body: Body) -> bool:
    """Whether the person's own left side appears on the image right (facing the camera, unmirrored)."""
    px = body.px
    dx = (px[L.LEFT_HIP][0] - px[L.RIGHT_HIP][0]) + 0.5 * (px[L.LEFT_SHOULDER][0] - px[L.RIGHT_SHOULDER][0])
    return bool(dx >= 0)


def hip_shift(body: Body, side: str) -> float:
    """Sideways offset of mid-hip from the seen feet in torso lengths, positive away from the bend.

    In 2D: a sideways shift stays sideways in the image from the front and
    obliquely, and the 3D one (the world hips against the world feet) was the
    noisier on the synthetic actor seen 45 degrees off the front.
    """
    ankles = _seen_ankles(body)
    if not ankles:
        return math.nan
    mid_hip = g.midpoint(body.px[L.LEFT_HIP], body.px[L.RIGHT_HIP])
    feet_x = sum(body.px[i][0] for i in ankles) / len(ankles)
    dx = g.safe_ratio(mid_hip[0] - feet_x, _torso(body))
    toward_left = dx if _left_is_image_right(body) else -dx
    return -toward_left if side == "left" else toward_left


def working_side(body: Body) -> str:
    """The direction of the bend; with no clear bend, the side opposite the higher wrist."""
    toward_left = bend_toward(body, "left")
    if math.isfinite(toward_left) and abs(toward_left) >= MIN_BEND_FOR_SIDE_DEG:
        return "left" if toward_left > 0 else "right"
    left_wrist_y, right_wrist_y = body.px[L.LEFT_WRIST][1], body.px[L.RIGHT_WRIST][1]
    return "right" if left_wrist_y <= right_wrist_y else "left"


# From the front the shoulders look wide against the torso (at least this share of its
# length); from the side they overlap. The bend is measured in 3D, so the view only has
# to show the shoulders' line: up to about 45 degrees off the front it does.
FRONT_VIEW_SHOULDER_RATIO = 0.4


SIDE_TORSO_STRETCH = register(Exercise(
    id="side_torso_stretch",
    title="Standing side stretch",
    instructions=("Stand tall with your feet hip-width apart. Reach one arm up over your head and bend your "
                  "upper body sideways, away from that arm. Keep your hips over your feet. Hold, then switch."),
    view="front",
    sides=("left", "right"),
    choose_side=working_side,
    goal=Goal("hold", 20.0),
    view_ok=FrontView(FRONT_VIEW_SHOULDER_RATIO),
    view_cue="Face the camera",
    # The views the synthetic view matrix passes at floor and table height: the front and 30 degrees
    # off it toward the bending side (``side+60``). From the side the bend is out of sight.
    views=("front", "side+60"),
    rules=(
        Rule(
            name="standing",
            description="how far the hips are above the lower ankle, in torso lengths: standing up",
            unit="torso",
            measure=hips_above_feet,
            low=1.2, high=math.inf,
            cue_low="Stand up tall", cue_high="",
            landmarks=("LEFT_HIP", "RIGHT_HIP"),  # the ankles are checked by the measure itself
            joint="{side}_HIP",
            gate=True,
        ),
        Rule(
            name="feet_under_hips",
            description="distance between the knees in torso lengths: legs under the hips, not a wide stance",
            unit="torso",
            measure="knees_apart_ratio",
            low=0.0, high=0.7,
            cue_low="", cue_high="Bring your feet closer together, under your hips",
            landmarks=("LEFT_KNEE", "RIGHT_KNEE"),
            joint="{side}_KNEE",
            gate=True,
        ),
        Rule(
            name="legs_straight",
            description="the more bent knee's hip-knee-ankle angle: both legs straight, both feet down",
            measure=straighter_knee_bend,
            low=150.0, high=180.0,
            cue_low="Straighten your legs and stand on both feet", cue_high="",
            landmarks=("LEFT_HIP", "LEFT_KNEE", "RIGHT_HIP", "RIGHT_KNEE"),  # ankles: in the measure
            joint="{side}_KNEE",
            gate=True,
        ),
        Rule(
            name="side_bend",
            description=("sideways bend of the trunk (hips->shoulders) toward the working side, deg from vertical "
                         "(3D lateral flexion)"),
            measure=bend_toward,
            low=12.0, high=45.0,
            cue_low="Bend your upper body further to the side",
            cue_high="Don't bend so far, come up a little",
            landmarks=("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
            joint="{side}_HIP",
        ),
        Rule(
            name="arm_overhead",
            description="height of the other arm's wrist above the nose, in torso lengths: reaching over the head",
            unit="torso",
            measure=reach_height,
            low=0.0, high=math.inf,
            cue_low="Reach your other arm up over your head", cue_high="",
            landmarks=("NOSE",),  # the reaching wrist is checked by the measure itself
            joint=None,
        ),
        Rule(
            name="hips_over_feet",
            description="sideways shift of the hips from the feet, away from the bend, in torso lengths",
            unit="torso",
            measure=hip_shift,
            low=-0.25, high=0.35,
            cue_low="Keep your hips centred over your feet",
            cue_high="Don't push your hips out to the side, keep them over your feet",
            landmarks=("LEFT_HIP", "RIGHT_HIP"),  # the ankles are checked by the measure itself
            joint="{side}_HIP",
        ),
    ),
))
