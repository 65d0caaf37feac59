"""A judged clip frame by frame: each rule's value over time, and the spells of each fault.

The report draws these (``posecheck.draw.report_svg``) and links every spell
of a fault to its moment in the video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from posecheck.core.types import FrameResult, State


def fault_episodes(frames: list[FrameResult], min_s: float = 0.2, gap_s: float = 0.5) -> dict[str, list[list[float]]]:
    """Rule -> [start, end] spells where it was the failing rule (short gaps bridged, blips dropped).

    As in the session's fault tally, a frame's failing rule is the first rule
    with ok False on a frame judged incorrect, held until the next frame.
    """
    spells: dict[str, list[list[float]]] = {}
    for i, fr in enumerate(frames):
        if fr.assessment.state is not State.INCORRECT:
            continue
        failing = next((r for r in fr.assessment.results if r.ok is False), None)
        if failing is None:
            continue
        end = frames[i + 1].timestamp_s if i + 1 < len(frames) else fr.timestamp_s
        runs = spells.setdefault(failing.name, [])
        if runs and fr.timestamp_s - runs[-1][1] <= gap_s:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([fr.timestamp_s, end])
    return {rule: [r for j, r in enumerate(runs) if j == 0 or r[1] - r[0] >= min_s]
            for rule, runs in spells.items()}


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
