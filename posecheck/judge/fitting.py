"""Fitting each rule's accepted range from labelled photos: thresholds as data, fitted by code.

Every photo gives, per exercise, one ``Sample``: what it should be (accepted:
a ``correct`` photo of the exercise; rejected: a ``fault`` photo of it, or a
photo of another pose), whether the view could be judged, and the value of
each rule where its joints are trusted (NaN where not). A photo is accepted
under some ranges exactly when ``judge`` would call it correct: the view is
usable and every rule is trusted and inside its range.

``fit_ranges`` starts from the coded ranges and moves one bound at a time
(coordinate ascent, rules in order, low then high, until nothing moves). For a
bound, only the photos that every other rule accepts are affected; along the
sorted values of those photos agreement is a step function, and the fitter
picks the step with the most agreement over the exercise's correct and fault
photos, then the fewest false acceptances of other poses, then the smallest
move. A bound moves only when that gains at least ``min_gain`` photos (never
for one photo), and it is placed with a margin: halfway between the two photos
that the step lies between, or, past the last photo, ``margin`` of the
accepted photos' spread beyond it (at least ``min_margin`` of the unit). No
move may push the exercise's false acceptance of other poses above
``max_false_acceptance`` (or above what the coded ranges already give).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from posecheck.core.features import Body
from posecheck.judge.exercises.base import Exercise, evaluate_rules

ACCEPT, REJECT, OTHER_POSE = "correct", "fault", "other"

# The smallest margin a bound keeps from the nearest photo, per rule unit.
MIN_MARGIN = {"deg": 2.0, "torso": 0.03, "": 0.03}


@dataclass(frozen=True)
class FitSettings:
    min_gain: int = 2  # photos a move must gain (a bound never moves for one photo)
    margin: float = 0.1  # past the last photo: this share of the accepted photos' spread
    max_false_acceptance: float = 0.02
    max_passes: int = 10

    def as_dict(self) -> dict:
        return {"min_gain": self.min_gain, "margin": self.margin,
                "max_false_acceptance": self.max_false_acceptance, "max_passes": self.max_passes}


@dataclass(frozen=True)
class Sample:
    """One labelled photo as one exercise sees it."""

    file: str
    kind: str  # ACCEPT (a correct photo), REJECT (a fault photo) or OTHER_POSE
    view_ok: bool
    values: dict[str, float]  # rule name -> value, NaN where the rule's joints are not trusted


def sample_of(exercise: Exercise, body: Body | None, file: str, kind: str) -> Sample:
    """What ``judge`` needs of a photo, independent of the ranges (rule values, trust, view)."""
    if body is None:
        return Sample(file, kind, False, {r.name: math.nan for r in exercise.rules})
    side = exercise.choose_side(body)
    results = evaluate_rules(exercise, body, side, still=True)
    values = {r.name: (r.value if r.ok is not None else math.nan) for r in results}
    view_ok = exercise.view_ok is None or bool(exercise.view_ok(body))
    return Sample(file, kind, view_ok, values)


Ranges = dict[str, tuple[float, float]]


def coded_ranges(exercise: Exercise) -> Ranges:
    return {r.name: (r.low, r.high) for r in exercise.rules}


def accepted(sample: Sample, ranges: Ranges, skip: str | None = None) -> bool:
    """Would ``judge`` call it correct (``skip``: leave one rule out)?"""
    if not sample.view_ok:
        return False
    for name, (low, high) in ranges.items():
        value = sample.values[name]
        if not math.isfinite(value):
            return False
        if name != skip and not low <= value <= high:
            return False
    return True


@dataclass(frozen=True)
class Move:
    rule: str
    bound: str  # "low" or "high"
    before: float
    after: float
    gain: int  # photos of the exercise agreed with, more than before
    between: tuple[float | None, float | None]  # the photo values the new bound lies between

    def as_dict(self) -> dict:
        return {"rule": self.rule, "bound": self.bound, "before": json_bound(self.before),
                "after": json_bound(self.after), "gain_photos": self.gain,
                "between": [None if v is None else round(v, 4) for v in self.between]}


@dataclass(frozen=True)
class Fit:
    exercise: str
    ranges: Ranges
    moves: tuple[Move, ...]
    counts: dict[str, int]
    agreement: dict[str, float | None] = field(default_factory=dict)  # before and after, on these photos

    def changed(self, coded: Ranges) -> dict[str, tuple[float, float]]:
        return {name: rng for name, rng in self.ranges.items() if rng != coded[name]}


def json_bound(x: float) -> float | str:
    """A bound as JSON holds it: a number, or "inf"/"-inf" (which the fitted-file reader accepts)."""
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def agreement_of(samples: Sequence[Sample], ranges: Ranges) -> tuple[int, int, int]:
    """(agreed, judged, false acceptances): agreed over correct+fault photos; other poses accepted."""
    agreed = judged = false = 0
    for s in samples:
        ok = accepted(s, ranges)
        if s.kind == OTHER_POSE:
            false += ok
        else:
            judged += 1
            agreed += ok == (s.kind == ACCEPT)
    return agreed, judged, false


def _margin(settings: FitSettings, unit: str, accepted_values: list[float]) -> float:
    spread = (max(accepted_values) - min(accepted_values)) if accepted_values else 0.0
    return max(MIN_MARGIN.get(unit, MIN_MARGIN[""]), settings.margin * spread)


def _best_bound(samples: Sequence[Sample], ranges: Ranges, rule: str, bound: str, unit: str,
                settings: FitSettings, false_cap: int) -> Move | None:
    low, high = ranges[rule]
    hinge = [s for s in samples if accepted(s, ranges, skip=rule)]
    # Only photos on the far side of the other bound stay rejected whatever this bound is.
    if bound == "high":
        hinge = [s for s in hinge if s.values[rule] >= low]
    else:
        hinge = [s for s in hinge if s.values[rule] <= high]
    if not hinge:
        return None
    # Orient so that "accepted" means value <= threshold (flip the sign for a low bound).
    sign = 1.0 if bound == "high" else -1.0
    current = sign * (high if bound == "high" else low)
    points = sorted({sign * s.values[rule] for s in hinge})

    def score(threshold: float) -> tuple[int, int]:
        agreed = false = 0
        for s in hinge:
            ok = sign * s.values[rule] <= threshold
            if s.kind == OTHER_POSE:
                false += ok
            else:
                agreed += ok == (s.kind == ACCEPT)
        return agreed, false

    # One representative threshold per step: below every point, and at each point.
    steps = [(points[0] - 1.0, None, points[0])] + [
        (p, p, points[i + 1] if i + 1 < len(points) else None) for i, p in enumerate(points)]
    now_agreed, now_false = score(current)
    best = None
    for rep, inner, outer in steps:
        agreed, false = score(rep)
        if false > max(now_false, false_cap) + 0:
            continue
        distance = 0.0 if _in_step(current, inner, outer) else abs(rep - current)
        key = (agreed, -false, -distance)
        if best is None or key > best[0]:
            best = (key, inner, outer)
    if best is None:
        return None
    (agreed, _, _), inner, outer = best
    if agreed - now_agreed < settings.min_gain or _in_step(current, inner, outer):
        return None
    accepted_values = [sign * s.values[rule] for s in hinge if s.kind == ACCEPT]
    if inner is not None and outer is not None:
        threshold = (inner + outer) / 2
    elif inner is None:
        threshold = outer - _margin(settings, unit, accepted_values)
    else:
        threshold = inner + _margin(settings, unit, accepted_values)
    after = sign * threshold
    between = tuple(None if v is None else sign * v for v in (inner, outer))
    return Move(rule, bound, high if bound == "high" else low, after, agreed - now_agreed,
                between if bound == "high" else between[::-1])


def _in_step(threshold: float, inner: float | None, outer: float | None) -> bool:
    """Is ``threshold`` in the step [inner, outer) (None: unbounded)?"""
    return (inner is None or threshold >= inner) and (outer is None or threshold < outer)


DEFAULT_SETTINGS = FitSettings()


def fit_ranges(exercise: Exercise, samples: Sequence[Sample], settings: FitSettings = DEFAULT_SETTINGS,
               start: Ranges | None = None) -> Fit:
    """Fit the exercise's rule ranges to its labelled photos (see the module notes)."""
    ranges = dict(start or coded_ranges(exercise))
    others = sum(s.kind == OTHER_POSE for s in samples)
    _, _, false_now = agreement_of(samples, ranges)
    false_cap = max(false_now, math.floor(settings.max_false_acceptance * others))
    before = agreement_of(samples, ranges)
    moves: list[Move] = []
    units = {r.name: r.unit for r in exercise.rules}
    for _ in range(settings.max_passes):
        moved = False
        for rule in exercise.rules:
            for bound in ("low", "high"):
                move = _best_bound(samples, ranges, rule.name, bound, units[rule.name], settings, false_cap)
                if move is None:
                    continue
                low, high = ranges[rule.name]
                ranges[rule.name] = (move.after, high) if bound == "low" else (low, move.after)
                moves.append(move)
                moved = True
        if not moved:
            break
    after = agreement_of(samples, ranges)
    counts = {kind: sum(s.kind == kind for s in samples) for kind in (ACCEPT, REJECT, OTHER_POSE)}
    return Fit(exercise.id, ranges, tuple(moves), counts,
               {"before": _rate(before), "after": _rate(after),
                "false_acceptances_before": before[2], "false_acceptances_after": after[2]})


def _rate(figures: tuple[int, int, int]) -> float | None:
    agreed, judged, _ = figures
    return round(agreed / judged, 4) if judged else None


def with_ranges(exercise: Exercise, ranges: Ranges) -> Exercise:
    """The exercise with these accepted ranges (rules not named keep theirs)."""
    rules = tuple(replace(r, low=ranges[r.name][0], high=ranges[r.name][1]) if r.name in ranges else r
                  for r in exercise.rules)
    return replace(exercise, rules=rules)
