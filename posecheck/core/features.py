"""Named features (angles, ratios) of one pose, computed by one function from a data table.

The named features are 2D, in the image plane of the camera view an exercise
prescribes (MediaPipe's depth is unreliable). Per-side features end in
``_left`` / ``_right`` (the person's own side). A feature whose landmarks are
missing is NaN. The ``world_*`` functions at the end measure in MediaPipe's
world landmarks instead (3D, metric, hip-centred), for the few measures that a
2D angle gets wrong off-axis; the rules that use them say so.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from posecheck.core import geometry as g
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.core.types import Pose

SIDES = ("left", "right")

# name -> (a, vertex, c) as landmark-name stems; expanded for both sides.
JOINT_ANGLES: dict[str, tuple[str, str, str]] = {
    "hip_angle": ("SHOULDER", "HIP", "KNEE"),  # trunk-thigh: hip flexion (small) / extension (~180)
    "knee_angle": ("HIP", "KNEE", "ANKLE"),
    "elbow_angle": ("SHOULDER", "ELBOW", "WRIST"),
    "shoulder_angle": ("HIP", "SHOULDER", "ELBOW"),  # arm raise relative to the trunk
    "ankle_angle": ("KNEE", "ANKLE", "FOOT_INDEX"),
}

# Joint angles also measured in 3D on MediaPipe's world landmarks (metric, hip-centred), named
# ``{name}_world_{side}``: the same angle whatever the camera's direction, where the image angle
# foreshortens off-axis (a hip flexion seen 30-60 degrees off the side). NaN without world landmarks.
WORLD_ANGLES = ("hip_angle", "knee_angle")

# Landmarks that must be visible for a side to be considered the camera's near side.
SIDE_BODY = ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE")

# Per-side features besides the joint angles (each ends in ``_left`` / ``_right``).
SIDE_FEATURES = ("hip_extension", "visibility", "thigh_from_vertical", "wrist_above_head")
# Features of the whole body (no side).
BODY_FEATURES = (
    "torso_length_px", "trunk_from_horizontal", "trunk_from_vertical", "trunk_lean", "shoulder_width_ratio",
    "hip_width_ratio", "shoulder_hip_width_ratio", "head_above_shoulders", "legs_from_vertical",
    "thighs_from_vertical", "knees_apart_ratio", "hip_height_ratio",
)


@functools.lru_cache(maxsize=None)
def lm(side: str, stem: str) -> int:
    """The landmark index of one side's joint: ``lm("left", "HIP")``."""
    return int(L[f"{side.upper()}_{stem}"])


# The table above as index arrays, so that all joint angles of a frame are one
# vectorised computation: row i is (a, vertex, c) of ANGLE_NAMES[i].
ANGLE_NAMES = tuple(f"{name}_{side}" for name in JOINT_ANGLES for side in SIDES)
_ANGLE_TRIPLES = np.array([[lm(side, stem) for stem in stems]
                           for stems in JOINT_ANGLES.values() for side in SIDES])
WORLD_ANGLE_NAMES = tuple(f"{name}_world_{side}" for name in WORLD_ANGLES for side in SIDES)
_WORLD_TRIPLES = np.array([[lm(side, stem) for stem in JOINT_ANGLES[name]] for name in WORLD_ANGLES for side in SIDES])
_SIDE_BODY_INDICES = np.array([[lm(side, stem) for stem in SIDE_BODY] for side in SIDES])

# Every name ``compute_features`` fills in: a rule that names another feature fails when it is built.
FEATURE_NAMES = frozenset(
    ANGLE_NAMES + WORLD_ANGLE_NAMES + tuple(f"{name}_{side}" for name in SIDE_FEATURES for side in SIDES) + BODY_FEATURES)


@dataclass(frozen=True)
class Body:
    """A pose prepared for rules: pixel coords, trust per landmark, and named features."""

    px: np.ndarray  # (33, 2) pixels, y down
    visibility: np.ndarray  # (33,)
    in_frame: np.ndarray  # (33,) bool
    image_wh: tuple[int, int]
    features: dict[str, float]
    # MediaPipe's world landmarks (33, 3): metres, origin between the hips, the
    # camera's axes (x to the image right, y down, z away from the camera).
    world: np.ndarray | None = None

    def trusted(self, index: int, min_visibility: float = 0.5) -> bool:
        if not (self.in_frame[index] and self.visibility[index] >= min_visibility):
            return False
        x, y = self.px[index].tolist()
        return math.isfinite(x) and math.isfinite(y)

    def point(self, index: int) -> np.ndarray:
        return self.px[index]

    @property
    def near_side(self) -> str:
        """The side facing the camera in a side view: the better-seen one."""
        return "left" if self.features["visibility_left"] >= self.features["visibility_right"] else "right"


