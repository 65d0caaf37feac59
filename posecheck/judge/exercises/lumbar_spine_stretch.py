"""Seated spinal twist: sit on the floor, bend one knee, turn the upper body toward it.

One leg is bent with its foot on the floor (beside or over the other leg); the
upper body turns toward the bent knee and the opposite arm holds that knee.
The working side is the side of the bent knee, which is the side the trunk
turns toward: the higher of the two knees (the bent knee points up), or, when
the knees are level, the more bent one. A knee the model puts outside the
picture (a photo cropped at the knee) is not compared: the seen one is taken,
since the knee rules could not judge the other anyway.

The opposite arm holds the knee; since the model often swaps the legs' sides
when they cross, the rule accepts either arm at the knee.

The camera view: a front view is asked for, but most people (and most photos
of this stretch) show the legs from the side with the chest turned toward the
camera, so the rules work in both. The twist itself is a rotation about the
trunk, which a 2D image only shows indirectly (a chest square to the camera can
be turned against a pelvis seen at an angle, and a head turned over the
shoulder moves the nose as far as a turned chest does), so it is measured in
MediaPipe's world landmarks (3D): the rotation of the ear line (the head)
against the hip line (the pelvis), projected across the trunk
(``world_line_rotation``), whatever the camera's azimuth. The head's line is
used, not the shoulders': the head turns with the trunk and the neck adds to
it, and the shoulders' depth is what the world landmarks get worst in this
pose (arms wrapped round the knee, one shoulder hidden): on the labelled photos
the shoulder line's turn of square chests (0-21 degrees) overlaps that of good
twists (4-47), and a half-untwisted trunk (the chest still 25-30 degrees round,
the head come back to the front) still reads as a twist. The turn counts in
either direction: the side is told by the knee, which the model often swaps
when the legs cross.

The head against the pelvis misses two good twists: the head looking back over
the other shoulder (the chest turned one way, the head the other, so the head
ends up near square to the hips) and the face kept to the camera over a turned
chest. Both show as the head turned against the chest the other way, so the
twist is the larger of the head's turn against the pelvis and the head's turn
against the chest. Someone square gets the same figure from both (the chest
over the hips), and the half-untwisted trunk above (chest and head turned the
same way, the head less) still does not read as a twist, so the shoulders'
poor depth only adds where the head and the chest turn apart. On the labelled
photos this accepts the two looking back over the other shoulder and the one
facing the camera, and rejects the same faults as before. Someone square who
only turns the head far enough passes; a twist with the head turned exactly
as far as the chest, both little against the hips, is missed.

Without world landmarks (a pose with no depth) two 2D cues stand in, the
stronger counting:

* the head turning with the shoulders: the nose moves sideways off the middle
  of the shoulders (what a front view shows);
* the shoulders looking wide while the hips look narrow: the chest turned
  toward the camera while the pelvis is seen edge-on (what a side view of the
  legs shows). Square shoulders over square hips give a shoulder/hip width
  ratio of about 1.7 with MediaPipe's landmarks.

Both are turned into an angle-like figure in degrees so one range applies.
Sitting on the floor, the trunk upright and a bent knee are gates: they keep
chair twists (the feet a shin's length below the hips), standing and lying
poses out.
"""

from __future__ import annotations

import math

from posecheck.core import geometry as g
from posecheck.core.features import Body, lm, world_line_rotation
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.judge.exercises.base import MIN_VISIBILITY, Exercise, Goal, Rule, register

# Sideways nose offset (in torso lengths) of a head turned fully to the side.
HEAD_TURN_FULL = 0.30
# Shoulder width / hip width of square shoulders over square hips.
SQUARE_SHOULDER_HIP_RATIO = 1.7
# Knees closer in height than this (torso lengths) are "level": the more bent one is the working knee.
LEVEL_KNEES = 0.10
# The coded start of the twist range; `posecheck calibrate` fits it to the labelled photos.
TWIST_MIN_DEG = 28.0
# No upper bound: the head over the shoulder of a deep twist is turned 90 degrees or more against the hips.
TWIST_MAX_DEG = 180.0


def _torso(body: Body) -> float:
    return body.features["torso_length_px"]


