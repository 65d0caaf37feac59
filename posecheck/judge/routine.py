"""The guided routine as a pure state machine, and the coach that judges through it.

No OpenCV, no MediaPipe, no clock: everything is driven by frame timestamps
(seconds) and the ``FrameResult`` of the exercise being judged, so a scripted
sequence gives exactly the same phases every time.

``RoutineMachine`` walks a plan of exercises (the routine: ``ROUTINE_ORDER``;
or one exercise) through its phases::

    INTRO (safety note) -> CARD -> COUNTDOWN -> ACTIVE [-> SWITCH -> ACTIVE] -> REST -> CARD ... -> DONE

It *leads* (a live camera: the person follows the cards and countdowns and the
judge only runs in ACTIVE and SWITCH) or it *follows* (a recorded video: the
video leads, the judge never pauses, the cards are shown over the running
video, and the machine moves to the next exercise when the frames show that
the person has clearly moved on, judged by ``recognize.frame_label``).

The machine never holds sessions; it says what should happen with events:
``Start`` (open a judge for an exercise, replaying buffered frames from
``onset_s``), ``End`` (close it) and ``Say`` (a voice cue). ``Coach`` owns the
``ExerciseSession``s, feeds them, applies the events and keeps the results
that make the session summary.

Time: the machine keeps a *judge clock*, the frame time minus the time spent
paused, so a pause never adds to (or is bridged into) a hold.
"""

from __future__ import annotations

import enum
import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable, Sequence

from posecheck.judge.exercises import ROUTINE_ORDER, Exercise
from posecheck.core.features import compute_features
from posecheck.judge.recognize import frame_label
from posecheck.judge.session import ExerciseSession
from posecheck.core.smoothing import PoseSmoother
from posecheck.core.types import FrameResult, Pose, State

SAFETY_NOTE = ("This is not medical advice. Consult a qualified professional for chronic or severe "
               "back issues.")

# The label of a frame that was not labelled (recognition runs at a lower rate than frames).
UNLABELLED = "<unlabelled>"

# Voice priorities (the same numbers as posecheck.io.voice LOW / NORMAL / HIGH).
LOW, NORMAL, HIGH = 0, 1, 2

VIEW_WORDS = {
    "side": "Camera at your side: turn sideways to it",
    "front": "Camera in front of you: face it",
    "front or oblique": "Camera in front of you or at an angle",
    "oblique": "Camera at an angle to you",
}


def view_words(view: str) -> str:
    return VIEW_WORDS.get(view, f"Camera view: {view}")


def goal_words(exercise: Exercise) -> str:
    goal = exercise.goal
    if goal.kind == "reps":
        return f"{int(goal.target)} slow repetitions"
    per_side = f" per side ({' and '.join(exercise.sides)})" if exercise.has_sides else ""
    return f"Hold {goal.target:g} s{per_side}"


class Phase(str, enum.Enum):
    INTRO = "intro"  # the safety note, before the first card (leading only)
    CARD = "card"  # the instruction card of the next exercise (leading only)
    COUNTDOWN = "countdown"  # 3-2-1 (leading only)
    ACTIVE = "active"  # holding or repeating, on ``side``
    SWITCH = "switch"  # "switch sides": one side reached its target
    REST = "rest"  # the exercise is done; leading: a short rest, following: until the video moves on
    DONE = "done"  # the routine is over: the summary

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Timing:
    intro_s: float = 6.0
    card_s: float = 6.0
    countdown_s: float = 3.0
    switch_s: float = 4.0
    rest_s: float = 8.0


@dataclass(frozen=True)
class FollowRule:
    """When a recorded video has clearly moved on to another exercise of the plan.

    The next exercise of the plan must be the label of at least ``share`` of
    the frames of the last ``window_s`` seconds; any other exercise (skipping
    ahead, or going back), or any exercise while the current one has not been
    seen at all yet, needs ``other_factor`` times as long. Its judge then starts
    ``lookback_s`` before the first frame of that run of labels (never before
    the last frame labelled as the current exercise), and the frames since are
    replayed to it, so the late decision costs no hold time.
    """

    window_s: float = 2.5
    share: float = 0.7
    other_factor: float = 2.0
    lookback_s: float = 0.5
    history_s: float = 15.0


# -- events -------------------------------------------------------------------

