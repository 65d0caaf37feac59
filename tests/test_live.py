"""The live coach: the routine's state machine (scripted, exact), and the live loop on real frames.

The machine tests feed ``RoutineMachine`` scripted FrameResults and labels, so
every phase change, event and time is asserted exactly. The live tests run the
real model on the shipped sample clips: a camera that stops mid-session, one
that stalls, a missing camera, a routine that follows a recorded video, a real
window under Xvfb (screenshot mid-hold, then SIGTERM), and SIGKILL against the
history.
"""

from __future__ import annotations

import contextlib
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

from conftest import REPO, sample, virtual_screen
from posecheck.judge.exercises import Exercise, Goal, Rule
from posecheck.io.history import History
from posecheck.apps.live import LiveOptions, run_live
from posecheck.judge.follow import UNLABELLED, FollowRule
from posecheck.judge.routine import End, Phase, RoutineMachine, Say, Start, Timing
from posecheck.judge.speech import HIGH, SAFETY_NOTE
from posecheck.run.live_stages import Capture, FrameSlot
from posecheck.io.sources import SourceInfo, VideoSource
from posecheck.core.types import Assessment, Frame, FrameResult, State

DT = 0.1  # scripted frames at 10 per second
TIMING = Timing(intro_s=2.0, card_s=2.0, countdown_s=3.0, switch_s=2.0, rest_s=3.0)


