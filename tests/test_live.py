"""The live coach: the routine's state machine (scripted, exact), and the live loop on real frames.

The machine tests feed ``RoutineMachine`` scripted FrameResults and labels, so
every phase change, event and time is asserted exactly. The live tests run the
real model on the shipped sample clips: a camera that stops mid-session, one
that stalls, a missing camera, a routine that follows a recorded video, a real
window under Xvfb (screenshot mid-hold, then SIGTERM), and SIGKILL against the
history.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, sample
from posecheck.exercises import Exercise, Goal, Rule
from posecheck.routine import (SAFETY_NOTE, UNLABELLED, Coach, End, FollowRule, Phase, RoutineMachine, Say,
                               Start, Timing)
from posecheck.types import Assessment, FrameResult, State

DT = 0.1  # scripted frames at 10 per second
TIMING = Timing(intro_s=2.0, card_s=2.0, countdown_s=3.0, switch_s=2.0, rest_s=3.0)


def _exercise(ex_id: str, kind: str = "hold", target: float = 2.0, sides=()) -> Exercise:
    rule = Rule(name="r", description="", measure="x", low=0.0, high=1.0, cue_low="Lift higher",
                cue_high="Lower", landmarks=())
    return Exercise(id=ex_id, title=ex_id.title(), instructions="Do it.", view="side", rules=(rule,),
                    goal=Goal(kind, target), sides=tuple(sides))


SIDED = _exercise("sided", target=2.0, sides=("left", "right"))
PLAIN = _exercise("plain", target=1.0)
REPS = _exercise("reps", kind="reps", target=3)


class Script:
    """Plays a scripted judge: hold time grows while the scripted state is correct."""

    def __init__(self, machine: RoutineMachine):
        self.m = machine
        self.t = 0.0
        self.hold = 0.0
        self.sides: dict[str, float] = {}
        self.reps = 0
        self.events: list = []
        self.log: list[tuple[float, object]] = []

    def frame(self, state: State = State.NO_PERSON, side=None, cue="", label=UNLABELLED, reps=None):
        judged = self.m.session_open and not self.m.paused
        result = None
        if judged:
            if state is State.CORRECT:
                self.hold = round(self.hold + DT, 9)
                if side:
                    self.sides[side] = round(self.sides.get(side, 0.0) + DT, 9)
            if reps is not None:
                self.reps = reps
            result = FrameResult(index=0, timestamp_s=self.t, pose=None, features={},
                                 assessment=Assessment(state, cue=cue, side=side), state=state, cue=cue,
                                 side=side, hold_s=self.hold, side_hold_s=dict(self.sides), reps=self.reps)
        events = self.m.update(self.t, result, label)
        self.events += events
        self.log += [(self.t, e) for e in events]
        self.t = round(self.t + DT, 6)
        return events

    def run(self, seconds: float, **kw):
        out = []
        for _ in range(int(round(seconds / DT))):
            out += self.frame(**kw)
        return out

    def press(self, key: str):
        events = self.m.press(self.t, key)
        self.events += events
        self.log += [(self.t, e) for e in events]
        return events

    def said(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, Say)]


# --------------------------------------------------------------------------- the machine, leading

def test_leading_one_sided_exercise_walks_every_phase():
    m = RoutineMachine([SIDED], timing=TIMING)
    s = Script(m)
    s.frame()
    assert m.phase is Phase.INTRO and SAFETY_NOTE in s.said()[0]
    s.run(2.0)  # intro -> card at t=2.0
    assert m.phase is Phase.CARD and m.side == "left"
    assert m.view().show_card and not m.session_open
    s.run(2.0)  # card -> countdown at t=4.0
    assert m.phase is Phase.COUNTDOWN
    s.run(3.0)  # 3, 2, 1 -> go at t=7.0
    assert m.phase is Phase.ACTIVE and m.session_open
    starts = [(t, e) for t, e in s.log if isinstance(e, Start)]
    assert starts == [(7.0, Start(0, 7.0))]
    assert [x for x in s.said() if x in ("3", "2", "1", "Go")] == ["3", "2", "1", "Go"]
    # Not correct: nothing counts; then the right side is worked first: the machine follows it.
    s.run(1.2, state=State.INCORRECT, side="right", cue="Lift higher")
    assert "Lift higher" in s.said()  # the correction, once it has lasted a second
    s.run(2.0, state=State.CORRECT, side="right")
    assert m.phase is Phase.SWITCH and m.side == "left" and m.sides_done == {"right"}
    assert any("Switch sides" in x for x in s.said())
    s.run(2.0, state=State.NO_PERSON)  # the switch prompt times out
    assert m.phase is Phase.ACTIVE
    s.run(2.0, state=State.CORRECT, side="left")
    assert m.finished and m.ended == "complete" and m.phase is Phase.DONE
    ends = [e for e in s.events if isinstance(e, End)]
    assert ends == [End(0, ends[0].t, "target")]
    assert ends[0].t == pytest.approx(7.0 + 1.2 + 2.0 + 2.0 + 2.0)


def test_leading_routine_rests_then_shows_the_next_card():
    m = RoutineMachine([PLAIN, REPS], timing=TIMING)
    s = Script(m)
    s.run(2.0 + 2.0 + 3.0 + DT)  # intro, card, countdown
    assert m.phase is Phase.ACTIVE and m.index == 0
    s.run(1.0, state=State.CORRECT)
    assert m.phase is Phase.REST and not m.session_open
    assert m.view().next_exercise is REPS and m.view().remaining_s == pytest.approx(TIMING.rest_s)
    s.run(TIMING.rest_s)
    assert m.phase is Phase.CARD and m.index == 1
    s.run(2.0 + 3.0)
    assert m.phase is Phase.ACTIVE
    s.run(0.5, state=State.CORRECT, reps=2)
    assert not m.finished
    s.run(DT, state=State.CORRECT, reps=3)
    assert m.finished and m.ended == "complete"
    assert [e.reason for e in s.events if isinstance(e, End)] == ["target", "target"]


def test_pause_freezes_the_clock_and_keys_skip_back_switch_quit():
    m = RoutineMachine([SIDED, PLAIN], timing=TIMING)
    s = Script(m)
    s.run(2.0 + 1.0)  # one second into the first card
    s.press("pause")
    left = m.view(s.t).remaining_s
    s.run(5.0)
    assert m.paused and m.phase is Phase.CARD and m.view(s.t).remaining_s == pytest.approx(left)
    s.press("pause")
    s.run(2 * DT)
    assert m.view().remaining_s == pytest.approx(left - DT)
    s.press("switch")
    assert m.side == "right"
    s.run(1.0 + 3.0)  # rest of the card, countdown: judging
    assert m.phase is Phase.ACTIVE
    s.run(0.5, state=State.CORRECT, side="right")
    s.press("next")  # skip the rest of the first exercise
    assert m.index == 1 and m.phase is Phase.CARD and not m.session_open
    assert [e.reason for e in s.events if isinstance(e, End)] == ["skipped"]
    s.press("back")
    assert m.index == 0 and m.phase is Phase.CARD
    s.press("quit")
    assert m.finished and m.ended == "interrupted"


def test_pause_keeps_paused_time_out_of_the_judge_clock():
    m = RoutineMachine([PLAIN], timing=TIMING)
    s = Script(m)
    s.run(2.0 + 2.0 + 3.0 + DT)
    c = m.clock(s.t)
    s.press("pause")
    s.run(10.0)
    s.press("pause")
    assert m.clock(s.t) == pytest.approx(c)


# --------------------------------------------------------------------------- the machine, following a video

def test_following_moves_on_when_the_video_shows_the_next_exercise():
    rule = FollowRule(window_s=1.0, share=0.7, lookback_s=0.5)
    m = RoutineMachine([PLAIN, SIDED, REPS], timing=TIMING, follow=True, rule=rule)
    s = Script(m)
    s.frame(label=None)
    assert s.events[0] == Start(0, 0.0) and m.phase is Phase.ACTIVE and m.view().show_card
    s.run(3.0, state=State.CORRECT, label="plain")
    assert m.phase is Phase.REST and m.session_open  # target reached: still judging until the video moves on
    s.run(2.0, label=None)  # the transition
    s.run(0.3, label="reps")  # a stray label of a later exercise is not enough
    s.run(0.6, label="sided")
    assert m.index == 0
    s.run(0.5, label="sided")  # 1.1 s of "sided", 0.8 s of it in the last second: moved on
    assert m.index == 1 and m.phase is Phase.ACTIVE
    end = [e for e in s.events if isinstance(e, End)][0]
    start = [e for e in s.events if isinstance(e, Start)][1]
    assert end.index == 0 and end.reason == "next_exercise"
    first_sided = 3.0 + DT + 2.0 + 0.3
    assert start.index == 1 and start.onset_s == pytest.approx(first_sided - 0.5)


def test_following_never_reaches_back_past_the_current_exercise():
    rule = FollowRule(window_s=1.0, share=0.7, lookback_s=2.0)
    m = RoutineMachine([PLAIN, SIDED], timing=TIMING, follow=True, rule=rule)
    s = Script(m)
    s.run(2.0, label="plain")
    s.run(1.5, label="sided")
    start = [e for e in s.events if isinstance(e, Start)][1]
    assert start.onset_s == pytest.approx(2.0 - DT + 1e-6)  # just after the last "plain" frame


def test_following_a_side_switch_within_an_exercise():
    m = RoutineMachine([SIDED], timing=TIMING, follow=True)
    s = Script(m)
    s.run(2.5, state=State.CORRECT, side="left")
    assert m.phase is Phase.SWITCH and m.side == "right"
    s.run(0.5, state=State.CORRECT, side="right")
    assert m.phase is Phase.ACTIVE and m.side == "right"
    s.run(2.0, state=State.CORRECT, side="right")
    assert m.phase is Phase.REST and not m.finished  # the file goes on: keep judging
    s.events += m.finish(s.t, "complete")
    assert [e.reason for e in s.events if isinstance(e, End)] == ["complete"]


def test_unknown_key_is_refused():
    with pytest.raises(ValueError, match="pause"):
        RoutineMachine([PLAIN]).press(0.0, "jump")
