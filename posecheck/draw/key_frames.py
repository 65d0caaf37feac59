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
BEST_NAME = "best.jpg"
FRAME_NAME = "frame.jpg"  # the one still of a clip where nothing was judged


def fault_name(n: int) -> str:
    return f"fault-{n}.jpg"


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
    """

    def __init__(self, max_faults: int = MAX_FAULT_SHOTS):
        self.max_faults = max_faults
        self.faults: dict[str, dict] = {}
        self.best: dict | None = None
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
                if key not in self.faults and len(self.faults) + len(self._pending) < self.max_faults + 1:
                    if result.cue == failing.cue:
                        self.faults[key] = shot
                        self._pending.pop(key, None)
                    else:
                        self._pending.setdefault(key, shot)
        if a.results and a.state in (State.CORRECT, State.INCORRECT):
            judged = [r for r in a.results if not r.gate] or list(a.results)
            score = min(max(-1.0, r.margin) for r in judged)  # a rule far outside counts as just outside
            score += 2.0 * (a.state is State.CORRECT) + 1.0 * (result.state is State.CORRECT)
            if score > self._best_score + 1e-9:
                self._best_score = score
                self.best = {"t": t, "image": image, "results": a.results, "exercise": result.exercise,
                             "correct": a.state is State.CORRECT}

    def write(self, folder: Path, exercises: dict[str, Exercise]) -> list[dict]:
        """Saves the stills into ``folder``; for each its file, time, kind and caption, in card order."""
        stills: list[dict] = []
        shots = {**self._pending, **self.faults}
        chosen = sorted(shots.values(), key=lambda s: s["t"])[:self.max_faults]
        for n, shot in enumerate(chosen, start=1):
            name = fault_name(n)
            write_jpeg(folder / name, shot["image"])
            stills.append({"file": name, "t": shot["t"], "kind": "fault", "rule": shot["rule"],
                           "side": shot["side"], "caption": shot["caption"] or shot["rule"]})
        if self.best is not None:
            write_jpeg(folder / BEST_NAME, self.best["image"])
            exercise = exercises.get(self.best["exercise"]) if self.best["exercise"] else None
            units = {r.name: r.unit for r in exercise.rules} if exercise else {}
            values = ", ".join(f"{r.name} {fmt_value(r.value, units.get(r.name, 'deg'))}"
                               for r in self.best["results"])
            lead = "Best form" if self.best["correct"] else "Closest to correct form"
            stills.append({"file": BEST_NAME, "t": self.best["t"], "kind": "best", "caption": f"{lead}: {values}"})
        if not stills and self.first is not None:
            write_jpeg(folder / FRAME_NAME, self.first["image"])
            stills.append({"file": FRAME_NAME, "t": self.first["t"], "kind": "frame",
                           "caption": self.first["cue"] or "not judged"})
        return stills


def remove_stale_stills(folder: Path) -> None:
    """The stills of an earlier report into the same folder (a new one may have fewer)."""
    for stale in [*folder.glob(fault_name("*")), folder / BEST_NAME, folder / FRAME_NAME]:
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
