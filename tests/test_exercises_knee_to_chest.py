"""``posecheck/judge/exercises/knee_to_chest.py`` on synthetic poses: each rule passing and failing with its
cue, the side choice and the camera-view check.

Named joints are placed at pixel positions of a 640x480 frame (visibility 1.0
unless a test lowers it); a joint named without a side is the near side's, the
far side's copy 8 px above it, as a side view shows it. No model runs here.
"""

from __future__ import annotations

import functools


from conftest import assess, check_fails, make_pose, moved
from posecheck.core.types import State

# A side view: the far side's joints 8 px above the near side's.
pose = functools.partial(make_pose, far_offset=(0.0, -8.0))


# Side view, head at the image left, the person's left side toward the camera:
# the left (near) knee hugged, the right leg straight on the floor.
K2C = {
    "NOSE": (80, 300), "SHOULDER": (150, 330), "HIP": (320, 335), "ELBOW": (200, 300),
    "LEFT_KNEE": (250, 230), "LEFT_ANKLE": (330, 210), "LEFT_WRIST": (255, 240), "RIGHT_WRIST": (245, 235),
    "RIGHT_KNEE": (460, 335), "RIGHT_ANKLE": (590, 340),
}


def test_knee_to_chest_correct_and_side():
    a = assess("knee_to_chest", pose(K2C))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "left"
    # The far (right) knee hugged, the near leg straight: the right side works.
    far = moved(K2C, RIGHT_KNEE=(250, 222), RIGHT_ANKLE=(330, 202),
                LEFT_KNEE=(460, 335), LEFT_ANKLE=(590, 340))
    a = assess("knee_to_chest", pose(far))
    assert a.state is State.CORRECT and a.side == "right"
    # The other foot flat on the floor with the knee bent is fine too.
    hook = moved(K2C, RIGHT_KNEE=(420, 250), RIGHT_ANKLE=(480, 335))
    assert assess("knee_to_chest", pose(hook)).state is State.CORRECT


def test_knee_to_chest_side_prefers_the_seen_leg_when_both_are_alike():
    # Both knees up alike, the far leg poorly seen: judge the near leg, with an exercise cue.
    both_up = moved(K2C, LEFT_KNEE=(420, 250), LEFT_ANKLE=(480, 335), RIGHT_KNEE=(425, 245),
                    RIGHT_ANKLE=(485, 330), LEFT_WRIST=(330, 345), RIGHT_WRIST=(330, 345))
    hidden_far = {n: 0.4 for n in ("RIGHT_HIP", "RIGHT_KNEE", "RIGHT_ANKLE")}
    a = assess("knee_to_chest", pose(both_up, visibility=hidden_far))
    assert a.side == "left"
    assert a.state is State.INCORRECT and a.cue == "Pull your knee closer to your chest"


def test_knee_to_chest_lying_gate():
    sitting = moved(K2C, SHOULDER=(200, 180), NOSE=(190, 140))
    check_fails("knee_to_chest", pose(sitting), "lying", "Lie down flat on your back")


def test_knee_to_chest_knee_pulled_in():
    loose = moved(K2C, LEFT_KNEE=(400, 230), LEFT_WRIST=(400, 240), RIGHT_WRIST=(395, 235))
    a = check_fails("knee_to_chest", pose(loose), "knee_to_chest", "Pull your knee closer to your chest")
    assert a.side == "left"


def test_knee_to_chest_knee_up_not_dropped_across():
    dropped = moved(K2C, LEFT_KNEE=(250, 325), LEFT_WRIST=(255, 320), RIGHT_WRIST=(245, 318))
    check_fails("knee_to_chest", pose(dropped), "knee_up", "Pull your knee straight up toward your chest")


def test_knee_to_chest_knee_bent():
    straight_raise = moved(K2C, LEFT_KNEE=(260, 215), LEFT_ANKLE=(200, 95), LEFT_WRIST=(262, 220),
                           RIGHT_WRIST=(258, 212))
    check_fails("knee_to_chest", pose(straight_raise), "knee_bent", "Bend your knee and hug it to your chest")