def working_side(body: Body) -> str:
    """The side of the bent knee: the higher knee, or the more bent one when they are level.

    A knee the model places outside the picture (or cannot see) is not compared: when only one
    knee is seen, that is the working one (the knee rules could not judge the other).
    """
    seen = [s for s in ("left", "right") if body.trusted(lm(s, "KNEE"), MIN_VISIBILITY)]
    if len(seen) == 1:
        return seen[0]
    px = body.px
    dy = g.safe_ratio(px[L.RIGHT_KNEE][1] - px[L.LEFT_KNEE][1], _torso(body))  # > 0: left knee higher
    if math.isfinite(dy) and abs(dy) >= LEVEL_KNEES:
        return "left" if dy > 0 else "right"
    left, right = body.features["knee_angle_left"], body.features["knee_angle_right"]
    if math.isfinite(left) and math.isfinite(right):
        return "left" if left <= right else "right"
    return "left" if dy >= 0 else "right"


# Seated with the legs bent or crossed, one foot is often hidden under the other
# leg and the model gives it a low visibility. The sitting gate and the bent-knee
# rule read the feet that are seen at least this well (for sitting, one is enough).
FOOT_MIN_VISIBILITY = 0.3


def _feet_below_hips(body: Body) -> list[float]:
    """How far each seen ankle is below mid-hip, in torso lengths."""
    px = body.px
    mid_hip = g.midpoint(px[L.LEFT_HIP], px[L.RIGHT_HIP])
    return [g.safe_ratio(px[i][1] - mid_hip[1], _torso(body))
            for i in (L.LEFT_ANKLE, L.RIGHT_ANKLE) if body.trusted(i, FOOT_MIN_VISIBILITY)]


def higher_foot_below_hips(body: Body, side: str) -> float:
    """How far the higher seen ankle is below mid-hip: about 0 for a foot on the floor by the hips."""
    drops = _feet_below_hips(body)
    return min(drops) if drops else math.nan


def lower_foot_below_hips(body: Body, side: str) -> float:
    """How far the lower seen ankle is below mid-hip: over a torso and a half when standing."""
    drops = _feet_below_hips(body)
    return max(drops) if drops else math.nan


def knee_bend(body: Body, side: str) -> float:
    """Hip-knee-ankle angle of the working leg (deg); its foot only needs to be seen a little."""
    if not body.trusted(lm(side, "ANKLE"), FOOT_MIN_VISIBILITY):
        return math.nan
    return body.features[f"knee_angle_{side}"]


def _head_turn_deg(body: Body) -> float:
    px = body.px
    mid_shoulder = g.midpoint(px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER])
    offset = g.safe_ratio(abs(px[L.NOSE][0] - mid_shoulder[0]), _torso(body))
    if not math.isfinite(offset):
        return math.nan
    return math.degrees(math.asin(min(1.0, offset / HEAD_TURN_FULL)))


def _open_shoulders_deg(body: Body) -> float:
    ratio = body.features["shoulder_hip_width_ratio"]
    if not math.isfinite(ratio) or ratio <= 0:
        return math.nan
    return math.degrees(math.acos(min(1.0, SQUARE_SHOULDER_HIP_RATIO / ratio)))