def _exercise(ex_id: str, kind: str = "hold", target: float = 2.0, sides=()) -> Exercise:
    rule = Rule(name="r", description="", measure="trunk_lean", low=0.0, high=1.0, cue_low="Lift higher",
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
    assert "Release. Switch to your left side" in s.said()
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
    assert SAFETY_NOTE in s.said()[0] and Start(0, 0.0) in s.events
    assert m.phase is Phase.ACTIVE and m.view().show_card and m.view().show_note
    s.run(3.0, state=State.CORRECT, label="plain")
    assert m.phase is Phase.REST and m.session_open  # target reached: still judging until the video moves on
    s.run(2.0, label=None)  # the transition
    s.run(0.3, label="reps")  # a stray label of a later exercise is not enough
    s.run(0.6, label="sided")
    assert m.index == 0
    s.run(0.5, label="sided")  # 1.1 s of "sided", 0.8 s of it in the last second: moved on
    assert m.index == 1 and m.phase is Phase.ACTIVE
    assert Say("Sided, left side first", HIGH) in s.events  # the new exercise is always said
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
    assert m.phase is Phase.SWITCH and m.side == "right"  # the message stays up a moment
    s.run(1.0, state=State.CORRECT, side="right")
    assert m.phase is Phase.ACTIVE and m.side == "right"
    s.run(0.5, state=State.CORRECT, side="right")
    assert m.phase is Phase.REST and not m.finished  # the file goes on: keep judging
    s.events += m.finish(s.t, "complete")
    assert [e.reason for e in s.events if isinstance(e, End)] == ["complete"]


def test_next_on_a_single_exercise_skips_it_and_the_session_is_not_complete():
    m = RoutineMachine([PLAIN], timing=TIMING)
    s = Script(m)
    s.run(2.0 + 2.0 + 3.0 + DT)
    s.run(0.3, state=State.CORRECT)
    s.press("next")
    assert m.finished and m.ended == "skipped" and m.completed == set()
    assert [e.reason for e in s.events if isinstance(e, End)] == ["skipped"]
    assert s.said()[-1] == "Plain skipped. Session saved."


def test_the_end_is_always_said():
    for ended, words in (("complete", "Exercise complete. Well done."),
                         ("camera_lost", "The camera stopped. Session saved."),
                         ("interrupted", "Session stopped. Session saved.")):
        m = RoutineMachine([PLAIN], timing=TIMING)
        Script(m).run(1.0)
        assert m.finish(1.0, ended)[-1] == Say(words, HIGH)


def test_switch_key_while_following_a_video_wins_over_the_pose():
    m = RoutineMachine([SIDED], timing=TIMING, follow=True)
    s = Script(m)
    s.run(0.5, state=State.CORRECT, side="left")
    assert m.side == "left"
    assert s.press("switch") == [Say("Switch to your right side", HIGH)]
    s.run(0.5, state=State.CORRECT, side="left")  # the judge still sees the left side
    assert m.side == "right" and m.view().side == "right"


def test_following_hides_the_cues_of_an_exercise_the_video_has_left():
    rule = FollowRule(window_s=2.5, share=0.7, leaving_s=1.0)
    m = RoutineMachine([PLAIN, REPS], timing=TIMING, follow=True, rule=rule)
    s = Script(m)
    s.run(2.0, state=State.INCORRECT, cue="Lift higher", label="plain")
    assert m.cue_shown and "Lift higher" in s.said()
    said = len(s.said())
    s.run(0.6, state=State.INCORRECT, cue="Lower", label="reps")  # the person has started the next one
    assert not m.cue_shown and m.view().leaving and m.index == 0
    s.run(1.0, state=State.INCORRECT, cue="Lower", label="reps")
    assert "Lower" not in s.said()[said:]  # never said for the exercise left
    s.run(1.5, state=State.INCORRECT, cue="Lower", label="reps")
    assert m.index == 1 and m.cue_shown  # moved on: its own cues again


def test_unknown_key_is_refused():
    with pytest.raises(ValueError, match="pause"):
        RoutineMachine([PLAIN]).press(0.0, "jump")


# --------------------------------------------------------------------------- the live loop on real frames


def test_frame_slot_keeps_only_the_newest_frame():
    slot = FrameSlot()
    for i in range(5):
        slot.put(i, float(i))
    assert slot.take(0.01) == (4, 4.0) and slot.dropped == 4
    assert slot.take(0.01) is None  # nothing new: never a queue
    slot.put(5, 5.0)
    slot.end("eof")
    assert slot.take(0.01) == (5, 5.0)  # frames before the end are still delivered
    assert slot.take(0.01) == "eof"


class TinyFeed:
    """1 s of tiny frames at 50 per second."""

    info = SourceInfo("video", "tiny", 8, 8, 50.0, 50)

    def __iter__(self):
        for i in range(50):
            yield Frame(np.zeros((8, 8, 3), np.uint8), i / 50.0, i)

    def close(self):
        pass


def test_a_file_is_played_at_its_own_pace_and_a_slow_reader_gets_the_newest_frames():
    slot = FrameSlot()
    capture = Capture(TinyFeed(), slot, paced=True)
    start = time.monotonic()
    capture.start()
    taken = []
    while True:
        item = slot.take(2.0)
        if item is None or isinstance(item, str):
            break
        taken.append((item[0].timestamp_s, item[1] - start))
        time.sleep(0.1)  # a loop slower than the file
    capture.close()
    assert item == "eof"
    assert time.monotonic() - start >= 0.95  # not faster than the file
    stamps = [t for t, _ in taken]
    assert stamps == sorted(stamps) and len(taken) < 50 and slot.dropped == 50 - len(taken)
    for ts, delivered in taken:  # each frame was delivered no earlier than its own time
        assert delivered >= ts - 0.02


def test_unpaced_delivery_drops_nothing():
    slot = FrameSlot()
    capture = Capture(TinyFeed(), slot, paced=True, speed=0)
    capture.start()
    got = []
    while not isinstance(item := slot.take(2.0), str) and item is not None:
        got.append(item[0].index)
        time.sleep(0.002)
    capture.close()
    assert got == list(range(50)) and slot.dropped == 0



QUICK = Timing(intro_s=0.5, card_s=0.5, countdown_s=0.5, switch_s=1.0, rest_s=1.0)


class FakeCamera:
    """A sample clip delivered as a camera delivers frames (monotonic stamps, real pace), until it stops.

    ``stall=True``: after ``stop_after_s`` no frame comes any more, but the feed never ends either.
    """

    def __init__(self, path: Path, stop_after_s: float, stall: bool = False):
        self.src = VideoSource(path)
        self.info = replace(self.src.info, kind="camera", name="test camera")
        self.stop_after_s = stop_after_s
        self.stall = stall
        self.released = threading.Event()

    def __iter__(self):
        start = time.monotonic()
        for f in self.src:
            if f.timestamp_s >= self.stop_after_s:
                break
            delay = start + f.timestamp_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield Frame(f.image, time.monotonic() - start, f.index)
        if self.stall:
            self.released.wait(30)

    def close(self):
        self.released.set()
        self.src.close()


class JoinedClips:
    """The first seconds of several sample clips played one after another, like one recorded video."""

    def __init__(self, parts: list[tuple[Path, float]], every: int = 1):
        self.parts = parts
        self.every = every  # every n-th frame: a slower camera
        first = VideoSource(parts[0][0])
        self.info = replace(first.info, name="joined clips")
        first.close()

    def __iter__(self):
        offset, index = 0.0, 0
        for path, seconds in self.parts:
            src = VideoSource(path)
            try:
                for f in src:
                    if f.timestamp_s >= seconds - 1e-6:
                        break
                    if f.index % self.every == 0:
                        yield Frame(f.image, offset + f.timestamp_s, index)
                        index += 1
            finally:
                src.close()
            offset += seconds

    def close(self):
        pass


def _truth_hold(name: str, upto_s: float) -> float:
    truth = json.loads(sample(f"{name}.truth.json").read_text())
    return sum(max(0.0, min(b, upto_s) - a) for a, b, _ in truth["correct_spans"])


def _history_rows(db: Path):
    with History(db, readonly=True) as history:
        return history.sessions(limit=None)


def test_camera_that_stops_mid_session_ends_it_cleanly(tmp_path):
    feed = FakeCamera(sample("bridge.mp4"), stop_after_s=4.5)
    db, out = tmp_path / "history.sqlite3", tmp_path / "summary.json"
    result = run_live(LiveOptions(exercise="bridge", window=False, mute=True, history=str(db), summary=str(out),
                                  feed=feed, timing=QUICK))
    assert result.ended == "camera_lost" and result.exit_code == 1
    summary = json.loads(out.read_text())
    assert summary["ended"] == "camera_lost" and summary["source"] == "camera"
    [entry] = summary["exercises"]
    assert entry["exercise"] == "bridge" and entry["ended_by"] == "camera_lost"
    # Judged from 1.5 s (intro, card, countdown) to 4.5 s; the clip is held correct from 2.85 s.
    assert entry["hold_s"] == pytest.approx(_truth_hold("bridge", 4.5), abs=0.6)
    [row] = _history_rows(db)
    assert row.ended == "camera_lost" and row.source == "live" and row.kind == "camera"
    assert [r.exercise for r in row.results] == ["bridge"]
    assert row.results[0].hold_s == pytest.approx(entry["hold_s"])


def test_camera_that_stalls_is_lost_after_the_stall_time(tmp_path):
    feed = FakeCamera(sample("bridge.mp4"), stop_after_s=2.0, stall=True)
    out = tmp_path / "summary.json"
    try:
        start = time.monotonic()
        result = run_live(LiveOptions(exercise="bridge", window=False, mute=True, record_history=False,
                                      summary=str(out), feed=feed, timing=QUICK, stall_s=1.0))
        assert time.monotonic() - start < 15
    finally:
        feed.close()
    assert result.ended == "camera_lost"
    assert json.loads(out.read_text())["ended"] == "camera_lost"


def test_missing_camera_is_a_one_line_error_naming_the_cameras_that_open(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "posecheck", "live", "--camera", "9", "--no-window", "--mute",
                           "--history", str(tmp_path / "h.sqlite3")], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "camera 9" in lines[0] and "cameras that open" in lines[0]


def test_routine_follows_a_recorded_video_to_the_next_exercise(tmp_path):
    """Two clips joined (their first 8 s each): the coach moves on when the video does; holds match the truth."""
    feed = JoinedClips([(sample("cobra.mp4"), 8.0), (sample("bridge.mp4"), 8.0)], every=2)  # at 15 fps
    db, out = tmp_path / "history.sqlite3", tmp_path / "summary.json"
    steps = []
    result = run_live(LiveOptions(exercise="cobra,bridge", window=False, mute=True, history=str(db),
                                  summary=str(out), feed=feed, speed=0,
                                  on_canvas=lambda canvas, step: steps.append(step)))
    # Cues belong to the exercise on the screen: none of cobra's once the video shows the bridge.
    from posecheck.judge.exercises import registry

    def cues(ex_id):
        return {c for r in registry()[ex_id].rules for c in (r.cue_low, r.cue_high) if c}

    cobra_only = cues("cobra") - cues("bridge")
    late = [(round(st.t, 2), st.cue) for st in steps if st.t > 8.0 + 1.0 and st.cue in cobra_only]
    assert late == [], late
    assert result.ended == "complete" and result.dropped == 0
    summary = json.loads(out.read_text())
    assert summary["mode"] == "routine" and summary["follow"] is True
    got = [(e["exercise"], e["ended_by"]) for e in summary["exercises"]]
    assert got == [("cobra", "next_exercise"), ("bridge", "complete")]
    for entry, name in zip(summary["exercises"], ("cobra", "bridge")):
        assert entry["hold_s"] == pytest.approx(_truth_hold(name, 8.0), abs=0.5), entry
    bridge = summary["exercises"][1]
    assert 8.0 - 3.0 < bridge["start_s"] < 8.0 + 3.0  # started near the join
    [row] = _history_rows(db)
    assert row.ended == "complete" and row.mode == "routine"
    assert [r.exercise for r in row.results] == ["cobra", "bridge"]


# --------------------------------------------------------------------------- as a user runs it: processes, signals, a window

def _start_live(*args, env=None):
    """``posecheck live ...`` as a process; returns it and an Event set once it has begun judging."""
    proc = subprocess.Popen([sys.executable, "-m", "posecheck", "live", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    begun = threading.Event()
    lines: list[str] = []

    def read():
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("posecheck live:"):
                begun.set()

    threading.Thread(target=read, daemon=True).start()
    proc.stderr_lines = lines
    return proc, begun


def _wait_begun(proc, begun, timeout=60.0):
    if not begun.wait(timeout):
        proc.kill()
        pytest.fail(f"posecheck live did not start: {''.join(proc.stderr_lines)}")


def _intra_frame_copy(clip: Path, out: Path) -> list[tuple[float, int]]:
    """``clip`` re-encoded with every frame a JPEG (MJPEG AVI): each frame's data is then larger than
    a reader's buffer, so how far a process has read into the file tells which frame it is on.
    Returns (time, byte offset just past the frame's data) per frame."""
    import av
    import cv2

    cap = cv2.VideoCapture(str(clip))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), cap.get(cv2.CAP_PROP_FPS),
                             (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))))
    try:
        ok, frame = cap.read()
        while ok:
            writer.write(frame)
            ok, frame = cap.read()
    finally:
        cap.release()
        writer.release()
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        return [(float(p.pts * p.time_base), p.pos + p.size) for p in container.demux(stream) if p.pts is not None]


