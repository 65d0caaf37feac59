"""Property-based tests of geometry, judging, trackers and the config loader."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecheck.core import geometry as g
from posecheck.config import settings_from_dict
from posecheck.errors import PosecheckError
from posecheck.judge.exercises import judge, registry
from posecheck.core.features import compute_features
from posecheck.judge.tracker import HoldTracker, RepCounter
from posecheck.core.types import Pose, State

coord = st.floats(allow_nan=True, allow_infinity=True, width=64)
point = st.tuples(coord, coord)


@given(point, point, point)
def test_joint_angle_is_finite_in_range_or_nan(a, b, c):
    value = g.joint_angle(np.array(a), np.array(b), np.array(c))
    assert math.isnan(value) or 0.0 <= value <= 180.0


sane = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
sane_point = st.tuples(sane, sane)


@given(st.lists(st.tuples(sane_point, sane_point, sane_point), min_size=1, max_size=12))
def test_one_joint_angle_equals_the_same_angle_in_a_batch(triples):
    """Single points take a plain-float path, arrays a vectorised one: they must agree."""
    a, b, c = (np.array([t[k] for t in triples]) for k in range(3))
    batch = np.atleast_1d(g.joint_angle(a, b, c))
    for i, (p, q, r) in enumerate(triples):
        one = g.joint_angle(np.array(p), np.array(q), np.array(r))
        assert (math.isnan(one) and math.isnan(batch[i])) or math.isclose(one, batch[i], rel_tol=1e-9, abs_tol=1e-9)


@given(point, point)
def test_inclinations_are_finite_in_range_or_nan(p, q):
    for value, hi in ((g.inclination_from_horizontal(p, q), 90.0), (g.inclination_from_vertical(p, q), 180.0)):
        assert math.isnan(value) or 0.0 <= value <= hi
    lean = g.signed_lean_from_vertical(p, q)
    assert math.isnan(lean) or -180.0 <= lean <= 180.0


unit = st.floats(min_value=-0.2, max_value=1.2, allow_nan=False)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(unit, unit), min_size=33, max_size=33),
       st.sets(st.integers(0, 32), min_size=1, max_size=33),
       st.sampled_from(sorted(registry())))
def test_a_nan_joint_never_yields_correct_when_a_rule_needs_it(xy, nan_joints, exercise_id):
    xyz = np.zeros((33, 3))
    xyz[:, :2] = np.array(xy)
    xyz[list(nan_joints)] = np.nan
    pose = Pose(xyz=xyz, visibility=np.ones(33), presence=np.ones(33), world=np.zeros((33, 3)),
                timestamp_s=0.0, image_wh=(640, 480))
    exercise = registry()[exercise_id]
    body = compute_features(pose)
    assessment = judge(exercise, body)
    for value in body.features.values():
        assert not math.isinf(value)
    if assessment.state is State.CORRECT:
        side = exercise.choose_side(body)
        needed = {i for rule in exercise.rules for i in rule.landmark_indices(side)}
        assert not (needed & nan_joints)


states = st.sampled_from(list(State))


@given(st.lists(st.tuples(st.floats(0.0, 0.5), states, st.sampled_from([None, "left", "right"])),
                max_size=200))
def test_hold_time_never_decreases_nor_exceeds_elapsed(steps):
    tracker = HoldTracker()
    t = 0.0
    last = 0.0
    for dt, state, side in steps:
        t += dt
        tracker.update(t, state, side)
        assert tracker.total_s >= last - 1e-9
        assert tracker.total_s <= t + 1e-9
        assert sum(tracker.per_side.values()) <= tracker.total_s + 1e-9
        last = tracker.total_s
    tracker.finish(t + 0.1)
    assert tracker.total_s >= last - 1e-9
    assert tracker.total_s <= t + 0.1 + 1e-9


@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=False), st.booleans()), max_size=300))
def test_reps_never_decrease(values):
    counter = RepCounter(high_enter=1.0, low_enter=-1.0)
    last = 0
    for value, valid in values:
        reps = counter.update(value, valid)
        assert reps >= last
        last = reps


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
names = st.sampled_from(["judge", "bridge", "cat_cow", "cobra", "rules", "target_s", "x", "dwell_s"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(names | st.text(max_size=6), st.dictionaries(
    names | st.text(max_size=6), toml_values | st.dictionaries(names, toml_values, max_size=3), max_size=3),
    max_size=3))
def test_config_loader_accepts_or_refuses_cleanly(data):
    try:
        settings = settings_from_dict(data, "fuzz.toml")
    except PosecheckError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.toml")
        return
    for exercise in settings.exercises.values():
        assert math.isfinite(exercise.goal.target)
        for rule in exercise.rules:
            assert rule.low < rule.high
