"""The world-landmark measures of ``posecheck/core/features.py`` (3D, metric, hip-centred): each reads
the same whichever way an orthographic camera is turned about the vertical, and NaN without world
landmarks. No model runs here."""

from __future__ import annotations

import math

import pytest

from conftest import make_pose, turn_camera, with_flat_world
from posecheck.core.features import (compute_features, world_lateral_flexion, world_shoulder_rotation,
                                     world_trunk_from_vertical)

# Facing the camera, standing, the trunk bent 20 deg toward the person's left (the image right).
BENT = {"LEFT_HIP": (540, 500), "RIGHT_HIP": (460, 500), "KNEE": (500, 700), "ANKLE": (500, 900),
        "LEFT_SHOULDER": (640, 280), "RIGHT_SHOULDER": (490, 225), "NOSE": (590, 190),
        "ELBOW": (500, 400), "WRIST": (500, 500)}


def _bent_deg() -> float:
    # mid-hip (500, 500) -> mid-shoulder (565, 252.5)
    return math.degrees(math.atan2(65, 247.5))


@pytest.mark.parametrize("azimuth", [0, -60, -30, 30, 60])
def test_lateral_flexion_is_the_same_from_every_azimuth(azimuth):
    pose = turn_camera(with_flat_world(make_pose(BENT, image_wh=(1000, 1000))), azimuth)
    body = compute_features(pose)
    assert world_lateral_flexion(body) == pytest.approx(_bent_deg(), abs=0.01)
    assert world_trunk_from_vertical(body) == pytest.approx(_bent_deg(), abs=0.01)


@pytest.mark.parametrize("azimuth", [0, -60, 30, 90])
def test_shoulder_rotation_is_the_same_from_every_azimuth(azimuth):
    # The chest turned toward the person's left: the left shoulder 10 cm further from the camera.
    joints = {"LEFT_HIP": (540, 500), "RIGHT_HIP": (460, 500), "KNEE": (500, 700), "ANKLE": (500, 900),
              "LEFT_SHOULDER": (570, 250), "RIGHT_SHOULDER": (430, 250), "NOSE": (500, 190),
              "ELBOW": (500, 400), "WRIST": (500, 500)}
    pose = with_flat_world(make_pose(joints, image_wh=(1000, 1000)), {"LEFT_SHOULDER": 0.1, "RIGHT_SHOULDER": -0.1})
    body = compute_features(turn_camera(pose, azimuth))
    # shoulders 0.35 m wide in the image plane, 0.2 m apart in depth
    assert world_shoulder_rotation(body) == pytest.approx(math.degrees(math.atan2(0.2, 0.35)), abs=0.01)


def test_no_world_landmarks_give_nan():
    body = compute_features(make_pose(BENT, image_wh=(1000, 1000)))  # world all at the origin
    assert math.isnan(world_lateral_flexion(body))
    assert math.isnan(world_shoulder_rotation(body))
    assert math.isnan(world_trunk_from_vertical(body))