def _read_offset(pid: int, path: Path) -> int:
    """How far process ``pid`` has read into ``path``: the largest offset of its descriptors open on it."""
    offset = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError, ValueError):
            if os.readlink(fd) == str(path):
                for line in Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().splitlines():
                    if line.startswith("pos:"):
                        offset = max(offset, int(line.split()[1]))
    return offset


def _wait_read_past(proc, path: Path, offset: int, timeout: float = 300.0) -> None:
    """Until ``proc`` has read ``path`` past ``offset``: a condition on its work, whatever the machine's load."""
    deadline = time.monotonic() + timeout
    while _read_offset(proc.pid, path) < offset:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"posecheck live never read {path.name} past byte {offset}: {''.join(proc.stderr_lines)}")
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux /proc to follow the reader")
def test_ctrl_c_saves_the_session_and_a_kill_loses_no_earlier_session(tmp_path):
    db, out = tmp_path / "history.sqlite3", tmp_path / "summary.json"
    # Ctrl-C mid-hold: the session ends 'interrupted' with its partial results, summary saved. With
    # --speed 0 every frame is judged before the next is read (none dropped, none paced by the clock),
    # so once the reader is 2 s into the hold, 2 s of it have been judged, however slow the machine.
    clip = (tmp_path / "bridge.avi").resolve()
    frames = _intra_frame_copy(sample("bridge.mp4"), clip)
    start, end, _ = json.loads(sample("bridge.truth.json").read_text())["correct_spans"][0]
    into_hold = next(offset for t, offset in frames if t >= min(start + 2.0, end))
    proc, begun = _start_live("--source", str(clip), "--exercise", "bridge", "--no-window", "--mute",
                              "--speed", "0", "--history", str(db), "--summary", str(out))
    _wait_begun(proc, begun)
    _wait_read_past(proc, clip, into_hold)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130, "".join(proc.stderr_lines)
    summary = json.loads(out.read_text())
    assert summary["ended"] == "interrupted" and summary["exercises"][0]["hold_s"] > 0.5
    [first] = _history_rows(db)
    assert first.ended == "interrupted" and [r.exercise for r in first.results] == ["bridge"]
    # SIGKILL mid-session: nothing can be saved for it, but the earlier session stays whole.
    proc, begun = _start_live("--source", str(sample("bridge.mp4")), "--exercise", "bridge", "--no-window",
                              "--mute", "--history", str(db))
    _wait_begun(proc, begun)
    time.sleep(1.5)
    proc.kill()
    proc.wait(30)
    rows = {r.id: r for r in _history_rows(db)}
    assert rows[first.id] == first
    [killed] = [r for r in rows.values() if r.id != first.id]
    assert killed.ended is None
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    listing = subprocess.run([sys.executable, "-m", "posecheck", "history", "--history", str(db)],
                             capture_output=True, text=True, cwd=REPO, timeout=60)
    assert listing.returncode == 0 and "bridge" in listing.stdout and "interrupted" in listing.stdout