@dataclass(frozen=True)
class Say:
    text: str
    priority: int = NORMAL


@dataclass(frozen=True)
class Start:
    """Open the judge of plan[index] at judge-clock ``onset_s`` (replay frames since then)."""

    index: int
    onset_s: float


@dataclass(frozen=True)
class End:
    """Close the judge of plan[index] at judge-clock ``t``; ``reason`` says why."""

    index: int
    t: float
    reason: str  # "target", "next_exercise", "skipped", "back", "quit", or an ending


Event = Say | Start | End


@dataclass(frozen=True)
class RoutineView:
    """What the screen should show now (built by ``RoutineMachine.view``)."""

    phase: Phase
    index: int
    total: int
    exercise: Exercise | None
    next_exercise: Exercise | None
    side: str | None
    sides_done: tuple[str, ...]
    paused: bool
    follow: bool
    elapsed_s: float  # in this phase
    remaining_s: float | None  # until the phase times out (leading), else None
    show_note: bool  # the safety note is on screen
    show_card: bool  # the instruction card is on screen (full in CARD, compact while following)
    finished: bool
    ended: str | None
    clock_s: float


class RoutineMachine:
    """The routine's phases. ``update`` per frame, ``press`` per key, ``finish`` at the end."""

    KEYS = ("pause", "next", "back", "switch", "quit")

    def __init__(self, plan: Sequence[Exercise], timing: Timing | None = None, follow: bool = False,
                 rule: FollowRule | None = None, recognize: bool | None = None,
                 correction_every_s: float = 6.0, correction_after_s: float = 1.0):
        if not plan:
            raise ValueError("the plan has no exercises")
        self.plan = tuple(plan)
        self.timing = timing or Timing()
        self.follow = bool(follow)
        self.rule = rule or FollowRule()
        self.recognize = (self.follow and len(self.plan) > 1) if recognize is None else bool(recognize)
        self.correction_every_s = correction_every_s
        self.correction_after_s = correction_after_s

        self.index = 0
        self.phase = Phase.INTRO
        self.phase_t0 = 0.0
        self.side: str | None = None
        self.sides_done: set[str] = set()
        self.session_open = False
        self.started = False
        self.start_s = 0.0
        self.finished = False
        self.ended: str | None = None
        self.completed: set[int] = set()  # plan indices whose target was reached
        self._pause_total = 0.0
        self._paused_at: float | None = None
        self._last_t = 0.0
        self._exercise_t0 = 0.0
        self._countdown_said: int | None = None
        self._was_correct = False
        self._cue = ""
        self._cue_since = 0.0
        self._said_cue = ""
        self._said_cue_at = -math.inf
        self._labels: deque[tuple[float, str | None]] = deque()
        self._seen_current = False

    # -- time

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def clock(self, t: float) -> float:
        """The judge clock at frame time ``t``: frame time minus the time spent paused."""
        if self._paused_at is not None:
            return self._paused_at - self._pause_total
        return t - self._pause_total

    @property
    def exercise(self) -> Exercise | None:
        return self.plan[self.index] if 0 <= self.index < len(self.plan) else None

    def _enter(self, phase: Phase, c: float) -> None:
        self.phase = phase
        self.phase_t0 = c

    def _first_side(self, ex: Exercise) -> str | None:
        return ex.sides[0] if ex.has_sides else None

    def _other_side(self) -> str | None:
        ex = self.exercise
        if ex is None or not ex.has_sides:
            return None
        left = [s for s in ex.sides if s not in self.sides_done and s != self.side]
        if left:
            return left[0]
        others = [s for s in ex.sides if s != self.side]
        return others[0] if others else self.side

    # -- exercises

    def _begin(self, k: int, c: float, onset_s: float | None = None) -> list[Event]:
        """Make plan[k] the current exercise."""
        self.index = k
        ex = self.plan[k]
        self.side = self._first_side(ex)
        self.sides_done = set()
        self._exercise_t0 = c
        self._seen_current = False
        self._was_correct = False
        self._cue, self._said_cue = "", ""
        events: list[Event] = []
        if self.follow:
            self._enter(Phase.ACTIVE, c)
            self.session_open = True
            events.append(Start(k, c if onset_s is None else onset_s))
            events.append(Say(ex.title, LOW))
        else:
            self._enter(Phase.CARD, c)
            self._countdown_said = None
            side = f", {self.side} side first" if self.side else ""
            events.append(Say(f"Next: {ex.title}{side}", NORMAL))
        return events

    def _close(self, c: float, reason: str) -> list[Event]:
        if not self.session_open:
            return []
        self.session_open = False
        return [End(self.index, c, reason)]

    def _done(self, c: float, ended: str) -> list[Event]:
        events = self._close(c, ended)
        self._enter(Phase.DONE, c)
        self.finished = True
        self.ended = self.ended or ended
        if ended == "complete":
            events.append(Say("Routine complete. Well done.", HIGH))
        return events

    def _complete(self, c: float) -> list[Event]:
        """The current exercise reached its target."""
        self.completed.add(self.index)
        last = self.index + 1 >= len(self.plan)
        events: list[Event] = [Say("Well done. Release.", HIGH)]
        if self.follow:  # the video decides when to move on; keep judging until then
            self._enter(Phase.REST, c)
            return events
        events += self._close(c, "target")
        if last:
            return events + self._done(c, "complete")
        self._enter(Phase.REST, c)
        events.append(Say(f"Rest. Next: {self.plan[self.index + 1].title}", NORMAL))
        return events

    # -- per frame

    def update(self, t: float, result: FrameResult | None = None, label: str | None = UNLABELLED) -> list[Event]:
        """One frame at frame time ``t``: ``result`` of the open judge (if any), ``label`` of the pose.

        ``label`` is the exercise the pose shows (``recognize.frame_label``), None
        for none, or ``UNLABELLED`` when this frame was not labelled at all.
        """
        if self.finished or self.paused:
            return []
        self._last_t = t
        c = self.clock(t)
        if not self.started:
            self.started = True
            self.start_s = c
            welcome = Say("Welcome. " + SAFETY_NOTE, NORMAL)
            if self.follow:
                return [welcome] + self._begin(0, c)
            self._enter(Phase.INTRO, c)
            return [welcome]
        events: list[Event] = []
        if self.recognize:
            jump = self._moved_on(c, label)
            if jump is not None:
                k, onset = jump
                events += self._close(c, "next_exercise")
                return events + self._begin(k, c, onset_s=onset)
        if result is not None and self.session_open and self.phase in (Phase.ACTIVE, Phase.SWITCH):
            events += self._judged(c, result)
        events += self._timers(c)
        return events

    def _timers(self, c: float) -> list[Event]:
        tm = self.timing
        elapsed = c - self.phase_t0
        if self.phase is Phase.INTRO and elapsed >= tm.intro_s:
            return self._begin(0, c)
        if self.phase is Phase.CARD and elapsed >= tm.card_s:
            self._enter(Phase.COUNTDOWN, c)
            self._countdown_said = None
            return self._timers(c)
        if self.phase is Phase.COUNTDOWN:
            left = tm.countdown_s - elapsed
            if left <= 0:
                self._enter(Phase.ACTIVE, c)
                self.session_open = True
                return [Start(self.index, c), Say("Go", HIGH)]
            n = math.ceil(left - 1e-9)
            if n != self._countdown_said:
                self._countdown_said = n
                return [Say(str(n), HIGH)]
            return []
        if self.phase is Phase.SWITCH and elapsed >= tm.switch_s:
            self._enter(Phase.ACTIVE, c)
            return []
        if self.phase is Phase.REST and not self.follow and elapsed >= tm.rest_s:
            if self.index + 1 >= len(self.plan):
                return self._done(c, "complete")
            return self._begin(self.index + 1, c)
        return []

    def _judged(self, c: float, r: FrameResult) -> list[Event]:
        ex = self.exercise
        events: list[Event] = []
        correct = r.state is State.CORRECT
        # Follow the side the person actually works.
        if ex.has_sides and correct and r.side in ex.sides and r.side not in self.sides_done:
            self.side = r.side
            if self.phase is Phase.SWITCH:  # holding on the new side already
                self._enter(Phase.ACTIVE, c)
        if correct and not self._was_correct:
            events.append(Say("Hold" if ex.goal.kind == "hold" else "Good form", NORMAL))
        self._was_correct = correct
        events += self._correction(c, r)
        # Targets.
        goal = ex.goal
        if goal.kind == "reps":
            if (r.reps or 0) >= goal.target:
                return events + self._complete(c)
            return events
        if not ex.has_sides:
            if r.hold_s >= goal.target:
                return events + self._complete(c)
            return events
        newly = [s for s in ex.sides if s not in self.sides_done and r.side_hold_s.get(s, 0.0) >= goal.target]
        if not newly:
            return events
        self.sides_done.update(newly)
        if all(s in self.sides_done for s in ex.sides):
            return events + self._complete(c)
        if self.side in self.sides_done:
            self.side = self._other_side()
            self._was_correct = False
            self._enter(Phase.SWITCH, c)
            events.append(Say(f"Release. Switch sides: now your {self.side} side", HIGH))
        return events

    def _correction(self, c: float, r: FrameResult) -> list[Event]:
        """The single most important correction, once it has lasted a moment; throttled."""
        cue = r.cue if r.state in (State.INCORRECT, State.UNCERTAIN) else ""
        if cue != self._cue:
            self._cue, self._cue_since = cue, c
            return []
        if not cue or c - self._cue_since < self.correction_after_s:
            return []
        since_said = c - self._said_cue_at
        if since_said < self.correction_every_s and (cue == self._said_cue or since_said < self.correction_every_s / 2):
            return []
        self._said_cue, self._said_cue_at = cue, c
        return [Say(cue, NORMAL)]

    def _moved_on(self, c: float, label: str | None) -> tuple[int, float] | None:
        """(plan index, onset) when the frames clearly show another exercise of the plan."""
        rule = self.rule
        current = self.plan[self.index].id
        if label != UNLABELLED:
            self._labels.append((c, label))
            if label == current:
                self._seen_current = True
        while self._labels and self._labels[0][0] < c - rule.history_s:
            self._labels.popleft()
        if c - self._exercise_t0 < rule.window_s or not self._labels:
            return None
        window = [lab for t, lab in self._labels if t > c - rule.window_s]
        counts = Counter(lab for lab in window if lab is not None and lab != current)
        if not counts:
            return None
        best, n = counts.most_common(1)[0]
        if n < rule.share * len(window):
            return None
        targets = [k for k in range(len(self.plan)) if self.plan[k].id == best and k != self.index]
        if not targets:
            return None
        after = [k for k in targets if k > self.index]
        k = after[0] if after else targets[-1]
        needed_s = rule.window_s
        if k != self.index + 1 or not self._seen_current:
            needed_s *= rule.other_factor
        if c - self._exercise_t0 < needed_s or self._labels[0][0] > c - needed_s + 1e-9:
            return None
        window = [lab for t, lab in self._labels if t > c - needed_s]
        if window.count(best) < rule.share * len(window):
            return None
        first = c
        stop = -math.inf
        for t, lab in reversed(self._labels):
            if lab == current:
                stop = t
                break
            if lab == best:
                first = t
        onset = max(first - rule.lookback_s, stop + 1e-6, self._exercise_t0)
        return k, onset

    # -- keys

    def press(self, t: float, key: str) -> list[Event]:
        """A key: "pause", "next", "back", "switch" or "quit"."""
        if key not in self.KEYS:
            raise ValueError(f"unknown key {key!r} (keys: {', '.join(self.KEYS)})")
        if self.finished:
            return []
        if key == "pause":
            if self._paused_at is None:
                self._paused_at = t
                return [Say("Paused", NORMAL)]
            self._pause_total += max(0.0, t - self._paused_at)
            self._paused_at = None
            return [Say("Go on", NORMAL)]
        if self._paused_at is not None:  # any other key resumes first
            self._pause_total += max(0.0, t - self._paused_at)
            self._paused_at = None
        c = self.clock(t)
        if not self.started:
            self.started = True
            self.start_s = c
            self._enter(Phase.INTRO, c)
        if key == "quit":
            return self.finish(t, "interrupted")
        if key == "next":
            if self.phase is Phase.INTRO:
                return self._begin(0, c)
            nxt = self.index + 1  # in a rest, the exercise after the one just done
            events = self._close(c, "skipped")
            if nxt >= len(self.plan):
                return events + self._done(c, "complete")
            return events + self._begin(nxt, c)
        if key == "back":
            if self.phase is Phase.INTRO:
                return []
            if self.phase is Phase.REST and not self.follow:
                k = self.index  # redo the exercise just finished
            else:
                k = max(self.index - 1, 0)
            return self._close(c, "back") + self._begin(k, c)
        if key == "switch":
            ex = self.exercise
            if ex is None or not ex.has_sides or self.phase not in (
                    Phase.CARD, Phase.COUNTDOWN, Phase.ACTIVE, Phase.SWITCH):
                return []
            self.side = [s for s in ex.sides if s != self.side][0]
            self._was_correct = False
            if self.phase is Phase.SWITCH:
                self._enter(Phase.ACTIVE, c)
            return [Say(f"Now your {self.side} side", HIGH)]
        return []

    def finish(self, t: float, ended: str = "complete") -> list[Event]:
        """End the routine now (the source ended, the user quit, the camera was lost)."""
        if self.finished:
            return []
        c = self.clock(t)
        if self._paused_at is not None:
            self._pause_total += max(0.0, t - self._paused_at)
            self._paused_at = None
        events = self._close(c, ended if ended != "interrupted" else "quit")
        self._enter(Phase.DONE, c)
        self.finished = True
        self.ended = ended
        return events

    # -- display

    def view(self, t: float | None = None) -> RoutineView:
        t = self._last_t if t is None else t
        c = self.clock(t)
        tm = self.timing
        elapsed = max(0.0, c - self.phase_t0)
        limits = {Phase.INTRO: tm.intro_s, Phase.CARD: tm.card_s, Phase.COUNTDOWN: tm.countdown_s,
                  Phase.SWITCH: tm.switch_s}
        if not self.follow:
            limits[Phase.REST] = tm.rest_s
        limit = limits.get(self.phase)
        remaining = max(0.0, limit - elapsed) if limit is not None else None
        since_start = c - self.start_s
        show_note = self.phase is Phase.INTRO or (self.follow and since_start < tm.intro_s)
        show_card = self.phase is Phase.CARD or (
            self.follow and self.phase is Phase.ACTIVE and c - self._exercise_t0 < tm.card_s
            and not self.finished)
        nxt = self.plan[self.index + 1] if self.index + 1 < len(self.plan) else None
        if self.phase is Phase.INTRO:
            nxt = self.plan[0]
        return RoutineView(
            phase=self.phase, index=self.index, total=len(self.plan),
            exercise=None if self.phase is Phase.INTRO else self.exercise, next_exercise=nxt,
            side=self.side, sides_done=tuple(s for s in (self.exercise.sides if self.exercise else ())
                                             if s in self.sides_done),
            paused=self.paused, follow=self.follow, elapsed_s=elapsed, remaining_s=remaining,
            show_note=show_note, show_card=show_card, finished=self.finished, ended=self.ended,
            clock_s=c)


