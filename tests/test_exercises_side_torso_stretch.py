"""``posecheck/judge/exercises/side_torso_stretch.py`` on synthetic poses: each rule passing and failing with its
cue, the side detection and the view check.

Named joints are placed at pixel positions of a 1000x1000 frame (visibility 1.0
unless said); a joint named without a side places both sides' on the same spot.
The world landmarks are those pixels in metres, all at one depth (the person
faces the camera). No model runs here.
"""

from __future__ import annotations

import functools

import pytest

from conftest import assess, make_pose, mirror_image, moved, result, swap_sides, turn_camera, with_flat_world
from posecheck.core.types import State

W, H = 1000, 1000
pose = functools.partial(make_pose, image_wh=(W, H))


# Front view, facing the camera (the person's left on the image right). Bent 25 deg
# toward the person's left, the right arm reaching over the head.
SIDE_BEND = {
    "LEFT_HIP": (540, 500), "RIGHT_HIP": (460, 500),
    "LEFT_KNEE": (545, 700), "RIGHT_KNEE": (455, 700),
    "LEFT_ANKLE": (545, 900), "RIGHT_ANKLE": (455, 900),
    "LEFT_SHOULDER": (687, 311), "RIGHT_SHOULDER": (524, 235),
    "NOSE": (636, 210),
    "RIGHT_ELBOW": (560, 130), "RIGHT_WRIST": (650, 80),
    "LEFT_ELBOW": (720, 420), "LEFT_WRIST": (740, 520),
}
STANDING_ARM_UP = moved(SIDE_BEND, LEFT_SHOULDER=(590, 250), RIGHT_SHOULDER=(410, 250), NOSE=(500, 190),
                        RIGHT_ELBOW=(400, 130), RIGHT_WRIST=(420, 40), LEFT_ELBOW=(600, 380),
                        LEFT_WRIST=(610, 500))


def front_pose(joints, vis=None):
    return with_flat_world(pose(joints, vis))


def side_stretch(joints, vis=None):
    return assess("side_torso_stretch", front_pose(joints, vis))


def test_side_stretch_accepts_a_side_bend_and_finds_the_side():
    a = side_stretch(SIDE_BEND)
    assert a.state is State.CORRECT, a.cue
    assert a.side == "left"
    assert result(a, "side_bend").value == pytest.approx(25.0, abs=0.5)
    # Mirrored image: still the person's left.
    assert side_stretch(mirror_image(SIDE_BEND, W)).side == "left"
    # The same stretch to the other side.
    other = side_stretch(swap_sides(SIDE_BEND, W))
    assert other.state is State.CORRECT and other.side == "right"


def test_side_stretch_standing_straight_with_the_arm_up_fails():
    a = side_stretch(STANDING_ARM_UP)
    assert a.side == "left"  # no bend: the side opposite the raised arm
    assert result(a, "side_bend").ok is False
    assert a.cue == "Bend your upper body further to the side"


def test_side_stretch_too_far():
    # 60 deg: a triangle-like lean.
    a = side_stretch(moved(SIDE_BEND, LEFT_SHOULDER=(794, 407), RIGHT_SHOULDER=(704, 251), NOSE=(777, 333),
                           RIGHT_ELBOW=(800, 200), RIGHT_WRIST=(900, 180)))
    assert result(a, "side_bend").ok is False
    assert a.cue == "Don't bend so far, come up a little"


def test_side_stretch_arm_not_overhead():
    a = side_stretch(moved(SIDE_BEND, RIGHT_ELBOW=(470, 380), RIGHT_WRIST=(480, 480)))
    assert result(a, "arm_overhead").ok is False
    assert a.cue == "Reach your other arm up over your head"


def test_side_stretch_hips_pushed_out():
    shifted = {name: (x - 100, y) if y <= 500 and "ANKLE" not in name else (x, y)
               for name, (x, y) in SIDE_BEND.items()}
    shifted.update(LEFT_KNEE=(495, 700), RIGHT_KNEE=(405, 700))
    a = side_stretch(shifted)
    assert result(a, "hips_over_feet").ok is False
    assert a.cue == "Don't push your hips out to the side, keep them over your feet"
    # Hips thrown the other way, toward the bend.
    toward = {name: (x + 100, y) if y <= 500 and "ANKLE" not in name else (x, y)
              for name, (x, y) in SIDE_BEND.items()}
    toward.update(LEFT_KNEE=(595, 700), RIGHT_KNEE=(505, 700))
    b = side_stretch(toward)
    assert result(b, "hips_over_feet").ok is False
    assert b.cue == "Keep your hips centred over your feet"


def test_side_stretch_gates():
    wide = side_stretch(moved(SIDE_BEND, LEFT_KNEE=(700, 700), RIGHT_KNEE=(300, 700),
                              LEFT_ANKLE=(750, 900), RIGHT_ANKLE=(250, 900)))
    assert result(wide, "feet_under_hips").ok is False
    assert wide.cue == "Bring your feet closer together, under your hips"
    bent = side_stretch(moved(SIDE_BEND, RIGHT_KNEE=(400, 700), RIGHT_ANKLE=(480, 900)))
    assert result(bent, "legs_straight").ok is False
    assert bent.cue == "Straighten your legs and stand on both feet"
    low = side_stretch(moved(SIDE_BEND, LEFT_KNEE=(620, 560), RIGHT_KNEE=(380, 560),
                             LEFT_ANKLE=(545, 620), RIGHT_ANKLE=(455, 620)))
    assert result(low, "standing").ok is False
    assert low.cue == "Stand up tall"


def test_side_stretch_view_and_feet():
    side_on = side_stretch(moved(SIDE_BEND, LEFT_SHOULDER=(606, 273), RIGHT_SHOULDER=(606, 273)))
    assert side_on.state is State.UNCERTAIN
    assert side_on.cue == "Face the camera"
    # Feet at the frame's edge, seen a little: still read. Not seen at all: uncertain.
    assert side_stretch(SIDE_BEND, vis={"LEFT_ANKLE": 0.4, "RIGHT_ANKLE": 0.4}).state is State.CORRECT
    assert side_stretch(SIDE_BEND, vis={"LEFT_ANKLE": 0.1, "RIGHT_ANKLE": 0.1}).state is State.UNCERTAIN


@pytest.mark.parametrize("azimuth", [-45, -30, 30, 45])
def test_side_stretch_is_judged_the_same_obliquely(azimuth):
    """The bend is the 3D lateral flexion: a camera 30-45 degrees off the front reads the same 25 deg,
    where the 2D lean of the trunk would shrink."""
    a = assess("side_torso_stretch", turn_camera(front_pose(SIDE_BEND), azimuth))
    assert a.state is State.CORRECT, a.cue
    assert a.side == "left"
    assert result(a, "side_bend").value == pytest.approx(25.0, abs=0.5)
    straight = assess("side_torso_stretch", turn_camera(front_pose(STANDING_ARM_UP), azimuth))
    assert straight.cue == "Bend your upper body further to the side"


def test_side_stretch_camera_far_round_to_the_side_is_uncertain():
    """Past about 60 degrees the shoulders' line closes up and the view check asks to face the camera."""
    a = assess("side_torso_stretch", turn_camera(front_pose(STANDING_ARM_UP), 70))
    assert a.state is State.UNCERTAIN
    assert a.cue == "Face the camera"
