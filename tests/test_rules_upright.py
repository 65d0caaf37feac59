"""Rules of cat_cow, forward_bend, lumbar_spine_stretch and side_torso_stretch on synthetic poses.

Each pose is built from named joints placed at pixel positions (visibility 1.0
unless said), so every rule can be shown passing and failing with its cue, the
side detection and the view check can be exercised, and the cat-cow rep counter
can be driven frame by frame through ``ExerciseSession``. No model runs here.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.exercises import get_exercise, judge
from posecheck.features import compute_features
from posecheck.landmarks import PoseLandmark as L
from posecheck.session import ExerciseSession
from posecheck.types import Pose, State

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
    from posecheck.exercises.cat_cow import head_tilt

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
    assert session.summary()["reps"] == 4
    assert counts == sorted(counts)  # never decreases
    # The first rep is counted on reaching cow after the first cat, not before.
    first = counts.index(1)
    assert 1.0 + 1.5 < first / 10 <= 1.0 + 1.5 + 1.0


def test_cat_cow_half_cycles_and_neutral_wobbles_do_not_count():
    # Cat, back to neutral, cat again, then cow: one rep only.
    script = [(1.0, TABLETOP), (1.0, CAT), (1.0, TABLETOP), (1.0, CAT), (1.0, COW), (1.0, TABLETOP)]
    session, _ = _run_cat_cow(script)
    assert session.summary()["reps"] == 1


def test_cat_cow_cycles_sitting_back_do_not_count():
    cat_back, cow_back = moved(CAT, **SAT_BACK), moved(COW, **SAT_BACK)
    script = [(1.0, TABLETOP), (1.0, cat_back)]
    for _ in range(3):
        script += [(1.0, cow_back), (1.0, cat_back)]
    script += [(1.0, cow_back), (1.0, TABLETOP), (1.0, CAT), (1.0, COW)]
    session, _ = _run_cat_cow(script)
    assert session.summary()["reps"] == 1  # only the last cycle, back on all fours


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