def test_knee_to_chest_hands_at_knee():
    hands_down = moved(K2C, LEFT_WRIST=(330, 345), RIGHT_WRIST=(330, 340))
    check_fails("knee_to_chest", pose(hands_down), "hands_at_knee", "Hold your knee with both hands")


HUG_ONE = "Hug one knee only: keep your other foot on the floor or that leg straight"


def test_knee_to_chest_other_leg_down():
    both_hugged = moved(K2C, RIGHT_KNEE=(262, 222), RIGHT_ANKLE=(340, 205))
    check_fails("knee_to_chest", pose(both_hugged), "other_leg_down", HUG_ONE)


# Metric 3D positions (metres, y down, hip-centred) of a knee hug: the left hip flexed ~50 deg.
WORLD_HUG = {"LEFT_SHOULDER": (-0.5, 0.0, 0.1), "RIGHT_SHOULDER": (-0.5, 0.0, -0.1),
             "LEFT_HIP": (0.0, 0.0, 0.1), "RIGHT_HIP": (0.0, 0.0, -0.1),
             "LEFT_KNEE": (-0.27, -0.32, 0.1), "RIGHT_KNEE": (0.45, 0.0, -0.1),
             "LEFT_ANKLE": (0.0, -0.5, 0.1), "RIGHT_ANKLE": (0.85, 0.0, -0.1)}


def test_knee_to_chest_reads_the_hip_in_3d_when_the_image_foreshortens_it():
    """Seen off the side the image hip angle opens (here to ~120 deg); the world landmarks keep ~50."""
    opened = moved(K2C, LEFT_KNEE=(390, 230), LEFT_WRIST=(390, 240), RIGHT_WRIST=(385, 235),
                   LEFT_ANKLE=(470, 300))
    assert assess("knee_to_chest", pose(opened)).state is State.INCORRECT
    a = assess("knee_to_chest", pose(opened, world=WORLD_HUG))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    loose = dict(WORLD_HUG, LEFT_KNEE=(0.1, -0.42, 0.1))  # thigh straight up: hip ~100 deg
    check_fails("knee_to_chest", pose(opened, world=loose), "knee_to_chest", "Pull your knee closer to your chest")


def test_both_knees_hugged_gets_the_cue_even_with_the_far_leg_hidden():
    """Both knees hugged, seen from the side: the far knee hides behind the near one (visibility
    0.1-0.3 on the real photos), but its world landmarks still place it: the cue says what to do."""
    both = moved(K2C, RIGHT_KNEE=(258, 226), RIGHT_ANKLE=(335, 207))
    hidden = {n: 0.15 for n in ("RIGHT_KNEE", "RIGHT_ANKLE")}
    world = dict(WORLD_HUG, RIGHT_KNEE=(-0.27, -0.32, -0.1), RIGHT_ANKLE=(0.0, -0.5, -0.1))
    assert assess("knee_to_chest", pose(both, visibility=hidden)).state is State.UNCERTAIN
    check_fails("knee_to_chest", pose(both, visibility=hidden, world=world), "other_leg_down", HUG_ONE)


def test_the_other_leg_straight_counts():
    """The instructions allow it (STRICT_LABELS.md calls it a variant of the post): it is held time."""
    a = assess("knee_to_chest", pose(K2C, world=WORLD_HUG))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]


def test_knee_to_chest_wrong_view_and_hidden_knee_are_uncertain():
    front = pose(moved(K2C, LEFT_SHOULDER=(150, 420), RIGHT_SHOULDER=(150, 240)))
    a = assess("knee_to_chest", front)
    assert a.state is State.UNCERTAIN and a.cue == "Turn so the camera sees you from the side"
    hidden = pose(K2C, visibility={"LEFT_KNEE": 0.2})
    assert assess("knee_to_chest", hidden).state is State.UNCERTAIN