def _mid(px: np.ndarray, a: int, b: int) -> np.ndarray:
    return g.midpoint(px[a], px[b])


def _signed_hip_extension(px: np.ndarray, side: str, angle: float) -> float:
    """Shoulder-hip-knee ``angle`` unfolded past 180 when the hip rises above the shoulder-knee line.

    < 180: hips below the line (sagging / flexed); > 180: hips pushed above it
    (over-arched); continuous through 180.
    """
    if not math.isfinite(angle):
        return math.nan
    hip, shoulder, knee = px[lm(side, "HIP")], px[lm(side, "SHOULDER")], px[lm(side, "KNEE")]
    return 360.0 - angle if g.height_above_line(hip, shoulder, knee) > 0 else angle


def _world_angles(world: np.ndarray | None) -> list[float]:
    """``WORLD_ANGLE_NAMES`` in order; NaN without world landmarks or where a limb has no length."""
    if world is None or np.shape(world) != (len(L), 3):
        return [math.nan] * len(WORLD_ANGLE_NAMES)
    w = np.asarray(world, float)
    a, b, c = w[_WORLD_TRIPLES[:, 0]], w[_WORLD_TRIPLES[:, 1]], w[_WORLD_TRIPLES[:, 2]]
    angles = np.asarray(g.joint_angle(a, b, c), float)
    placed = (np.linalg.norm(a - b, axis=1) > 1e-4) & (np.linalg.norm(c - b, axis=1) > 1e-4)
    return np.where(placed, angles, np.nan).tolist()


def compute_features(pose: Pose, margin: float = 0.02) -> Body:
    px = pose.pixels
    xy = pose.xyz[:, :2]
    in_frame = np.all((xy >= -margin) & (xy <= 1 + margin), axis=1)
    angles = g.joint_angle(px[_ANGLE_TRIPLES[:, 0]], px[_ANGLE_TRIPLES[:, 1]], px[_ANGLE_TRIPLES[:, 2]])
    f: dict[str, float] = dict(zip(ANGLE_NAMES, angles.tolist()))
    f.update(zip(WORLD_ANGLE_NAMES, _world_angles(pose.world)))
    side_visibility = pose.visibility[_SIDE_BODY_INDICES].mean(axis=1).tolist()
    for side, visibility in zip(SIDES, side_visibility):
        f[f"hip_extension_{side}"] = _signed_hip_extension(px, side, f[f"hip_angle_{side}"])
        f[f"visibility_{side}"] = visibility
        # Thigh and shin direction from vertical: 0 pointing up from the hip/knee.
        f[f"thigh_from_vertical_{side}"] = g.inclination_from_vertical(px[lm(side, "HIP")], px[lm(side, "KNEE")])
        f[f"wrist_above_head_{side}"] = float(px[L.NOSE, 1] - px[lm(side, "WRIST"), 1])
    mid_sh = _mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    mid_hip = _mid(px, L.LEFT_HIP, L.RIGHT_HIP)
    mid_knee = _mid(px, L.LEFT_KNEE, L.RIGHT_KNEE)
    mid_ankle = _mid(px, L.LEFT_ANKLE, L.RIGHT_ANKLE)
    torso = g.distance(mid_sh, mid_hip)
    f["torso_length_px"] = torso
    f["trunk_from_horizontal"] = g.inclination_from_horizontal(mid_hip, mid_sh)
    f["trunk_from_vertical"] = g.inclination_from_vertical(mid_hip, mid_sh)
    f["trunk_lean"] = g.signed_lean_from_vertical(mid_hip, mid_sh)
    f["shoulder_width_ratio"] = g.safe_ratio(g.distance(px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER]), torso)
    f["hip_width_ratio"] = g.safe_ratio(g.distance(px[L.LEFT_HIP], px[L.RIGHT_HIP]), torso)
    f["shoulder_hip_width_ratio"] = g.safe_ratio(
        g.distance(px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER]), g.distance(px[L.LEFT_HIP], px[L.RIGHT_HIP]))
    # Head height over the shoulders in torso lengths (positive: head above shoulders).
    f["head_above_shoulders"] = g.safe_ratio(mid_sh[1] - px[L.NOSE][1], torso)
    f["legs_from_vertical"] = g.inclination_from_vertical(mid_ankle, mid_hip)
    f["thighs_from_vertical"] = g.inclination_from_vertical(mid_hip, mid_knee)
    f["knees_apart_ratio"] = g.safe_ratio(g.distance(px[L.LEFT_KNEE], px[L.RIGHT_KNEE]), torso)
    f["hip_height_ratio"] = g.safe_ratio(
        max(px[L.LEFT_ANKLE][1], px[L.RIGHT_ANKLE][1]) - mid_hip[1], torso)
    return Body(px=px, visibility=pose.visibility, in_frame=in_frame, image_wh=pose.image_wh, features=f,
                world=pose.world)


