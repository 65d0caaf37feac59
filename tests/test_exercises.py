"""What an exercise is (``posecheck/judge/exercises/base.py`` and the registry): rules as data that
are checked when they are built, and a judgement that never passes a joint it cannot see."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecheck.core.features import FEATURE_NAMES, compute_features
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.core.types import Pose, State
from posecheck.judge.exercises import ROUTINE_ORDER, Exercise, Goal, Rule, get_exercise, judge, registry


def _rule(name: str = "knee_bend", measure="knee_angle_{side}") -> Rule:
    return Rule(name=name, description="hip-knee-ankle angle", measure=measure, low=40.0, high=125.0,
                cue_low="Move your feet further away", cue_high="Bring your feet closer",
                landmarks=("{side}_HIP", "{side}_KNEE", "{side}_ANKLE"))


def test_every_exercise_of_the_routine_is_registered_in_its_order():
    assert tuple(registry()) == ROUTINE_ORDER


@pytest.mark.parametrize("ex_id", ROUTINE_ORDER)
def test_every_rule_has_cues_and_a_gate_exists(ex_id):
    ex = get_exercise(ex_id)
    if ex.goal.kind == "hold":
        assert ex.goal.target == 20.0
    else:
        assert ex.goal.kind == "reps" and ex.goal.target == 10
    assert any(r.gate for r in ex.rules)
    for r in ex.rules:
        assert r.low < r.high
        assert r.cue_low or r.cue_high, r.name


@pytest.mark.parametrize("ex_id", ROUTINE_ORDER)
def test_every_feature_a_rule_names_exists(ex_id):
    for rule in get_exercise(ex_id).rules:
        if isinstance(rule.measure, str):
            for side in ("left", "right"):
                assert rule.measure.format(side=side) in FEATURE_NAMES, (ex_id, rule.name)


@pytest.mark.parametrize("measure", ["knee_angel_{side}", "knee_angle", "knee_angle_{sid}", "{side}"])
def test_a_rule_naming_a_missing_feature_fails_when_it_is_built(measure):
    with pytest.raises(ValueError, match="no feature"):
        _rule(measure=measure)


def test_a_rule_may_name_a_feature_of_one_side_or_of_the_whole_body_or_measure_with_a_function():
    assert _rule(measure="knee_angle_left").measure == "knee_angle_left"
    assert _rule(measure="trunk_from_horizontal").measure == "trunk_from_horizontal"
    assert _rule(measure=lambda body, side: 90.0).value(None, "left") == 90.0


def test_an_exercise_with_two_rules_of_one_name_fails_when_it_is_built():
    with pytest.raises(ValueError, match="knee_bend"):
        Exercise(id="test", title="Test", instructions="", view="side", rules=(_rule(), _rule()),
                 goal=Goal("hold", 20.0))


def test_changing_a_rule_range_keeps_the_check():
    bridge = get_exercise("bridge")
    assert bridge.with_rule_range("hip_lift", low=150.0).rule("hip_lift").low == 150.0


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.floats(min_value=-0.2, max_value=1.2, allow_nan=False),
                          st.floats(min_value=-0.2, max_value=1.2, allow_nan=False)), min_size=33, max_size=33),
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


def _still_body(hidden: tuple[int, ...] = ()):
    xyz = np.full((33, 3), 0.5)
    xyz[list(hidden)] = np.nan
    pose = Pose(xyz=xyz, visibility=np.ones(33), presence=np.ones(33), world=np.zeros((33, 3)),
                timestamp_s=0.0, image_wh=(640, 480))
    return compute_features(pose)


def _toy_exercise(gate_landmarks=("NOSE",), gate_value=1.0) -> Exercise:
    def rule(name, value, landmarks, gate=False):
        return Rule(name=name, description=name, measure=lambda body, side: value, low=0.0, high=2.0,
                    cue_low=f"{name} low", cue_high=f"{name} high", landmarks=landmarks, gate=gate)

    return Exercise(id="toy", title="Toy", instructions="", view="side", goal=Goal("hold", 20.0), rules=(
        rule("position", gate_value, gate_landmarks, gate=True),
        rule("feet", 1.0, ("LEFT_ANKLE",)),
        rule("head", 5.0, ("NOSE",))))


def test_a_fault_seen_is_a_fault_where_another_form_rule_cannot_be_seen():
    feet_hidden = _still_body(hidden=(int(L.LEFT_ANKLE),))
    assessment = judge(_toy_exercise(), feet_hidden)
    assert assessment.state is State.INCORRECT and assessment.cue == "head high"
    # Without a seen fault, the unseen rule still makes the frame uncertain.
    calm = dataclasses.replace(_toy_exercise(), rules=_toy_exercise().rules[:2])
    assert judge(calm, feet_hidden).state is State.UNCERTAIN
    assert judge(_toy_exercise(), _still_body()).state is State.INCORRECT


def test_an_unseen_gate_keeps_the_frame_uncertain_whatever_the_form_rules_say():
    gate_hidden = _still_body(hidden=(int(L.LEFT_HIP),))
    assessment = judge(_toy_exercise(gate_landmarks=("LEFT_HIP",)), gate_hidden)
    assert assessment.state is State.UNCERTAIN
    failed_gate = judge(_toy_exercise(gate_value=3.0), _still_body())
    assert failed_gate.state is State.INCORRECT and failed_gate.cue == "position high"