# -- the window under Xvfb

SHOT = Path("/tmp/posecheck_live_window.png")


def read_xwd(data: bytes) -> np.ndarray:
    """An X window dump (``xwd``, ZPixmap, 24 or 32 bits per pixel) as a BGR image."""
    import struct

    f = struct.unpack(">25I", data[:100])
    header_size, pixmap_format, width, height = f[0], f[2], f[4], f[5]
    byte_order, bits_per_pixel, bytes_per_line = f[7], f[11], f[12]
    red, green, blue = f[14], f[15], f[16]
    ncolors = f[19]
    if pixmap_format != 2 or bits_per_pixel not in (24, 32):
        raise ValueError(f"unsupported xwd: format {pixmap_format}, {bits_per_pixel} bits per pixel")
    offset = header_size + 12 * ncolors
    rows = np.frombuffer(data, np.uint8, count=bytes_per_line * height, offset=offset).reshape(height, -1)
    nbytes = bits_per_pixel // 8
    px = rows[:, :width * nbytes].reshape(height, width, nbytes).astype(np.uint32)
    order = range(nbytes) if byte_order == 0 else range(nbytes - 1, -1, -1)
    value = sum(px[..., i] << (8 * k) for k, i in enumerate(order))

    def channel(mask: int) -> np.ndarray:
        shift = (mask & -mask).bit_length() - 1
        return ((value & mask) >> shift).astype(np.uint8)

    return np.dstack([channel(blue), channel(green), channel(red)])


