"""The summary of one analysis, typed: what a line of ``posecheck analyze --json`` holds.

Built here and only here: ``figures_of`` (what one exercise session measured), then
``video_summary``, ``routine_summary`` (``--exercise auto`` on a video) and
``image_summary``; ``exercises_of`` a routine's per exercise. The figures derived from a summary are
defined here once: ``correct_share``, ``goal_fraction``, ``goal_reached``, ``goal_verdict`` and ``score``.

``to_json()`` gives the JSON Lines record: its keys, their order and their
values (seconds rounded to the millisecond) are a contract that users and
scripts rely on; ``from_json`` reads one back. No OpenCV or MediaPipe here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from posecheck.core.types import FrameResult, State
from posecheck.judge.exercises import Exercise
from posecheck.judge.series import SideFault
from posecheck.judge.tracker import HoldTracker


# How a session did against its goal, by the share of the goal reached (``goal_fraction``),
# highest bar first: the one set of thresholds behind the report's badge, the terminal
# summary and the history. Half the goal is where a physiotherapist still calls it "partly".
GOAL_VERDICTS: tuple[tuple[float, str], ...] = ((1.0, "met"), (0.5, "partly"), (0.0, "not_met"))
GOAL_VERDICT_LABELS = {"met": "goal met", "partly": "goal partly met", "not_met": "goal not met"}


def goal_verdict(fraction: float | None) -> str | None:
    """``met``, ``partly`` or ``not_met`` for a share of the goal reached (None: no goal to judge)."""
    if fraction is None:
        return None
    return next(name for bar, name in GOAL_VERDICTS if fraction >= bar - 1e-9 or bar == 0.0)


def _ms(seconds: float) -> float:
    """Seconds as the summary carries them: rounded to the millisecond."""
    return round(seconds, 3)


@dataclass(frozen=True)
class HoldSpan:
    """One confirmed hold: from its start to its end, ``seconds`` of it counted."""

    start_s: float
    end_s: float
    side: str | None
    seconds: float

    def to_json(self) -> dict:
        return {"start_s": self.start_s, "end_s": self.end_s, "side": self.side, "seconds": self.seconds}

    @classmethod
    def from_json(cls, data: Mapping) -> HoldSpan:
        return cls(data["start_s"], data["end_s"], data.get("side"), data["seconds"])


@dataclass(frozen=True)
class Segment:
    """A stretch of time shown in one state (after dwell and grace) on one side."""

    start_s: float
    end_s: float
    state: State
    side: str | None

    def to_json(self) -> dict:
        return {"start_s": self.start_s, "end_s": self.end_s, "state": self.state.value, "side": self.side}

    @classmethod
    def from_json(cls, data: Mapping) -> Segment:
        return cls(data["start_s"], data["end_s"], State(data.get("state", State.NO_PERSON.value)),
                   data.get("side"))


@dataclass(frozen=True)
class Fault:
    """A fault to correct (``posecheck.judge.series.FaultSpells``): a rule that failed on one side
    (None: an exercise without sides) after the person got into position, its spells
    (from, to) of at least ``MIN_FAULT_S``, their time in all and when the first began."""

    rule: str
    cue: str
    seconds: float
    first_s: float
    side: str | None = None
    spells: tuple[tuple[float, float], ...] = ()

    def to_json(self) -> dict:
        return {"rule": self.rule, "cue": self.cue, "side": self.side, "seconds": self.seconds,
                "first_s": self.first_s, "spells": [[a, b] for a, b in self.spells]}

    @classmethod
    def from_json(cls, data: Mapping) -> Fault:
        return cls(data["rule"], data.get("cue", ""), data.get("seconds", 0.0), data.get("first_s", 0.0),
                   data.get("side"), tuple((a, b) for a, b in data.get("spells") or ()))


@dataclass(frozen=True)
class RuleRow:
    """One rule's outcome on a still (``ok`` None: it could not be judged)."""

    rule: str
    value: float | None
    ok: bool | None
    low: float | None
    high: float | None
    cue: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "value": self.value, "ok": self.ok, "low": self.low, "high": self.high,
                "cue": self.cue}

    @classmethod
    def from_json(cls, data: Mapping) -> RuleRow:
        return cls(data["rule"], data.get("value"), data.get("ok"), data.get("low"), data.get("high"),
                   data.get("cue", ""))


