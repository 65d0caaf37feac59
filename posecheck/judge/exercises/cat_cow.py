"""Cat-cow: on hands and knees, alternately round the back up (cat) and let the belly sink (cow).

Seen from the side; the gates read the side that faces the camera. The 33
landmarks have no points on the spine, so the back's curve is read from the
head: the angle of the shoulders->nose direction against the hips->shoulders
line (the line of the back), in the body's mid-plane, from MediaPipe's 3D world
landmarks. In a neutral tabletop the head hangs below that line; in cat it
drops far below it (the back rounds up and the chin tucks), in cow it lifts
toward or above it (the belly sinks and the gaze goes forward and up). A frame
is correct at either end, not in between; a rep is one full cat -> cow cycle,
counted with hysteresis on the same angle.

In a video the hold clock runs while the quadruped form holds and the back
keeps moving: an end (cat or cow) reached within the last
``max_between_ends_s``; a still tabletop does not count.

The quadruped base is checked by gates (back roughly level, knees under the
hips, wrists under the shoulders, knees bent on the floor): cycles done sitting
back on the heels fail a gate and are not counted. The hip (shoulder-hip-knee)
and knee angles are taken in 3D from the world landmarks: in the image a
camera 30 degrees off the side or above the mat opens or closes them (a
kneeling knee read as straight, a thigh square to the back read as tilted).
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core import geometry as g
from posecheck.core.features import Body, lm, world_joint_angle
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.judge.exercises.base import Exercise, Goal, RepSignal, Rule, register
from posecheck.judge.exercises.views import SideView

# Head angle (deg, ``head_tilt``) against the line of the back in a relaxed tabletop, and how far
# from it a frame must be to count as cat (below) or cow (above). The neutral is the synthetic
# actor's flat back (posecheck.synthetic.designs, cat_cow "correct") as the model reads it: -32 on
# average over the side and +-30/+-60 degree views at floor and table height (-11 to -45), rounded.
# ``posecheck calibrate`` fits the curve a frame needs (the back_curve rule's low bound).
NEUTRAL_HEAD_DEG = -30.0
CURVE_MIN_DEG = 15.0
CAT_HEAD_DEG = NEUTRAL_HEAD_DEG - CURVE_MIN_DEG  # -45: head dropped at least this far
COW_HEAD_DEG = NEUTRAL_HEAD_DEG + CURVE_MIN_DEG  # -15: head lifted at least this far


def head_tilt(body: Body, side: str) -> float:
    """Signed angle (deg) of the shoulders->nose direction against the hips->shoulders line, in the
    body's mid-plane, from the 3D world landmarks (``side`` is not used: the midpoints serve).

    Positive: the head is lifted above the line of the back (cow); negative: dropped below it
    (cat). "Above" is the side of the back's line toward the world landmarks' up (-y, the camera's
    up: it only picks the side, so a camera looking down at the mat changes nothing). Continuous
    from about -180 (head hanging back toward the knees) to +180. View-independent: both
    directions are projected onto
    the plane across the shoulders and hips (the mid-plane) before the angle is taken, so a camera
    off the side or above the mat reads the same angle; the 2D image angle does not (seen from a
    table-height camera a flat back read as cow, obliquely a cat as neutral, on the synthetic
    actor). NaN without world landmarks.
    """
    w = body.world
    if w is None:
        return math.nan
    shoulders = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2.0
    hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2.0
    across = (w[L.LEFT_SHOULDER] - w[L.RIGHT_SHOULDER]) + (w[L.LEFT_HIP] - w[L.RIGHT_HIP])
    width = float(np.linalg.norm(across))
    if not (np.all(np.isfinite(w[[L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]]))
            and width > 1e-6):
        return math.nan
    across = across / width

    def in_plane(v: np.ndarray) -> np.ndarray:
        return v - float(v @ across) * across

    back = in_plane(shoulders - hips)
    length = float(np.linalg.norm(back))
    up = in_plane(np.array([0.0, -1.0, 0.0]))
    up = up - float(up @ back) / max(length * length, 1e-12) * back
    if length < 1e-6 or float(np.linalg.norm(up)) < 1e-6:
        return math.nan
    back, up = back / length, up / float(np.linalg.norm(up))
    v = in_plane(w[L.NOSE] - shoulders)
    return math.degrees(math.atan2(float(v @ up), float(v @ back)))


def back_curve(body: Body, side: str) -> float:
    """How far the head is from its neutral tabletop angle, either way (deg)."""
    return abs(head_tilt(body, side) - NEUTRAL_HEAD_DEG)


def cat_signal(body: Body, side: str) -> float:
    """The rep signal: high in cat (head dropped), low in cow (head lifted)."""
    return -head_tilt(body, side)


def arm_from_vertical(body: Body, side: str) -> float:
    """Shoulder->wrist direction away from straight down (deg): 0 = wrist under the shoulder."""
    return 180.0 - g.inclination_from_vertical(body.px[lm(side, "SHOULDER")], body.px[lm(side, "WRIST")])


def hip_angle_3d(body: Body, side: str) -> float:
    """Shoulder-hip-knee angle in 3D (deg, world landmarks): about 90 with the thigh square to the
    back on all fours, smaller when sitting back toward the heels. View-independent, unlike the
    thigh's tilt in the image."""
    return world_joint_angle(body, lm(side, "SHOULDER"), lm(side, "HIP"), lm(side, "KNEE"))


