"""Spoken cues: the scheduling rules (exact, with explicit times), the thread, engines, WAV rendering."""

from __future__ import annotations

import io
import random
import threading
import time
import wave

import numpy as np
import pytest

from posecheck.io import voice as voice_mod
from posecheck.errors import PosecheckError
from posecheck.io.voice import (
    BeepEngine,
    CueScheduler,
    EngineFailed,
    Voice,
    espeak_path,
    make_engine,
    render_to_wav,
)
from posecheck.judge.speech import HIGH, LOW, NORMAL


class FakeClock:
    def __init__(self, t: float = 0.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


class Recorder:
    """A fake engine: records each utterance with the (fake) time it started."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.said: list[tuple[str, float]] = []
        self.event = threading.Event()

    def __call__(self, text: str) -> None:
        self.said.append((text, self.clock()))
        self.event.set()

    def texts(self) -> list[str]:
        return [t for t, _ in self.said]


def wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


# --------------------------------------------------------------------------- the rules, exactly

def test_one_at_a_time_with_minimum_gap():
    s = CueScheduler(min_gap_s=1.0, repeat_s=10.0, max_pending=1, max_age_s=None)
    assert s.offer("Lift your hips", NORMAL, now=0.0)
    assert s.take(0.0) == "Lift your hips"
    assert s.offer("Knees together", NORMAL, now=0.5)
    assert s.take(0.6) is None  # still speaking
    assert s.wait_s(0.6) is None
    s.done(2.0)
    assert s.wait_s(2.0) == pytest.approx(1.0)
    assert s.take(2.999) is None  # inside the gap
    assert s.take(3.0) == "Knees together"
    s.done(4.0)
    assert s.take(10.0) is None and s.idle


def test_newer_more_important_replaces_and_queue_stays_bounded():
    s = CueScheduler(min_gap_s=0.0, repeat_s=0.0, max_pending=1, max_age_s=None)
    assert s.offer("a", NORMAL, 0.0)
    assert s.offer("b", NORMAL, 0.1)  # newer, as important: replaces
    assert [i.text for i in s.pending] == ["b"]
    assert not s.offer("c", LOW, 0.2)  # less important: dropped
    assert s.offer("d", HIGH, 0.3)  # never dropped: waits ahead of the droppable ones
    assert [i.text for i in s.must] == ["d"] and [i.text for i in s.pending] == ["b"]
    assert s.take(0.5) == "d"
    s.done(0.6)
    assert s.take(0.6) == "b"


def test_two_slots_replace_the_weakest_and_take_the_strongest():
    s = CueScheduler(min_gap_s=0.0, repeat_s=0.0, max_pending=2, max_age_s=None)
    assert s.offer("low", LOW, 0.0)
    assert s.offer("normal", NORMAL, 0.1)
    assert s.offer("normal2", NORMAL, 0.2)  # replaces "low", the weakest
    assert sorted(i.text for i in s.pending) == ["normal", "normal2"]
    assert s.take(0.4) == "normal2"
    s.done(0.5)
    assert s.take(0.5) == "normal"


def test_same_text_not_repeated_within_window():
    s = CueScheduler(min_gap_s=0.5, repeat_s=6.0, max_pending=1, max_age_s=None)
    s.offer("Lift your hips", NORMAL, 0.0)
    assert s.take(0.0) == "Lift your hips"
    assert not s.offer("Lift your hips", HIGH, 0.5)  # being said now
    s.done(2.0)
    assert not s.offer("Lift your hips", NORMAL, 7.99)  # 5.99 s after it finished
    assert s.offer("Lift your hips", NORMAL, 8.0)
    assert s.take(8.0) == "Lift your hips"


def test_duplicate_pending_is_refreshed_not_added():
    s = CueScheduler(min_gap_s=0.0, repeat_s=0.0, max_pending=2, max_age_s=None)
    assert s.offer("a", LOW, 0.0)
    assert s.offer("  a ", NORMAL, 1.0)  # same words, other spacing
    assert [(i.text, i.priority, i.offered_at) for i in s.pending] == [("a", NORMAL, 1.0)]
    assert s.offer("a", HIGH, 2.0)  # now never to be dropped: moved to the kept ones
    assert s.pending == [] and [(i.text, i.priority) for i in s.must] == [("a", HIGH)]


def test_stale_cues_are_dropped():
    s = CueScheduler(min_gap_s=0.0, repeat_s=0.0, max_pending=1, max_age_s=4.0)
    s.offer("old news", NORMAL, 0.0)
    assert s.take(4.01) is None and s.idle


def test_queue_never_grows_under_a_flood():
    rng = random.Random(7)
    for max_pending in (1, 2):
        s = CueScheduler(min_gap_s=0.3, repeat_s=2.0, max_pending=max_pending, max_age_s=3.0)
        t = 0.0
        for _ in range(5000):
            t += rng.uniform(0.0, 0.05)
            s.offer(f"cue {rng.randrange(12)}", rng.choice([LOW, NORMAL]), t)
            assert len(s.pending) <= max_pending
            if s.speaking is None:
                s.take(t)
            elif rng.random() < 0.1:
                s.done(t)


# --------------------------------------------------------------------------- the thread

def test_voice_follows_the_rules_with_injected_clock():
    clock = FakeClock()
    rec = Recorder(clock)
    v = Voice(engine=rec, clock=clock, min_gap_s=1.0, repeat_s=5.0, max_age_s=None, poll_s=0.01)
    try:
        assert v.say("Lift your hips")
        assert wait_for(lambda: rec.texts() == ["Lift your hips"])
        assert wait_for(lambda: v.spoken == 1)  # finished at clock 0.0
        assert v.say("Knees together")
        assert not v.say("Lift your hips")  # said 0 s ago
        time.sleep(0.2)  # real time passes, the injected clock does not: the gap holds
        assert rec.texts() == ["Lift your hips"] and v.pending == ["Knees together"]
        clock.t = 0.999
        time.sleep(0.1)
        assert rec.texts() == ["Lift your hips"]
        clock.t = 1.0
        assert wait_for(lambda: len(rec.said) == 2)
        assert rec.said == [("Lift your hips", 0.0), ("Knees together", 1.0)]
        assert v.wait_idle(2.0)
        clock.t = 4.99
        assert not v.say("Lift your hips")
        clock.t = 5.0
        assert v.say("Lift your hips", HIGH)
        assert wait_for(lambda: len(rec.said) == 3)
        assert rec.said[-1] == ("Lift your hips", 5.0)
    finally:
        v.close()


class SlowEngine:
    """Blocks each utterance until released or stopped."""

    name = "slow"

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls: list[str] = []

    def speak(self, text: str) -> None:
        self.calls.append(text)
        self.started.set()
        self.release.wait(30)

    def stop(self) -> None:
        self.release.set()


def test_say_never_blocks_and_close_is_prompt():
    engine = SlowEngine()
    v = Voice(engine=engine, min_gap_s=0.0, repeat_s=0.0)
    try:
        v.say("first")
        assert engine.started.wait(2.0)
        start = time.perf_counter()
        for i in range(200):
            v.say(f"cue {i}", NORMAL)
        elapsed = time.perf_counter() - start
        assert elapsed < 0.1, f"200 say() calls took {elapsed:.3f} s"
        assert v.pending == ["cue 199"]  # one waiting, the newest
        start = time.perf_counter()
    finally:
        v.close(timeout=2.0)
    assert time.perf_counter() - start < 1.0
    assert not v._thread.is_alive()
    assert engine.calls == ["first"]  # the waiting cue was dropped, not said
    assert not v.say("after close")


def test_mute_and_disabled_are_silent():
    clock = FakeClock()
    rec = Recorder(clock)
    v = Voice(engine=rec, clock=clock, mute=True)
    try:
        assert not v.say("hello")
        v.mute = False
        assert v.say("hello")
        assert wait_for(lambda: rec.texts() == ["hello"])
        v.mute = True
        clock.t = 100.0
        assert not v.say("again")
    finally:
        v.close()
    off = Voice(enabled=False, engine=rec)
    assert off._thread is None and not off.say("x") and off.wait_idle(0.1) and off.engine_name is None
    off.close()


def test_failing_engine_falls_back_to_beeps_with_one_note(monkeypatch):
    monkeypatch.setattr(voice_mod, "_notes_given", set())
    err = io.StringIO()

    def broken(text):
        raise EngineFailed("espeak-ng could not play audio (error: no device)")

    clock = FakeClock()
    v = Voice(engine=broken, clock=clock, min_gap_s=0.0, repeat_s=0.0, stderr=err)
    try:
        v.say("one")
        assert wait_for(lambda: v.spoken == 1)
        assert isinstance(v._engine, BeepEngine)
        v.say("two")
        assert wait_for(lambda: v.spoken == 2)
    finally:
        v.close()
    assert err.getvalue() == "voice: espeak-ng could not play audio (error: no device); using beeps\n"


def test_no_engine_means_beeps_and_one_clear_message(monkeypatch):
    monkeypatch.setattr(voice_mod, "_notes_given", set())
    monkeypatch.setattr(voice_mod, "espeak_path", lambda: None)
    monkeypatch.setattr(voice_mod.importlib.util, "find_spec", lambda name: None)
    err = io.StringIO()
    assert voice_mod.engine_kind() == "beep"
    first = make_engine(stderr=err)
    second = make_engine(stderr=err)
    assert isinstance(first, BeepEngine) and isinstance(second, BeepEngine)
    assert err.getvalue() == "voice: no speech engine found (install espeak-ng); using beeps\n"
    bell = io.StringIO()
    BeepEngine(bell).speak("Lift your hips")
    assert bell.getvalue() == "\a"


# --------------------------------------------------------------------------- real espeak-ng

needs_espeak = pytest.mark.skipif(espeak_path() is None,
                                  reason="espeak-ng/espeak not installed (apt-get install espeak-ng)")


@needs_espeak
def test_render_to_wav_is_real_speech(tmp_path):
    out = render_to_wav("Straighten your back and lift your hips", tmp_path / "cue.wav")
    with wave.open(str(out), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate, n = w.getframerate(), w.getnframes()
        samples = np.frombuffer(w.readframes(n), dtype="<i2").astype(float)
    seconds = n / rate
    assert 1.0 < seconds < 10.0
    rms = float(np.sqrt(np.mean(samples ** 2)))
    assert rms > 300 and np.abs(samples).max() > 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cue.wav"]


@needs_espeak
def test_render_text_that_looks_like_an_option(tmp_path):
    out = render_to_wav("--help", tmp_path / "dash.wav")
    with wave.open(str(out), "rb") as w:
        assert w.getnframes() > 0


def test_render_without_espeak_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(voice_mod, "espeak_path", lambda: None)
    with pytest.raises(PosecheckError, match="espeak-ng"):
        render_to_wav("hello", tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the schedule of a session

def _simulate(cues: list[tuple[float, str, int]], end_s: float, step: float = 0.01):
    """Cues offered at their times to a CueScheduler driving a speaker whose utterances last about
    a third of a second per word; returns (start, end, text, cut short) per utterance. Pure: the
    injected clock is the loop's ``t``, the same clock the cues' times come from (the frames')."""
    s = CueScheduler()
    pending = sorted(cues)
    said: list[list] = []
    current = None
    for k in range(int(round(end_s / step)) + 1):
        t = round(k * step, 6)
        while pending and pending[0][0] <= t + 1e-9:
            _, text, priority = pending.pop(0)
            s.offer(text, priority, t)
        if current is not None and (s.interrupt or t >= current[1]):
            cut = t < current[1]
            said.append([current[0], t, current[2], cut])
            s.done(t, cut_short=cut)
            current = None
        if current is None:
            text = s.take(t)
            if text is not None:
                current = (t, t + 0.15 + 0.33 * len(text.split()), text)
    return said


def test_a_session_is_said_in_step_with_the_screen_and_the_important_words_always():
    from test_live import SIDED, Script

    from posecheck.core.types import State
    from posecheck.judge.routine import RoutineMachine, Say, Timing
    from posecheck.judge.speech import URGENT

    m = RoutineMachine([SIDED], timing=Timing())  # the real phase lengths
    script = Script(m)
    script.run(2.0)
    script.press("pause")  # during the 6 s spoken safety note
    script.run(0.5)
    script.press("pause")
    script.run(5.0 + 6.0 + 3.0)  # the rest of the intro, the card, the countdown
    script.run(1.5, state=State.INCORRECT, side="left", cue="Lift higher")
    script.run(2.5, state=State.CORRECT, side="left")  # the left side's target
    script.run(4.0, state=State.NO_PERSON)  # the switch
    script.run(2.5, state=State.CORRECT, side="right")
    assert m.finished and m.ended == "complete"
    cues = [(t, e.text, e.priority) for t, e in script.log if isinstance(e, Say)]
    said = _simulate(cues, script.t + 10.0)
    starts = {}
    for start, _, text, _ in said:
        starts.setdefault(text, start)
    # What the screen shows at a time is said at that time: the countdown, "Go", "Paused".
    for t, text, priority in cues:
        if priority >= URGENT:
            assert starts[text] == pytest.approx(t, abs=0.011), (text, t, starts.get(text))
    pause_t = next(t for t, text, _ in cues if text == "Paused")
    welcome = next(u for u in said if u[2].startswith("Welcome"))
    assert welcome[3] and welcome[1] == pytest.approx(pause_t, abs=0.011)  # the long note was cut short
    # The exercise, the side switch, "hold complete" and the end are said in full.
    whole = {text for _, _, text, cut in said if not cut}
    for must in ("Next: Sided, left side first", "Release. Switch to your right side",
                 "Hold complete. Well done, release.", "Exercise complete. Well done."):
        assert must in whole, said
    switch_t = next(t for t, text, _ in cues if text.startswith("Release. Switch"))
    assert starts["Release. Switch to your right side"] == pytest.approx(switch_t, abs=0.011)
