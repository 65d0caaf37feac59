"""``posecheck/judge/exercises/cobra.py`` on synthetic poses: each rule passing and failing with its
cue, the side choice and the camera-view check.

Named joints are placed at pixel positions of a 640x480 frame (visibility 1.0
unless a test lowers it); a joint named without a side is the near side's, the
far side's copy 8 px above it, as a side view shows it. No model runs here.
"""

from __future__ import annotations

import functools
import math


from conftest import assess, check_fails, make_pose, moved
from posecheck.core.types import State

# A side view: the far side's joints 8 px above the near side's.
pose = functools.partial(make_pose, far_offset=(0.0, -8.0))


# Side view, head at the image right, the person's left side toward the camera:
# pelvis and legs on the floor, trunk lifted 35 degrees, palms under the chest.
COBRA = {
    "ANKLE": (100, 400), "KNEE": (220, 398), "HIP": (330, 390), "SHOULDER": (469, 292),
    "ELBOW": (460, 345), "WRIST": (470, 398), "EAR": (505, 255), "NOSE": (540, 250),
}


def test_cobra_correct():
    a = assess("cobra", pose(COBRA))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]


def test_cobra_gates():
    sitting = moved(COBRA, ANKLE=(600, 400), KNEE=(470, 398), SHOULDER=(340, 220))
    check_fails("cobra", pose(sitting), "prone", "Lie on your stomach with your legs straight behind you")
    hips_high = moved(COBRA, HIP=(330, 250), KNEE=(215, 325))
    check_fails("cobra", pose(hips_high), "legs_down", "Lie on your stomach with your legs straight behind you")
    knees_bent = moved(COBRA, KNEE=(215, 300))
    check_fails("cobra", pose(knees_bent), "legs_straight", "Stretch your legs out straight behind you")


def test_cobra_chest_lift():
    flat = moved(COBRA, SHOULDER=(499, 375), ELBOW=(480, 385), WRIST=(500, 398), EAR=(535, 360),
                 NOSE=(570, 358))
    check_fails("cobra", pose(flat), "chest_lift", "Press through your hands to lift your chest")
    upright = moved(COBRA, SHOULDER=(332, 220))
    check_fails("cobra", pose(upright), "chest_lift", "Lower your chest a little")


def test_cobra_pelvis_thighs_and_knees_down():
    hips_up = moved(COBRA, HIP=(330, 338), KNEE=(220, 370), SHOULDER=(469, 240), ELBOW=(460, 300),
                    EAR=(505, 203), NOSE=(540, 198))
    a = check_fails("cobra", pose(hips_up), "pelvis_down", "Keep your hips on the floor")
    assert a.results[[r.name for r in a.results].index("pelvis_down")].value > 10.5
    on_knees = moved(COBRA, KNEE=(260, 430), ANKLE=(100, 420))
    check_fails("cobra", pose(on_knees), "thighs_down", "Keep your hips on the floor")
    knees_up = moved(COBRA, KNEE=(220, 380))
    check_fails("cobra", pose(knees_up), "knees_down", "Keep your thighs and knees on the floor")


def test_cobra_on_palms_not_forearms():
    sphinx = moved(COBRA, ELBOW=(430, 395), WRIST=(500, 398))
    check_fails("cobra", pose(sphinx), "on_palms", "Press up on your palms, not your forearms")


def test_cobra_head_is_the_face_direction():
    # The face turned up toward the ceiling (ear-nose line ~58 deg above the horizontal)...
    cranked = moved(COBRA, NOSE=(530, 215))
    check_fails("cobra", pose(cranked), "head", "Don't crank your head back: look forward")
    # ...while a neck tilted back along a steep trunk with the face forward is fine.
    steep = moved(COBRA, EAR=(470, 240), NOSE=(505, 240))
    assert assess("cobra", pose(steep)).state is State.CORRECT
    dropped = moved(COBRA, NOSE=(515, 310))
    check_fails("cobra", pose(dropped), "head", "Lift your head and look forward")
    # Facing the other way (head at the image left) reads the same.
    mirrored = {name: (640 - x, y) for name, (x, y) in moved(COBRA, NOSE=(530, 215)).items()}
    check_fails("cobra", pose(mirrored), "head", "Don't crank your head back: look forward")


