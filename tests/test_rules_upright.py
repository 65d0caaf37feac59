"""Rules of cat_cow, forward_bend, lumbar_spine_stretch and side_torso_stretch on synthetic poses.

Each pose is built from named joints placed at pixel positions (visibility 1.0
unless said), so every rule can be shown passing and failing with its cue, the
side detection and the view check can be exercised, and the cat-cow rep counter
can be driven frame by frame through ``ExerciseSession``. No model runs here.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.judge.exercises import get_exercise, judge
from posecheck.core.features import compute_features
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.judge.session import ExerciseSession
from posecheck.core.types import Pose, State

W, H = 1000, 1000

# Landmarks that follow a joint when not placed: face points the nose, hands the
# wrist, feet the ankle.
_FOLLOW = {
    **{name: "NOSE" for name in ("LEFT_EYE_INNER", "LEFT_EYE", "LEFT_EYE_OUTER", "RIGHT_EYE_INNER",
                                 "RIGHT_EYE", "RIGHT_EYE_OUTER", "LEFT_EAR", "RIGHT_EAR",
                                 "MOUTH_LEFT", "MOUTH_RIGHT")},
    **{f"{s}_{p}": f"{s}_WRIST" for s in ("LEFT", "RIGHT") for p in ("PINKY", "INDEX", "THUMB")},
    **{f"{s}_{p}": f"{s}_ANKLE" for s in ("LEFT", "RIGHT") for p in ("HEEL", "FOOT_INDEX")},
}


def make_pose(joints: dict[str, tuple[float, float]], visibility: dict[str, float] | None = None,
              t: float = 0.0) -> Pose:
    """A Pose from pixel positions. A key without LEFT_/RIGHT_ (e.g. "HIP") places both sides;
    ``visibility`` maps "left"/"right" (a whole side) or landmark names to a visibility."""
    placed: dict[str, tuple[float, float]] = {}
    for name, xy in joints.items():
        if name in L.__members__:
            placed[name] = xy
        else:
            placed.setdefault(f"LEFT_{name}", xy)
            placed.setdefault(f"RIGHT_{name}", xy)
    xyz = np.zeros((33, 3))
    vis = np.ones(33)
    for landmark in L:
        name = landmark.name
        source = name if name in placed else _FOLLOW.get(name)
        if source not in placed:
            raise KeyError(f"no position for {name}")
        x, y = placed[source]
        xyz[landmark] = (x / W, y / H, 0.0)
    for key, value in (visibility or {}).items():
        if key in ("left", "right"):
            for landmark in L:
                if landmark.name.startswith(key.upper() + "_"):
                    vis[landmark] = value
        else:
            vis[L[key]] = value
    return Pose(xyz=xyz, visibility=vis, presence=vis.copy(), world=np.zeros((33, 3)),
                timestamp_s=t, image_wh=(W, H))


def assess(exercise_id: str, pose: Pose):
    return judge(get_exercise(exercise_id), compute_features(pose))


def result(assessment, rule: str):
    return next(r for r in assessment.results if r.name == rule)


def moved(joints: dict, **changes) -> dict:
    out = dict(joints)
    out.update(changes)
    return out


# ---------------------------------------------------------------- cat_cow
# Side view, facing image right, the person's left side toward the camera.
TABLETOP = {
    "SHOULDER": (600, 500), "ELBOW": (600, 625), "WRIST": (600, 750),
    "HIP": (300, 500), "KNEE": (300, 750), "ANKLE": (100, 750),
    "NOSE": (680, 530),  # head a little below the line of the back: neutral
}
NEAR_LEFT = {"right": 0.6}
CAT = moved(TABLETOP, NOSE=(640, 620))  # head dropped
COW = moved(TABLETOP, NOSE=(680, 430))  # head lifted
# Sitting back toward the heels: hips behind and below, thighs slanted.
SAT_BACK = {"HIP": (180, 620), "SHOULDER": (520, 560), "ELBOW": (560, 655)}


def cat_cow(joints, vis=NEAR_LEFT):
    return assess("cat_cow", make_pose(joints, vis))


def test_cat_cow_accepts_cat_and_cow_rejects_neutral():
    assert cat_cow(CAT).state is State.CORRECT
    assert cat_cow(COW).state is State.CORRECT
    neutral = cat_cow(TABLETOP)
    assert neutral.state is State.INCORRECT
    assert result(neutral, "back_curve").ok is False
    assert "round your back up" in neutral.cue


def test_cat_cow_head_tilt_sign_does_not_depend_on_facing():
    from posecheck.judge.exercises.cat_cow import head_tilt

    mirrored = {k: (W - x, y) for k, (x, y) in CAT.items()}
    a = head_tilt(compute_features(make_pose(CAT, NEAR_LEFT)), "left")
    b = head_tilt(compute_features(make_pose(mirrored, NEAR_LEFT)), "left")
    assert a == pytest.approx(b) and a < -30
    assert head_tilt(compute_features(make_pose(COW, NEAR_LEFT)), "left") > 0


def test_cat_cow_reads_the_near_side():
    # The right side is the better seen one: its joints are read.
    far_left = cat_cow(moved(CAT, LEFT_WRIST=(300, 750)), vis={"left": 0.6})
    assert far_left.state is State.CORRECT
    near_left = cat_cow(moved(CAT, LEFT_WRIST=(300, 750)))
    assert result(near_left, "hands_under_shoulders").ok is False


def test_cat_cow_hands_under_shoulders():
    a = cat_cow(moved(CAT, WRIST=(850, 700), ELBOW=(720, 600)))
    assert a.state is State.INCORRECT
    assert result(a, "hands_under_shoulders").ok is False
    assert a.cue == "Place your hands right under your shoulders"


def test_cat_cow_sitting_back_fails_knees_under_hips():
    a = cat_cow(moved(COW, **SAT_BACK))
    assert result(a, "knees_under_hips").ok is False
    assert a.cue == "Bring your hips over your knees, don't sit back on your heels"


def test_cat_cow_kneeling_rule():
    legs_straight = cat_cow(moved(CAT, KNEE=(300, 750), ANKLE=(300, 1000)))
    assert result(legs_straight, "kneeling").ok is False
    assert legs_straight.cue == "Put your knees down on the floor"
    folded = cat_cow(moved(CAT, ANKLE=(420, 560)))
    assert result(folded, "kneeling").ok is False
    assert folded.cue == "Come up onto your hands and knees"


def test_cat_cow_back_level_rule():
    # Hips pushed high with straight-ish arms: a downward-dog-like shape.
    a = cat_cow(moved(COW, HIP=(330, 250), KNEE=(300, 490), ANKLE=(100, 520)))
    assert result(a, "back_level").ok is False
    assert a.cue == "Get down on all fours with your back level"


def test_cat_cow_front_view_is_uncertain():
    front = moved(CAT, LEFT_SHOULDER=(760, 500), RIGHT_SHOULDER=(440, 500))
    a = cat_cow(front)
    assert a.state is State.UNCERTAIN
    assert a.cue == "Turn so the camera sees you from the side"


def test_cat_cow_hidden_wrist_is_uncertain():
    a = cat_cow(CAT, vis={"right": 0.6, "LEFT_WRIST": 0.2})
    assert a.state is State.UNCERTAIN


def _run_cat_cow(script, fps=10):
    """script: list of (seconds, joints); each phase eases linearly from the previous pose."""
    session = ExerciseSession(get_exercise("cat_cow"), smooth=False)
    k = 0
    previous = script[0][1]
    counts = []
    for seconds, joints in script:
        n = round(seconds * fps)
        for i in range(n):
            a = (i + 1) / n
            pose = {name: tuple(np.add(np.multiply(previous[name], 1 - a), np.multiply(joints[name], a)))
                    for name in joints}
            session.step(k / fps, make_pose(pose, NEAR_LEFT, t=k / fps))
            counts.append(session.reps.reps)
            k += 1
        previous = joints
    session.finish(k / fps)
    return session, counts


def test_cat_cow_rep_counter_counts_full_cycles():
    script = [(1.0, TABLETOP)]
    for _ in range(4):
        script += [(1.0, CAT), (0.5, CAT), (1.0, COW), (0.5, COW)]
    script += [(1.0, TABLETOP)]
    session, counts = _run_cat_cow(script)
    assert session.summary().reps == 4
    assert counts == sorted(counts)  # never decreases
    # The first rep is counted on reaching cow after the first cat, not before.
    first = counts.index(1)
    assert 1.0 + 1.5 < first / 10 <= 1.0 + 1.5 + 1.0


def test_cat_cow_half_cycles_and_neutral_wobbles_do_not_count():
    # Cat, back to neutral, cat again, then cow: one rep only.
    script = [(1.0, TABLETOP), (1.0, CAT), (1.0, TABLETOP), (1.0, CAT), (1.0, COW), (1.0, TABLETOP)]
    session, _ = _run_cat_cow(script)
    assert session.summary().reps == 1


def test_cat_cow_cycles_sitting_back_do_not_count():
    cat_back, cow_back = moved(CAT, **SAT_BACK), moved(COW, **SAT_BACK)
    script = [(1.0, TABLETOP), (1.0, cat_back)]
    for _ in range(3):
        script += [(1.0, cow_back), (1.0, cat_back)]
    script += [(1.0, cow_back), (1.0, TABLETOP), (1.0, CAT), (1.0, COW)]
    session, _ = _run_cat_cow(script)
    assert session.summary().reps == 1  # only the last cycle, back on all fours


# ---------------------------------------------------------------- forward_bend
# Side view, facing image right, left side toward the camera. Trunk 100 deg from
# vertical, knees soft (about 165 deg), arms hanging, head hanging toward the legs.
FOLD = {
    "ANKLE": (500, 900), "KNEE": (520, 700), "HIP": (490, 500),
    "SHOULDER": (736, 543), "ELBOW": (736, 650), "WRIST": (736, 760),
    "NOSE": (766, 613),
}


def forward_bend(joints, vis=NEAR_LEFT):
    return assess("forward_bend", make_pose(joints, vis))


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


def test_forward_bend_view_and_hidden_hands_are_uncertain():
    front = forward_bend(moved(FOLD, LEFT_SHOULDER=(650, 543), RIGHT_SHOULDER=(820, 543)))
    assert front.state is State.UNCERTAIN
    assert front.cue == "Turn so the camera sees you from the side"
    hidden = forward_bend(FOLD, vis={"right": 0.6, "LEFT_WRIST": 0.1, "RIGHT_WRIST": 0.1})
    assert hidden.state is State.UNCERTAIN
    # A hand half hidden behind the shins (visibility 0.3) is still read.
    assert forward_bend(FOLD, vis={"right": 0.6, "LEFT_WRIST": 0.3, "RIGHT_WRIST": 0.1}).state is State.CORRECT


# ---------------------------------------------------------------- side_torso_stretch
def mirror(joints: dict) -> dict:
    """The same pose seen in a mirrored image (x flipped); the person's sides are unchanged."""
    return {name: (W - x, y) for name, (x, y) in joints.items()}


