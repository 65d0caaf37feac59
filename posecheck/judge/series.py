"""A judged clip frame by frame: each rule's value over time, and the spells of each fault.

The report draws these (``posecheck.draw.report_svg``) and links every spell
of a fault to its moment in the video. The faults (``FaultSpells``) are also
what an exercise session counts, so the terminal summary, the JSON and the
report list the same ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from posecheck.core.types import FrameResult, State


LEAD_IN_MAX_S = 5.0  # getting into position lasts until the first correct frame, at most this long
MIN_FAULT_S = 0.2  # a fault shorter than this in all is a blip of the model, not something to correct


class LeadIn:
    """Tells which frames are the person getting into position, not faults.

    Each exercise and side (a routine's exercises, a stretch's two sides)
    starts with the person moving into the pose: its frames from the first
    one seen on that exercise and side until the first frame judged correct,
    or ``LEAD_IN_MAX_S`` at most (a client who never gets it right still has
    faults). Feed the frames in order; causal, so it works while a clip is read.
    """

    def __init__(self, max_s: float = LEAD_IN_MAX_S):
        self.max_s = max_s
        self._start: dict[tuple, float] = {}
        self._done: set[tuple] = set()

    def __call__(self, fr: FrameResult) -> bool:
        """True while ``fr`` is part of getting into position."""
        if fr.assessment.state not in (State.CORRECT, State.INCORRECT):
            return False  # nobody, or nothing judged: the clock starts with the person in view
        key = (fr.exercise, fr.assessment.side)
        if key in self._done:
            return False
        start = self._start.setdefault(key, fr.timestamp_s)
        if fr.assessment.state is State.CORRECT or fr.timestamp_s - start >= self.max_s:
            self._done.add(key)
            return False
        return True

    def over(self, fr: FrameResult) -> bool:
        """Whether getting into position is over on ``fr``'s exercise and side (``fr`` fed already)."""
        return (fr.exercise, fr.assessment.side) in self._done


@dataclass(frozen=True)
class SideFault:
    """A fault of one exercise on one side (None: an exercise without sides), with its spells."""

    exercise: str | None
    rule: str
    side: str | None
    cue: str
    spells: tuple[tuple[float, float], ...]

    @property
    def seconds(self) -> float:
        return sum(b - a for a, b in self.spells)

    @property
    def first_s(self) -> float:
        return self.spells[0][0]


class FaultSpells:
    """The faults of a stream of judged frames, fed in order: the one formula behind the report's
    fault list, ``posecheck analyze``'s summary and JSON, and a live attempt's faults.

    Per exercise, rule and side, getting into position (``LeadIn``) left out.
    A frame's fault is its first failing rule when judged incorrect, held
    until the next frame; spells closer than ``gap_s`` are joined, and spells
    shorter than ``min_s`` dropped, so no fault is "0.0 s in all". Causal and
    small (no frames kept), so a live session feeds it as it goes.
    """

    def __init__(self, min_s: float = MIN_FAULT_S, gap_s: float = 0.5):
        self.min_s = min_s
        self.gap_s = gap_s
        self._lead_in = LeadIn()
        self._runs: dict[tuple, list[list[float]]] = {}
        self._cues: dict[tuple, str] = {}
        self._pending: tuple[tuple, float] | None = None  # the last frame's fault, until the next frame ends it

    def _close(self, runs: dict[tuple, list[list[float]]], end: float) -> None:
        if self._pending is None:
            return
        key, t = self._pending
        spells = runs.setdefault(key, [])
        if spells and t - spells[-1][1] <= self.gap_s:
            spells[-1][1] = max(spells[-1][1], end)
        else:
            spells.append([t, end])

    def add(self, fr: FrameResult) -> None:
        self._close(self._runs, fr.timestamp_s)
        self._pending = None
        if self._lead_in(fr) or fr.assessment.state is not State.INCORRECT:
            return
        failing = next((r for r in fr.assessment.results if r.ok is False), None)
        if failing is None:
            return
        key = (fr.exercise, failing.name, fr.assessment.side)
        self._cues.setdefault(key, failing.cue)
        self._pending = (key, fr.timestamp_s)

    def in_position(self, fr: FrameResult) -> bool:
        """Whether the person has been in position on ``fr``'s exercise and side (``fr`` added already)."""
        return self._lead_in.over(fr)

    def faults(self) -> list[SideFault]:
        """The faults so far, longest first (the last frame fed ends where it starts)."""
        runs = {key: [list(s) for s in spells] for key, spells in self._runs.items()}
        if self._pending is not None:
            self._close(runs, self._pending[1])
        faults = []
        for key, spells in runs.items():
            kept = tuple((round(a, 3), round(b, 3)) for a, b in spells if b - a >= self.min_s)
            if kept:
                faults.append(SideFault(key[0], key[1], key[2], self._cues[key], kept))
        return sorted(faults, key=lambda f: (-f.seconds, f.first_s))


def side_faults(frames: list[FrameResult], min_s: float = MIN_FAULT_S, gap_s: float = 0.5) -> list[SideFault]:
    """The faults of judged frames (``FaultSpells``), longest first."""
    spells = FaultSpells(min_s, gap_s)
    for fr in frames:
        spells.add(fr)
    return spells.faults()


@dataclass
class Series:
    name: str
    unit: str
    t: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    ok: list[bool | None] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)


def rule_series(frames: list[FrameResult], units: dict[str, str] | None = None) -> dict[str, Series]:
    """Each rule's measured value, outcome and accepted range over time (NaN where not judged)."""
    units = units or {}
    names: list[str] = []
    for fr in frames:
        for r in fr.assessment.results:
            if r.name not in names:
                names.append(r.name)
    out = {n: Series(n, units.get(n, "deg")) for n in names}
    for fr in frames:
        by_name = {r.name: r for r in fr.assessment.results}
        for name, s in out.items():
            r = by_name.get(name)
            s.t.append(fr.timestamp_s)
            s.value.append(r.value if r is not None else math.nan)
            s.ok.append(r.ok if r is not None else None)
            s.low.append(r.low if r is not None else math.nan)
            s.high.append(r.high if r is not None else math.nan)
    return out