def _head_world(lift_deg: float) -> dict[str, tuple[float, float, float]]:
    """World ears and nose (metres, y down) of a face lifted ``lift_deg`` above the horizontal."""
    forward, up = 0.1 * math.cos(math.radians(lift_deg)), 0.1 * math.sin(math.radians(lift_deg))
    return {"LEFT_EAR": (0.0, -0.5, 0.55), "RIGHT_EAR": (0.0, -0.5, 0.55),
            "NOSE": (0.0, -0.5 - up, 0.55 + forward)}


def test_cobra_head_thrown_back_in_the_world_landmarks_fails_where_the_image_misses_it():
    # The image's ear-nose line reads the face forward (the ear misplaced under hair, say); the
    # metric world landmarks have the face 50 degrees up: the higher reading counts.
    assert assess("cobra", pose(COBRA, world=_head_world(-10.0))).state is State.CORRECT
    check_fails("cobra", pose(COBRA, world=_head_world(50.0)), "head", "Don't crank your head back: look forward")
    # A 2D face to the ceiling still fails when the world landmarks read it forward.
    check_fails("cobra", pose(moved(COBRA, NOSE=(530, 215)), world=_head_world(0.0)), "head",
                "Don't crank your head back: look forward")


def test_cobra_hands_placed():
    reaching = moved(COBRA, ELBOW=(600, 300), WRIST=(630, 398))
    check_fails("cobra", pose(reaching), "hands_placed",
                "Place your palms beside your shoulders, elbows close to your body")


def test_cobra_chest_above_elbows():
    # Elbows drawn back level with the shoulders: the chest hardly above them (baby cobra on the forearms).
    low = moved(COBRA, ELBOW=(400, 285))
    check_fails("cobra", pose(low), "chest_above_elbows", "Press through your hands to lift your chest")


def test_cobra_wrong_view_and_hidden_wrist_are_uncertain():
    front = pose(moved(COBRA, LEFT_SHOULDER=(469, 292), RIGHT_SHOULDER=(469, 60)))
    a = assess("cobra", front)
    assert a.state is State.UNCERTAIN and a.cue == "Turn so the camera sees you from the side"
    hidden = pose(COBRA, visibility={"LEFT_WRIST": 0.1, "RIGHT_WRIST": 0.1})
    assert assess("cobra", hidden).state is State.UNCERTAIN


def _prone_world(hip_lift: float, turn_deg: float = 0.0) -> dict[str, tuple[float, float, float]]:
    """World landmarks (metres, y down, origin between the hips) of a cobra lying along z, the hips
    ``hip_lift`` metres higher off the floor, seen from ``turn_deg`` round the vertical."""
    import math
    c, s = math.cos(math.radians(turn_deg)), math.sin(math.radians(turn_deg))
    points = {"LEFT_HIP": (0.09, 0.0, 0.0), "RIGHT_HIP": (-0.09, 0.0, 0.0),
              "LEFT_SHOULDER": (0.17, -0.25, 0.4), "RIGHT_SHOULDER": (-0.17, -0.25, 0.4),
              "LEFT_WRIST": (0.2, 0.07 + hip_lift, 0.42), "LEFT_ANKLE": (0.1, 0.05 + hip_lift, -0.85)}
    return {k: (x * c + z * s, y, -x * s + z * c) for k, (x, y, z) in points.items()}


def test_hips_down_reads_the_hips_height_in_3d_from_any_direction_round_the_person():
    from posecheck.core.features import compute_features
    from posecheck.judge.exercises.cobra import hips_above_support
    down = [hips_above_support(compute_features(pose(COBRA, world=_prone_world(0.0, t))), "left")
            for t in (0.0, 30.0, -30.0)]
    up = [hips_above_support(compute_features(pose(COBRA, world=_prone_world(0.25, t))), "left")
          for t in (0.0, 30.0, -30.0)]
    assert max(down) - min(down) < 1e-6 and max(up) - min(up) < 1e-6
    assert 0.05 < down[0] < 0.2 < 0.4 < up[0]
    check_fails("cobra", pose(COBRA, world=_prone_world(0.25, 30.0)), "hips_down", "Keep your hips on the floor")
