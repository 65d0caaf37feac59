"""Knee-to-chest rotation: lying on the back, knees drawn up together and dropped to one side.

Seen from the front (for a lying person: the camera at the feet, a little above)
or obliquely. The rules work in the image plane of that view, on the person's
own axes: the trunk axis (mid-hip to mid-shoulder) and the shoulder line, which
stays on the floor while the pelvis turns with the knees. The knees' direction
from the mid-hip is measured against the trunk axis: 0 with the knees up in the
middle, positive toward the person's left shoulder, negative toward the right,
near 180 with the legs stretched out.

Seen from the side (the camera beside the mat) the trunk's long axis lies along
the image x axis, and dropping the bent knees to either side rotates them about
that axis: the knees' height above the trunk line falls while their position
along it barely changes. The side-view rules undo that rotation: with the
thigh length L (the longer image thigh, and at least 0.75 torso lengths: a
thigh seen square on is about 0.75-0.9) and the knee's distance a along the
trunk axis, an undropped knee would stand sqrt(L^2 - a^2) above the trunk line;
the knees' height h against it gives the drop angle arccos(h / sqrt(L^2 - a^2)),
in the same degrees as the front view, less a 15 deg bias (``SIDE_DROP_BIAS``).
On the real side-view clip: knees up in the middle 3-9 deg, dropped toward the
camera 50-58, dropped away 30-33 (the knees sink behind the near leg, so a
drop away from the camera reads smaller); the range is shared with the front
view, so a side view passes only the fuller half of a partial-range rock.

Which side the knees drop to is hard to see from the side. MediaPipe's depth
(z and world) did not move with the drop on the real clip; per-knee visibility
rose for either side. The best cue found is the pelvis rolling with the knees
against the shoulders, which stay on the floor: dropping toward the camera
lifts the far hip above the near one in the image, dropping away lifts the near
hip, while the shoulders' separation (the same for both, set by the camera's
height) does not change. The side is the near side when the hips' vertical
separation exceeds the shoulders', else the far side. On the one real clip it
names the labelled side in all 184 labelled frames, but the margin is small
(0.05-0.10 torso lengths) and it is untested on other people and cameras:
treat the side from a side view as a hint (the total hold time barely depends on it).

Lying face up is told from sitting with the knees up (a seated twist looks much
the same from the front) by the face: it points at the ceiling, so seen from the
feet the nose rises above the ears. The synthetic actor's dropped knees read
42-61 deg, its fault (knees back up in the middle) 0-13 deg.

No view is listed (``views``): none passes the synthetic view matrix, and no
view-independent measure was found that would. The actor's drop is 34 deg about
the trunk axis in 3D (its knees' direction against the shoulders' plane, the
pelvis rolled as much). MediaPipe's world landmarks do not see it from the side
or 30 degrees off it: that 3D drop reads -24..+15 deg on the dropped knees and
-38..+30 on the knees up in the middle (floor and table height), the pelvis
against the shoulders (``world_shoulder_rotation``) -17..+15 and -12..+12. On
the real side-view clip the 3D drop reads 6-15 deg dropped toward the camera,
-9..-7 dropped away and -9..-6 between, so a drop away from the camera does not
show at all; on the real fault photo (knees up, tilted a little) it reads 80.
The front views (at the feet, floor or table height) find nobody in most frames.

The side view is told by the trunk running across the image as well as by the
shoulders overlapping (``is_side_view``): from above, the shoulder line of a
person seen from the side spreads past 0.3 torso lengths (the two real correct
photos, side and oblique from above, 0.46-0.50; the actor from a table 0.4-0.57),
and the front-view formulas then read their face below the ears and their
shoulders as lifted. Read as side views they pass; their knees, on the floor on
the camera's side, sit below the trunk line, which names the drop side (the
camera's side) and reads past 90 deg (the camera's height; taken as 90).
With that the actor from the side at table height is accepted in 6 of 8 frames
(the two others read a 18-24 deg drop), at floor height in none: the knees'
height above the trunk line falls by only 1 - cos 34 = 17% there, within
MediaPipe's noise (correct -1..8 deg, fault -7..5). The one cue found that
separates the actor from the side at both heights is the knee line's length in
the image (the knees stack toward the camera as they drop): 0.09-0.45 torso
lengths dropped, 0.00-0.09 up in the middle; it does not carry to 30 deg off the
side at floor height (0.19-0.41 against 0.06-0.24), where the knee line of the
undropped knees already shows, nor to the real clip's drop away from the camera
(0.03-0.06, as with its knees up in the middle, 0.01-0.08); read against the
shoulder line (the same direction in the image when the knees are up) it is
noisier still, MediaPipe spreading the overlapped shoulders to 0.1-0.4 torso
lengths. So it is not used.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core import geometry as g
from posecheck.core.features import Body, lm
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.judge.exercises.base import Exercise, Goal, Rule, register
from posecheck.judge.exercises.views import seen_from_side

_BODY = ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE")


def _trunk(body: Body) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(mid-hip, unit trunk axis toward the head, torso length in px), or None when degenerate."""
    px = body.px
    hip = (px[L.LEFT_HIP] + px[L.RIGHT_HIP]) / 2
    trunk = (px[L.LEFT_SHOULDER] + px[L.RIGHT_SHOULDER]) / 2 - hip
    n = float(np.linalg.norm(trunk))
    if not np.isfinite(n) or n < 1e-6:
        return None
    return hip, trunk / n, n


