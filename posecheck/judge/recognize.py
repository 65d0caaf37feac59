"""Which of the exercises a pose shows, and how a routine video splits into exercises.

A photo is recognised as the exercise whose rules all pass on it (the best
margin wins when several do); none passing means "none of the 8". For video,
each frame gets the exercise whose starting-position gates pass and whose rules
pass best, and short runs are absorbed into their neighbours so the routine
splits into segments of at least ``min_segment_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

from posecheck.judge.exercises import Exercise, judge, registry
from posecheck.core.features import Body
from posecheck.core.types import State


@dataclass(frozen=True)
class Score:
    exercise: str
    state: State
    gates_ok: bool
    passed: float  # share of rules passing
    margin: float  # mean margin over rules

    @property
    def value(self) -> float:
        if not self.gates_ok:
            return 0.0
        return self.passed + 0.5 * max(-1.0, min(1.0, self.margin))


def score_exercises(body: Body | None, exercises: dict[str, Exercise] | None = None,
                    still: bool = True) -> list[Score]:
    exercises = exercises or registry()
    scores = []
    for ex in exercises.values():
        assessment = judge(ex, body, still=still)
        results = assessment.results
        if not results:
            scores.append(Score(ex.id, assessment.state, False, 0.0, -1.0))
            continue
        gates = [r for r in results if r.gate]
        gates_ok = all(r.ok is True for r in gates) and assessment.state is not State.UNCERTAIN
        passed = sum(r.ok is True for r in results) / len(results)
        margin = sum(r.margin for r in results) / len(results)
        scores.append(Score(ex.id, assessment.state, gates_ok, passed, margin))
    return scores


def recognize_pose(body: Body | None, exercises: dict[str, Exercise] | None = None) -> str | None:
    """The exercise a still pose shows correctly, or None."""
    correct = [s for s in score_exercises(body, exercises) if s.state is State.CORRECT]
    if not correct:
        return None
    return max(correct, key=lambda s: s.margin).exercise


def best_frame_score(body: Body | None, exercises: dict[str, Exercise] | None = None,
                     min_score: float = 0.6) -> Score | None:
    """The exercise a video frame most likely shows: gates pass and most rules pass."""
    scores = [s for s in score_exercises(body, exercises, still=False) if s.gates_ok]
    if not scores:
        return None
    best = max(scores, key=lambda s: s.value)
    return best if best.value >= min_score else None


def frame_label(body: Body | None, exercises: dict[str, Exercise] | None = None,
                min_score: float = 0.6) -> str | None:
    """A looser per-frame label for video: gates pass and most rules pass."""
    best = best_frame_score(body, exercises, min_score)
    return best.exercise if best is not None else None


@dataclass
class ExerciseSpan:
    start_s: float
    end_s: float
    exercise: str | None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def segment_labels(times: list[float], labels: list[str | None], end_s: float,
                   min_segment_s: float = 3.0, max_break_s: float = 10.0,
                   correct: list[bool] | None = None, min_correct_s: float = 3.0) -> list[ExerciseSpan]:
    """Runs of per-frame labels, with runs shorter than ``min_segment_s`` merged away.

    A stretch out of any exercise no longer than ``max_break_s`` between two
    spans of the same exercise is a break in form (sitting back in cat-cow,
    say), not a new exercise: the three become one span; one of that length
    before an exercise is the person getting into it and joins it. With
    ``correct`` (whether each frame was judged correct for its label), a span
    whose exercise was done correctly for less than ``min_correct_s`` is taken
    for a transition too (lying down after the seated twist passes through a
    knee drop for a moment).
    """
    spans = _segments(times, labels, end_s, min_segment_s, max_break_s)
    if correct is None:
        return spans
    relabelled = list(labels)
    changed = False
    for span in spans:
        if span.exercise is None:
            continue
        inside = [i for i, t in enumerate(times) if span.start_s <= t < span.end_s]
        correct_s = sum((times[i + 1] if i + 1 < len(times) else end_s) - times[i]
                        for i in inside if correct[i] and labels[i] == span.exercise)
        if correct_s < min_correct_s:
            for i in inside:
                relabelled[i] = None
            changed = True
    return _segments(times, relabelled, end_s, min_segment_s, max_break_s) if changed else spans


def _segments(times: list[float], labels: list[str | None], end_s: float, min_segment_s: float,
              max_break_s: float) -> list[ExerciseSpan]:
    spans: list[ExerciseSpan] = []
    for i, (t, label) in enumerate(zip(times, labels)):
        t_next = times[i + 1] if i + 1 < len(times) else end_s
        if spans and spans[-1].exercise == label:
            spans[-1].end_s = t_next
        else:
            spans.append(ExerciseSpan(t, t_next, label))
    # Absorb the shortest short span into a neighbour until none is short.
    while len(spans) > 1:
        short = [i for i, s in enumerate(spans) if s.duration_s < min_segment_s]
        if not short:
            break
        i = min(short, key=lambda k: spans[k].duration_s)
        left = spans[i - 1] if i > 0 else None
        right = spans[i + 1] if i + 1 < len(spans) else None
        # A short unrecognised run before an exercise is the person getting into
        # its position, so it belongs to that exercise; otherwise prefer a
        # neighbour that is an exercise, then the longer one.
        if spans[i].exercise is None and right is not None and right.exercise is not None:
            target = right
        else:
            candidates = [n for n in (left, right) if n is not None]
            target = max(candidates, key=lambda n: (n.exercise is not None, n.duration_s))
        if target is left:
            left.end_s = spans[i].end_s
        else:
            right.start_s = spans[i].start_s
        del spans[i]
        # Merge neighbours that now carry the same label.
        merged: list[ExerciseSpan] = []
        for s in spans:
            if merged and merged[-1].exercise == s.exercise:
                merged[-1].end_s = s.end_s
            else:
                merged.append(s)
        spans = merged
    return _bridge_breaks(spans, max_break_s)


def _bridge_breaks(spans: list[ExerciseSpan], max_break_s: float) -> list[ExerciseSpan]:
    out: list[ExerciseSpan] = []
    for span in spans:
        if (len(out) >= 2 and span.exercise is not None and out[-1].exercise is None
                and out[-2].exercise == span.exercise and out[-1].duration_s <= max_break_s):
            out.pop()
            out[-1].end_s = span.end_s
        elif (out and span.exercise is not None and out[-1].exercise is None
              and out[-1].duration_s <= max_break_s):
            span.start_s = out.pop().start_s  # getting into position for this exercise
            out.append(span)
        else:
            out.append(span)
    return out
