"""``posecheck/judge/exercises/cat_cow.py`` on synthetic poses: each rule passing and failing with its
cue, the side detection and the view check.

Named joints are placed at pixel positions of a 1000x1000 frame (visibility 1.0
unless said); a joint named without a side places both sides' on the same spot.
No model runs here.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from conftest import assess, make_pose, moved, result
from posecheck.core.features import compute_features
from posecheck.core.types import State
from posecheck.judge.exercises import get_exercise
from posecheck.judge.session import ExerciseSession

W, H = 1000, 1000
# World landmarks (what the back-curve, hip and knee measures read) as a side view sees them: x and y as the
# image's (y down, as MediaPipe's), the left side 0.1 m toward the camera, the right away.
WORLD_STEMS = ("NOSE", "SHOULDER", "HIP", "KNEE", "ANKLE")


def pose(joints, visibility=None, **kwargs):
    def at(x, y, z):
        return ((x - W / 2) / W, (y - H / 2) / H, z)
    world = {}
    for name, (x, y) in joints.items():  # both sides' joints first, then one side's own
        if name == "NOSE":
            world[name] = at(x, y, 0.0)
        elif name in WORLD_STEMS:
            world[f"LEFT_{name}"], world[f"RIGHT_{name}"] = at(x, y, -0.1), at(x, y, 0.1)
    for name, (x, y) in joints.items():
        side, _, stem = name.partition("_")
        if stem in WORLD_STEMS and side in ("LEFT", "RIGHT"):
            world[name] = at(x, y, -0.1 if side == "LEFT" else 0.1)
    return make_pose(joints, visibility, image_wh=(W, H), world=world, **kwargs)
# The right side a little less seen: the left is the camera's near side.
NEAR_LEFT = {"right": 0.6}


# Side view, facing image right, the person's left side toward the camera.
TABLETOP = {
    "SHOULDER": (600, 500), "ELBOW": (600, 625), "WRIST": (600, 750),
    "HIP": (300, 500), "KNEE": (300, 750), "ANKLE": (100, 750),
    "NOSE": (680, 530),  # head a little below the line of the back: neutral
}
CAT = moved(TABLETOP, NOSE=(640, 620))  # head dropped
COW = moved(TABLETOP, NOSE=(680, 430))  # head lifted
# Sitting back toward the heels: hips behind and below, thighs slanted.
SAT_BACK = {"HIP": (180, 620), "SHOULDER": (520, 560), "ELBOW": (560, 655)}


def cat_cow(joints, vis=NEAR_LEFT):
    return assess("cat_cow", pose(joints, vis))


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
    a = head_tilt(compute_features(pose(CAT, NEAR_LEFT)), "left")
    b = head_tilt(compute_features(pose(mirrored, NEAR_LEFT)), "left")
    assert a == pytest.approx(b) and a < -30
    assert head_tilt(compute_features(pose(COW, NEAR_LEFT)), "left") > 0


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
            eased = {name: tuple(np.add(np.multiply(previous[name], 1 - a), np.multiply(joints[name], a)))
                     for name in joints}
            session.step(k / fps, pose(eased, NEAR_LEFT, t=k / fps))
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


def test_cat_cow_clock_runs_while_the_back_moves_not_in_a_still_tabletop():
    # A still tabletop for 5 s, then cat-cow cycles, then a still tabletop again for 6 s.
    moving = [(1.0, CAT), (0.5, CAT), (1.0, COW), (0.5, COW)] * 2
    session, _ = _run_cat_cow([(5.0, TABLETOP)] + moving + [(0.5, TABLETOP), (6.0, TABLETOP)])
    holds = session.holds.holds
    assert len(holds) == 1
    # Nothing before the first end is reached; the tabletop after the last cow counts only
    # within ``max_between_ends_s`` of it.
    signal = get_exercise("cat_cow").rep_signal
    assert 5.0 < holds[0].start_s < 6.0
    assert 5.0 + 6.0 < holds[0].end_s <= 5.0 + 6.5 + signal.max_between_ends_s + 0.5
    still = _run_cat_cow([(8.0, TABLETOP)])[0]
    assert still.holds.total_s == 0.0


def test_cat_cow_end_counts_once_the_back_moves_into_it_on_all_fours():
    # Sitting back (out of position), then back onto all fours already in cat, held still: no
    # movement, no hold; once the back leaves cat and comes back, the clock runs.
    cat_back = moved(CAT, **SAT_BACK)
    session, _ = _run_cat_cow([(1.0, TABLETOP), (1.0, cat_back), (2.0, cat_back), (0.3, CAT), (2.0, CAT)])
    assert session.holds.total_s == 0.0
    session, _ = _run_cat_cow([(1.0, TABLETOP), (1.0, cat_back), (2.0, cat_back), (0.3, CAT), (2.0, CAT),
                               (0.5, TABLETOP), (0.5, CAT), (2.0, CAT)])
    assert 2.0 <= session.holds.total_s <= 3.0
