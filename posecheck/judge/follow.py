"""Following a recorded video through a plan: when the frames show the person has moved on.

A recorded video leads the routine (``routine.RoutineMachine`` with
``follow=True``): nobody presses "next", so the machine moves to another
exercise of the plan when the frame labels (``recognize.frame_label``, one
label every few frames) clearly show it. ``MoveOnWatch`` keeps the recent
labels and decides; ``FollowRule`` holds its thresholds.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass
from typing import Sequence

from posecheck.judge.exercises import Exercise

# The label of a frame that was not labelled (recognition runs at a lower rate than frames).
UNLABELLED = "<unlabelled>"


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
    leaving_s: float = 1.0  # ...and "leaving" (the current exercise's cues hidden) after half of this long


class MoveOnWatch:
    """The labels of the last ``rule.history_s`` seconds of judge clock, and the decision to move on."""

    def __init__(self, plan: Sequence[Exercise], rule: FollowRule):
        self.plan = tuple(plan)
        self.rule = rule
        self._labels: deque[tuple[float, str | None]] = deque()
        self._seen_current = False

    def begin(self) -> None:
        """A new current exercise: it has not been seen yet (the labels so far are kept)."""
        self._seen_current = False

    def leaving(self, c: float, index: int) -> bool:
        """Whether, once the current exercise has been seen, at least half the labels of the last
        ``rule.leaving_s`` show another exercise of the plan.

        Before ``moved_on`` decides (seconds later), the current exercise's cues
        would be for a pose the person has left: they are not shown meanwhile.
        """
        if not self._seen_current:
            return False  # still getting into the current exercise: its cues guide the way in
        current = self.plan[index].id
        ids = {ex.id for ex in self.plan} - {current}
        window = [lab for t, lab in self._labels if t > c - self.rule.leaving_s]
        return bool(window) and sum(lab in ids for lab in window) >= 0.5 * len(window)

    def moved_on(self, c: float, label: str | None, index: int, since_s: float) -> tuple[int, float] | None:
        """(plan index, onset) when the frames clearly show another exercise of the plan.

        ``c`` is the judge clock, ``label`` this frame's label (or ``UNLABELLED``),
        ``index`` the current exercise of the plan and ``since_s`` when it began.
        """
        rule = self.rule
        current = self.plan[index].id
        if label != UNLABELLED:
            self._labels.append((c, label))
            if label == current:
                self._seen_current = True
        while self._labels and self._labels[0][0] < c - rule.history_s:
            self._labels.popleft()
        if c - since_s < rule.window_s or not self._labels:
            return None
        window = [lab for t, lab in self._labels if t > c - rule.window_s]
        counts = Counter(lab for lab in window if lab is not None and lab != current)
        if not counts:
            return None
        best, n = counts.most_common(1)[0]
        if n < rule.share * len(window):
            return None
        targets = [k for k in range(len(self.plan)) if self.plan[k].id == best and k != index]
        if not targets:
            return None
        after = [k for k in targets if k > index]
        k = after[0] if after else targets[-1]
        needed_s = rule.window_s
        if k != index + 1 or not self._seen_current:
            needed_s *= rule.other_factor
        if c - since_s < needed_s or self._labels[0][0] > c - needed_s + 1e-9:
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
        onset = max(first - rule.lookback_s, stop + 1e-6, since_s)
        return k, onset