@dataclass(frozen=True)
class ExerciseFigures:
    """What judging one exercise measured: hold time against the goal, reps, holds, segments, faults.

    ``exercise`` None is "nothing judged" (a routine in which no exercise was
    found, a still nobody was recognised in). ``target_reps`` is set for rep
    goals only and ``sides`` for exercises with sides only, as in the JSON.
    ``faults`` are the longest first; ``state_seconds`` is the time in each raw state.
    """

    exercise: str | None
    hold_s: float = 0.0
    target_s: float | None = None
    reps: int | None = None
    target_reps: int | None = None
    sides: dict[str, float] | None = None
    holds: tuple[HoldSpan, ...] = ()
    segments: tuple[Segment, ...] = ()
    faults: tuple[Fault, ...] = ()
    state_seconds: dict[State, float] = field(default_factory=dict)

    @property
    def judged_s(self) -> float:
        """Time judged in any state."""
        return sum(v or 0.0 for v in self.state_seconds.values())

    @property
    def correct_share(self) -> float | None:
        """Share of the judged time that was correct; None when no time was judged."""
        total = self.judged_s
        return (self.state_seconds.get(State.CORRECT) or 0.0) / total if total > 0 else None

    @property
    def goal_fraction(self) -> float:
        """Share of the goal reached, 0..1: reps against the target, or holds (per side, averaged)."""
        if self.target_reps:
            return min(1.0, (self.reps or 0) / self.target_reps)
        if not self.target_s:
            return 0.0
        if self.sides:
            shares = [min(1.0, (v or 0.0) / self.target_s) for v in self.sides.values()]
            return sum(shares) / len(shares)
        return min(1.0, (self.hold_s or 0.0) / self.target_s)

    @property
    def goal_reached(self) -> bool:
        """The whole goal: every side held for the target, or every rep done."""
        return self.goal_fraction >= 1.0

    @property
    def goal_verdict(self) -> str | None:
        """How the goal went (``GOAL_VERDICTS``): ``met``, ``partly``, ``not_met``; None without a goal."""
        if self.exercise is None or not (self.target_reps or self.target_s):
            return None
        return goal_verdict(self.goal_fraction)

    def to_json(self) -> dict:
        out: dict = {"exercise": self.exercise, "hold_s": self.hold_s, "target_s": self.target_s,
                     "reps": self.reps}
        if self.exercise is None:  # the placeholder of "nothing judged"
            out.update(segments=[], faults=[])
            return out
        if self.target_reps is not None:
            out["target_reps"] = self.target_reps
        if self.sides is not None:
            out["sides"] = dict(self.sides)
        out["holds"] = [h.to_json() for h in self.holds]
        out["segments"] = [s.to_json() for s in self.segments]
        out["faults"] = [f.to_json() for f in self.faults]
        out["state_seconds"] = {s.value: v for s, v in self.state_seconds.items()}
        return out

    @classmethod
    def from_json(cls, data: Mapping) -> ExerciseFigures:
        """The figures in a summary or a live attempt (other keys are ignored)."""
        sides = data.get("sides")
        return cls(
            exercise=data.get("exercise"), hold_s=data.get("hold_s") or 0.0, target_s=data.get("target_s"),
            reps=data.get("reps"), target_reps=data.get("target_reps"),
            sides=dict(sides) if sides is not None else None,
            holds=tuple(HoldSpan.from_json(h) for h in data.get("holds") or ()),
            segments=tuple(Segment.from_json(s) for s in data.get("segments") or ()),
            faults=tuple(Fault.from_json(f) for f in data.get("faults") or ()),
            state_seconds={State(k): v for k, v in (data.get("state_seconds") or {}).items()})


NOTHING_JUDGED = ExerciseFigures(exercise=None)


@dataclass(frozen=True)
class ExerciseSegment:
    """One exercise found in a routine (``--exercise auto``): its span and its figures."""

    start_s: float
    end_s: float
    figures: ExerciseFigures

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict:
        out = {"start_s": self.start_s, "end_s": self.end_s}
        out.update(self.figures.to_json())
        return out

    @classmethod
    def from_json(cls, data: Mapping) -> ExerciseSegment:
        return cls(data["start_s"], data["end_s"], ExerciseFigures.from_json(data))


ROUTINE = "routine"  # the top-level ``exercise`` of a video in which more than one exercise was found


