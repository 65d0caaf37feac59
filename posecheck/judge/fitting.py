"""Fitting each rule's accepted range from labelled photos: thresholds as data, fitted by code.

Every photo gives, per exercise, one ``Sample``: what it is (a ``correct`` or a
``fault`` photo of the exercise, or a photo of another pose), whether the view
could be judged, and the value of each rule where its joints are trusted (NaN
where not). A photo is accepted under some ranges exactly when ``judge`` would
call it correct: the view is usable and every rule is trusted and inside its range.

``fit_ranges`` starts from the coded ranges and moves one bound at a time
(coordinate ascent: rules in order, low then high, until nothing moves). What a
bound must tell apart depends on the rule:

- a form rule (head, chest lift...): correct photos from the fault photos whose
  labelled fault names that rule (``agreement.FAULT_RULES``; a fault no pattern
  knows counts for every form rule): a head thrown back is for the head rule to
  catch, not for the chest lift; photos of other poses only count through the
  false-acceptance cap;
- a gate (the starting position: lying, on all fours...): photos of the
  exercise, correct or faulty (a cobra with the head thrown back is still lying
  prone, and its cue must be about the head), from the photos of other poses
  that the gate alone keeps from being accepted.

Only the photos that everything else accepts are affected by a bound (for a
gate: the view, the values and the other gates). The score is balanced
agreement, the mean of the two classes' shares judged right (a bound moves
only when the class it should accept has photos): pooled agreement
would be won by rejecting everything wherever faults outnumber correct photos
(on the strict cobra photos, 32 to 22, it moved the prone gate to reject 17 of
22 correct cobras). Candidate bounds keep a margin: halfway across a gap between
two photos at least two ``MIN_MARGIN`` wide, or past the last photo by ``margin``
of the class's spread (at least ``MIN_MARGIN``). A bound moves only to a better
score that puts at least ``min_gain`` more photos right (never for one photo),
of at least ``min_sources`` sources (never for one source's photos: a fault
that only one source shows, such as the cobra's hands far forward, cannot be
checked by holding a source out, and a bound fitted to it tells that source's
camera and people apart, not the fault; a clip of another source then showed a
correct cobra past it),
and never so that the exercise accepts more photos of other poses than
``max_false_acceptance`` of them (or than the coded ranges already do). Ties go
to the smaller move, then to fewer false acceptances: the false acceptances are
capped, not scored, and letting them break ties would let a few photos of other
poses pull a bound deep into the correct photos' range for no gain on the
labelled ones (on the cobra it put the head bound at 10 instead of 18, to reject
three upward dogs that the source-held-out fits then accepted again: the fitted
false acceptance was half the held-out one). The other-pose photos a bound
counts are only those every other rule accepts (``_points``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from posecheck.core.features import Body
from posecheck.judge.exercises.base import Exercise, evaluate_rules

ACCEPT, REJECT, OTHER_POSE = "correct", "fault", "other"

# The smallest margin a bound keeps from the nearest photo, per rule unit.
MIN_MARGIN = {"deg": 2.0, "torso": 0.03, "": 0.03}
BOUND_DECIMALS = 4


@dataclass(frozen=True)
class FitSettings:
    min_gain: int = 2  # photos a move must put right (a bound never moves for one photo)
    min_sources: int = 2  # sources the photos it puts right come from (never for one source)
    margin: float = 0.1  # past the last photo: this share of the photos' spread
    max_false_acceptance: float = 0.02
    max_passes: int = 10

    def as_dict(self) -> dict:
        return {"min_gain": self.min_gain, "min_sources": self.min_sources, "margin": self.margin,
                "max_false_acceptance": self.max_false_acceptance, "max_passes": self.max_passes,
                "score": "balanced agreement"}


DEFAULT_SETTINGS = FitSettings()


@dataclass(frozen=True)
class Sample:
    """One labelled photo as one exercise sees it."""

    file: str
    kind: str  # ACCEPT (a correct photo), REJECT (a fault photo) or OTHER_POSE
    view_ok: bool
    values: dict[str, float]  # rule name -> value, NaN where the rule's joints are not trusted
    names: tuple[str, ...] = ()  # for a fault photo: the rules its fault names (empty: not known)
    source: str = ""  # where it comes from (the cross-validation's fold); empty: a source of its own

    @property
    def origin(self) -> str:
        return self.source or self.file

    def counts_against(self, rule: str) -> bool:
        """Is it a fault photo that this form rule should reject?"""
        return self.kind == REJECT and (not self.names or rule in self.names)


def sample_of(exercise: Exercise, body: Body | None, file: str, kind: str,
              names: tuple[str, ...] = (), source: str = "") -> Sample:
    """What ``judge`` needs of a photo, independent of the ranges (rule values, trust, view)."""
    if body is None:
        return Sample(file, kind, False, {r.name: math.nan for r in exercise.rules}, names, source)
    side = exercise.choose_side(body)
    results = evaluate_rules(exercise, body, side, still=True)
    values = {r.name: (r.value if r.ok is not None else math.nan) for r in results}
    view_ok = exercise.view_ok is None or bool(exercise.view_ok(body))
    return Sample(file, kind, view_ok, values, names, source)


Ranges = dict[str, tuple[float, float]]


def coded_ranges(exercise: Exercise) -> Ranges:
    return {r.name: (r.low, r.high) for r in exercise.rules}


def _judgeable(sample: Sample) -> bool:
    return sample.view_ok and all(math.isfinite(v) for v in sample.values.values())


def passes(sample: Sample, ranges: Ranges, names: Sequence[str], skip: str | None = None) -> bool:
    """Are the values of the rules ``names`` (but ``skip``) inside their ranges?"""
    for name in names:
        if name != skip:
            low, high = ranges[name]
            if not low <= sample.values[name] <= high:
                return False
    return True


def accepted(sample: Sample, ranges: Ranges, skip: str | None = None) -> bool:
    """Would ``judge`` call it correct (``skip``: leave one rule's range out)?"""
    return _judgeable(sample) and passes(sample, ranges, list(ranges), skip)


@dataclass(frozen=True)
class Move:
    rule: str
    bound: str  # "low" or "high"
    before: float
    after: float
    gain: int  # photos put right, net
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


@dataclass(frozen=True)
class _Point:
    value: float  # oriented: the photo passes the bound when value <= threshold
    target: bool | None  # should pass the bound (None: only counts for false acceptance)
    weight: float  # its share of the balanced score
    accepted_if_passes: bool  # a photo of another pose that would then be accepted (false acceptance)
    source: str  # ``Sample.origin``


def _points(samples: Sequence[Sample], ranges: Ranges, rule: str, bound: str, gates: list[str],
            is_gate: bool) -> list[_Point]:
    """The photos this bound decides, oriented so that passing is ``value <= threshold``."""
    low, high = ranges[rule]
    sign = 1.0 if bound == "high" else -1.0

    def target(s: Sample) -> bool | None:
        if is_gate:  # the starting position: every photo of the exercise is in it
            return s.kind != OTHER_POSE
        if s.kind == ACCEPT:
            return True
        return False if s.counts_against(rule) else None

    targets = [target(s) for s in samples]
    should_pass, should_fail = targets.count(True), targets.count(False)
    if not should_pass:
        return []  # nothing to accept: no evidence for this bound
    weight = {True: 1 / should_pass, False: 1 / should_fail if should_fail else 0.0, None: 0.0}
    points = []
    for s, t in zip(samples, targets):
        if not _judgeable(s):
            continue
        value = s.values[rule]
        if not (value >= low if bound == "high" else value <= high):
            continue  # the other bound rejects it whatever this one is
        if is_gate:
            if not passes(s, ranges, gates, skip=rule):
                continue
            accepted_then = passes(s, ranges, list(ranges), skip=rule)
            if s.kind == OTHER_POSE and not accepted_then:
                continue  # another rule rejects it anyway: the gate changes no verdict of it
        else:
            if not passes(s, ranges, list(ranges), skip=rule):
                continue
            accepted_then = True
        points.append(_Point(sign * value, t, weight[t], s.kind == OTHER_POSE and accepted_then, s.origin))
    return points


def _score(points: list[_Point], threshold: float) -> tuple[float, int, int]:
    """(balanced score, photos right, false acceptances) with the bound at ``threshold``."""
    score, right, false = 0.0, 0, 0
    for p in points:
        ok = p.value <= threshold
        if p.target is not None and ok == p.target:
            score += p.weight
            right += 1
        false += ok and p.accepted_if_passes
    return score, right, false


def _sources_put_right(points: list[_Point], current: float, threshold: float) -> set[str]:
    """The sources of the labelled photos that the move from ``current`` to ``threshold`` puts right."""
    return {p.source for p in points
            if p.target is not None and (p.value <= threshold) == p.target and (p.value <= current) != p.target}


def _candidates(points: list[_Point], unit: str, settings: FitSettings) -> list[tuple[float, float | None,
                                                                                   float | None]]:
    """Thresholds with a margin from every photo: (threshold, photo below, photo above)."""
    values = sorted({p.value for p in points})
    minimum = MIN_MARGIN.get(unit, MIN_MARGIN[""])
    past = max(minimum, settings.margin * (values[-1] - values[0]))
    out = [(values[0] - past, None, values[0]), (values[-1] + past, values[-1], None)]
    for below, above in itertools.pairwise(values):
        if above - below >= 2 * minimum:
            out.append(((below + above) / 2, below, above))
    return out


def _best_bound(samples: Sequence[Sample], ranges: Ranges, rule: str, bound: str, unit: str, gates: list[str],
                settings: FitSettings, false_cap: int) -> Move | None:
    points = _points(samples, ranges, rule, bound, gates, rule in gates)
    if not points:
        return None
    sign = 1.0 if bound == "high" else -1.0
    before = ranges[rule][1] if bound == "high" else ranges[rule][0]
    current = sign * before
    now_score, now_right, now_false = _score(points, current)
    best = None
    other_bound = ranges[rule][0] if bound == "high" else ranges[rule][1]
    for threshold, below, above in _candidates(points, unit, settings):
        if (sign * threshold < other_bound) if bound == "high" else (sign * threshold > other_bound):
            continue  # the range would be empty
        score, right, false = _score(points, threshold)
        if false > max(now_false, false_cap):
            continue
        if len(_sources_put_right(points, current, threshold)) < settings.min_sources:
            continue
        # The smaller move before fewer false acceptances (see the module notes).
        key = (round(score, 9), -abs(threshold - current), -false)
        if best is None or key > best[0]:
            best = (key, threshold, below, above, right)
    if best is None:
        return None
    (score, _, _), threshold, below, above, right = best
    if score <= round(now_score, 9) or right - now_right < settings.min_gain:
        return None
    between = (None if below is None else sign * below, None if above is None else sign * above)
    # Four decimals, as the fitted file keeps them (no photo lies that close: the margin).
    return Move(rule, bound, before, round(sign * threshold, BOUND_DECIMALS), right - now_right,
                between if bound == "high" else between[::-1])


def fit_ranges(exercise: Exercise, samples: Sequence[Sample], settings: FitSettings = DEFAULT_SETTINGS,
               start: Ranges | None = None) -> Fit:
    """Fit the exercise's rule ranges to its labelled photos (see the module notes)."""
    ranges = dict(start or coded_ranges(exercise))
    others = sum(s.kind == OTHER_POSE for s in samples)
    before = agreement_of(samples, ranges)
    false_cap = max(before[2], math.floor(settings.max_false_acceptance * others))
    gates = [r.name for r in exercise.rules if r.gate]
    moves: list[Move] = []
    for _ in range(settings.max_passes):
        moved = False
        for rule in exercise.rules:
            for bound in ("low", "high"):
                move = _best_bound(samples, ranges, rule.name, bound, rule.unit, gates, settings, false_cap)
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
