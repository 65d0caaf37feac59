"""``posecheck/core/features.py``: the named features of a pose, exactly the names rules may use."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import make_pose
from posecheck.core.features import FEATURE_NAMES, compute_features
from posecheck.core.types import Pose

# A person standing, facing the camera (the person's left on the image right), 640x480.
STANDING = {
    "NOSE": (320, 60), "LEFT_SHOULDER": (360, 120), "RIGHT_SHOULDER": (280, 120),
    "LEFT_ELBOW": (370, 190), "RIGHT_ELBOW": (270, 190), "LEFT_WRIST": (375, 255), "RIGHT_WRIST": (265, 255),
    "LEFT_HIP": (345, 250), "RIGHT_HIP": (295, 250), "LEFT_KNEE": (345, 350), "RIGHT_KNEE": (295, 350),
    "LEFT_ANKLE": (345, 440), "RIGHT_ANKLE": (295, 440),
}


def test_compute_features_fills_in_exactly_the_feature_names():
    assert set(compute_features(make_pose(STANDING)).features) == FEATURE_NAMES


def test_a_pose_with_no_placed_landmark_has_every_feature_nan():
    nowhere = Pose(xyz=np.full((33, 3), np.nan), visibility=np.zeros(33), presence=np.zeros(33),
                   world=np.zeros((33, 3)), timestamp_s=0.0, image_wh=(640, 480))
    features = compute_features(nowhere).features
    assert set(features) == FEATURE_NAMES
    assert all(math.isnan(v) for k, v in features.items() if not k.startswith("visibility_"))


def test_standing_square_on():
    f = compute_features(make_pose(STANDING)).features
    assert f["knee_angle_left"] == pytest.approx(180.0)
    assert f["hip_angle_left"] == pytest.approx(180.0, abs=10.0)
    assert f["trunk_from_vertical"] == pytest.approx(0.0)
    assert f["torso_length_px"] == pytest.approx(130.0)
    assert f["shoulder_width_ratio"] == pytest.approx(80.0 / 130.0)
    assert f["wrist_above_head_left"] < 0  # the hands hang below the nose


def test_near_side_is_the_better_seen_one():
    assert compute_features(make_pose(STANDING, {"right": 0.6})).near_side == "left"
    assert compute_features(make_pose(STANDING, {"left": 0.6})).near_side == "right"


def test_world_joint_angles_from_the_world_landmarks_and_nan_without_them():
    """The 3D hip angle holds where the image angle foreshortens; all-zero world landmarks (none
    given) leave it NaN, so measures fall back to the image."""
    world = {"LEFT_SHOULDER": (0.0, -0.5, 0.0), "LEFT_HIP": (0.0, 0.0, 0.0), "LEFT_KNEE": (0.0, 0.0, -0.45),
             "LEFT_ANKLE": (0.0, 0.42, -0.45)}
    features = compute_features(make_pose(STANDING, world=world)).features
    assert features["hip_angle_world_left"] == pytest.approx(90.0)
    assert features["knee_angle_world_left"] == pytest.approx(90.0)
    assert math.isnan(features["hip_angle_world_right"])  # its landmarks are all at the origin
    assert math.isnan(compute_features(make_pose(STANDING)).features["hip_angle_world_left"])
