"""``posecheck/judge/exercises/knee_to_chest_rotation.py`` on synthetic poses: each rule passing and failing with its
cue, the side choice and the camera-view check.

Named joints are placed at pixel positions of a 640x480 frame (visibility 1.0
unless a test lowers it); a joint named without a side is the near side's, the
far side's copy 8 px above it, as a side view shows it. No model runs here.
"""

from __future__ import annotations

import functools

import numpy as np

from conftest import assess, check_fails, make_pose, moved
from posecheck.core.features import compute_features
from posecheck.core.types import Pose, State

# A side view: the far side's joints 8 px above the near side's.
pose = functools.partial(make_pose, far_offset=(0.0, -8.0))


# Seen from the feet: head at the top of the image, the person's left on the image
# right. Knees drawn up and dropped about 50 degrees to the person's left.
ROTATION = {
    "NOSE": (320, 50), "LEFT_EAR": (345, 62), "RIGHT_EAR": (295, 62),
    "LEFT_SHOULDER": (400, 100), "RIGHT_SHOULDER": (240, 100),
    "LEFT_ELBOW": (500, 105), "RIGHT_ELBOW": (140, 105), "LEFT_WRIST": (600, 110), "RIGHT_WRIST": (40, 110),
    "LEFT_HIP": (370, 260), "RIGHT_HIP": (270, 260),
    "LEFT_KNEE": (450, 180), "RIGHT_KNEE": (420, 148), "LEFT_ANKLE": (400, 300), "RIGHT_ANKLE": (380, 290),
}


def test_rotation_correct_and_side():
    a = assess("knee_to_chest_rotation", pose(ROTATION))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "left"
    to_the_right = moved(ROTATION, LEFT_KNEE=(220, 148), RIGHT_KNEE=(190, 180))
    a = assess("knee_to_chest_rotation", pose(to_the_right))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "right"


def test_rotation_face_up_gate():
    sitting_face = moved(ROTATION, NOSE=(320, 70))
    check_fails("knee_to_chest_rotation", pose(sitting_face), "face_up",
                "Lie on your back, face up, with the camera at your feet")


def test_rotation_knees_up_gate():
    legs_out = moved(ROTATION, LEFT_KNEE=(350, 400), RIGHT_KNEE=(290, 400), LEFT_ANKLE=(350, 470),
                     RIGHT_ANKLE=(290, 470))
    check_fails("knee_to_chest_rotation", pose(legs_out), "knees_up",
                "Lie on your back and draw your knees up toward your chest")


def test_rotation_knees_together():
    apart = moved(ROTATION, RIGHT_KNEE=(250, 160))
    check_fails("knee_to_chest_rotation", pose(apart), "knees_together", "Keep your knees together")


def test_rotation_knees_dropped():
    middle = moved(ROTATION, LEFT_KNEE=(335, 140), RIGHT_KNEE=(305, 140))
    check_fails("knee_to_chest_rotation", pose(middle), "knees_dropped", "Let both knees drop to one side")


def test_rotation_shoulders_down():
    rolled = moved(ROTATION, LEFT_SHOULDER=(360, 95), RIGHT_SHOULDER=(290, 105))
    check_fails("knee_to_chest_rotation", pose(rolled), "shoulders_down", "Keep both shoulders on the floor")


def test_rotation_unusable_view_and_hidden_knee_are_uncertain():
    # Shoulders overlapping (a side view) but the trunk upright in the image: not lying seen from the side.
    side_on = moved(ROTATION, LEFT_SHOULDER=(322, 100), RIGHT_SHOULDER=(318, 100))
    a = assess("knee_to_chest_rotation", pose(side_on))
    assert a.state is State.UNCERTAIN
    assert a.cue == "Place the camera at your feet, facing you, or beside you"
    hidden = pose(ROTATION, visibility={"RIGHT_KNEE": 0.1})
    assert assess("knee_to_chest_rotation", hidden).state is State.UNCERTAIN


# Seen from the side: head at the image right, trunk along the image x axis, the
# person's left side toward a camera a little above (near joints 10 px lower in
# the image than the far ones). Torso 240 px; knees drawn up, thighs 180 px
# (0.75 torso), knees 110 px toward the feet: undropped they stand 142 px above
# the trunk line. Here dropped 60 degrees toward the camera (the person's left):
# 71 px high, the near knee lower, the pelvis rolled (far hip risen 30 px against
# the shoulders' 20).
ROT_SIDE = {
    "NOSE": (600, 275), "LEFT_EAR": (580, 300), "RIGHT_EAR": (580, 292),
    "LEFT_SHOULDER": (540, 310), "RIGHT_SHOULDER": (540, 290),
    "LEFT_ELBOW": (470, 320), "RIGHT_ELBOW": (470, 300), "LEFT_WRIST": (400, 322), "RIGHT_WRIST": (400, 302),
    "LEFT_HIP": (300, 315), "RIGHT_HIP": (300, 285),
    "LEFT_KNEE": (190, 235), "RIGHT_KNEE": (190, 223), "LEFT_ANKLE": (200, 320), "RIGHT_ANKLE": (200, 305),
}
# The right side a little less seen, so the left is the camera's near side.
FAR_RIGHT = {"RIGHT_SHOULDER": 0.8, "RIGHT_HIP": 0.8, "RIGHT_KNEE": 0.8, "RIGHT_ANKLE": 0.8,
             "RIGHT_ELBOW": 0.8, "RIGHT_WRIST": 0.8}


