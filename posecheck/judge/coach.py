"""The coach: a routine (or one exercise) judged through the routine's state machine.

``RoutineMachine`` (``routine.py``) says what should happen; ``Coach`` does it:
it opens and closes an ``ExerciseSession`` per ``Start`` / ``End`` event,
feeds it the poses (replaying the buffered ones a late ``Start`` asks for),
labels the poses for a machine that follows a recorded video, and keeps the
finished attempts that make the session summary. No OpenCV, no MediaPipe, no
clock: frame timestamps only.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Callable, Sequence

from posecheck.core.features import compute_features
from posecheck.core.smoothing import PoseSmoother
from posecheck.core.types import FrameResult, Pose
from posecheck.judge.exercises import Exercise
from posecheck.judge.follow import UNLABELLED, FollowRule
from posecheck.judge.recognize import frame_label
from posecheck.judge.routine import End, Event, RoutineMachine, RoutineView, Say, Start, Timing
from posecheck.judge.session import ExerciseSession
from posecheck.judge.speech import SAFETY_NOTE
from posecheck.judge.summary import Fault
from posecheck.judge.tracker import DWELL_S, GRACE_S


def top_fault(faults: Sequence[Fault], side: str | None = None, any_side: bool = False) -> dict | None:
    """The fault to fix most on ``side`` (or on any side, a rule's sides added up) among a session's
    faults (``ExerciseFigures.faults``: getting into position and blips left out, as in the report)."""
    merged: dict[str, list] = {}
    for f in faults:
        if any_side or f.side == side:
            seen = merged.setdefault(f.rule, [f.cue, 0.0])
            seen[1] += f.seconds
    if not merged:
        return None
    rule, (cue, seconds) = max(merged.items(), key=lambda kv: kv[1][1])
    return {"rule": rule, "cue": cue, "seconds": round(seconds, 3)}


@dataclass(frozen=True)
class CoachStep:
    """One frame through the coach: what to show and say."""

    t: float  # judge clock
    view: RoutineView
    result: FrameResult | None  # the open judge's result for this frame
    exercise: Exercise | None  # the exercise ``result`` belongs to
    speech: tuple[Say, ...]
    label: str | None = UNLABELLED
    cue: str = ""  # the cue to show: the judge's, unless it is not for the exercise on screen now
    person_lost: bool = True  # no person for at least ``Coach.lost_after_s`` (not one missed frame)


class Coach:
    """A routine (or one exercise) judged live: the machine, the sessions, the results.

    ``step(t, pose)`` per frame, ``press(t, key)`` per key, ``finish(t, ended)``
    at the end returns the session summary. ``on_result(entry)`` is called each
    time an exercise attempt is finished (for the history).
    """

    def __init__(self, plan: Sequence[Exercise], *, dwell_s: float = DWELL_S, grace_s: float = GRACE_S,
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
        self.final_speech: tuple[Say, ...] = ()  # what ``finish`` has to say (the end)
        self.lost_after_s = 0.7
        self._person_seen_t: float | None = None

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
        cue = result.cue if result is not None and m.cue_shown and exercise is m.exercise else ""
        if pose is not None:
            self._person_seen_t = t
        lost = self._person_seen_t is None or t - self._person_seen_t >= self.lost_after_s
        return CoachStep(c, m.view(t), result, exercise, speech, label, cue, lost)

    def press(self, t: float, key: str) -> tuple[Say, ...]:
        speech, _ = self._apply(self.machine.press(t, key))
        if self.machine.finished:  # the key ended the session: its last words are said at the end
            self.final_speech += speech
            return ()
        return speech

    def finish(self, t: float | None = None, ended: str = "complete") -> dict:
        t = self.last_t if t is None else t
        speech, _ = self._apply(self.machine.finish(t, ended))
        self.final_speech += speech
        return self.summary()

    # -- internals

    def _judge(self, c: float, pose: Pose | None) -> FrameResult:
        result = self.session.step(c, pose)
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
        figures = session.summary()
        s = figures.to_json()
        s.pop("segments", None)
        start = session.first_t or 0.0
        end = session.last_t or start
        entry = {"exercise": ex.id, "title": ex.title, "attempt": self._tries[ex.id],
                 "start_s": round(start, 3), "end_s": round(end, 3), "duration_s": round(end - start, 3),
                 "frames": session.frames, "person_frames": session.person_frames}
        entry.update(s)
        entry["completed"] = figures.goal_reached
        entry["ended_by"] = reason
        entry["top_fault"] = top_fault(figures.faults, any_side=True)
        if ex.has_sides:
            entry["per_side"] = {side: {"hold_s": s["sides"].get(side, 0.0),
                                        "top_fault": top_fault(figures.faults, side)} for side in ex.sides}
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
