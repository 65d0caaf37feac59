"""Coach settings (``posecheck/config.py``): overrides apply, and every mistake is a clear one-line error."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecheck.config import load_settings, settings_from_dict
from posecheck.errors import PosecheckError


def test_overrides_apply(tmp_path):
    cfg = tmp_path / "coach.toml"
    cfg.write_text(
        "[judge]\ndwell_s = 0.5\n\n[bridge]\ntarget_s = 30\n\n[bridge.rules.hip_lift]\nlow = 150\nhigh = 205\n")
    settings = load_settings(cfg)
    assert settings.dwell_s == 0.5
    bridge = settings.exercise("bridge")
    assert bridge.goal.target == 30
    assert (bridge.rule("hip_lift").low, bridge.rule("hip_lift").high) == (150, 205)


def test_registry_is_not_changed_by_overrides():
    from posecheck.judge.exercises import get_exercise

    settings_from_dict({"bridge": {"target_s": 25}})
    assert get_exercise("bridge").goal.target == 20


@pytest.mark.parametrize("data,needle", [
    ({"plank": {"target_s": 20}}, "unknown exercise [plank]"),
    ({"bridge": {"speed": 1}}, "unknown key 'speed'"),
    ({"bridge": {"rules": {"nope": {"low": 1}}}}, "unknown rule"),
    ({"bridge": {"rules": {"hip_lift": {"lo": 1}}}}, "unknown key 'lo'"),
    ({"bridge": {"target_s": 0}}, "out of range"),
    ({"bridge": {"target_s": 45}}, "out of range"),
    ({"bridge": {"target_s": "long"}}, "expected a number"),
    ({"bridge": {"target_s": True}}, "expected a number"),
    ({"bridge": {"rules": {"hip_lift": {"low": 200, "high": 150}}}}, "must be below"),
    ({"bridge": {"rules": {"hip_lift": {"low": float("nan")}}}}, "out of range"),
    ({"judge": {"grace_s": 10}}, "out of range"),
    ({"bridge": 5}, "must be a table"),
])
def test_invalid_settings(data, needle):
    with pytest.raises(PosecheckError) as err:
        settings_from_dict(data, "coach.toml")
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_malformed_toml(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[bridge\ntarget_s = ")
    with pytest.raises(PosecheckError, match="invalid TOML"):
        load_settings(cfg)


def test_missing_config(tmp_path):
    with pytest.raises(PosecheckError, match="not found"):
        load_settings(tmp_path / "none.toml")


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