@pytest.fixture
def xvfb():
    with virtual_screen(("Xvfb", "xwd")) as display:
        yield display


def _raw_canvases(clip: Path, t0: float, t1: float) -> list[np.ndarray]:
    """The clip's frames between t0 and t1 as the window shows them without any overlay."""
    import cv2

    from posecheck.draw.live_canvas import CANVAS_H, CANVAS_W, Layout

    out = []
    src = VideoSource(clip)
    try:
        for f in src:
            if t0 <= f.timestamp_s <= t1:
                h, w = f.image.shape[:2]
                lay = Layout.fit(w, h)
                canvas = np.zeros((CANVAS_H, CANVAS_W, 3), np.uint8)
                canvas[lay.y:lay.y + lay.h, lay.x:lay.x + lay.w] = cv2.flip(
                    cv2.resize(f.image, (lay.w, lay.h), interpolation=cv2.INTER_LINEAR), 1)
                out.append(canvas)
    finally:
        src.close()
    return out


def _grab(display: str) -> np.ndarray:
    dump = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True, timeout=30)
    assert dump.returncode == 0, dump.stderr
    return read_xwd(dump.stdout)


# On the 1920x1080 canvas (live_canvas): the 1280x720 picture at (320, 132), the ring right of it.
FLOOR = (slice(692, 832), slice(1080, 1430))  # a region of the picture without overlay
RING = (slice(150, 370), slice(1650, 1870))  # the hold timer