# -- the coach: sessions driven through the machine -------------------------------

@dataclass
class SideFaults:
    """Seconds per (side, rule) of raw incorrect judgement: the most frequent fault per side."""

    seconds: dict[tuple[str | None, str], float] = field(default_factory=dict)
    cues: dict[str, str] = field(default_factory=dict)
    _prev: FrameResult | None = None

    def add(self, r: FrameResult) -> None:
        prev = self._prev
        self._prev = r
        if prev is None or prev.assessment.state is not State.INCORRECT:
            return
        dt = r.timestamp_s - prev.timestamp_s
        if dt <= 0:
            return
        results = prev.assessment.results
        failing = next((x for x in results if x.ok is False and x.cue == prev.assessment.cue), None)
        failing = failing or next((x for x in results if x.ok is False), None)
        if failing is None:
            return
        key = (prev.assessment.side, failing.name)
        self.seconds[key] = self.seconds.get(key, 0.0) + dt
        self.cues.setdefault(failing.name, failing.cue)

    def top(self, side: str | None = None, any_side: bool = False) -> dict | None:
        items = [(k, v) for k, v in self.seconds.items() if any_side or k[0] == side]
        if not items:
            return None
        merged: dict[str, float] = {}
        for (s, rule), v in items:
            merged[rule] = merged.get(rule, 0.0) + v
        rule, secs = max(merged.items(), key=lambda kv: kv[1])
        return {"rule": rule, "cue": self.cues.get(rule, ""), "seconds": round(secs, 3)}