def _merged_faults(faults: Iterable[Fault]) -> tuple[Fault, ...]:
    """Faults of the same rule and side added up (first cue kept, spells in time order), the longest first."""
    merged: dict[tuple[str, str | None], Fault] = {}
    for f in faults:
        key = (f.rule, f.side)
        seen = merged.get(key)
        if seen is None:
            merged[key] = f
            continue
        spells = tuple(sorted(seen.spells + f.spells))
        merged[key] = Fault(f.rule, seen.cue or f.cue, _ms(seen.seconds + f.seconds),
                            min(seen.first_s, f.first_s), f.side, spells)
    return tuple(sorted(merged.values(), key=lambda f: (-f.seconds, f.first_s)))


def _added(parts: Sequence[ExerciseFigures], exercise: str | None) -> ExerciseFigures:
    """Figures added over ``parts``: holds, reps, per-side seconds, time per state; faults by rule."""
    first = parts[0]
    sides = None
    if exercise != ROUTINE and first.sides is not None:
        sides = {side: _ms(sum((p.sides or {}).get(side, 0.0) for p in parts)) for side in first.sides}
    reps = [p.reps for p in parts if p.reps is not None]
    states = {state for p in parts for state in p.state_seconds}
    return ExerciseFigures(
        exercise=exercise, hold_s=_ms(sum(p.hold_s for p in parts)),
        target_s=first.target_s if exercise != ROUTINE else None,
        reps=sum(reps) if reps and exercise != ROUTINE else None,
        target_reps=first.target_reps if exercise != ROUTINE else None, sides=sides,
        holds=tuple(h for p in parts for h in p.holds), segments=tuple(s for p in parts for s in p.segments),
        faults=(tuple(sorted((f for p in parts for f in p.faults), key=lambda f: -f.seconds)) if exercise == ROUTINE
                else _merged_faults(f for p in parts for f in p.faults)),  # a rule name is one exercise's
        state_seconds={st: _ms(sum(p.state_seconds.get(st, 0.0) for p in parts)) for st in State if st in states})


@dataclass(frozen=True)
class RoutineExercise:
    """One exercise of a routine: its figures over every segment it was found in, and those segments' spans."""

    figures: ExerciseFigures
    spans: tuple[tuple[float, float], ...]

    @property
    def exercise(self) -> str:
        return self.figures.exercise or ""

    @property
    def duration_s(self) -> float:
        """The time spent on it: its segments' lengths added up."""
        return _ms(sum(end - start for start, end in self.spans))

    def to_json(self) -> dict:
        out = {"exercise": self.exercise, "duration_s": self.duration_s,
               "spans": [[start, end] for start, end in self.spans]}
        out.update({k: v for k, v in self.figures.to_json().items() if k != "exercise"})
        return out


def exercises_of(parts: Sequence[ExerciseSegment]) -> tuple[RoutineExercise, ...]:
    """Per exercise, in the order first found: its segments' figures added up."""
    by_exercise: dict[str, list[ExerciseSegment]] = {}
    for part in parts:
        if part.figures.exercise is not None:
            by_exercise.setdefault(part.figures.exercise, []).append(part)
    return tuple(RoutineExercise(group[0].figures if len(group) == 1 else _added([p.figures for p in group], ex_id),
                                 tuple((p.start_s, p.end_s) for p in group))
                 for ex_id, group in by_exercise.items())