# ------------------------------------------------------------------ world landmarks (3D)
# View-independent measures from the world landmarks. Their depth is rougher
# than the image (about twice the error of stereo, see DESIGN.md), so they are
# for coarse decisions that a 2D angle cannot make off-axis: how far the trunk
# is folded, bent sideways or turned against the pelvis, whatever the camera's
# azimuth. "Up" is the camera's up: with the camera level it is the vertical.
# A pose without world landmarks (or with them all at the origin) gives NaN.
WORLD_UP = np.array([0.0, -1.0, 0.0])


def _world(body: Body, index: int) -> np.ndarray:
    if body.world is None:
        return np.full(3, np.nan)
    return np.asarray(body.world[index], float)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if math.isfinite(n) and n > 1e-6 else np.full(3, np.nan)


def _world_mid(body: Body, a: int, b: int) -> np.ndarray:
    return (_world(body, a) + _world(body, b)) / 2.0


def world_trunk(body: Body) -> np.ndarray:
    """Mid-hip -> mid-shoulder in metres."""
    return (_world_mid(body, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _world_mid(body, L.LEFT_HIP, L.RIGHT_HIP))


def world_torso_length(body: Body) -> float:
    """Mid-hip to mid-shoulder in metres (NaN without world landmarks)."""
    n = float(np.linalg.norm(world_trunk(body)))
    return n if math.isfinite(n) and n > 1e-6 else math.nan


def world_trunk_from_vertical(body: Body) -> float:
    """The trunk's angle from straight up in 3D (deg, 0 upright, 90 level, 180 hanging down)."""
    return float(g.joint_angle(world_trunk(body), np.zeros(3), WORLD_UP))


def world_joint_angle(body: Body, a: int, vertex: int, c: int) -> float:
    """The 3D angle a-vertex-c (deg), as ``JOINT_ANGLES`` measures it in 2D."""
    return float(g.joint_angle(_world(body, a), _world(body, vertex), _world(body, c)))


def world_distance(body: Body, a: int, b: int) -> float:
    """Distance between two landmarks in torso lengths, in 3D."""
    return g.safe_ratio(float(np.linalg.norm(_world(body, a) - _world(body, b))), world_torso_length(body))


def world_lateral_flexion(body: Body) -> float:
    """Sideways bend of the trunk (deg), positive toward the person's own left.

    The trunk direction is split along the pelvis' left-right axis (right hip ->
    left hip, made level) and the vertical: the angle in that plane (the
    frontal plane of the pelvis) is the lateral flexion, and leaning forward or
    back does not enter it. The same for a camera in front or 30-60 degrees to
    the side.
    """
    trunk = world_trunk(body)
    across = _world(body, L.LEFT_HIP) - _world(body, L.RIGHT_HIP)
    across = _unit(across - WORLD_UP * float(across @ WORLD_UP))
    if not (np.all(np.isfinite(trunk)) and np.all(np.isfinite(across))):
        return math.nan
    return math.degrees(math.atan2(float(trunk @ across), float(trunk @ WORLD_UP)))


def world_line_rotation(body: Body, left: int, right: int,
                        base_left: int = L.LEFT_HIP, base_right: int = L.RIGHT_HIP) -> float:
    """Rotation of the line right -> left (two landmarks of the upper body, e.g. the shoulders
    or the ears) against the line base_right -> base_left (the hips unless told) about the
    trunk (deg), positive turning toward the person's own left.

    Both lines are projected onto the plane across the trunk and the signed
    angle between them is taken: 0 with the line square over the hips, whatever
    the camera's azimuth (a 2D width ratio reads a twist seen from the front as
    square).
    """
    axis = _unit(world_trunk(body))
    line = _world(body, left) - _world(body, right)
    base = _world(body, base_left) - _world(body, base_right)
    s = _unit(line - axis * float(line @ axis))
    h = _unit(base - axis * float(base @ axis))
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(h))):
        return math.nan
    return math.degrees(math.atan2(float(np.cross(h, s) @ axis), float(h @ s)))


def world_shoulder_rotation(body: Body) -> float:
    """Rotation of the shoulder line against the hip line about the trunk (deg), positive turning
    the chest toward the person's own left (``world_line_rotation`` of the shoulders)."""
    return world_line_rotation(body, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
