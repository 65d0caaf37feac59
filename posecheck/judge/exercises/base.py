"""What an exercise is: rules as data plus small functions, and the registry.

An exercise module builds one ``Exercise`` and calls ``register`` on it; adding
a ninth exercise is one new file in this folder (it is imported by
``posecheck.judge.exercises.__init__``).

A ``Rule`` measures one value (a feature name, ``{side}`` filled in, or a small
function of the ``Body``) and accepts it in ``[low, high]``; each way of failing
has its own plain-words cue. A feature name that ``compute_features`` does not
fill in fails when the rule is built, at import (else the rule would read NaN,
"uncertain", on every frame). ``judge`` turns a Body into an ``Assessment``:
``uncertain`` when the joints a rule needs cannot be trusted or the camera view
is wrong, ``incorrect`` with the first failing rule's cue, else ``correct``.

Accepted ranges fitted from labelled data (``posecheck calibrate``) live in
``fitted/<exercise>.json`` beside this file: when that file exists, ``register``
takes each rule's range from it instead of the coded default (``coded_registry``
keeps the coded ones, which the fitter starts from).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from posecheck.core.features import FEATURE_NAMES, SIDES, Body
from posecheck.core.landmarks import PoseLandmark
from posecheck.core.types import Assessment, RuleResult, State
from posecheck.errors import PosecheckError, unknown_name
from posecheck.judge.exercises.views import CAMERA_VIEWS

Measure = Callable[[Body, str], float]

MIN_VISIBILITY = 0.5


@functools.lru_cache(maxsize=None)
def _landmark_indices(names: tuple[str, ...], side: str) -> tuple[int, ...]:
    return tuple(int(PoseLandmark[name.format(side=side.upper())]) for name in names)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    measure: str | Measure  # a feature name (may contain "{side}") or a function
    low: float
    high: float
    cue_low: str  # said when the value is below ``low``
    cue_high: str  # said when the value is above ``high``
    landmarks: tuple[str, ...]  # landmark names it needs, e.g. "{side}_HIP"
    joint: str | None = None  # landmark where the overlay draws it
    unit: str = "deg"
    # A gate rule says whether the person is in the starting position at all
    # (lying, on all fours...); exercise recognition leans on gates.
    gate: bool = False
    # Judged on stills only: in a video of a repeated movement (cat-cow) the body
    # passes through this rule's failing range on every rep, so it must not stop
    # the clock there; a photo, though, must show one end of the movement.
    stills_only: bool = False

    def __post_init__(self) -> None:
        if callable(self.measure):
            return
        try:
            names = {self.measure.format(side=side) for side in SIDES}
        except (KeyError, IndexError, ValueError):
            names = {self.measure}
        unknown = sorted(names - FEATURE_NAMES)
        if unknown:
            raise ValueError(f"rule {self.name!r} measures {self.measure!r}, but there is no feature "
                             f"{', '.join(map(repr, unknown))} (features: {', '.join(sorted(FEATURE_NAMES))})")

    def value(self, body: Body, side: str) -> float:
        if callable(self.measure):
            return float(self.measure(body, side))
        return float(body.features[self.measure.format(side=side)])

    def landmark_indices(self, side: str) -> tuple[int, ...]:
        return _landmark_indices(self.landmarks, side)

    def joint_index(self, side: str) -> int | None:
        if self.joint is None:
            return None
        return _landmark_indices((self.joint,), side)[0]


@dataclass(frozen=True)
class Goal:
    kind: str  # "hold" or "reps"
    target: float  # seconds per side for holds, count for reps

    @property
    def target_s(self) -> float | None:
        return self.target if self.kind == "hold" else None


@dataclass(frozen=True)
class RepSignal:
    """A signal that swings between two ends (e.g. cat and cow) with hysteresis bands."""

    measure: Measure
    high_enter: float  # value above which the "high" end (e.g. cat) is reached
    high_exit: float
    low_enter: float  # value below which the "low" end (e.g. cow) is reached
    low_exit: float
    high_name: str = "high"
    low_name: str = "low"
    # In a video the hold clock runs only while the movement goes on: in the position, with one end
    # reached within this many seconds (None: whenever the position holds). A still tabletop is
    # not the exercise.
    max_between_ends_s: float | None = None
    move_cue: str = ""  # said when the clock stops for that

    def at_end(self, value: float) -> bool:
        """Is the signal at one of its two ends (past ``high_enter`` or ``low_enter``)?"""
        return value >= self.high_enter or value <= self.low_enter


def near_side(body: Body) -> str:
    return body.near_side


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    instructions: str
    view: str  # the camera view it needs: "side", "front", ...
    rules: tuple[Rule, ...]
    goal: Goal
    sides: tuple[str, ...] = ()  # ("left", "right") when it is done on both sides
    # The side whose landmarks the rules read: the working side for sided
    # exercises, the camera's near side for side views.
    choose_side: Callable[[Body], str] = near_side
    view_ok: Callable[[Body], bool] | None = None
    view_cue: str = "Turn so the camera sees you from the side"
    rep_signal: RepSignal | None = None
    description: str = ""
    # The camera views it judges (names of ``views.CAMERA_VIEWS``), each at floor and table height;
    # the synthetic view matrix (tests/test_view_matrix.py) holds it to them.
    views: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [v for v in self.views if v not in CAMERA_VIEWS]
        if unknown:
            raise ValueError(f"exercise {self.id}: unknown view(s) {', '.join(unknown)} "
                             f"(valid: {', '.join(CAMERA_VIEWS)})")
        names = [rule.name for rule in self.rules]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"exercise {self.id}: rule names used twice: {', '.join(twice)}")

    @property
    def has_sides(self) -> bool:
        return bool(self.sides)

    def rule(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise PosecheckError(
            f"exercise {self.id} has no rule {name!r} (rules: {', '.join(r.name for r in self.rules)})")

    def with_rule_range(self, name: str, low: float | None = None, high: float | None = None) -> "Exercise":
        rules = tuple(
            replace(r, low=r.low if low is None else low, high=r.high if high is None else high)
            if r.name == name else r
            for r in self.rules)
        self.rule(name)
        return replace(self, rules=rules)

    def with_goal(self, target: float) -> "Exercise":
        return replace(self, goal=replace(self.goal, target=target))


FRAMING_CUE = "Move back so your whole body is in view"


def evaluate_rules(exercise: Exercise, body: Body, side: str, still: bool = True) -> tuple[RuleResult, ...]:
    results = []
    for rule in exercise.rules:
        if rule.stills_only and not still:
            continue
        indices = rule.landmark_indices(side)
        value = rule.value(body, side)
        trusted = math.isfinite(value) and all(body.trusted(i, MIN_VISIBILITY) for i in indices)
        if not trusted:
            ok = None
            cue = FRAMING_CUE if not all(body.in_frame[i] for i in indices) else exercise.view_cue
        elif value < rule.low:
            ok, cue = False, rule.cue_low
        elif value > rule.high:
            ok, cue = False, rule.cue_high
        else:
            ok, cue = True, ""
        results.append(RuleResult(name=rule.name, ok=ok, value=value, low=rule.low, high=rule.high,
                                  cue=cue, joint=rule.joint_index(side), gate=rule.gate))
    return tuple(results)


def judge(exercise: Exercise, body: Body | None, still: bool = True) -> Assessment:
    """The raw (undebounced) judgement of one frame; ``still=False`` for frames of a video.

    The camera view first, then the gates (is the person in the starting position?), then the
    form rules: within each group an unseen rule makes the frame uncertain, except that among the
    form rules a failing one that is seen wins (its cue is worth giving whatever is out of view).
    """
    if body is None:
        return Assessment(state=State.NO_PERSON, cue="Step into the camera's view")
    side = exercise.choose_side(body)
    reported_side = side if exercise.has_sides else None
    results = evaluate_rules(exercise, body, side, still)
    if exercise.view_ok is not None and not exercise.view_ok(body):
        return Assessment(state=State.UNCERTAIN, results=results, cue=exercise.view_cue,
                          side=reported_side)

    def first(gate: bool, ok: bool | None) -> RuleResult | None:
        return next((r for r in results if r.gate == gate and r.ok is ok), None)

    # Not in the starting position: that is the cue. In it, a seen fault outranks an unseen
    # part: a head cranked back is worth its cue when the hands are hidden.
    precedence = ((first(True, None), State.UNCERTAIN), (first(True, False), State.INCORRECT),
                  (first(False, False), State.INCORRECT), (first(False, None), State.UNCERTAIN))
    for result, state in precedence:
        if result is not None:
            return Assessment(state=state, results=results, cue=result.cue, side=reported_side)
    return Assessment(state=State.CORRECT, results=results, cue="", side=reported_side)


FITTED_DIR = Path(__file__).resolve().parent / "fitted"


def fitted_file(exercise_id: str, folder: Path | None = None) -> Path:
    return (FITTED_DIR if folder is None else Path(folder)) / f"{exercise_id}.json"


def _bound(value, where: str) -> float:
    if value in ("inf", "-inf"):
        return float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise PosecheckError(f"{where}: {value!r} is not a number (or \"inf\", \"-inf\")")


def with_fitted_ranges(exercise: Exercise, folder: Path | None = None) -> Exercise:
    """The exercise with the rule ranges of its fitted file (unchanged when there is none)."""
    path = fitted_file(exercise.id, folder)
    if not path.is_file():
        return exercise
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))["rules"]
        items = rules.items()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PosecheckError(f"{path}: not a fitted-ranges file ({exc})") from None
    for name, rng in items:
        where = f"{path}: rule {name}"
        if not isinstance(rng, dict):
            raise PosecheckError(f"{where}: needs {{\"low\": ..., \"high\": ...}}")
        try:
            exercise.rule(name)
        except PosecheckError as exc:  # a stale file: say which
            raise PosecheckError(f"{path}: {exc}") from None
        low, high = _bound(rng.get("low"), where), _bound(rng.get("high"), where)
        if not low <= high:
            raise PosecheckError(f"{where}: low {low:g} is above high {high:g}")
        exercise = exercise.with_rule_range(name, low, high)
    return exercise


_CODED: dict[str, Exercise] = {}
_REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise, with the ranges of its fitted file if there is one; returns what was added."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise {exercise.id} registered twice")
    _CODED[exercise.id] = exercise
    _REGISTRY[exercise.id] = with_fitted_ranges(exercise)
    return _REGISTRY[exercise.id]


def registry() -> dict[str, Exercise]:
    return dict(_REGISTRY)


def coded_registry() -> dict[str, Exercise]:
    """The exercises with the ranges written in their modules, before any fitted file."""
    return dict(_CODED)


def get_exercise(name: str) -> Exercise:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise unknown_name("exercise", name, _REGISTRY) from None
