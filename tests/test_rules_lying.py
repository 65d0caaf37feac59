"""Rules of the lying exercises (bridge, knee_to_chest, knee_to_chest_rotation, cobra).

Poses are synthetic: named joints are placed at pixel positions of a 640x480
frame (visibility 1.0 unless a test lowers it), so each rule can be shown
passing and failing with its cue, and the side choice and the camera-view
check can be exercised. No model runs here.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.judge.exercises import get_exercise, judge
from posecheck.core.features import compute_features
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.core.types import Assessment, Pose, State

WH = (640, 480)
SIDES = ("LEFT", "RIGHT")


def _parent(name: str) -> str | None:
    """Where an unplaced landmark goes: face points on the nose, hands on the wrist, feet on the ankle."""
    if name.startswith(("LEFT_EYE", "RIGHT_EYE", "MOUTH")) or name.endswith("_EAR"):
        return "NOSE"
    side, _, part = name.partition("_")
    if part in ("PINKY", "INDEX", "THUMB"):
        return f"{side}_WRIST"
    if part in ("HEEL", "FOOT_INDEX"):
        return f"{side}_ANKLE"
    return None


def pose(joints: dict[str, tuple[float, float]], *, far: str = "RIGHT", far_offset=(0.0, -8.0),
         visibility: dict[str, float] | None = None,
         world: dict[str, tuple[float, float, float]] | None = None) -> Pose:
    """A Pose from pixel positions.

    A key without a side ("HIP") is the near side's joint; the far side's copy is
    placed ``far_offset`` pixels away, as a side view shows it. Keys with a side
    ("LEFT_KNEE") are placed as given. ``visibility`` overrides per landmark name.
    ``world`` gives metric 3D positions by landmark name (others are 0).
    """
    near = "LEFT" if far == "RIGHT" else "RIGHT"
    px: dict[str, tuple[float, float]] = {}
    for name, (x, y) in joints.items():
        if name in L.__members__:
            px[name] = (x, y)
        else:
            px.setdefault(f"{near}_{name}", (x, y))
            px.setdefault(f"{far}_{name}", (x + far_offset[0], y + far_offset[1]))
    xyz = np.zeros((33, 3))
    for lmk in L:
        name = lmk.name if lmk.name in px else _parent(lmk.name)
        if name not in px:
            raise KeyError(f"no position for {lmk.name}")
        xyz[lmk, 0] = px[name][0] / WH[0]
        xyz[lmk, 1] = px[name][1] / WH[1]
    vis = np.ones(33)
    for name, v in (visibility or {}).items():
        vis[L[name]] = v
    w = np.zeros((33, 3))
    for name, p in (world or {}).items():
        w[L[name]] = p
    return Pose(xyz=xyz, visibility=vis, presence=vis.copy(), world=w, timestamp_s=0.0, image_wh=WH)


def assess(exercise_id: str, p: Pose) -> Assessment:
    return judge(get_exercise(exercise_id), compute_features(p))


def failing(a: Assessment) -> list[str]:
    return [r.name for r in a.results if r.ok is False]


def check_fails(exercise_id: str, p: Pose, rule: str, cue: str) -> Assessment:
    a = assess(exercise_id, p)
    assert a.state is State.INCORRECT, (a.state, [(r.name, r.value, r.ok) for r in a.results])
    assert rule in failing(a), [(r.name, r.value, r.ok) for r in a.results]
    assert a.cue == cue
    return a


def with_(base: dict, **changes) -> dict:
    out = dict(base)
    out.update(changes)
    return out


@pytest.mark.parametrize("ex_id", ["bridge", "cobra", "knee_to_chest", "knee_to_chest_rotation"])
def test_every_rule_has_cues_and_a_gate_exists(ex_id):
    ex = get_exercise(ex_id)
    assert ex.goal.kind == "hold" and ex.goal.target == 20.0
    assert any(r.gate for r in ex.rules)
    for r in ex.rules:
        assert r.low < r.high
        assert r.cue_low or r.cue_high, r.name


# ---------------------------------------------------------------- bridge
# Side view, head at the image left, the person's left side toward the camera.
BRIDGE = {
    "NOSE": (90, 300), "SHOULDER": (150, 330), "ELBOW": (200, 338), "WRIST": (250, 338),
    "HIP": (300, 260), "KNEE": (436, 197), "ANKLE": (446, 340),
}


def test_bridge_correct():
    a = assess("bridge", pose(BRIDGE))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side is None


def test_bridge_lying_gate():
    # Sitting up: the shoulders far above the hips.
    sitting = with_(BRIDGE, NOSE=(300, 40), SHOULDER=(300, 100), HIP=(320, 260))
    check_fails("bridge", pose(sitting), "lying", "Lie on your back with your knees bent")


def test_bridge_feet_flat_gate():
    # Shins lying along the floor (knees not up).
    flat = with_(BRIDGE, ANKLE=(600, 220))
    check_fails("bridge", pose(flat), "feet_flat", "Bend your knees and put your feet flat on the floor")


def test_bridge_hips_up():
    down = with_(BRIDGE, HIP=(300, 325), KNEE=(436, 240))
    check_fails("bridge", pose(down), "hips_up", "Lift your hips off the floor")


def test_bridge_hip_lift_sagging_and_arched():
    sag = with_(BRIDGE, HIP=(300, 300), KNEE=(436, 170))
    a = check_fails("bridge", pose(sag), "hip_lift", "Lift your hips higher")
    assert next(r for r in a.results if r.name == "hip_lift").value < 155
    arched = with_(BRIDGE, HIP=(300, 150))
    a = check_fails("bridge", pose(arched), "hip_lift", "Lower your hips a little, don't arch your back")
    assert next(r for r in a.results if r.name == "hip_lift").value > 235


def test_bridge_knee_bend():
    tight = with_(BRIDGE, ANKLE=(340, 300))
    check_fails("bridge", pose(tight), "knee_bend", "Move your feet a little further from your hips")
    far = with_(BRIDGE, HIP=(300, 290), KNEE=(450, 262), ANKLE=(545, 338))
    check_fails("bridge", pose(far), "knee_bend", "Bring your feet closer to your hips")


def test_bridge_reads_the_near_side():
    # The right side faces the camera: its joints are placed; the left is hidden.
    a = assess("bridge", pose(BRIDGE, far="LEFT", visibility={
        n: 0.3 for n in ("LEFT_SHOULDER", "LEFT_ELBOW", "LEFT_WRIST", "LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE")}))
    assert a.state is State.CORRECT


def test_bridge_untrusted_joint_is_uncertain():
    hidden_knee = pose(BRIDGE, visibility={"LEFT_KNEE": 0.2, "RIGHT_KNEE": 0.2})
    a = assess("bridge", hidden_knee)
    assert a.state is State.UNCERTAIN
    assert a.cue == get_exercise("bridge").view_cue


# Seen obliquely from the feet (after a real clip): head at the image right, the
# shoulders spread; hips lifted above the shoulders. MediaPipe tangled the left
# leg: its knee sits on the hip, so the rules must read the right leg.
BRIDGE_FRONT = {
    "NOSE": (372, 168), "LEFT_EAR": (366, 170), "RIGHT_EAR": (360, 166),
    "LEFT_SHOULDER": (343, 181), "RIGHT_SHOULDER": (301, 171), "LEFT_ELBOW": (330, 200),
    "RIGHT_ELBOW": (290, 195), "LEFT_WRIST": (320, 215), "RIGHT_WRIST": (280, 210),
    "LEFT_HIP": (287, 147), "RIGHT_HIP": (257, 138), "LEFT_KNEE": (279, 173), "RIGHT_KNEE": (192, 124),
    "LEFT_ANKLE": (262, 224), "RIGHT_ANKLE": (180, 199),
}
# The same camera with the hips down (legs untangled): hips below the shoulders in the image.
BRIDGE_FRONT_DOWN = with_(
    BRIDGE_FRONT, LEFT_SHOULDER=(350, 180), RIGHT_SHOULDER=(294, 174), LEFT_HIP=(285, 200),
    RIGHT_HIP=(248, 196), LEFT_KNEE=(281, 128), RIGHT_KNEE=(194, 124), LEFT_ANKLE=(254, 217),
    RIGHT_ANKLE=(180, 210))


def test_bridge_view_selection():
    from posecheck.judge.exercises.bridge import bridge_side, is_front_view
    assert not is_front_view(compute_features(pose(BRIDGE)))
    front = compute_features(pose(BRIDGE_FRONT))
    assert is_front_view(front)
    assert is_front_view(compute_features(pose(BRIDGE_FRONT_DOWN)))
    # The near (left) thigh is tangled onto the hip: the right side is read.
    assert bridge_side(front) == "right"
    assert bridge_side(compute_features(pose(BRIDGE_FRONT_DOWN))) == "left"
    # A side view keeps the near side even with a short-looking thigh.
    assert bridge_side(compute_features(pose(BRIDGE))) == "left"


def test_bridge_front_view_hips_up():
    a = assess("bridge", pose(BRIDGE_FRONT))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    hips = next(r for r in a.results if r.name == "hips_up")
    assert 0.3 < hips.value < 1.0  # hips above the shoulders, in torso lengths from the shoulder width
    a = check_fails("bridge", pose(BRIDGE_FRONT_DOWN), "hips_up", "Lift your hips off the floor")
    assert next(r for r in a.results if r.name == "hips_up").value < 0


# ---------------------------------------------------------------- cobra
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
    sitting = with_(COBRA, ANKLE=(600, 400), KNEE=(470, 398), SHOULDER=(340, 220))
    check_fails("cobra", pose(sitting), "prone", "Lie on your stomach with your legs straight behind you")
    hips_high = with_(COBRA, HIP=(330, 250), KNEE=(215, 325))
    check_fails("cobra", pose(hips_high), "legs_down", "Lie on your stomach with your legs straight behind you")
    knees_bent = with_(COBRA, KNEE=(215, 300))
    check_fails("cobra", pose(knees_bent), "legs_straight", "Stretch your legs out straight behind you")


def test_cobra_chest_lift():
    flat = with_(COBRA, SHOULDER=(499, 375), ELBOW=(480, 385), WRIST=(500, 398), EAR=(535, 360),
                 NOSE=(570, 358))
    check_fails("cobra", pose(flat), "chest_lift", "Press through your hands to lift your chest")
    upright = with_(COBRA, SHOULDER=(332, 220))
    check_fails("cobra", pose(upright), "chest_lift", "Lower your chest a little")


def test_cobra_pelvis_thighs_and_knees_down():
    hips_up = with_(COBRA, HIP=(330, 338), KNEE=(220, 370), SHOULDER=(469, 240), ELBOW=(460, 300),
                    EAR=(505, 203), NOSE=(540, 198))
    a = check_fails("cobra", pose(hips_up), "pelvis_down", "Keep your hips on the floor")
    assert a.results[[r.name for r in a.results].index("pelvis_down")].value > 10.5
    on_knees = with_(COBRA, KNEE=(260, 430), ANKLE=(100, 420))
    check_fails("cobra", pose(on_knees), "thighs_down", "Keep your hips on the floor")
    knees_up = with_(COBRA, KNEE=(220, 380))
    check_fails("cobra", pose(knees_up), "knees_down", "Keep your thighs and knees on the floor")


def test_cobra_on_palms_not_forearms():
    sphinx = with_(COBRA, ELBOW=(430, 395), WRIST=(500, 398))
    check_fails("cobra", pose(sphinx), "on_palms", "Press up on your palms, not your forearms")


def test_cobra_head():
    cranked = with_(COBRA, EAR=(460, 245))
    check_fails("cobra", pose(cranked), "head", "Don't crank your head back: look forward")
    dropped = with_(COBRA, EAR=(520, 300))
    check_fails("cobra", pose(dropped), "head", "Lift your head and look forward")


def test_cobra_hands_placed():
    reaching = with_(COBRA, ELBOW=(600, 300), WRIST=(630, 398))
    check_fails("cobra", pose(reaching), "hands_placed",
                "Place your palms beside your shoulders, elbows close to your body")


def test_cobra_wrong_view_and_hidden_wrist_are_uncertain():
    front = pose(with_(COBRA, LEFT_SHOULDER=(469, 292), RIGHT_SHOULDER=(469, 60)))
    a = assess("cobra", front)
    assert a.state is State.UNCERTAIN and a.cue == "Turn so the camera sees you from the side"
    hidden = pose(COBRA, visibility={"LEFT_WRIST": 0.1, "RIGHT_WRIST": 0.1})
    assert assess("cobra", hidden).state is State.UNCERTAIN


# ---------------------------------------------------------------- knee_to_chest
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
    far = with_(K2C, RIGHT_KNEE=(250, 222), RIGHT_ANKLE=(330, 202),
                LEFT_KNEE=(460, 335), LEFT_ANKLE=(590, 340))
    a = assess("knee_to_chest", pose(far))
    assert a.state is State.CORRECT and a.side == "right"
    # The other foot flat on the floor with the knee bent is fine too.
    hook = with_(K2C, RIGHT_KNEE=(420, 250), RIGHT_ANKLE=(480, 335))
    assert assess("knee_to_chest", pose(hook)).state is State.CORRECT


def test_knee_to_chest_side_prefers_the_seen_leg_when_both_are_alike():
    # Both knees up alike, the far leg poorly seen: judge the near leg, with an exercise cue.
    both_up = with_(K2C, LEFT_KNEE=(420, 250), LEFT_ANKLE=(480, 335), RIGHT_KNEE=(425, 245),
                    RIGHT_ANKLE=(485, 330), LEFT_WRIST=(330, 345), RIGHT_WRIST=(330, 345))
    hidden_far = {n: 0.4 for n in ("RIGHT_HIP", "RIGHT_KNEE", "RIGHT_ANKLE")}
    a = assess("knee_to_chest", pose(both_up, visibility=hidden_far))
    assert a.side == "left"
    assert a.state is State.INCORRECT and a.cue == "Pull your knee closer to your chest"


def test_knee_to_chest_lying_gate():
    sitting = with_(K2C, SHOULDER=(200, 180), NOSE=(190, 140))
    check_fails("knee_to_chest", pose(sitting), "lying", "Lie down flat on your back")


def test_knee_to_chest_knee_pulled_in():
    loose = with_(K2C, LEFT_KNEE=(400, 230), LEFT_WRIST=(400, 240), RIGHT_WRIST=(395, 235))
    a = check_fails("knee_to_chest", pose(loose), "knee_to_chest", "Pull your knee closer to your chest")
    assert a.side == "left"


def test_knee_to_chest_knee_up_not_dropped_across():
    dropped = with_(K2C, LEFT_KNEE=(250, 325), LEFT_WRIST=(255, 320), RIGHT_WRIST=(245, 318))
    check_fails("knee_to_chest", pose(dropped), "knee_up", "Pull your knee straight up toward your chest")


def test_knee_to_chest_knee_bent():
    straight_raise = with_(K2C, LEFT_KNEE=(260, 215), LEFT_ANKLE=(200, 95), LEFT_WRIST=(262, 220),
                           RIGHT_WRIST=(258, 212))
    check_fails("knee_to_chest", pose(straight_raise), "knee_bent", "Bend your knee and hug it to your chest")


def test_knee_to_chest_hands_at_knee():
    hands_down = with_(K2C, LEFT_WRIST=(330, 345), RIGHT_WRIST=(330, 340))
    check_fails("knee_to_chest", pose(hands_down), "hands_at_knee", "Hold your knee with both hands")


def test_knee_to_chest_other_leg_down():
    both_hugged = with_(K2C, RIGHT_KNEE=(262, 222), RIGHT_ANKLE=(340, 205))
    check_fails("knee_to_chest", pose(both_hugged), "other_leg_down", "Keep your other foot on the floor")


def test_knee_to_chest_wrong_view_and_hidden_knee_are_uncertain():
    front = pose(with_(K2C, LEFT_SHOULDER=(150, 420), RIGHT_SHOULDER=(150, 240)))
    a = assess("knee_to_chest", front)
    assert a.state is State.UNCERTAIN and a.cue == "Turn so the camera sees you from the side"
    hidden = pose(K2C, visibility={"LEFT_KNEE": 0.2})
    assert assess("knee_to_chest", hidden).state is State.UNCERTAIN


# ---------------------------------------------------------------- knee_to_chest_rotation
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
    to_the_right = with_(ROTATION, LEFT_KNEE=(220, 148), RIGHT_KNEE=(190, 180))
    a = assess("knee_to_chest_rotation", pose(to_the_right))
    assert a.state is State.CORRECT, [(r.name, r.value, r.ok) for r in a.results]
    assert a.side == "right"


def test_rotation_face_up_gate():
    sitting_face = with_(ROTATION, NOSE=(320, 70))
    check_fails("knee_to_chest_rotation", pose(sitting_face), "face_up",
                "Lie on your back, face up, with the camera at your feet")


def test_rotation_knees_up_gate():
    legs_out = with_(ROTATION, LEFT_KNEE=(350, 400), RIGHT_KNEE=(290, 400), LEFT_ANKLE=(350, 470),
                     RIGHT_ANKLE=(290, 470))
    check_fails("knee_to_chest_rotation", pose(legs_out), "knees_up",
                "Lie on your back and draw your knees up toward your chest")


def test_rotation_knees_together():
    apart = with_(ROTATION, RIGHT_KNEE=(250, 160))
    check_fails("knee_to_chest_rotation", pose(apart), "knees_together", "Keep your knees together")


def test_rotation_knees_dropped():
    middle = with_(ROTATION, LEFT_KNEE=(335, 140), RIGHT_KNEE=(305, 140))
    check_fails("knee_to_chest_rotation", pose(middle), "knees_dropped", "Let both knees drop to one side")


def test_rotation_shoulders_down():
    rolled = with_(ROTATION, LEFT_SHOULDER=(360, 95), RIGHT_SHOULDER=(290, 105))
    check_fails("knee_to_chest_rotation", pose(rolled), "shoulders_down", "Keep both shoulders on the floor")


def test_rotation_unusable_view_and_hidden_knee_are_uncertain():
    # Shoulders overlapping (a side view) but the trunk upright in the image: not lying seen from the side.
    side_on = with_(ROTATION, LEFT_SHOULDER=(322, 100), RIGHT_SHOULDER=(318, 100))
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
    return pose(with_(ROT_SIDE, **changes), visibility=FAR_RIGHT)


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
