"""One exercise judged over a stream of poses: smoothing -> features -> rules -> trackers.

``ExerciseSession.step(t, pose)`` takes the estimator's output for one frame and
returns a ``FrameResult``; ``summary()`` gives what it measured (``ExerciseFigures``).
No OpenCV or MediaPipe here: tests drive it with synthetic poses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from posecheck.core.features import compute_features
from posecheck.core.smoothing import PoseSmoother
from posecheck.core.types import Assessment, FrameResult, Pose, State
from posecheck.judge.exercises import Exercise, judge
from posecheck.judge.series import FaultSpells
from posecheck.judge.summary import ExerciseFigures, Segment, figures_of
from posecheck.judge.tracker import (
    DWELL_S,
    GRACE_S,
    CueThrottle,
    HoldTracker,
    RepCounter,
)


@dataclass
class ExerciseSession:
    exercise: Exercise
    smooth: bool = True
    dwell_s: float = DWELL_S
    grace_s: float = GRACE_S
    cue_interval_s: float = 1.0

    frames: int = 0
    person_frames: int = 0
    first_t: float | None = None
    last_t: float | None = None
    segments: list[Segment] = field(default_factory=list)
    state_seconds: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.smoother = PoseSmoother() if self.smooth else None
        self.holds = HoldTracker(dwell_s=self.dwell_s, grace_s=self.grace_s)
        signal = self.exercise.rep_signal
        self.reps = RepCounter(signal.high_enter, signal.low_enter) if signal else None
        self.cues = CueThrottle(self.cue_interval_s)
        self.faults = FaultSpells()  # the report's faults: by rule and side, getting into position left out
        self._prev: tuple[float, Assessment] | None = None
        self._end_t: float | None = None  # when the rep signal was last at an end, in the position
        # Whether the back has been seen away from the ends since the person (re)took the position
        # (true from the start: where the person is first seen counts).
        self._moved_in_position = True

    def _tally(self, t: float) -> None:
        """Account the interval since the previous frame to that frame's raw judgement."""
        if self._prev is None:
            return
        t0, assessment = self._prev
        dt = t - t0
        if dt <= 0:
            return
        self.state_seconds[assessment.state] += dt

    def _extend_segments(self, t: float, state: State, side: str | None) -> None:
        if self.segments:
            self.segments[-1] = replace(self.segments[-1], end_s=t)
        if not self.segments or self.segments[-1].state is not state or self.segments[-1].side != side:
            self.segments.append(Segment(t, t, state, side))

    def step(self, t: float, pose: Pose | None) -> FrameResult:
        if self.first_t is None:
            self.first_t = t
        self._tally(t)
        self.frames += 1
        self.last_t = t
        if pose is not None:
            self.person_frames += 1
        smoothed = self.smoother(pose) if self.smoother else pose
        if smoothed is None and self.smoother:
            self.smoother.reset()
        body = compute_features(smoothed) if smoothed is not None else None
        assessment = judge(self.exercise, body, still=not self.smooth)
        if self.reps is not None and body is not None:
            side = self.exercise.choose_side(body)
            # Leaving the position (a gate fails) breaks the cycle; a frame that
            # cannot be judged (uncertain) only carries no information.
            out_of_position = any(r.ok is False and self.exercise.rule(r.name).gate
                                  for r in assessment.results)
            value = (float("nan") if assessment.state is State.UNCERTAIN
                     else self.exercise.rep_signal.measure(body, side))
            self.reps.update(value, valid=not out_of_position)
            assessment = self._moving(t, assessment, value, out_of_position)
        state = self.holds.update(t, assessment.state, assessment.side)
        cue = self.cues.clear() if state is State.CORRECT else self.cues.update(t, assessment.cue)
        shown_side = assessment.side if assessment.side else None
        self._extend_segments(t, state, shown_side)
        self._prev = (t, assessment)
        result = FrameResult(
            index=self.frames - 1, timestamp_s=t, pose=smoothed,
            features=body.features if body is not None else {},
            assessment=assessment, state=state, cue=cue, side=shown_side,
            hold_s=self.holds.total_s, side_hold_s=dict(self.holds.per_side),
            reps=self.reps.reps if self.reps is not None else None,
            exercise=self.exercise.id)
        self.faults.add(result)
        if self.faults.in_position(result):
            result = replace(result, in_position=True)
        return result

    def _moving(self, t: float, assessment: Assessment, value: float, out_of_position: bool) -> Assessment:
        """A correct frame of a repeated movement stays correct only while the movement goes on
        (``RepSignal.max_between_ends_s``); otherwise it is incorrect with the cue to move.

        An end counts once the signal has moved into it in the position: coming back onto all
        fours from child's pose with the head hanging is not a cat until the back moves.
        """
        signal = self.exercise.rep_signal
        if out_of_position:
            self._end_t = None
            self._moved_in_position = False
        elif value == value:
            if not signal.at_end(value):
                self._moved_in_position = True
            elif self._moved_in_position:
                self._end_t = t
        if (signal.max_between_ends_s is None or assessment.state is not State.CORRECT
                or (self._end_t is not None and t - self._end_t <= signal.max_between_ends_s)):
            return assessment
        return replace(assessment, state=State.INCORRECT, cue=signal.move_cue)

    def finish(self, end_t: float | None = None) -> None:
        if end_t is None:
            end_t = self.last_t if self.last_t is not None else 0.0
        self._tally(end_t)
        self._prev = None
        self.holds.finish(end_t)
        if self.segments:
            self.segments[-1] = replace(self.segments[-1], end_s=end_t)
        self.last_t = end_t

    def summary(self) -> ExerciseFigures:
        """What the session measured (call ``finish`` first)."""
        return figures_of(self.exercise, self.holds, self.reps.reps if self.reps is not None else None,
                          self.segments, self.faults.faults(), self.state_seconds)
