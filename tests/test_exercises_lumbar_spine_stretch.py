"""``posecheck/judge/exercises/lumbar_spine_stretch.py`` on synthetic poses: each rule passing and failing with its
cue, the side detection and the view check.

Named joints are placed at pixel positions of a 1000x1000 frame (visibility 1.0
unless said); a joint named without a side places both sides' on the same spot.
No model runs here.
"""

from __future__ import annotations

import functools

import pytest

from conftest import assess, make_pose, mirror_image, moved, result, swap_sides
from posecheck.core.types import State

W, H = 1000, 1000
pose = functools.partial(make_pose, image_wh=(W, H))


# Front view, facing the camera (the person's left on the image right), sitting on the
# floor: the right leg stretched toward the camera, the left knee bent up with its foot
# by the right thigh, the right hand holding the left knee, the head turned to the left.
SEATED_TWIST = {
    "LEFT_HIP": (550, 600), "RIGHT_HIP": (450, 600),
    "LEFT_KNEE": (600, 480), "LEFT_ANKLE": (480, 640),
    "RIGHT_KNEE": (440, 750), "RIGHT_ANKLE": (430, 880),
    "LEFT_SHOULDER": (550, 350), "RIGHT_SHOULDER": (450, 350),
    "NOSE": (560, 290),
    "RIGHT_ELBOW": (520, 470), "RIGHT_WRIST": (590, 470),
    "LEFT_ELBOW": (620, 480), "LEFT_WRIST": (640, 600),
}
# Shoulders square to the hips (width ratio 1.6) and the face to the front.
SQUARE = moved(SEATED_TWIST, LEFT_SHOULDER=(580, 350), RIGHT_SHOULDER=(420, 350), NOSE=(500, 290))


def lumbar(joints, vis=None):
    return assess("lumbar_spine_stretch", pose(joints, vis))


def test_lumbar_accepts_a_seated_twist_and_finds_the_bent_side():
    a = lumbar(SEATED_TWIST)
    assert a.state is State.CORRECT, a.cue
    assert a.side == "left"
    assert lumbar(mirror_image(SEATED_TWIST, W)).side == "left"
    other = lumbar(swap_sides(SEATED_TWIST, W))
    assert other.state is State.CORRECT and other.side == "right"


def test_lumbar_square_shoulders_fail_the_twist():
    a = lumbar(SQUARE)
    assert result(a, "twist").ok is False
    assert result(a, "twist").value < 10
    assert a.cue == "Turn your chest and shoulders further toward the bent knee"


def test_lumbar_twist_seen_from_the_side_of_the_legs():
    # Hips seen edge-on, chest open to the camera, face to the front: the shoulders'
    # width against the hips' shows the twist.
    side_on = moved(SQUARE, LEFT_HIP=(510, 600), RIGHT_HIP=(490, 600))
    a = lumbar(side_on)
    assert result(a, "twist").ok is True
    assert a.state is State.CORRECT


def test_lumbar_sitting_gates():
    chair = lumbar(moved(SEATED_TWIST, LEFT_KNEE=(560, 620), LEFT_ANKLE=(560, 850),
                         RIGHT_KNEE=(440, 620), RIGHT_ANKLE=(440, 850)))
    assert result(chair, "foot_by_hips").ok is False
    assert chair.cue == "Sit on the floor, not on a chair, with one foot by the other leg"
    feet_up = lumbar(moved(SEATED_TWIST, LEFT_ANKLE=(560, 400), RIGHT_ANKLE=(440, 420),
                           RIGHT_KNEE=(440, 520)))
    assert result(feet_up, "foot_by_hips").ok is False
    assert feet_up.cue == "Put your feet down on the floor"
    standing = {name: (x, y - 150) if y <= 600 else (x, y) for name, (x, y) in SEATED_TWIST.items()}
    standing.update(LEFT_KNEE=(555, 660), LEFT_ANKLE=(555, 880), RIGHT_KNEE=(445, 660), RIGHT_ANKLE=(445, 880))
    a = lumbar(standing)
    assert result(a, "sitting").ok is False
    assert a.cue == "Sit down on the floor"


def test_lumbar_upright_gate():
    leaning = {name: (x + 200, y) if y <= 470 and name != "LEFT_KNEE" else (x, y)
               for name, (x, y) in SEATED_TWIST.items()}
    a = lumbar(leaning)
    assert result(a, "upright").ok is False
    assert a.cue == "Sit up tall"