def _check_window(shot: np.ndarray, raws: list[np.ndarray]) -> str:
    """Why the screenshot does not show the overlay on the video mid-hold ("" when it does)."""
    window = shot[:1080, :1920]  # full screen
    if window.std() < 20:
        return "the window is blank"
    # The window shows the video: a floor region matches a raw frame of about that time...
    diffs = [np.abs(window[FLOOR].astype(int) - r[FLOOR]).mean() for r in raws]
    if min(diffs) > 8:
        return f"the window does not show the video (floor differs by {min(diffs):.1f})"
    best = raws[int(np.argmin(diffs))]
    # ...while the hold timer's region differs from that frame: the overlay is drawn.
    ring = np.abs(window[RING].astype(int) - best[RING]).mean()
    if ring < 30:
        return f"no hold timer (ring region differs by {ring:.1f} only)"
    return ""


def test_real_window_shows_the_overlay_mid_hold(tmp_path, xvfb):
    import cv2

    clip = sample("bridge.mp4")
    raws = _raw_canvases(clip, 2.0, 9.0)
    db, out = tmp_path / "history.sqlite3", tmp_path / "summary.json"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = xvfb
    proc, begun = _start_live("--source", str(clip), "--exercise", "bridge", "--mute", "--history", str(db),
                              "--summary", str(out), env=env)
    why = "no screenshot"
    try:
        _wait_begun(proc, begun)
        deadline = time.monotonic() + 30
        while _grab(xvfb)[:1080, :1920].std() < 20:  # wait for the window's first picture
            assert proc.poll() is None and time.monotonic() < deadline, "the window never showed a picture"
            time.sleep(0.2)
        shown = time.monotonic()
        time.sleep(4.0)  # the clip holds the bridge from 2.85 s to 7.65 s
        for _ in range(4):
            shot = _grab(xvfb)
            why = _check_window(shot, raws)
            cv2.imwrite(str(SHOT), shot)
            if not why or time.monotonic() - shown > 6.5:
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not why, f"{why} (see {SHOT})"
    assert code == 143, "".join(proc.stderr_lines)
    summary = json.loads(out.read_text())
    assert summary["ended"] == "interrupted" and summary["exercises"][0]["hold_s"] > 0.5
    [row] = _history_rows(db)
    assert row.ended == "interrupted"


def test_an_attempts_top_fault_is_the_sessions_longest_fault_per_side_or_over_both():
    from posecheck.judge.coach import top_fault
    from posecheck.judge.summary import Fault

    faults = (Fault("arm", "Raise your arm", 2.0, 5.0, "left", ((5.0, 7.0),)),
              Fault("bend", "Lean more", 1.5, 3.0, "right", ((3.0, 4.5),)),
              Fault("arm", "Raise your arm", 1.0, 9.0, "right", ((9.0, 10.0),)))
    assert top_fault(faults, "left") == {"rule": "arm", "cue": "Raise your arm", "seconds": 2.0}
    assert top_fault(faults, "right")["rule"] == "bend"
    assert top_fault(faults, any_side=True) == {"rule": "arm", "cue": "Raise your arm", "seconds": 3.0}
    assert top_fault((), any_side=True) is None