def rot_side(**changes) -> Pose:
    return pose(moved(ROT_SIDE, **changes), visibility=FAR_RIGHT)


def test_rotation_view_selection():
    from posecheck.judge.exercises.knee_to_chest_rotation import is_side_view, usable_view
    side = compute_features(rot_side())
    assert is_side_view(side) and usable_view(side)
    front = compute_features(pose(ROTATION))
    assert not is_side_view(front) and usable_view(front)


def test_rotation_side_view_correct_and_side():
    a = assess("knee_to_chest_rotation", rot_side())
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "left"  # toward the camera: the pelvis rolled, far hip up
    dropped = next(r for r in a.results if r.name == "knees_dropped").value
    assert 40 < dropped < 50  # 60 degrees less the side view's 15-degree bias
    # Dropped away from the camera: the near hip rises against the shoulders.
    away = rot_side(LEFT_HIP=(300, 305), RIGHT_HIP=(300, 295), LEFT_KNEE=(190, 226), RIGHT_KNEE=(190, 232))
    a = assess("knee_to_chest_rotation", away)
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "right"


def test_rotation_side_view_knees_dropped():
    # Knees up in the middle: 142 px above the trunk line.
    middle = rot_side(LEFT_HIP=(300, 310), RIGHT_HIP=(300, 290), LEFT_KNEE=(190, 163), RIGHT_KNEE=(190, 153))
    check_fails("knee_to_chest_rotation", middle, "knees_dropped", "Let both knees drop to one side")


def test_rotation_side_view_face_up_gate():
    facing_forward = rot_side(NOSE=(605, 300))
    check_fails("knee_to_chest_rotation", facing_forward, "face_up",
                "Lie on your back, face up, with the camera at your feet")


def test_rotation_side_view_knees_up_gate():
    legs_out = rot_side(LEFT_KNEE=(120, 318), RIGHT_KNEE=(120, 302), LEFT_ANKLE=(30, 320),
                        RIGHT_ANKLE=(30, 305))
    check_fails("knee_to_chest_rotation", legs_out, "knees_up",
                "Lie on your back and draw your knees up toward your chest")


def test_rotation_side_view_knees_together():
    # From the side only gross separations show (the knees part in depth): the near
    # knee hugged to the chest, the far leg stretched along the floor.
    apart = rot_side(LEFT_KNEE=(320, 160), LEFT_ANKLE=(250, 200), RIGHT_KNEE=(120, 290),
                     RIGHT_ANKLE=(40, 295))
    check_fails("knee_to_chest_rotation", apart, "knees_together", "Keep your knees together")


def test_rotation_side_view_shoulders_down():
    # The upper body propped up 20 degrees (the whole figure turned about the hips).
    c, s = np.cos(np.radians(20)), np.sin(np.radians(20))

    def turn(p):
        x, y = p[0] - 300, p[1] - 300
        return (300 + c * x + s * y, 300 - s * x + c * y)

    propped = {k: (turn(v) if k in ("NOSE", "LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER",
                                    "LEFT_ELBOW", "RIGHT_ELBOW", "LEFT_WRIST", "RIGHT_WRIST") else v)
               for k, v in ROT_SIDE.items()}
    a = check_fails("knee_to_chest_rotation", pose(propped, visibility=FAR_RIGHT), "shoulders_down",
                    "Keep both shoulders on the floor")
    assert next(r for r in a.results if r.name == "shoulders_down").value < 0.5


def test_rotation_side_view_from_above_knees_on_the_floor():
    # From above the shoulder line spreads past the side view's 0.3 torso lengths (90 px of
    # 240), but the trunk runs across the image: still the side view. The knees lie on the
    # floor on the camera's side, below the trunk line: dropped (taken as 90) toward the camera.
    above = rot_side(LEFT_SHOULDER=(540, 345), RIGHT_SHOULDER=(540, 255), LEFT_KNEE=(190, 335),
                     RIGHT_KNEE=(190, 322))
    from posecheck.judge.exercises.knee_to_chest_rotation import is_side_view
    assert is_side_view(compute_features(above))
    a = assess("knee_to_chest_rotation", above)
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "left"
    assert next(r for r in a.results if r.name == "knees_dropped").value == 75.0


def test_rotation_side_view_knees_under_the_body_fail():
    # On all fours the knees stand a thigh length below the trunk line: not a drop to the floor.
    fours = rot_side(LEFT_KNEE=(300, 480), RIGHT_KNEE=(300, 470))
    a = assess("knee_to_chest_rotation", fours)
    assert a.state is not State.CORRECT
    assert next(r for r in a.results if r.name == "knees_dropped").value > 85.0