@dataclass(frozen=True)
class Summary:
    """One analysed video or still.

    ``figures`` belong to the exercise judged. ``auto`` marks ``--exercise
    auto``: the output then says what was ``recognized`` (and, for a video,
    every exercise segment). A video in which more than one exercise was found
    is a routine: its ``figures`` are the whole's (exercise ``ROUTINE``, every
    hold, segment and fault; no target), ``exercises`` each exercise's.
    Videos carry ``fps`` and ``decoded_frames``; stills their ``cue`` and,
    when judged, the ``rules``.
    """

    input: str
    kind: str  # "video" or "image"
    figures: ExerciseFigures
    frames: int
    person_frames: int
    verdict: State  # the most common shown state (a still: its judgement)
    width: int
    height: int
    duration_s: float = 0.0
    auto: bool = False
    recognized: str | None = None
    exercise_segments: tuple[ExerciseSegment, ...] = ()
    fps: float | None = None
    decoded_frames: int | None = None
    sample_fps: float | None = None
    warnings: tuple[str, ...] = ()
    cue: str | None = None
    rules: tuple[RuleRow, ...] = ()

    @property
    def exercise(self) -> str | None:
        return self.figures.exercise

    @property
    def is_routine(self) -> bool:
        return self.figures.exercise == ROUTINE

    @property
    def exercises(self) -> tuple[RoutineExercise, ...]:
        """Per exercise found (``auto`` on a video), its segments added up; empty otherwise."""
        return exercises_of(self.exercise_segments)

    @property
    def correct_share(self) -> float | None:
        """Share of the judged time in correct form; a still: 1 when its pose is correct, else 0."""
        if self.kind == "image":
            return 1.0 if self.verdict is State.CORRECT else 0.0
        return self.figures.correct_share

    @property
    def goal_fraction(self) -> float:
        """Share of the goal reached; a routine: the average over its exercises."""
        if self.is_routine:
            shares = [e.figures.goal_fraction for e in self.exercises]
            return sum(shares) / len(shares) if shares else 0.0
        return self.figures.goal_fraction

    @property
    def goal_verdict(self) -> str | None:
        """How the goal went (``GOAL_VERDICTS``); None for a still or when nothing was judged.

        A routine's verdict is that of its averaged share of the goal (``goal_fraction``)."""
        if self.kind == "image":
            return None
        if self.is_routine:
            return goal_verdict(self.goal_fraction) if self.exercises else None
        return self.figures.goal_verdict

    @property
    def score(self) -> int:
        """0-100: half the share of the goal reached, half the share of time in correct form.

        A still has no goal to reach: 100 when its pose is correct, else 0.
        """
        share = self.correct_share or 0.0
        if self.kind == "image":
            return round(100 * share)
        return round(100 * (0.5 * self.goal_fraction + 0.5 * share))

    def to_json(self) -> dict:
        """The JSON Lines record; the key order is the one the format has always had."""
        figures = self.figures.to_json()
        out: dict = {"input": self.input, "kind": self.kind}
        if self.kind == "video" and self.auto:
            out.update(figures)
            out.update(recognized=self.recognized, frames=self.frames, person_frames=self.person_frames,
                       verdict=self.verdict.value, width=self.width, height=self.height,
                       exercise_segments=[s.to_json() for s in self.exercise_segments],
                       duration_s=self.duration_s)
            if self.is_routine:  # derived from the segments: written for readers, not read back
                out["exercises"] = [e.to_json() for e in self.exercises]
        else:
            if self.auto:
                out["recognized"] = self.recognized
            out.update(exercise=self.exercise, frames=self.frames, duration_s=self.duration_s,
                       person_frames=self.person_frames, verdict=self.verdict.value)
            if self.exercise is None:  # a still nobody was recognised in
                out.update(figures)
                out.update(cue=self.cue, width=self.width, height=self.height)
                return out
            out.update(width=self.width, height=self.height)
            out.update(figures)
        if self.kind == "video":
            out.update(fps=self.fps, decoded_frames=self.decoded_frames)
            if self.sample_fps:
                out["sample_fps"] = self.sample_fps
            if self.warnings:
                out["warnings"] = list(self.warnings)
        else:
            out.update(cue=self.cue, rules=[r.to_json() for r in self.rules])
        return out

    @classmethod
    def from_json(cls, data: Mapping) -> Summary:
        """A summary from its JSON record (``Summary.from_json(s.to_json())`` is ``s``)."""
        return cls(
            input=data.get("input") or "", kind=data.get("kind") or "video",
            figures=ExerciseFigures.from_json(data), frames=data.get("frames") or 0,
            person_frames=data.get("person_frames") or 0,
            verdict=State(data.get("verdict") or State.NO_PERSON.value),
            width=data.get("width") or 0, height=data.get("height") or 0,
            duration_s=data.get("duration_s") or 0.0, auto="recognized" in data,
            recognized=data.get("recognized"),
            exercise_segments=tuple(ExerciseSegment.from_json(s) for s in data.get("exercise_segments") or ()),
            fps=data.get("fps"), decoded_frames=data.get("decoded_frames"), sample_fps=data.get("sample_fps"),
            warnings=tuple(data.get("warnings") or ()), cue=data.get("cue"),
            rules=tuple(RuleRow.from_json(r) for r in data.get("rules") or ()))


# -- building ---------------------------------------------------------------------


def figures_of(exercise: Exercise, holds: HoldTracker, reps: int | None, segments: Iterable[Segment],
               faults: Iterable[SideFault], state_seconds: Mapping[State, float]) -> ExerciseFigures:
    """What one exercise session measured, as the summary carries it (seconds to the millisecond)."""
    return ExerciseFigures(
        exercise=exercise.id,
        hold_s=_ms(holds.total_s),
        target_s=exercise.goal.target_s,
        reps=reps,
        target_reps=int(exercise.goal.target) if exercise.goal.kind == "reps" else None,
        sides={s: _ms(holds.per_side.get(s, 0.0)) for s in exercise.sides} if exercise.has_sides else None,
        holds=tuple(HoldSpan(_ms(h.start_s), _ms(h.end_s), h.side, _ms(h.seconds)) for h in holds.holds),
        segments=tuple(Segment(_ms(s.start_s), _ms(s.end_s), s.state, s.side) for s in segments),
        faults=tuple(Fault(f.rule, f.cue, _ms(f.seconds), _ms(f.first_s), f.side, tuple(f.spells))
                     for f in sorted(faults, key=lambda f: (-f.seconds, f.first_s))),
        state_seconds={s: _ms(state_seconds.get(s, 0.0)) for s in State})


