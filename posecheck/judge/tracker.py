"""Hold timer, rep counter and cue throttle: small state machines driven by timestamps.

Each frame's raw state is taken to hold from its timestamp until the next
frame's; ``update(t, ...)`` first accounts the interval that just ended, so
time is exact on scripted sequences and the same live or from a file.

The hold tracker debounces in time without losing any: a correct spell must
last ``dwell_s`` before the hold is confirmed, and then the dwell time is
counted too (confirmation never shortens a hold); a wobble shorter than
``grace_s`` inside a hold is counted as held, a longer one ends the hold and is
not counted. Hold time therefore never decreases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posecheck.core.types import State

# Intervals longer than this (a stalled camera, a seek) count at most this much.
MAX_FRAME_GAP_S = 1.0
# The default debounce of a hold (a coach's config may change both: config.py).
DWELL_S = 0.3  # correct this long before a hold is confirmed
GRACE_S = 0.5  # a wobble shorter than this inside a hold is counted as held


@dataclass
class Hold:
    start_s: float
    end_s: float
    side: str | None
    seconds: float


@dataclass
class HoldTracker:
    dwell_s: float = DWELL_S
    grace_s: float = GRACE_S
    max_gap_s: float = MAX_FRAME_GAP_S

    total_s: float = 0.0
    per_side: dict[str, float] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)
    state: State = State.NO_PERSON  # the debounced state

    _last_t: float | None = None
    _last_raw: State = State.NO_PERSON
    _last_side: str | None = None
    _pending_correct_s: float = 0.0  # correct time waiting for the dwell
    _pending_start_s: float = 0.0
    _pending_side: str | None = None
    _wobble_s: float = 0.0  # non-correct time inside a hold, waiting for the grace
    _wobble_state: State = State.INCORRECT
    _hold: Hold | None = None

    @property
    def holding(self) -> bool:
        return self._hold is not None

    def _credit(self, seconds: float, side: str | None) -> None:
        self.total_s += seconds
        if side is not None:
            self.per_side[side] = self.per_side.get(side, 0.0) + seconds
        if self._hold is not None:
            self._hold.seconds += seconds

    def _close_hold(self, end_s: float) -> None:
        if self._hold is not None:
            self._hold.end_s = end_s
            self.holds.append(self._hold)
            self._hold = None

    def _account(self, start: float, dt: float, raw: State, side: str | None) -> None:
        end = start + dt
        if self._hold is not None:
            if raw is State.CORRECT and side == self._hold.side:
                if self._wobble_s:
                    self._credit(self._wobble_s, self._hold.side)  # the wobble was bridged
                    self._wobble_s = 0.0
                self._credit(dt, side)
                self._hold.end_s = end
                return
            if raw is State.CORRECT:  # the side changed: the hold on the old side ends
                self._close_hold(start - self._wobble_s)
                self._wobble_s = 0.0
            else:
                self._wobble_s += dt
                self._wobble_state = raw
                if self._wobble_s > self.grace_s:
                    self._close_hold(end - self._wobble_s)
                    self._wobble_s = 0.0
                    self.state = raw
                return
        # Not holding.
        if raw is State.CORRECT:
            if self._pending_correct_s == 0.0 or side != self._pending_side:
                self._pending_correct_s = 0.0
                self._pending_start_s = start
                self._pending_side = side
            self._pending_correct_s += dt
            if self._pending_correct_s >= self.dwell_s:
                self._hold = Hold(self._pending_start_s, end, side, 0.0)
                self._credit(self._pending_correct_s, side)
                self._pending_correct_s = 0.0
                self.state = State.CORRECT
        else:
            self._pending_correct_s = 0.0
            self.state = raw

    def update(self, t: float, raw: State, side: str | None = None) -> State:
        """Feed one frame's raw state at time t; returns the debounced state."""
        if self._last_t is not None and t > self._last_t:
            dt = min(t - self._last_t, self.max_gap_s)
            self._account(self._last_t, dt, self._last_raw, self._last_side)
        if self._last_t is None or t > self._last_t:
            self._last_t = t
        self._last_raw, self._last_side = raw, side
        if self._hold is None and raw is not State.CORRECT:
            self.state = raw
        elif self._hold is None and self.state is State.NO_PERSON:
            # Someone is there and settling into the pose: not yet a hold.
            self.state = State.INCORRECT
        return self.state

    def finish(self, end_t: float) -> None:
        """Close the last frame's interval at ``end_t`` (the end of the clip)."""
        if self._last_t is not None and end_t > self._last_t:
            self._account(self._last_t, min(end_t - self._last_t, self.max_gap_s),
                          self._last_raw, self._last_side)
            self._last_t = end_t
        if self._hold is not None:
            end = self._hold.end_s
            self._close_hold(end)
        self._wobble_s = 0.0


@dataclass
class RepCounter:
    """Counts full cycles between two ends of a signal (e.g. cat and cow), with hysteresis.

    The signal must pass ``high_enter`` to reach the high end and ``low_enter``
    to reach the low end. A rep is counted when an end is reached after the
    other end was reached since the last rep, so cat -> cow and cow -> cat are
    both one cycle and cat, cow, cat, cow is two. Frames out of position
    (``valid=False``) start the cycle over; NaN carries no information.
    """

    high_enter: float
    low_enter: float
    reps: int = 0
    phase: str | None = None  # "high", "low" or None
    _visited: set = field(default_factory=set)

    def update(self, value: float, valid: bool = True) -> int:
        if not valid:
            self._visited.clear()
            self.phase = None
            return self.reps
        if value != value:
            return self.reps
        reached = None
        if value >= self.high_enter and self.phase != "high":
            reached = "high"
        elif value <= self.low_enter and self.phase != "low":
            reached = "low"
        if reached is not None:
            self.phase = reached
            other = "low" if reached == "high" else "high"
            if other in self._visited:
                self.reps += 1
                self._visited.clear()
            else:
                self._visited.add(reached)
        return self.reps


@dataclass
class CueThrottle:
    """Lets the shown cue change at most once per ``min_interval_s``; ``clear`` drops it at once."""

    min_interval_s: float = 1.0
    current: str = ""
    _changed_at: float | None = None

    def update(self, t: float, cue: str) -> str:
        if cue == self.current:
            return self.current
        if self._changed_at is None or t - self._changed_at >= self.min_interval_s:
            self.current = cue
            self._changed_at = t
        return self.current

    def clear(self) -> str:
        """No cue from now on, without waiting out the interval: a correction shown on a correct
        pose contradicts it. The interval still runs from the last cue shown, so one that comes
        back soon after is held as before."""
        self.current = ""
        return self.current
