"""``posecheck/judge/tracker.py``: the trackers on scripted sequences (exact, frame by frame) and on
random ones (properties)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecheck.judge.tracker import CueThrottle, HoldTracker, RepCounter
from posecheck.core.types import State

C, I, U, N = State.CORRECT, State.INCORRECT, State.UNCERTAIN, State.NO_PERSON
FPS = 10


def run(script, side=None, dwell=0.3, grace=0.5):
    """script: list of (seconds, state[, side]); frames at FPS; returns the tracker."""
    tracker = HoldTracker(dwell_s=dwell, grace_s=grace)
    t = 0.0
    k = 0
    states = []
    for item in script:
        seconds, state = item[0], item[1]
        s = item[2] if len(item) > 2 else side
        for _ in range(round(seconds * FPS)):
            t = k / FPS
            states.append(tracker.update(t, state, s))
            k += 1
    tracker.finish(k / FPS)
    return tracker, states


def test_counts_only_correct_time():
    tracker, _ = run([(1.0, I), (2.0, C), (1.0, I)])
    assert tracker.total_s == pytest.approx(2.0)
    assert len(tracker.holds) == 1
    assert tracker.holds[0].start_s == pytest.approx(1.0)
    assert tracker.holds[0].end_s == pytest.approx(3.0)


def test_dwell_does_not_shorten_the_hold():
    tracker, states = run([(1.0, I), (1.0, C), (1.0, I)], dwell=0.5)
    assert tracker.total_s == pytest.approx(1.0)
    # The displayed state turns correct only once the dwell has passed.
    assert states[10] is I and states[10 + 6] is C


def test_short_correct_blip_is_not_counted():
    tracker, _ = run([(1.0, I), (0.2, C), (1.0, I)])
    assert tracker.total_s == 0.0
    assert tracker.holds == []


def test_wobble_shorter_than_grace_is_bridged():
    tracker, states = run([(2.0, C), (0.3, I), (2.0, C)])
    assert tracker.total_s == pytest.approx(4.3)
    assert len(tracker.holds) == 1
    assert all(s is C for s in states[4:])


def test_break_longer_than_grace_is_not_counted():
    tracker, _ = run([(2.0, C), (1.0, I), (2.0, C)])
    assert tracker.total_s == pytest.approx(4.0)
    assert len(tracker.holds) == 2


def test_uncertain_and_no_person_pause_the_clock():
    tracker, _ = run([(2.0, C), (1.0, U), (1.0, N), (1.0, C)])
    assert tracker.total_s == pytest.approx(3.0)


def test_sides_are_counted_apart():
    tracker, _ = run([(2.0, C, "left"), (1.0, I, "left"), (3.0, C, "right")])
    assert tracker.per_side == pytest.approx({"left": 2.0, "right": 3.0})
    assert [h.side for h in tracker.holds] == ["left", "right"]


def test_hold_time_never_decreases_and_never_exceeds_elapsed():
    import random

    rng = random.Random(4)
    tracker = HoldTracker()
    last = 0.0
    for k in range(2000):
        t = k / 30
        tracker.update(t, rng.choice([C, C, C, I, U]), rng.choice(["left", "right"]))
        assert tracker.total_s >= last - 1e-12
        assert tracker.total_s <= t + 1e-9
        last = tracker.total_s


def test_large_gap_counts_at_most_max_gap():
    tracker = HoldTracker(dwell_s=0.0)
    tracker.update(0.0, C)
    tracker.update(10.0, C)
    tracker.finish(10.0)
    assert tracker.total_s == pytest.approx(1.0)


def test_rep_counter_with_hysteresis():
    counter = RepCounter(high_enter=1.0, low_enter=-1.0)
    signal = [0, 1.2, 0.5, 1.1, -1.2, -0.5, -1.3, 1.5, -1.5, 0.9, -2.0]
    counts = [counter.update(v) for v in signal]
    # cat(1.2) -> cow(-1.2): 1; cat(1.5) -> cow(-1.5): 2; 0.9 never reaches cat.
    assert counts == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]


def test_rep_counter_ignores_out_of_position_cycles():
    counter = RepCounter(high_enter=1.0, low_enter=-1.0)
    counter.update(1.5)
    counter.update(0.0, valid=False)
    counter.update(-1.5)
    assert counter.reps == 0


def test_cue_changes_at_most_once_a_second():
    throttle = CueThrottle(1.0)
    assert throttle.update(0.0, "a") == "a"
    assert throttle.update(0.5, "b") == "a"
    assert throttle.update(1.0, "b") == "b"
    assert throttle.update(1.1, "c") == "b"


def test_a_cleared_cue_goes_at_once_and_the_interval_runs_from_the_last_cue():
    throttle = CueThrottle(1.0)
    assert throttle.update(0.0, "a") == "a"
    assert throttle.clear() == ""
    assert throttle.update(0.5, "b") == ""  # within the interval of "a"
    assert throttle.update(1.0, "b") == "b"


# ---------------------------------------------------------------- properties
states = st.sampled_from(list(State))


@given(st.lists(st.tuples(st.floats(0.0, 0.5), states, st.sampled_from([None, "left", "right"])),
                max_size=200))
def test_hold_time_never_decreases_nor_exceeds_elapsed_on_random_steps(steps):
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