def exercise_segment(start_s: float, end_s: float, figures: ExerciseFigures) -> ExerciseSegment:
    """One exercise of a routine, judged from ``start_s`` to ``end_s``."""
    return ExerciseSegment(_ms(start_s), _ms(end_s), figures)


def verdict_of(results: Sequence[FrameResult]) -> State:
    """The most common shown state (no person when nothing was judged)."""
    if not results:
        return State.NO_PERSON
    return Counter(fr.state for fr in results).most_common(1)[0][0]


@dataclass(frozen=True)
class VideoFacts:
    """What the video itself says: its size, its nominal rate and frame count, and what was read."""

    width: int
    height: int
    fps: float  # nominal; 0 when unknown
    frame_count: int  # nominal; 0 when unknown
    decoded: int  # frames read (from the file, or stored in the pose cache)
    end_s: float  # when the last frame ends
    sample_fps: float | None = None  # judged at most this many frames per second

    def warnings(self) -> tuple[str, ...]:
        if self.frame_count and self.decoded < self.frame_count * 0.9:
            return ((f"only {self.decoded} of {self.frame_count} frames decoded; "
                     "the rest of the file is unreadable"),)
        return ()


def _video_fields(video: VideoFacts, results: Sequence[FrameResult]) -> dict:
    return {"duration_s": _ms(video.end_s - (results[0].timestamp_s if results else 0.0)),
            "fps": _ms(video.fps), "decoded_frames": video.decoded, "sample_fps": video.sample_fps,
            "warnings": video.warnings(), "width": video.width, "height": video.height}


def video_summary(path: str, figures: ExerciseFigures, frames: int, person_frames: int,
                  results: Sequence[FrameResult], video: VideoFacts) -> Summary:
    """A video judged as one exercise: ``frames`` judged, ``person_frames`` of them with a person."""
    return Summary(input=str(path), kind="video", figures=figures, frames=frames, person_frames=person_frames,
                   verdict=verdict_of(results), **_video_fields(video, results))


def routine_summary(path: str, parts: Sequence[ExerciseSegment], results: Sequence[FrameResult],
                    person_frames: int, video: VideoFacts) -> Summary:
    """A video split into exercise segments, and every segment: one exercise found, its figures over
    its segments; more, a routine (the figures of the whole); none, nothing judged."""
    found = exercises_of(parts)
    if len(found) > 1:
        figures = _added([p.figures for p in parts], ROUTINE)
    else:
        figures = found[0].figures if found else NOTHING_JUDGED
    return Summary(input=str(path), kind="video", figures=figures, frames=len(results),
                   person_frames=person_frames, verdict=verdict_of(results), auto=True,
                   recognized=figures.exercise, exercise_segments=tuple(parts),
                   **_video_fields(video, results))


def image_summary(path: str, result: FrameResult, figures: ExerciseFigures | None, width: int, height: int,
                  auto: bool = False, recognized: str | None = None) -> Summary:
    """A still: its one frame's result, judged into ``figures`` (None: no exercise was recognised in it)."""
    person = int(result.pose is not None)  # a still is judged unsmoothed: its pose is the model's
    if figures is None:
        return Summary(input=str(path), kind="image", figures=NOTHING_JUDGED, frames=1, person_frames=person,
                       verdict=result.state, width=width, height=height, auto=auto, recognized=recognized,
                       cue=result.cue)
    judged = result.assessment
    # A still has no time: its one segment is its judgement, before any dwell.
    figures = replace(figures, segments=(Segment(0.0, 0.0, judged.state, judged.side),))
    rules = tuple(RuleRow(r.name, r.value, r.ok, r.low, r.high, r.cue) for r in judged.results)
    return Summary(input=str(path), kind="image", figures=figures, frames=1, person_frames=person,
                   verdict=judged.state, width=width, height=height, auto=auto, recognized=recognized,
                   cue=judged.cue, rules=rules)