def knee_angle_3d(body: Body, side: str) -> float:
    """Hip-knee-ankle angle in 3D (deg, world landmarks): the image angle opens or closes with the
    camera's azimuth and height."""
    return world_joint_angle(body, lm(side, "HIP"), lm(side, "KNEE"), lm(side, "ANKLE"))


CURVE_CUE = "Move further: round your back up and drop your head, or let your belly sink and look up"

# On all fours seen from the side the two shoulders overlap in the image: narrower than this
# share of the torso length.
SIDE_VIEW_SHOULDER_RATIO = 0.6


CAT_COW = register(Exercise(
    id="cat_cow",
    title="Cat-cow",
    instructions=("On hands and knees, wrists under shoulders and knees under hips. Round your back up "
                  "and drop your head (cat), then let your belly sink and lift your head (cow). Repeat slowly."),
    view="side",
    # The views the synthetic view matrix passes (posecheck.synthetic.view_matrix). Square on to the
    # side and toward the feet (side-30: on all fours the ring's + turns toward the head) the model
    # misplaces the near knee or hides a wrist on some frames (knee angles of 2-40 or 150+ deg on a
    # kneeling actor), so those are not listed.
    # Reading the far leg or arm instead does not rescue them: from these views it is never
    # trusted (knee, ankle and wrist visibility mostly 0.03-0.4), and at table height square on
    # to the side the model puts both knees on the hips, so no reading of the legs is right there.
    views=("side+30",),
    goal=Goal("reps", 10),
    view_ok=SideView(SIDE_VIEW_SHOULDER_RATIO),
    view_cue="Turn so the camera sees you from the side",
    rep_signal=RepSignal(
        measure=cat_signal,
        high_enter=-CAT_HEAD_DEG, high_exit=-NEUTRAL_HEAD_DEG,
        low_enter=-COW_HEAD_DEG, low_exit=-NEUTRAL_HEAD_DEG,
        high_name="cat", low_name="cow",
        # A slow cat-cow passes from one end to the other in 1-2 s (the labelled clips); a back
        # held near neutral longer than this is a tabletop, resting, not the exercise.
        max_between_ends_s=3.0,
        move_cue=CURVE_CUE,
    ),
    description="A rep is a full cat -> cow cycle; cycles done out of the all-fours position do not count.",
    rules=(
        # First: with the hips pushed up (a downward-dog shape) the hip angle closes too, and the
        # back is what to fix.
        Rule(
            name="back_level",
            description="shoulder-hip line from horizontal: the back is roughly level on all fours",
            measure="trunk_from_horizontal",
            low=0.0, high=30.0,
            cue_low="", cue_high="Get down on all fours with your back level",
            landmarks=("{side}_SHOULDER", "{side}_HIP"),
            joint="{side}_HIP",
            gate=True,
        ),
        Rule(
            name="knees_under_hips",
            description="shoulder-hip-knee angle in 3D: thighs square to the back, not sitting back on the heels",
            measure=hip_angle_3d,
            # The former image rule allowed the thigh 30 deg off vertical under a level back.
            low=60.0, high=180.0,
            cue_low="Bring your hips over your knees, don't sit back on your heels", cue_high="",
            landmarks=("{side}_HIP", "{side}_KNEE"),
            joint="{side}_KNEE",
            gate=True,
        ),
        Rule(
            name="hands_under_shoulders",
            description="shoulder->wrist direction from straight down: arms vertical, wrists under the shoulders",
            measure=arm_from_vertical,
            low=0.0, high=30.0,
            cue_low="", cue_high="Place your hands right under your shoulders",
            landmarks=("{side}_SHOULDER", "{side}_WRIST"),
            joint="{side}_WRIST",
            gate=True,
        ),
        Rule(
            name="kneeling",
            description="hip-knee-ankle angle in 3D: kneeling, shins on the floor (knees bent about 90 degrees)",
            measure=knee_angle_3d,
            low=50.0, high=135.0,
            cue_low="Come up onto your hands and knees",
            cue_high="Put your knees down on the floor",
            landmarks=("{side}_HIP", "{side}_KNEE", "{side}_ANKLE"),
            joint="{side}_KNEE",
            gate=True,
        ),
        Rule(
            name="back_curve",
            description=(f"head angle against the line of the back, away from its neutral {NEUTRAL_HEAD_DEG:.0f} deg: "
                         f"cat (head dropped to {CAT_HEAD_DEG:.0f} or lower) or cow (head lifted to "
                         f"{COW_HEAD_DEG:.0f} or higher)"),
            measure=back_curve,
            low=CURVE_MIN_DEG, high=180.0,
            cue_low=CURVE_CUE,
            cue_high="",
            landmarks=("NOSE", "{side}_SHOULDER", "{side}_HIP"),
            joint="{side}_SHOULDER",
            # In a video the back passes through neutral on every rep: the clock
            # runs while the quadruped form holds; the reps count the movement.
            stills_only=True,
        ),
    ),
))