def swap_sides(joints: dict) -> dict:
    """The pose done on the other side: left and right joints trade places (then mirror it back)."""
    def other(name: str) -> str:
        if name.startswith("LEFT_"):
            return "RIGHT_" + name[5:]
        if name.startswith("RIGHT_"):
            return "LEFT_" + name[6:]
        return name
    return mirror({other(name): xy for name, xy in joints.items()})


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


def side_stretch(joints, vis=None):
    return assess("side_torso_stretch", make_pose(joints, vis))


def test_side_stretch_accepts_a_side_bend_and_finds_the_side():
    a = side_stretch(SIDE_BEND)
    assert a.state is State.CORRECT, a.cue
    assert a.side == "left"
    assert result(a, "side_bend").value == pytest.approx(25.0, abs=0.5)
    # Mirrored image: still the person's left.
    assert side_stretch(mirror(SIDE_BEND)).side == "left"
    # The same stretch to the other side.
    other = side_stretch(swap_sides(SIDE_BEND))
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


# ---------------------------------------------------------------- lumbar_spine_stretch
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
    return assess("lumbar_spine_stretch", make_pose(joints, vis))


def test_lumbar_accepts_a_seated_twist_and_finds_the_bent_side():
    a = lumbar(SEATED_TWIST)
    assert a.state is State.CORRECT, a.cue
    assert a.side == "left"
    assert lumbar(mirror(SEATED_TWIST)).side == "left"
    other = lumbar(swap_sides(SEATED_TWIST))
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