def _world_twist_deg(body: Body) -> float:
    """How far the head and the trunk are turned apart in 3D (deg, either way; see the module notes):
    the head's turn against the pelvis, or against the chest where that is the larger."""
    against_hips = abs(world_line_rotation(body, L.LEFT_EAR, L.RIGHT_EAR))
    against_chest = abs(world_line_rotation(body, L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    if not (math.isfinite(against_hips) and math.isfinite(against_chest)):
        return math.nan
    return max(against_hips, against_chest)


def twist(body: Body, side: str) -> float:
    """How far the upper body is turned (deg): the head's turn against the pelvis or the chest in 3D,
    the larger; without world landmarks, the stronger of two 2D cues, the head turn off the
    shoulders' middle and the shoulders' width against the hips' (see the module notes)."""
    turned = _world_twist_deg(body)
    if math.isfinite(turned):
        return turned
    cues = [c for c in (_head_turn_deg(body), _open_shoulders_deg(body)) if math.isfinite(c)]
    return max(cues) if cues else math.nan


def hand_at_knee(body: Body, side: str) -> float:
    """Distance from the bent knee to the nearest hand or elbow, in torso lengths.

    Either arm counts: the opposite arm should hold the knee, but when the legs
    cross the model often swaps their sides, so which arm it is cannot be told
    reliably.
    """
    knee = body.px[lm(side, "KNEE")]
    points = [body.px[lm(s, p)] for s in ("left", "right") for p in ("WRIST", "ELBOW")]
    return g.safe_ratio(min(g.distance(p, knee) for p in points), _torso(body))


def _face_seen(body: Body) -> bool:
    """Front or side views both work, but not from behind: the head-turn cue needs the face."""
    return body.trusted(L.NOSE) and (body.trusted(L.LEFT_EYE) or body.trusted(L.RIGHT_EYE))


LUMBAR_SPINE_STRETCH = register(Exercise(
    id="lumbar_spine_stretch",
    title="Seated spinal twist",
    instructions=("Sit on the floor, one leg straight, bend the other knee and put that foot on the floor by "
                  "the straight leg. Sit tall, turn your upper body toward the bent knee and hold the knee "
                  "with the opposite arm. Hold, then switch sides."),
    view="front",
    sides=("left", "right"),
    choose_side=working_side,
    goal=Goal("hold", 20.0),
    view_ok=_face_seen,  # front or side view both work (see the module notes), not from behind
    view_cue="Turn so the camera sees your face and chest",
    rules=(
        Rule(
            name="sitting",
            description=("how far the lower ankle is below the hips, in torso lengths: sitting, not standing "
                         "(a leg stretched toward the camera reaches about 1.1)"),
            unit="torso",
            measure=lower_foot_below_hips,
            low=-math.inf, high=1.25,
            cue_low="", cue_high="Sit down on the floor",
            landmarks=("LEFT_HIP", "RIGHT_HIP"),  # the ankles are checked by the measure itself
            joint="{side}_HIP",
            gate=True,
        ),
        Rule(
            name="foot_by_hips",
            description=("how far the higher ankle is below the hips, in torso lengths: sitting on the floor "
                         "with a foot down by the hips (on a chair the feet are a shin's length lower)"),
            unit="torso",
            measure=higher_foot_below_hips,
            low=-0.4, high=0.6,
            cue_low="Put your feet down on the floor",
            cue_high="Sit on the floor, not on a chair, with one foot by the other leg",
            landmarks=("LEFT_HIP", "RIGHT_HIP"),  # the ankles are checked by the measure itself
            joint="{side}_HIP",
            gate=True,
        ),
        Rule(
            name="upright",
            description="trunk (hips->shoulders) angle from vertical: sitting up tall",
            measure="trunk_from_vertical",
            low=0.0, high=22.0,
            cue_low="", cue_high="Sit up tall",
            landmarks=("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
            joint="{side}_HIP",
            gate=True,
        ),
        Rule(
            name="knee_bent",
            description="hip-knee-ankle angle of the working leg: the knee bent, foot on the floor",
            measure=knee_bend,
            low=0.0, high=135.0,
            cue_low="", cue_high="Bend one knee and put that foot on the floor",
            landmarks=("{side}_HIP", "{side}_KNEE"),  # the ankle is checked by the measure itself
            joint="{side}_KNEE",
            gate=True,
        ),
        Rule(
            name="twist",
            description=("turn of the upper body (deg): the head's (ear line's) rotation against the hips "
                         "or against the shoulders in 3D, the larger, either way; without depth a 2D proxy"),
            measure=twist,
            low=TWIST_MIN_DEG, high=TWIST_MAX_DEG,
            cue_low="Turn your chest and shoulders further toward the bent knee",
            cue_high="",
            # The lines the 3D turn is read from; the nose of the 2D head-turn cue is checked by view_ok.
            landmarks=("LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
            joint="{side}_SHOULDER",
        ),
        Rule(
            name="hold_knee",
            description="distance from the bent knee to the nearest hand or elbow, in torso lengths: holding the knee",
            unit="torso",
            measure=hand_at_knee,
            low=0.0, high=0.8,
            cue_low="", cue_high="Hold the bent knee with your opposite arm",
            landmarks=("{side}_KNEE",),
            joint="{side}_KNEE",
        ),
    ),
))
