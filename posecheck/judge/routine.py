"""The guided routine as a pure state machine.

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
the person has clearly moved on: ``follow.MoveOnWatch``).

The machine never holds sessions; it says what should happen with events:
``Start`` (open a judge for an exercise, replaying buffered frames from
``onset_s``), ``End`` (close it) and ``Say`` (a voice cue). ``coach.Coach``
owns the ``ExerciseSession``s, feeds them, applies the events and keeps the
results that make the session summary. What the screen shows of it is drawn
in ``posecheck.draw``.

Time: the machine keeps a *judge clock*, the frame time minus the time spent
paused, so a pause never adds to (or is bridged into) a hold.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Sequence

from posecheck.core.types import FrameResult, State
from posecheck.judge.exercises import ROUTINE_ORDER, Exercise
from posecheck.judge.follow import UNLABELLED, FollowRule, MoveOnWatch
from posecheck.judge.speech import HIGH, NORMAL, SAFETY_NOTE, URGENT


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
    intro_s: float = 7.0  # the spoken safety note takes about 6.5 s
    card_s: float = 6.0
    countdown_s: float = 3.0
    switch_s: float = 4.0
    switch_min_s: float = 1.5  # "switch sides" stays up this long even when the other side is held at once
    rest_s: float = 8.0


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
    leaving: bool  # following: the frames show another exercise of the plan (its cues are not shown)
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
        self._watch = MoveOnWatch(self.plan, self.rule)
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
        self._side_manual = False  # the side was chosen with the key: stop following the pose's side
        self._leaving = False
        self._skipped = False

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
        self._watch.begin()
        self._was_correct = False
        self._cue, self._said_cue = "", ""
        self._side_manual = False
        self._leaving = False
        events: list[Event] = []
        side = f", {self.side} side first" if self.side else ""
        if self.follow:
            self._enter(Phase.ACTIVE, c)
            self.session_open = True
            events.append(Start(k, c if onset_s is None else onset_s))
            events.append(Say(f"{ex.title}{side}", HIGH))
        else:
            self._enter(Phase.CARD, c)
            self._countdown_said = None
            events.append(Say(f"Next: {ex.title}{side}", HIGH))
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
        events.append(Say(self.end_words(ended), HIGH))
        return events

    def end_words(self, ended: str) -> str:
        """What is said when the session ends."""
        if ended == "complete":
            return ("Routine complete. Well done." if len(self.plan) > 1 else "Exercise complete. Well done.")
        if ended == "camera_lost":
            return "The camera stopped. Session saved."
        if self.index not in self.completed and self.exercise is not None and self._skipped:
            return f"{self.exercise.title} skipped. Session saved."
        return "Session stopped. Session saved."

    def _complete(self, c: float) -> list[Event]:
        """The current exercise reached its target."""
        self.completed.add(self.index)
        last = self.index + 1 >= len(self.plan)
        done = "Hold complete" if self.exercise.goal.kind == "hold" else "Repetitions complete"
        events: list[Event] = [Say(f"{done}. Well done, release.", HIGH)]
        if self.follow:  # the video decides when to move on; keep judging until then
            self._enter(Phase.REST, c)
            return events
        events += self._close(c, "target")
        if last:
            return events + self._done(c, "complete")
        self._enter(Phase.REST, c)
        events.append(Say(f"Rest. Next: {self.plan[self.index + 1].title}", NORMAL))
        return events

    @property
    def cue_shown(self) -> bool:
        """Whether the open judge's cue is for the person now: not while the video shows another
        exercise, not once the exercise is done (following), not during the switch-sides message."""
        return not self._leaving and self.phase is Phase.ACTIVE

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
            jump = self._watch.moved_on(c, label, self.index, self._exercise_t0)
            if jump is not None:
                k, onset = jump
                events += self._close(c, "next_exercise")
                return events + self._begin(k, c, onset_s=onset)
            self._leaving = self._watch.leaving(c, self.index)
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
                return [Start(self.index, c), Say("Go", URGENT)]
            n = math.ceil(left - 1e-9)
            if n != self._countdown_said:
                self._countdown_said = n
                return [Say(str(n), URGENT)]
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
        if ex.has_sides and correct and r.side in ex.sides and r.side not in self.sides_done \
                and not self._side_manual:
            self.side = r.side
            if self.phase is Phase.SWITCH and c - self.phase_t0 >= min(self.timing.switch_s,
                                                                    self.timing.switch_min_s):
                self._enter(Phase.ACTIVE, c)  # holding on the new side already (the hold counts meanwhile)
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
            events.append(Say(f"Release. Switch to your {self.side} side", HIGH))
        return events

    def _correction(self, c: float, r: FrameResult) -> list[Event]:
        """The single most important correction, once it has lasted a moment; throttled."""
        cue = r.cue if r.state in (State.INCORRECT, State.UNCERTAIN) and self.cue_shown else ""
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
                return [Say("Paused", URGENT)]
            self._pause_total += max(0.0, t - self._paused_at)
            self._paused_at = None
            return [Say("Go on", HIGH)]
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
                # One exercise skipped is not a session completed: the session ends "skipped".
                self._skipped = self.index not in self.completed
                ended = "skipped" if len(self.plan) == 1 and self._skipped else "complete"
                return events + self._done(c, ended)
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
            self._side_manual = True  # also while following a video: the key wins over the pose
            self._was_correct = False
            if self.phase is Phase.SWITCH:
                self._enter(Phase.ACTIVE, c)
            return [Say(f"Switch to your {self.side} side", HIGH)]
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
        return events + [Say(self.end_words(ended), HIGH)]

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
            show_note=show_note, show_card=show_card, leaving=self._leaving, finished=self.finished,
            ended=self.ended,
            clock_s=c)


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