def _axes(body: Body) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(mid-hip, unit trunk axis toward the head, unit lateral axis toward the person's left)."""
    axis = _trunk(body)
    if axis is None:
        return None
    hip, t, _ = axis
    px = body.px
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


# Seen from the side the shoulder line collapses (shoulder width below this share of the torso length).
SIDE_VIEW_SHOULDER_RATIO = 0.3
# Lying seen from the side: the trunk within this many degrees of horizontal.
SIDE_VIEW_MAX_TRUNK_TILT = 45.0
# The shortest a thigh is taken to be, in torso lengths (seen square on it is ~0.75-0.9).
THIGH_MIN_TORSO = 0.75
# The side view's drop estimate reads 15-25 deg with the knees up in the middle (the thigh
# reference is a population figure, longer than this person's undropped knee height
# implies); this much is taken off so that 0 is knees up, as in the front view.
SIDE_DROP_BIAS = 15.0
# The steepest a home camera looks down at someone lying on the floor: a laptop on a table or a
# bed looks down about 30 deg (the view matrix's table height); a phone held above, 45.
SIDE_MAX_CAMERA_ELEVATION = 45.0
# In a side view a near-side knee straighter than this means the legs are stretched out.
LEGS_OUT_KNEE_ANGLE = 150.0


def _lying_across_image(body: Body) -> bool:
    """The trunk within ``SIDE_VIEW_MAX_TRUNK_TILT`` of the image horizontal (no when unmeasured)."""
    tilt = body.features["trunk_from_horizontal"]
    return bool(math.isfinite(tilt) and tilt <= SIDE_VIEW_MAX_TRUNK_TILT)


def is_side_view(body: Body) -> bool:
    """The camera is beside the mat (square on or obliquely), as opposed to at the feet or the head.

    Either the shoulders overlap, or the trunk runs across the image. The second is
    what tells a lying person's side from the feet whatever the camera's height: from
    a table (30 deg down) the shoulder line of a person seen square on from the side
    spreads to 0.4-0.57 torso lengths (the synthetic actor; the real photos 001 and
    005, taken from above, 0.46-0.50), past ``SIDE_VIEW_SHOULDER_RATIO``, while the
    trunk stays within 25 deg of the image horizontal up to 30 deg off the side; seen
    from the feet or the head the trunk runs up the image.
    """
    return seen_from_side(body, SIDE_VIEW_SHOULDER_RATIO) or _lying_across_image(body)


def _side_axes(body: Body) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Side view: (mid-hip, unit trunk axis toward the head, unit normal toward the image top, torso px)."""
    axis = _trunk(body)
    if axis is None:
        return None
    hip, t, n = axis
    return hip, t, g.normal_toward_image_top(t), n


def _side_knees(body: Body) -> tuple[float, float, float] | None:
    """Side view: the knees' midpoint as (a, h, L) in pixels.

    ``a`` its distance from the mid-hip along the trunk axis toward the feet,
    ``h`` its height above the trunk line, ``L`` the thigh length: the longer
    image thigh, and at least ``THIGH_MIN_TORSO`` torso lengths (the image thigh
    shortens as the knees drop).
    """
    axes = _side_axes(body)
    if axes is None:
        return None
    hip, t, up, torso = axes
    px = body.px
    d = (px[L.LEFT_KNEE] + px[L.RIGHT_KNEE]) / 2 - hip
    if not np.all(np.isfinite(d)):
        return None
    thighs = [g.distance(px[k], px[h]) for k, h in ((L.LEFT_KNEE, L.LEFT_HIP), (L.RIGHT_KNEE, L.RIGHT_HIP))]
    length = max(max(thighs), THIGH_MIN_TORSO * torso)
    return -float(np.dot(d, t)), float(np.dot(d, up)), length


def side_drop_angle(body: Body) -> float:
    """Side view: how far the knees have rotated about the trunk axis, in degrees (0 up, 90 on the floor).

    An undropped knee stands sqrt(L^2 - a^2) above the trunk line; dropping by
    an angle scales that height by its cosine. ``SIDE_DROP_BIAS`` is taken off.
    """
    knees = _side_knees(body)
    if knees is None:
        return math.nan
    a, h, length = knees
    upright = math.sqrt(max(length * length - a * a, 0.0))
    if upright < 1e-6:
        return 90.0 - SIDE_DROP_BIAS
    # The knees stop at the floor (90 deg). Seen from e degrees above, knees lying on the floor
    # on the near side sit below the trunk line in the image, reading up to 90 + e: the camera's
    # height, not a further drop (the real photos 001 and 005, from above, read 107-113). Past
    # 90 + SIDE_MAX_CAMERA_ELEVATION the knees are under the body, on all fours (180 with the
    # knees under the hips; thread_the_needle_01 reads 155-173): left as read.
    drop = math.degrees(math.acos(max(-1.0, min(1.0, h / upright))))
    if 90.0 < drop <= 90.0 + SIDE_MAX_CAMERA_ELEVATION:
        drop = 90.0
    return drop - SIDE_DROP_BIAS


def side_thigh_angle(body: Body) -> float:
    """Side view: the thigh's angle from straight up with the drop undone (0 knees above the hips,
    90 thigh along the floor), in degrees; 180 when the near leg is stretched out."""
    knees = _side_knees(body)
    if knees is None:
        return math.nan
    knee = body.features[f"knee_angle_{body.near_side}"]
    if knee >= LEGS_OUT_KNEE_ANGLE:
        return 180.0
    a, _, length = knees
    return abs(math.degrees(math.atan2(a, math.sqrt(max(length * length - a * a, 0.0)))))


def side_pelvis_roll(body: Body) -> float:
    """Side view: the hips' vertical separation minus the shoulders', in torso lengths (near minus far side).

    The shoulders stay on the floor, so their separation is the camera's height;
    the pelvis rolls with the knees. Positive: the far hip has risen, the knees
    dropped toward the camera; negative: away from it.
    """
    axes = _side_axes(body)
    if axes is None:
        return math.nan
    near = body.near_side
    far = "right" if near == "left" else "left"
    px = body.px

    def y(side: str, stem: str) -> float:
        return float(px[L[f"{side.upper()}_{stem}"]][1])

    return ((y(near, "HIP") - y(far, "HIP")) - (y(near, "SHOULDER") - y(far, "SHOULDER"))) / axes[3]


def knees_direction(body: Body) -> float:
    """Signed direction of the knees (their midpoint) from the mid-hip, in degrees (+ = person's left)."""
    return _direction(body, (body.px[L.LEFT_KNEE] + body.px[L.RIGHT_KNEE]) / 2)


def drop_side(body: Body) -> str:
    """The side the knees drop to, the person's own side.

    Side view: knees below the trunk line in the image dropped toward the camera (seen from
    above, knees dropped away sink behind the trunk, not below it); else from the pelvis roll
    (see the module notes), a weaker cue.
    """
    if is_side_view(body):
        near = body.near_side
        knees = _side_knees(body)
        if knees is not None and knees[1] < 0:
            return near
        roll = side_pelvis_roll(body)
        return near if not roll < 0 else ("right" if near == "left" else "left")
    angle = knees_direction(body)
    return "right" if angle < 0 else "left"


def knees_up(body: Body, side: str) -> float:
    """How far the knees point away from the head, ignoring the side: 0 drawn up in the middle,
    ~90 flat on the floor to one side, ~180 with the legs stretched out.

    Side view: the thigh's angle from straight up with the drop undone (~180 legs out)."""
    if is_side_view(body):
        return side_thigh_angle(body)
    return abs(knees_direction(body))


def knees_dropped(body: Body, side: str) -> float:
    """How far the knees have dropped toward the working side, in degrees (negative: the other way).

    Side view: the rotation about the trunk axis from the knees' height, either
    side (the side itself comes from ``drop_side``)."""
    if is_side_view(body):
        return side_drop_angle(body)
    angle = knees_direction(body)
    return angle if side == "left" else -angle


def _thigh_direction(body: Body, side: str) -> float:
    hip, knee = body.px[lm(side, "HIP")], body.px[lm(side, "KNEE")]
    d = knee - hip
    return math.degrees(math.atan2(float(d[1]), float(d[0]))) if np.all(np.isfinite(d)) else math.nan


def knees_apart(body: Body, side: str) -> float:
    """Angle between the two knees' directions from the mid-hip, in degrees: small with the knees together.

    Side view: the angle between the two thighs in the image (each from its own hip); knees
    parting sideways move in depth there, so only gross separations show (one knee hugged,
    the other leg stretched out)."""
    if is_side_view(body):
        a, b = _thigh_direction(body, "left"), _thigh_direction(body, "right")
    else:
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
    px = body.px
    if is_side_view(body):
        return _side_face_up(body)
    axes = _axes(body)
    ears = (px[L.LEFT_EAR] + px[L.RIGHT_EAR]) / 2
    width = g.distance(px[L.LEFT_EAR], px[L.RIGHT_EAR])
    if axes is None or not np.isfinite(width) or width < 1e-6:
        return math.nan
    return float(np.dot(px[L.NOSE] - ears, axes[1])) / width


def _side_face_up(body: Body) -> float:
    """Side view: how far the nose sits above the near ear, across the trunk line toward the image
    top, in nose-to-ear distances (lying face up ~0.9; sitting or standing, face forward, ~0)."""
    axes = _side_axes(body)
    px = body.px
    ear = px[lm(body.near_side, "EAR")]
    d = px[L.NOSE] - ear
    n = float(np.linalg.norm(d))
    if axes is None or not np.isfinite(n) or n < 1e-6:
        return math.nan
    return float(np.dot(d, axes[2])) / n


def shoulders_down(body: Body, side: str) -> float:
    """Both shoulders on the floor.

    Front view: the shoulder width against the torso length (it narrows as a
    shoulder lifts toward the other side). Side view (where the shoulders
    overlap anyway): the trunk lies flat on the floor, 1 - (trunk tilt from
    horizontal) / 24 deg, so that 0.5 (the rule's floor) is a 12 deg tilt. The
    real side-view clip tilts 2-5 deg; a bridge, whose knees also sit low over
    the lifted trunk line, 15 or more.
    """
    if is_side_view(body):
        return 1.0 - body.features["trunk_from_horizontal"] / 24.0
    return body.features["shoulder_width_ratio"]


def usable_view(body: Body) -> bool:
    """Front view (from the feet, the head or obliquely the shoulder line shows; an unmeasured view
    is left to the rules' trust checks), or a side view of someone lying (trunk near horizontal)."""
    return not (seen_from_side(body, SIDE_VIEW_SHOULDER_RATIO) and not _lying_across_image(body)
                and math.isfinite(body.features["trunk_from_horizontal"]))


KNEE_TO_CHEST_ROTATION = register(Exercise(
    id="knee_to_chest_rotation",
    title="Knee-to-chest rotation",
    instructions=("Lie on your back with your knees bent. Draw your knees toward your chest, then let "
                  "them drop together to one side while your shoulders stay on the floor. Switch sides."),
    view="front",
    goal=Goal("hold", 20.0),
    sides=("left", "right"),
    choose_side=drop_side,
    view_ok=usable_view,
    view_cue="Place the camera at your feet, facing you, or beside you",
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
            measure=shoulders_down,
            low=0.5, high=5.0,
            cue_low="Keep both shoulders on the floor", cue_high="",
            landmarks=("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
            unit="torso",
        ),
    ),
))
