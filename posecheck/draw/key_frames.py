"""Key frames of a report card: the first moment of each fault, and the best moment of form.

``KeyFrames`` watches the annotated frames while a clip is analysed and keeps
the few a report shows; ``write`` saves them as JPEG stills beside the card
and returns what the card says of each.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posecheck.core.types import FrameResult, State
from posecheck.draw.report_text import fmt_value
from posecheck.errors import PosecheckError
from posecheck.io.outputs import write_atomic
from posecheck.judge.exercises import Exercise
from posecheck.judge.series import LeadIn

STILL_MAX_SIDE = 640
MAX_FAULT_SHOTS = 8
ROUTINE_FAULT_SHOTS = 3  # per exercise of a routine: its card's page holds a row of them beside its best form
BEST_NAME = "best.jpg"
FRAME_NAME = "frame.jpg"  # the one still of a clip where nothing was judged


def fault_name(n: int) -> str:
    return f"fault-{n}.jpg"


def best_name(n: int) -> str:
    """The best form of a routine's ``n``-th exercise (1-based, in the order first seen)."""
    return f"best-{n}.jpg"


class KeyFrames:
    """Watches the annotated frames during analysis and keeps the ones a report shows.

    A still at the first frame each fault (the failing rule of an incorrect
    frame, per exercise and side) appears, and one at the best moment of form:
    the frame judged correct whose rules sit furthest inside their ranges (the
    closest to it when none is correct). Gate rules (the exercise's starting
    position) must pass, but their margin does not count. Getting into
    position (``LeadIn``) is no fault. A fault's still is the first frame whose
    shown cue is that fault's (the first frame of it, when none is), and its
    caption is the cue the frame shows.

    In a routine (more than one exercise seen) each exercise keeps its own
    faults (at most ``ROUTINE_FAULT_SHOTS``) and its own best moment, and every
    still says which exercise it belongs to, for that exercise's card.
    """

    def __init__(self, max_faults: int = MAX_FAULT_SHOTS):
        self.max_faults = max_faults
        self.faults: dict[str, dict] = {}
        self.best: dict | None = None  # the best of all
        self.bests: dict[str | None, dict] = {}  # the best per exercise, in the order first seen
        self._best_scores: dict[str | None, float] = {}
        self.first: dict | None = None  # a still for the card when nothing was judged
        self._best_score = -math.inf
        self._last_result = None
        self._lead_in = LeadIn()
        self._pending: dict[str, dict] = {}  # a fault's first frame, until one shows its cue

    def observe(self, image: np.ndarray, frame, result: FrameResult | None) -> None:
        if result is None or result is self._last_result:
            return  # frames between sampled ones repeat the last result
        self._last_result = result
        a = result.assessment
        t = frame.timestamp_s
        if self.first is None or (self.first["pose"] is None and result.pose is not None):
            self.first = {"t": t, "image": image, "cue": result.cue or a.cue, "pose": result.pose}
        lead_in = self._lead_in(result)
        if a.state is State.INCORRECT and not lead_in:
            failing = next((r for r in a.results if r.ok is False), None)
            if failing is not None:
                key = f"{result.exercise}:{failing.name}:{a.side}"
                shot = {"t": t, "image": image, "rule": failing.name, "side": a.side,
                        "caption": result.cue or failing.cue, "exercise": result.exercise}
                kept = sum(s["exercise"] == result.exercise for s in (*self.faults.values(), *self._pending.values()))
                if key not in self.faults and kept < self.max_faults + 1:
                    if result.cue == failing.cue:
                        self.faults[key] = shot
                        self._pending.pop(key, None)
                    else:
                        self._pending.setdefault(key, shot)
        if a.results and a.state in (State.CORRECT, State.INCORRECT):
            judged = [r for r in a.results if not r.gate] or list(a.results)
            score = min(max(-1.0, r.margin) for r in judged)  # a rule far outside counts as just outside
            score += 2.0 * (a.state is State.CORRECT) + 1.0 * (result.state is State.CORRECT)
            shot = {"t": t, "image": image, "results": a.results, "exercise": result.exercise,
                    "correct": a.state is State.CORRECT}
            if score > self._best_score + 1e-9:
                self._best_score = score
                self.best = shot
            if score > self._best_scores.get(result.exercise, -math.inf) + 1e-9:
                self._best_scores[result.exercise] = score
                self.bests[result.exercise] = shot

    def write(self, folder: Path, exercises: dict[str, Exercise]) -> list[dict]:
        """Saves the stills into ``folder``; for each its file, time, kind, exercise and caption, in card order."""
        stills: list[dict] = []
        shots = {**self._pending, **self.faults}
        routine = len(self.bests) > 1
        if routine:
            chosen = sorted((shot for ex in dict.fromkeys(s["exercise"] for s in shots.values())
                             for shot in sorted((s for s in shots.values() if s["exercise"] == ex),
                                                key=lambda s: s["t"])[:ROUTINE_FAULT_SHOTS]),
                            key=lambda s: s["t"])
        else:
            chosen = sorted(shots.values(), key=lambda s: s["t"])[:self.max_faults]
        for n, shot in enumerate(chosen, start=1):
            name = fault_name(n)
            write_jpeg(folder / name, shot["image"])
            stills.append({"file": name, "t": shot["t"], "kind": "fault", "rule": shot["rule"],
                           "side": shot["side"], "exercise": shot["exercise"],
                           "caption": shot["caption"] or shot["rule"]})
        bests = ([(best_name(n), shot) for n, shot in enumerate(self.bests.values(), start=1)] if routine
                 else [(BEST_NAME, self.best)] if self.best is not None else [])
        for name, best in bests:
            write_jpeg(folder / name, best["image"])
            exercise = exercises.get(best["exercise"]) if best["exercise"] else None
            units = {r.name: r.unit for r in exercise.rules} if exercise else {}
            values = ", ".join(f"{r.name} {fmt_value(r.value, units.get(r.name, 'deg'))}" for r in best["results"])
            lead = "Best form" if best["correct"] else "Closest to correct form"
            stills.append({"file": name, "t": best["t"], "kind": "best", "exercise": best["exercise"],
                           "caption": f"{lead}: {values}"})
        if not stills and self.first is not None:
            write_jpeg(folder / FRAME_NAME, self.first["image"])
            stills.append({"file": FRAME_NAME, "t": self.first["t"], "kind": "frame", "exercise": None,
                           "caption": self.first["cue"] or "not judged"})
        return stills


def remove_stale_stills(folder: Path) -> None:
    """The stills of an earlier report into the same folder (a new one may have fewer)."""
    for stale in [*folder.glob(fault_name("*")), *folder.glob(best_name("*")), folder / BEST_NAME,
                  folder / FRAME_NAME]:
        stale.unlink(missing_ok=True)


def write_jpeg(path: Path, image: np.ndarray) -> None:
    """A still, scaled down to at most ``STILL_MAX_SIDE`` pixels a side, written atomically."""
    import cv2

    h, w = image.shape[:2]
    if max(h, w) > STILL_MAX_SIDE:
        scale = STILL_MAX_SIDE / max(h, w)
        image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise PosecheckError(f"{path}: cannot encode JPEG")
    write_atomic(path, data.tobytes())