@dataclass(frozen=True)
class CoachStep:
    """One frame through the coach: what to show and say."""

    t: float  # judge clock
    view: RoutineView
    result: FrameResult | None  # the open judge's result for this frame
    exercise: Exercise | None  # the exercise ``result`` belongs to
    speech: tuple[Say, ...]
    label: str | None = UNLABELLED


class Coach:
    """A routine (or one exercise) judged live: the machine, the sessions, the results.

    ``step(t, pose)`` per frame, ``press(t, key)`` per key, ``finish(t, ended)``
    at the end returns the session summary. ``on_result(entry)`` is called each
    time an exercise attempt is finished (for the history).
    """

    def __init__(self, plan: Sequence[Exercise], *, dwell_s: float = 0.3, grace_s: float = 0.5,
                 timing: Timing | None = None, follow: bool = False, rule: FollowRule | None = None,
                 exercises: dict[str, Exercise] | None = None,
                 on_result: Callable[[dict], None] | None = None, mode: str | None = None,
                 label_every_s: float = 0.1):
        self.machine = RoutineMachine(plan, timing=timing, follow=follow, rule=rule)
        self.plan = self.machine.plan
        self.dwell_s, self.grace_s = dwell_s, grace_s
        self.mode = mode or ("routine" if len(self.plan) > 1 else "exercise")
        # Recognition scores every exercise the plan has (with the coach's settings).
        self._exercises = exercises or {ex.id: ex for ex in self.plan}
        self._exercises = {**self._exercises, **{ex.id: ex for ex in self.plan}}
        self.on_result = on_result
        self.session: ExerciseSession | None = None
        self.session_index: int | None = None
        self._faults = SideFaults()
        self._ended_by = ""
        self.attempts: list[dict] = []
        self._tries: Counter = Counter()
        self._buffer: deque[tuple[float, Pose | None]] = deque()
        self._buffer_s = (rule or FollowRule()).history_s
        self._smoother = PoseSmoother() if self.machine.recognize else None
        self.label_every_s = label_every_s
        self._label_t: float | None = None
        self.frames = 0
        self.judged_frames = 0
        self.first_t: float | None = None
        self.last_t = 0.0
        self.result_errors: list[str] = []

    @property
    def finished(self) -> bool:
        return self.machine.finished

    @property
    def paused(self) -> bool:
        return self.machine.paused

    def label(self, pose: Pose | None, t: float | None = None) -> str | None:
        """The exercise the pose shows, or None; ``UNLABELLED`` between label times."""
        if self._smoother is None:
            return UNLABELLED
        smoothed = self._smoother(pose)  # every frame, so the filter keeps its time steps
        if t is not None:
            if self._label_t is not None and t - self._label_t < self.label_every_s - 1e-9:
                return UNLABELLED
            self._label_t = t
        if smoothed is None:
            return None
        return frame_label(compute_features(smoothed), self._exercises)

    def step(self, t: float, pose: Pose | None) -> CoachStep:
        m = self.machine
        self.frames += 1
        if self.first_t is None:
            self.first_t = t
        self.last_t = t
        if m.finished:
            return CoachStep(m.clock(t), m.view(t), None, None, ())
        paused = m.paused
        c = m.clock(t)
        label = UNLABELLED
        result = None
        if not paused:
            self._buffer.append((c, pose))
            while self._buffer and self._buffer[0][0] < c - self._buffer_s:
                self._buffer.popleft()
            label = self.label(pose, c)
            if self.session is not None:
                result = self._judge(c, pose)
        events = m.update(t, result, label)
        speech, replayed = self._apply(events)
        if replayed is not None:
            result = replayed
        exercise = self.plan[self.session_index] if self.session is not None else None
        if result is not None and exercise is None:
            exercise = self.plan[m.index]
        return CoachStep(c, m.view(t), result, exercise, speech, label)

    def press(self, t: float, key: str) -> tuple[Say, ...]:
        speech, _ = self._apply(self.machine.press(t, key))
        return speech

    def finish(self, t: float | None = None, ended: str = "complete") -> dict:
        t = self.last_t if t is None else t
        self._apply(self.machine.finish(t, ended))
        return self.summary()

    # -- internals

    def _judge(self, c: float, pose: Pose | None) -> FrameResult:
        result = self.session.step(c, pose)
        self._faults.add(result)
        self.judged_frames += 1
        return result

    def _apply(self, events: list[Event]) -> tuple[tuple[Say, ...], FrameResult | None]:
        speech: list[Say] = []
        replayed = None
        for ev in events:
            if isinstance(ev, Say):
                speech.append(ev)
            elif isinstance(ev, End):
                self._close(ev)
            elif isinstance(ev, Start):
                if self.session is not None:  # never two judges at once
                    self._close(End(self.session_index, self.machine.clock(self.last_t), "next_exercise"))
                ex = self.plan[ev.index]
                self.session = ExerciseSession(ex, dwell_s=self.dwell_s, grace_s=self.grace_s)
                self.session_index = ev.index
                self._faults = SideFaults()
                for tb, pose in list(self._buffer):
                    if tb >= ev.onset_s - 1e-9:
                        replayed = self._judge(tb, pose)
        return tuple(speech), replayed

    def _close(self, ev: End) -> None:
        session = self.session
        if session is None:
            return
        self.session = None
        index = self.session_index
        self.session_index = None
        if session.frames == 0:
            return  # opened and closed without a single frame: nothing happened
        end_t = max(ev.t, session.last_t or ev.t)
        session.finish(end_t)
        entry = self._entry(session, index, ev.reason)
        self.attempts.append(entry)
        if self.on_result is not None:
            try:
                self.on_result(entry)
            except Exception as exc:  # the history must never stop the coaching
                self.result_errors.append(str(exc))

    def _entry(self, session: ExerciseSession, index: int, reason: str) -> dict:
        ex = self.plan[index]
        self._tries[ex.id] += 1
        s = session.summary().to_json()
        s.pop("segments", None)
        start = session.first_t or 0.0
        end = session.last_t or start
        entry = {"exercise": ex.id, "title": ex.title, "attempt": self._tries[ex.id],
                 "start_s": round(start, 3), "end_s": round(end, 3), "duration_s": round(end - start, 3),
                 "frames": session.frames, "person_frames": session.person_frames}
        entry.update(s)
        goal = ex.goal
        if goal.kind == "reps":
            done = (s.get("reps") or 0) >= goal.target
        elif ex.has_sides:
            done = all(s["sides"].get(side, 0.0) >= goal.target for side in ex.sides)
        else:
            done = s["hold_s"] >= goal.target
        entry["completed"] = bool(done)
        entry["ended_by"] = reason
        entry["top_fault"] = self._faults.top(any_side=True)
        if ex.has_sides:
            entry["per_side"] = {side: {"hold_s": s["sides"].get(side, 0.0),
                                        "top_fault": self._faults.top(side)} for side in ex.sides}
        return entry

    def summary(self) -> dict:
        m = self.machine
        attempted = {a["exercise"] for a in self.attempts}
        totals: dict[str, dict] = {}
        for a in self.attempts:
            tot = totals.setdefault(a["exercise"], {"hold_s": 0.0, "reps": None, "completed": False})
            tot["hold_s"] = round(tot["hold_s"] + a["hold_s"], 3)
            if a.get("sides"):
                sides = tot.setdefault("sides", {})
                for side, secs in a["sides"].items():
                    sides[side] = round(sides.get(side, 0.0) + secs, 3)
            if a.get("reps") is not None:
                tot["reps"] = (tot["reps"] or 0) + a["reps"]
            tot["completed"] = tot["completed"] or a["completed"]
        duration = (m.clock(self.last_t) - m.start_s) if m.started else 0.0
        return {
            "kind": "live",
            "mode": self.mode,
            "plan": [ex.id for ex in self.plan],
            "follow": m.follow,
            "ended": m.ended,
            "duration_s": round(max(0.0, duration), 3),
            "frames": self.frames,
            "judged_frames": self.judged_frames,
            "exercises": self.attempts,
            "totals": totals,
            "not_done": [ex.id for ex in self.plan if ex.id not in attempted],
            "safety_note": SAFETY_NOTE,
        }


def routine_plan(exercises: dict[str, Exercise], name: str | None = None) -> list[Exercise]:
    """The routine (every exercise of ROUTINE_ORDER that exists), one exercise by id, or ids joined by commas."""
    if name:
        from posecheck.judge.exercises import get_exercise

        plan = []
        for part in (p.strip() for p in name.split(",")):
            if not part:
                continue
            if part not in exercises:
                get_exercise(part)  # the error that lists the valid names
            plan.append(exercises[part])
        if plan:
            return plan
    return [exercises[i] for i in ROUTINE_ORDER if i in exercises]
