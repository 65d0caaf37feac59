"""The typed summary: its JSON record both ways, and the one definition of share, goal and score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecheck.core.types import State
from posecheck.io.outputs import json_line
from posecheck.judge.summary import NOTHING_JUDGED, ExerciseFigures, Summary

STORED = Path(__file__).resolve().parent / "data" / "analyze"
LINES = [(path.stem, n, line) for path in sorted(STORED.glob("*.jsonl"))
         for n, line in enumerate(path.read_text(encoding="utf-8").splitlines())]


def test_there_are_stored_outputs():
    assert len(LINES) >= 20


@pytest.mark.parametrize("name,n,line", LINES, ids=[f"{name}:{n}" for name, n, _ in LINES])
def test_a_record_read_back_is_written_the_same(name, n, line):
    summary = Summary.from_json(json.loads(line))
    assert json_line(summary.to_json()) == line


def _seconds(**values: float) -> dict[State, float]:
    return {State(k): v for k, v in values.items()}


def test_correct_share_is_of_the_judged_time():
    figures = ExerciseFigures("bridge", hold_s=10.0, target_s=20.0,
                              state_seconds=_seconds(correct=10.0, incorrect=5.0, uncertain=5.0, no_person=0.0))
    assert figures.correct_share == 0.5
    # An auto-mode video: the figures are the longest segment's, the duration the whole video's.
    summary = Summary("x.mp4", "video", figures, frames=300, person_frames=300, verdict=State.CORRECT,
                      width=640, height=480, duration_s=60.0, auto=True)
    assert summary.correct_share == 0.5
    assert ExerciseFigures("bridge").correct_share is None  # no time judged
    assert NOTHING_JUDGED.correct_share is None


def test_a_still_is_correct_or_not():
    for verdict, share in ((State.CORRECT, 1.0), (State.INCORRECT, 0.0), (State.NO_PERSON, 0.0)):
        still = Summary("a.png", "image", ExerciseFigures("cobra", target_s=20.0), frames=1, person_frames=1,
                        verdict=verdict, width=10, height=10)
        assert still.correct_share == share
        assert still.score == int(100 * share)


def test_goal_fraction_and_score():
    half = _seconds(correct=10.0, incorrect=10.0)
    hold = ExerciseFigures("bridge", hold_s=10.0, target_s=20.0, state_seconds=half)
    assert hold.goal_fraction == 0.5 and not hold.goal_reached
    sided = ExerciseFigures("side_torso_stretch", hold_s=20.0, target_s=20.0, sides={"left": 20.0, "right": 0.0},
                            state_seconds=half)
    assert sided.goal_fraction == 0.5  # each side against the target, averaged
    reps = ExerciseFigures("cat_cow", reps=10, target_reps=10, state_seconds=_seconds(correct=5.0, uncertain=5.0))
    assert reps.goal_fraction == 1.0 and reps.goal_reached
    assert ExerciseFigures("cat_cow", reps=12, target_reps=10).goal_fraction == 1.0
    assert ExerciseFigures("bridge", hold_s=30.0).goal_fraction == 0.0  # no target
    scores = []
    for figures in (hold, sided, reps, NOTHING_JUDGED):
        video = Summary("x.mp4", "video", figures, frames=1, person_frames=1, verdict=State.CORRECT,
                        width=1, height=1)
        scores.append(video.score)
    assert scores == [50, 50, 75, 0]


def test_goal_verdict_thresholds_are_one_table():
    from posecheck.judge.summary import GOAL_VERDICTS, ExerciseFigures, goal_verdict

    assert [name for _, name in GOAL_VERDICTS] == ["met", "partly", "not_met"]
    assert [goal_verdict(f) for f in (1.0, 0.999, 0.5, 0.4999, 0.0, None)] == [
        "met", "partly", "partly", "not_met", "not_met", None]
    hold = ExerciseFigures("bridge", hold_s=9.0, target_s=20.0)  # 45% of the goal
    assert hold.goal_verdict == "not_met"
    sides = ExerciseFigures("side_torso_stretch", target_s=20.0, sides={"left": 20.0, "right": 20.0})
    assert sides.goal_verdict == "met"
    reps = ExerciseFigures("cat_cow", reps=3, target_reps=5)
    assert reps.goal_verdict == "partly"
    assert ExerciseFigures("cobra").goal_verdict is None  # no goal: nothing to judge it by


# --- routines: the whole and each exercise ---------------------------------------------------

def _part(exercise, start, end, *, hold=0.0, sides=None, reps=None, target_reps=None, faults=(), correct=0.0,
          incorrect=0.0):
    from posecheck.judge.summary import ExerciseSegment, Fault, Segment

    figures = ExerciseFigures(exercise, hold_s=hold, target_s=None if target_reps else 20.0, reps=reps,
                              target_reps=target_reps, sides=sides,
                              segments=(Segment(start, end, State.CORRECT if correct >= incorrect
                                                else State.INCORRECT, None),),
                              faults=tuple(Fault(r, f"cue {r}", s, start) for r, s in faults),
                              state_seconds=_seconds(correct=correct, incorrect=incorrect, uncertain=0.0,
                                                     no_person=0.0))
    return ExerciseSegment(start, end, figures)


def _routine(parts):
    from posecheck.judge.summary import VideoFacts, routine_summary

    video = VideoFacts(width=640, height=480, fps=30.0, frame_count=900, decoded=900, end_s=30.0)
    return routine_summary("r.mp4", parts, [], person_frames=900, video=video)


def test_a_routine_has_the_whole_on_top_and_each_exercise_added_over_its_segments():
    from posecheck.judge.summary import ROUTINE

    parts = [_part("knee_to_chest", 0.0, 10.0, hold=8.0, sides={"left": 8.0, "right": 0.0},
                   faults=[("knee_pull", 1.0)], correct=8.0, incorrect=2.0),
             _part("cat_cow", 10.0, 20.0, reps=4, target_reps=8, faults=[("knee_pull", 3.0)], correct=5.0,
                   incorrect=5.0),
             _part("knee_to_chest", 20.0, 30.0, hold=20.0, sides={"left": 0.0, "right": 20.0},
                   faults=[("knee_pull", 2.0), ("legs", 0.5)], correct=9.0, incorrect=1.0)]
    summary = _routine(parts)
    assert summary.is_routine and summary.exercise == ROUTINE and summary.recognized == ROUTINE
    assert summary.figures.hold_s == 28.0 and summary.figures.target_s is None
    assert summary.correct_share == 22.0 / 30.0
    knee, cat = summary.exercises
    assert (knee.exercise, knee.spans, knee.duration_s) == ("knee_to_chest", ((0.0, 10.0), (20.0, 30.0)), 20.0)
    assert knee.figures.sides == {"left": 8.0, "right": 20.0} and knee.figures.hold_s == 28.0
    assert [(f.rule, f.seconds) for f in knee.figures.faults] == [("knee_pull", 3.0), ("legs", 0.5)]
    assert (cat.figures.reps, cat.figures.target_reps) == (4, 8)
    # The goal of the whole: each exercise's share of its goal, averaged (knee 0.4 and 1.0 per side; cat 0.5).
    assert summary.goal_fraction == pytest.approx(((8 / 20 + 1.0) / 2 + 0.5) / 2)
    assert summary.goal_verdict == "partly"  # 60%: the thresholds of every single exercise
    # A rule of one exercise is not added to another's of the same name on top.
    assert sorted(f.seconds for f in summary.figures.faults) == [0.5, 1.0, 2.0, 3.0]
    record = json.loads(json_line(summary.to_json()))
    assert record["exercise"] == "routine" and [e["exercise"] for e in record["exercises"]] == \
        ["knee_to_chest", "cat_cow"]
    assert record["exercises"][0]["sides"] == {"left": 8.0, "right": 20.0}
    assert Summary.from_json(record) == summary


def test_one_exercise_found_is_that_exercise_not_a_routine():
    summary = _routine([_part("bridge", 0.0, 30.0, hold=12.0, correct=12.0, incorrect=18.0)])
    assert not summary.is_routine and summary.exercise == "bridge" and summary.recognized == "bridge"
    assert summary.figures == summary.exercise_segments[0].figures
    assert "exercises" not in summary.to_json()


def test_faults_are_the_reports_by_side_without_getting_into_position_or_blips():
    from posecheck.judge.series import LEAD_IN_MAX_S, MIN_FAULT_S

    for name, _, line in LINES:
        record = json.loads(line)
        if record["kind"] != "video" or record["exercise"] in (None, "routine"):
            continue
        figures = Summary.from_json(record).figures
        correct = [s.start_s for s in figures.segments if s.state is State.CORRECT]
        for f in figures.faults:
            assert "side" in f.to_json(), name
            assert f.spells and all(b - a >= MIN_FAULT_S - 1e-9 for a, b in f.spells), (name, f)
            assert f.seconds == pytest.approx(sum(b - a for a, b in f.spells), abs=2e-3), (name, f)
            assert f.first_s == f.spells[0][0]
            # Getting into position (to the first correct frame, at most 5 s) is no fault.
            assert f.first_s >= min(correct[0] if correct else 1e9, LEAD_IN_MAX_S) - 0.5, (name, f)
    (bridge,) = [json.loads(line) for name, _, line in LINES if name == "bridge.fixed"]
    assert [(f["rule"], f["side"], f["first_s"] > 0) for f in bridge["faults"]] == [("hips_up", None, True)]


def test_an_older_fault_record_reads_without_side_or_spells():
    from posecheck.judge.summary import Fault

    fault = Fault.from_json({"rule": "hips_up", "cue": "Lift", "seconds": 1.5, "first_s": 3.0})
    assert (fault.side, fault.spells) == (None, ())
