"""Standing forward bend: feet together, knees soft, the upper body folds forward from the hips.

Seen from the side; the rules read the side that faces the camera. The fold is
the trunk's angle from vertical (0 upright, 90 level, up to 180 hanging
straight down), so any fold from a level trunk to head-at-the-knees is accepted
while a shallow bow is not. In the fold the neck relaxes and the head hangs
toward the legs; a flat-back half lift (trunk about level, head up looking
forward) is a different move and is not counted. Standing is checked by gates:
the hips over the feet (this rejects seated folds and downward dog) and the
feet together (this rejects a split-stance pyramid). The knees may be soft but
not squatting, and the hands hang low, near the feet (in downward dog they are
planted far ahead).
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core import geometry as g
from posecheck.core.features import Body, lm
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.judge.exercises.base import Exercise, Goal, Rule, register
from posecheck.judge.exercises.views import SideView

FOLD_MIN_DEG = 60.0
DEEP_FOLD_DEG = 120.0


def _torso(body: Body) -> float:
    return body.features["torso_length_px"]


def leg_from_vertical(body: Body, side: str) -> float:
    """Ankle->hip direction from straight up (deg): 0 = hips right over the feet."""
    return g.inclination_from_vertical(body.px[lm(side, "ANKLE")], body.px[lm(side, "HIP")])


def feet_apart(body: Body, side: str) -> float:
    """Distance between the two ankles, in torso lengths (0 when they overlap from the side)."""
    return g.safe_ratio(g.distance(body.px[L.LEFT_ANKLE], body.px[L.RIGHT_ANKLE]), _torso(body))


# In a deep fold the hands often hang behind the shins, and the model then gives
# them a low visibility although its guess stays beside the legs. The hand rules
# read the better-seen wrist and accept it from this visibility (instead of the
# usual 0.5); a hand the model barely guesses at makes the rule uncertain.
HAND_MIN_VISIBILITY = 0.2


def _hand(body: Body) -> np.ndarray | None:
    best = max((L.LEFT_WRIST, L.RIGHT_WRIST), key=lambda i: body.visibility[i])
    if not body.trusted(best, HAND_MIN_VISIBILITY):
        return None
    return body.px[best]


def hands_below_hips(body: Body, side: str) -> float:
    """How far the better-seen wrist hangs below the hip, in torso lengths (negative: above)."""
    hand = _hand(body)
    if hand is None:
        return math.nan
    return g.safe_ratio(hand[1] - body.px[lm(side, "HIP")][1], _torso(body))


def hands_to_feet(body: Body, side: str) -> float:
    """Distance from the better-seen wrist to the ankle, in torso lengths."""
    hand = _hand(body)
    if hand is None:
        return math.nan
    return g.safe_ratio(g.distance(hand, body.px[lm(side, "ANKLE")]), _torso(body))


def head_toward_legs(body: Body, side: str) -> float:
    """Angle (deg) of shoulder->nose from the hip->shoulder line, positive toward the legs' side.

    A relaxed fold lets the head hang toward the legs (positive); a flat-back half
    lift keeps it in line with the back or lifted to look forward (zero or
    negative). Past ``DEEP_FOLD_DEG`` the head hangs below the hips whatever the
    neck does, so there it reads at least 0.
    """
    shoulder, hip, knee = (body.px[lm(side, s)] for s in ("SHOULDER", "HIP", "KNEE"))
    nose = body.px[L.NOSE]
    back = shoulder - hip
    v = nose - shoulder
    if not (np.all(np.isfinite(back)) and np.all(np.isfinite(v)) and np.all(np.isfinite(knee))):
        return math.nan
    legs_side = np.sign(back[0] * (knee - hip)[1] - back[1] * (knee - hip)[0]) or 1.0
    cross = back[0] * v[1] - back[1] * v[0]
    angle = math.degrees(math.atan2(cross * legs_side, float(v @ back)))
    if body.features["trunk_from_vertical"] >= DEEP_FOLD_DEG:
        angle = max(angle, 0.0)
    return angle


# From the side the shoulders overlap (narrower than this share of the torso length); from
# the front a fold foreshortens the torso, so the shoulders look wide against it.
SIDE_VIEW_SHOULDER_RATIO = 0.6


FORWARD_BEND = register(Exercise(
    id="forward_bend",
    title="Standing forward bend",
    instructions=("Stand with your feet together and your knees slightly bent. Fold your upper body forward "
                  "from the hips and let your hands hang toward your feet. Breathe and hold."),
    view="side",
    goal=Goal("hold", 20.0),
    view_ok=SideView(SIDE_VIEW_SHOULDER_RATIO),
    view_cue="Turn so the camera sees you from the side",
    rules=(
        Rule(
            name="standing",
            description="ankle->hip direction from vertical: standing on the feet with the hips above them",
            measure=leg_from_vertical,
            low=0.0, high=25.0,
            cue_low="", cue_high="Stand up on your feet with your hips above them",
            landmarks=("{side}_HIP", "{side}_ANKLE"),
            joint="{side}_HIP",
            gate=True,
        ),
        Rule(
            name="feet_together",
            description="distance between the ankles in torso lengths: feet together, not in a split stance",
            unit="torso",
            measure=feet_apart,
            low=0.0, high=0.8,
            cue_low="", cue_high="Bring your feet together under your hips",
            # Only the near ankle must be seen: the far one is often hidden behind it,
            # and then the model's guess puts it beside the near one.
            landmarks=("{side}_ANKLE", "{side}_HIP"),
            joint="{side}_ANKLE",
            gate=True,
        ),
        Rule(
            name="fold",
            description="trunk (hips->shoulders) angle from vertical: folded forward from the hips",
            measure="trunk_from_vertical",
            low=FOLD_MIN_DEG, high=180.0,
            cue_low="Fold further forward from your hips", cue_high="",
            landmarks=("{side}_SHOULDER", "{side}_HIP"),
            joint="{side}_HIP",
        ),
        Rule(
            name="head_relaxed",
            description=("head angle from the line of the back, toward the legs: the neck relaxes and the "
                         "head hangs (a flat-back half lift looking forward is not the fold)"),
            measure=head_toward_legs,
            low=0.0, high=180.0,
            cue_low="Relax your neck and let your head hang down", cue_high="",
            landmarks=("NOSE", "{side}_SHOULDER", "{side}_HIP", "{side}_KNEE"),
            joint="{side}_SHOULDER",
        ),
        Rule(
            name="knees",
            description="hip-knee-ankle angle: knees straight or slightly bent, not squatting",
            measure="knee_angle_{side}",
            low=140.0, high=180.0,
            cue_low="Straighten your legs more, don't squat", cue_high="",
            landmarks=("{side}_HIP", "{side}_KNEE", "{side}_ANKLE"),
            joint="{side}_KNEE",
        ),
        Rule(
            name="hands_low",
            description="wrist height below the hip in torso lengths: the hands hang down",
            unit="torso",
            measure=hands_below_hips,
            low=0.7, high=math.inf,
            cue_low="Let your arms hang down toward the floor", cue_high="",
            landmarks=("{side}_HIP",),  # the wrist is checked by the measure itself
            joint="{side}_WRIST",
        ),
        Rule(
            name="hands_near_feet",
            description="wrist-ankle distance in torso lengths: the hands come toward the feet, not planted far ahead",
            unit="torso",
            measure=hands_to_feet,
            low=0.0, high=1.3,
            cue_low="", cue_high="Bring your hands back toward your feet",
            landmarks=("{side}_ANKLE",),  # the wrist is checked by the measure itself
            joint="{side}_WRIST",
        ),
    ),
))