def test_lumbar_knee_bent_gate():
    # Seen from the side, both legs straight along the floor.
    legs_out = moved(SEATED_TWIST, LEFT_HIP=(505, 600), RIGHT_HIP=(495, 600), KNEE=(650, 610),
                     ANKLE=(800, 620), LEFT_SHOULDER=(580, 350), RIGHT_SHOULDER=(420, 350))
    legs_out.pop("LEFT_KNEE"), legs_out.pop("RIGHT_KNEE"), legs_out.pop("LEFT_ANKLE"), legs_out.pop("RIGHT_ANKLE")
    a = lumbar(legs_out)
    assert result(a, "knee_bent").ok is False
    assert a.cue == "Bend one knee and put that foot on the floor"


def test_lumbar_hold_knee():
    a = lumbar(moved(SEATED_TWIST, RIGHT_ELBOW=(380, 450), RIGHT_WRIST=(330, 560),
                     LEFT_ELBOW=(800, 380), LEFT_WRIST=(900, 420)))
    assert result(a, "hold_knee").ok is False
    assert a.cue == "Hold the bent knee with your opposite arm"


def test_lumbar_view_and_hidden_feet():
    from_behind = lumbar(SEATED_TWIST, vis={"NOSE": 0.1, "LEFT_EYE": 0.1, "RIGHT_EYE": 0.1})
    assert from_behind.state is State.UNCERTAIN
    assert from_behind.cue == "Turn so the camera sees your face and chest"
    # One foot hidden under the other leg is fine; both hidden is uncertain.
    assert lumbar(SEATED_TWIST, vis={"RIGHT_ANKLE": 0.1}).state is State.CORRECT
    assert lumbar(SEATED_TWIST, vis={"RIGHT_ANKLE": 0.1, "LEFT_ANKLE": 0.1}).state is State.UNCERTAIN


def _world(head_turn_deg: float, chest_turn_deg: float = 0.0) -> dict[str, tuple[float, float, float]]:
    """Metric landmarks of someone sitting tall (y down, z away from the camera), the head and the
    chest turned ``head_turn_deg`` and ``chest_turn_deg`` toward their own left against square hips."""
    import math
    t, c = math.radians(head_turn_deg), math.radians(chest_turn_deg)
    return {"LEFT_HIP": (0.12, 0.0, 0.0), "RIGHT_HIP": (-0.12, 0.0, 0.0),
            "LEFT_SHOULDER": (0.18 * math.cos(c), -0.5, -0.18 * math.sin(c)),
            "RIGHT_SHOULDER": (-0.18 * math.cos(c), -0.5, 0.18 * math.sin(c)),
            "LEFT_EAR": (0.08 * math.cos(t), -0.68, -0.08 * math.sin(t)),
            "RIGHT_EAR": (-0.08 * math.cos(t), -0.68, 0.08 * math.sin(t))}


def test_lumbar_twist_from_world_landmarks():
    # The 3D head turn against the hips decides, whatever the 2D image suggests.
    turned = assess("lumbar_spine_stretch", pose(SQUARE, world=_world(45.0)))
    assert result(turned, "twist").value == pytest.approx(45.0, abs=0.5)
    assert turned.state is State.CORRECT
    # Turned the other way counts too (the side comes from the knee, see the module notes).
    assert result(assess("lumbar_spine_stretch", pose(SQUARE, world=_world(-45.0))), "twist").ok is True
    square = assess("lumbar_spine_stretch", pose(SEATED_TWIST, world=_world(5.0)))
    assert result(square, "twist").ok is False
    assert square.cue == "Turn your chest and shoulders further toward the bent knee"


def test_lumbar_twist_head_turned_apart_from_the_chest():
    # The chest turned left, the head looking back over the right shoulder (near square to the
    # hips), or the face kept to the camera: the head against the chest shows the twist.
    back = assess("lumbar_spine_stretch", pose(SQUARE, world=_world(-15.0, 20.0)))
    assert result(back, "twist").value == pytest.approx(35.0, abs=0.5)
    assert result(back, "twist").ok is True
    assert result(assess("lumbar_spine_stretch", pose(SQUARE, world=_world(0.0, 40.0))), "twist").ok is True
    # Half untwisted: the chest still round, the head come back most of the way the same way.
    half = assess("lumbar_spine_stretch", pose(SQUARE, world=_world(15.0, 28.0)))
    assert result(half, "twist").value == pytest.approx(15.0, abs=0.5)
    assert result(half, "twist").ok is False


def test_lumbar_knee_outside_the_picture_is_not_the_working_one():
    # The left knee is the higher, but the model puts it beyond the image edge: the right one is judged.
    cropped = moved(SEATED_TWIST, LEFT_KNEE=(1040, 480))
    assert lumbar(SEATED_TWIST).side == "left"
    assert lumbar(cropped).side == "right"
