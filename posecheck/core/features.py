"""Named features (angles, ratios) of one pose, computed by one function from a data table.

All angles are 2D, in the image plane of the camera view an exercise prescribes
(MediaPipe's depth is unreliable). Per-side features end in ``_left`` /
``_right`` (the person's own side). A feature whose landmarks are missing is NaN.
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
_SIDE_BODY_INDICES = np.array([[lm(side, stem) for stem in SIDE_BODY] for side in SIDES])

# Every name ``compute_features`` fills in: a rule that names another feature fails when it is built.
FEATURE_NAMES = frozenset(
    ANGLE_NAMES + tuple(f"{name}_{side}" for name in SIDE_FEATURES for side in SIDES) + BODY_FEATURES)


@dataclass(frozen=True)
class Body:
    """A pose prepared for rules: pixel coords, trust per landmark, and named features."""

    px: np.ndarray  # (33, 2) pixels, y down
    visibility: np.ndarray  # (33,)
    in_frame: np.ndarray  # (33,) bool
    image_wh: tuple[int, int]
    features: dict[str, float]
    # (33, 3) MediaPipe's metric world landmarks (hip-centred, y down), or None: the one
    # view-independent reading, for measures a 2D angle gets wrong off-axis.
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


def compute_features(pose: Pose, margin: float = 0.02) -> Body:
    px = pose.pixels
    xy = pose.xyz[:, :2]
    in_frame = np.all((xy >= -margin) & (xy <= 1 + margin), axis=1)
    angles = g.joint_angle(px[_ANGLE_TRIPLES[:, 0]], px[_ANGLE_TRIPLES[:, 1]], px[_ANGLE_TRIPLES[:, 2]])
    f: dict[str, float] = dict(zip(ANGLE_NAMES, angles.tolist()))
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
