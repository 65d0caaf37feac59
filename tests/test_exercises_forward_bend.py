"""``posecheck/judge/exercises/forward_bend.py`` on synthetic poses: each rule passing and failing with its
cue, the side detection and the view check.

Named joints are placed at pixel positions of a 1000x1000 frame (visibility 1.0
unless said); a joint named without a side places both sides' on the same spot.
The world landmarks are those pixels in metres, the near (left) side 10 cm
nearer the camera. No model runs here.
"""

from __future__ import annotations

import functools

import pytest

from conftest import assess, make_pose, moved, result, turn_camera, with_flat_world
from posecheck.core.types import State

W, H = 1000, 1000
pose = functools.partial(make_pose, image_wh=(W, H))
# The right side a little less seen: the left is the camera's near side.
NEAR_LEFT = {"right": 0.6}


# Side view, facing image right, left side toward the camera. Trunk 100 deg from
# vertical, knees soft (about 165 deg), arms hanging, head hanging toward the legs.
FOLD = {
    "ANKLE": (500, 900), "KNEE": (520, 700), "HIP": (490, 500),
    "SHOULDER": (736, 543), "ELBOW": (736, 650), "WRIST": (736, 760),
    "NOSE": (766, 613),
}


SIDE_DEPTH = {"left": -0.1, "right": 0.1}


def side_pose(joints, vis=NEAR_LEFT):
    return with_flat_world(pose(joints, vis), SIDE_DEPTH)


def forward_bend(joints, vis=NEAR_LEFT):
    return assess("forward_bend", side_pose(joints, vis))


def test_forward_bend_accepts_a_fold():
    a = forward_bend(FOLD)
    assert a.state is State.CORRECT, a.cue
    assert result(a, "fold").value == pytest.approx(100.0, abs=0.5)


def test_forward_bend_shallow_fold():
    a = forward_bend(moved(FOLD, SHOULDER=(615, 283), ELBOW=(640, 380), WRIST=(660, 480), NOSE=(650, 230)))
    assert result(a, "fold").ok is False
    assert a.cue == "Fold further forward from your hips"


def test_forward_bend_head_lifted_in_a_half_fold_fails_but_not_in_a_deep_one():
    lifted = forward_bend(moved(FOLD, NOSE=(816, 528)))
    assert result(lifted, "head_relaxed").ok is False
    assert lifted.cue == "Relax your neck and let your head hang down"
    # Trunk 150 deg from vertical: the head hangs below the hips whatever the neck does.
    deep = moved(FOLD, SHOULDER=(615, 717), ELBOW=(615, 800), WRIST=(615, 880), NOSE=(680, 740))
    assert forward_bend(deep).state is State.CORRECT


def test_forward_bend_squatting_fails_the_knee_rule():
    a = forward_bend(moved(FOLD, HIP=(500, 650), KNEE=(620, 760), SHOULDER=(746, 693), ELBOW=(746, 780),
                           WRIST=(746, 880), NOSE=(776, 763)))
    assert result(a, "knees").ok is False
    assert a.cue == "Straighten your legs more, don't squat"


def test_forward_bend_hands_rules():
    high = forward_bend(moved(FOLD, ELBOW=(640, 560), WRIST=(520, 500)))
    assert result(high, "hands_low").ok is False
    assert high.cue == "Let your arms hang down toward the floor"
    ahead = forward_bend(moved(FOLD, ELBOW=(820, 720), WRIST=(900, 900)))
    assert result(ahead, "hands_low").ok is True
    assert result(ahead, "hands_near_feet").ok is False
    assert ahead.cue == "Bring your hands back toward your feet"


def test_forward_bend_gates():
    split = forward_bend(moved(FOLD, LEFT_ANKLE=(350, 900), RIGHT_ANKLE=(650, 900)))
    assert result(split, "feet_together").ok is False
    assert split.cue == "Bring your feet together under your hips"
    seated = forward_bend(moved(FOLD, HIP=(490, 850), KNEE=(650, 860), ANKLE=(800, 870),
                                SHOULDER=(736, 893), ELBOW=(760, 900), WRIST=(790, 900), NOSE=(766, 960)))
    assert result(seated, "standing").ok is False
    assert seated.cue == "Stand up on your feet with your hips above them"


@pytest.mark.parametrize("azimuth", [-90, -60, -30, 30, 60])
def test_forward_bend_is_judged_the_same_obliquely_and_from_the_front(azimuth):
    """The fold, knees, feet and head are 3D measures: turning the camera changes no verdict."""
    fold = assess("forward_bend", turn_camera(side_pose(FOLD), azimuth))
    assert fold.state is State.CORRECT, fold.cue
    assert result(fold, "fold").value == pytest.approx(100.0, abs=0.5)
    shallow = moved(FOLD, SHOULDER=(615, 283), ELBOW=(640, 380), WRIST=(660, 480), NOSE=(650, 230))
    assert assess("forward_bend", turn_camera(side_pose(shallow), azimuth)).cue == "Fold further forward from your hips"
    squat = moved(FOLD, HIP=(500, 650), KNEE=(620, 760), SHOULDER=(746, 693), ELBOW=(746, 780),
                  WRIST=(746, 880), NOSE=(776, 763))
    assert result(assess("forward_bend", turn_camera(side_pose(squat), azimuth)), "knees").ok is False
    lifted = assess("forward_bend", turn_camera(side_pose(moved(FOLD, NOSE=(816, 528))), azimuth))
    assert lifted.cue == "Relax your neck and let your head hang down"


def test_forward_bend_legs_hidden_behind_the_arms_are_still_read():
    # In a deep fold the model sees the legs poorly (visibility 0.2-0.5) but places them right.
    a = forward_bend(FOLD, vis={"right": 0.6, "LEFT_KNEE": 0.3, "LEFT_ANKLE": 0.3})
    assert a.state is State.CORRECT, a.cue
    assert forward_bend(FOLD, vis={"right": 0.1, "LEFT_KNEE": 0.1}).state is State.UNCERTAIN


def test_forward_bend_hidden_hands_are_uncertain():
    hidden = forward_bend(FOLD, vis={"right": 0.6, "LEFT_WRIST": 0.1, "RIGHT_WRIST": 0.1})
    assert hidden.state is State.UNCERTAIN
    # A hand half hidden behind the shins (visibility 0.3) is still read.
    assert forward_bend(FOLD, vis={"right": 0.6, "LEFT_WRIST": 0.3, "RIGHT_WRIST": 0.1}).state is State.CORRECT
