"""Run by tests/test_live_screen.py in its own process, on an Xvfb display: one live session in a real,
full-screen window, with the voice speaking through whatever ``espeak-ng`` is first on PATH.

The feed is the knee-to-chest sample played as a camera (at most as fast as it is shown): 6 s of its
first frame (intro, card, countdown), its left-side fault (6.5-8.5 s) twice, its left-side hold
(1.5-6.5 s), then 14.0-25.0 s (right side). The goal is 2 s per side so the session switches sides and completes.

At each moment (card, countdown, a correct hold, a fault, switch sides, the summary) the child grabs
the real screen with ``xwd`` once the canvas has been on screen for a few frames, and writes
``moments.json``: per moment the PNG of the screen, the canvas PNG, the texts the canvas reported
(``Drawn``) and the frame; on the summary it then presses x (which must not close it), f twice
(windowed and back, grabbing the screen each time) and q, noting in ``keys.json`` how soon q closed
it; plus ``screen.json``: (wall-clock time, phase, countdown number) per frame.

Usage: python live_screens_child.py OUT_DIR
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from posecheck.apps.live import LiveOptions, run_live  # noqa: E402
from posecheck.config import Settings  # noqa: E402
from posecheck.core.types import Frame, State  # noqa: E402
from posecheck.io.sources import VideoSource  # noqa: E402
from posecheck.judge.exercises import Goal, registry  # noqa: E402
from posecheck.judge.routine import Phase, Timing  # noqa: E402
from test_live import read_xwd  # noqa: E402

CLIP = REPO / "samples" / "knee_to_chest.mp4"
LEAD_S = 6.0
GOAL_S = 2.0
# How long a moment's screen may take to match its canvas before the grab is kept as it is.
PAINT_WAIT_S = 30.0
# A fault first (judging starts at 7 s), then the left side's hold, then the right side.
PARTS = ((6.5, 8.5), (6.5, 8.5), (1.5, 6.5), (14.0, 25.0))


class SampleCamera:
    """The clip's parts (every other frame: 15 a second) delivered as a camera delivers frames, but never
    faster than the window shows them (``shown`` is released per frame shown): on a loaded machine
    every frame is still judged, so the session goes the same way each time. The frames' timestamps
    are the feed's own times; the screen and the voice both run on them."""

    def __init__(self) -> None:
        src = VideoSource(CLIP)
        self.info = replace(src.info, kind="camera", name="sample camera")
        src.close()
        self.shown = threading.Semaphore(2)  # one frame estimated while the one before is drawn
        self.stop = threading.Event()

    def _frames(self):
        src = VideoSource(CLIP)
        try:
            frames = [f for f in src if f.index % 2 == 0]
        finally:
            src.close()
        first = frames[0].image
        for i in range(int(LEAD_S * 15)):
            yield i / 15.0, first
        offset = LEAD_S
        for t0, t1 in PARTS:
            for f in frames:
                if t0 <= f.timestamp_s < t1:
                    yield offset + f.timestamp_s - t0, f.image
            offset += t1 - t0

    def __iter__(self):
        for index, (t, image) in enumerate(self._frames()):
            while not self.shown.acquire(timeout=0.1):
                if self.stop.is_set():
                    return
            yield Frame(image, t, index)

    def close(self) -> None:
        self.stop.set()


def grab_screen() -> np.ndarray:
    """The whole X screen (this process's DISPLAY) as a BGR image."""
    return read_xwd(subprocess.run(["xwd", "-root", "-silent"], capture_output=True, timeout=30).stdout)


def moment_of(step) -> str | None:
    view = step.view
    if view.paused:
        return None
    if view.phase is Phase.DONE:
        return "summary"
    if view.phase is Phase.CARD:
        return "card"
    if view.phase is Phase.COUNTDOWN:
        return "countdown"
    if view.phase is Phase.SWITCH:
        return "switch"
    if view.phase is Phase.ACTIVE and step.result is not None:
        if step.result.state is State.CORRECT:
            return "hold"
        if step.result.state is State.INCORRECT and step.cue:
            return "fault"
    return None


def main(out: Path) -> None:
    exercises = dict(registry())
    ex = exercises["knee_to_chest"]
    exercises["knee_to_chest"] = replace(ex, goal=Goal("hold", GOAL_S))
    seen: dict[str, int] = {}
    moments: dict[str, dict] = {}
    screen: list[tuple[float, str, int | None, float]] = []

    def on_shown(canvas: np.ndarray, step, drawn) -> None:
        camera.shown.release()
        view = step.view
        n = max(1, math.ceil(view.remaining_s - 1e-9)) if (
            view.phase is Phase.COUNTDOWN and view.remaining_s is not None) else None
        screen.append((time.time(), str(view.phase), n, step.t))  # the wall clock: the fake espeak-ng's
        name = moment_of(step)
        if name == "summary" and name in moments:
            summary_keys(canvas)
            return
        if name is None or name in moments:
            return
        seen[name] = seen.get(name, 0) + 1
        if seen[name] < 2:
            return
        # The first window can be placed and painted late: wait by the clock. A count of 100 grabs was
        # no wait in a fresh clone's first run (it ran out within 3 s, the screen still black): waitKey
        # can return at once.
        asked = time.monotonic()
        while True:
            shot = grab_screen()
            if shot.shape == canvas.shape and np.abs(shot.astype(np.int16) - canvas).mean() < 4.0:
                break
            if time.monotonic() - asked > PAINT_WAIT_S:
                break
            cv2.waitKey(100)  # let the window paint, then grab again
            time.sleep(0.05)
        cv2.imwrite(str(out / f"{name}.png"), shot)
        cv2.imwrite(str(out / f"{name}.canvas.png"), canvas)
        moments[name] = {"phase": str(view.phase), "t": step.t, "cue": step.cue,
                         "state": step.result.state.value if step.result is not None else None,
                         "drawn": [asdict(d) for d in drawn], "screen": f"{name}.png",
                         "canvas": f"{name}.canvas.png", "painted_after_s": round(time.monotonic() - asked, 2)}

    keys: dict = {"frames": 0}

    def summary_keys(canvas: np.ndarray) -> None:
        """On the summary (about ten frames a second): a key that must not close it, f twice, then q."""
        keys["frames"] += 1
        k = keys["frames"]
        if k == 2:
            subprocess.run(["xdotool", "key", "x"], check=True, timeout=10)
        elif k == 8:
            keys["open_after_x"] = True  # still on screen
            subprocess.run(["xdotool", "key", "f"], check=True, timeout=10)
        elif k == 14:
            shot = grab_screen()
            cv2.imwrite(str(out / "summary.windowed.png"), shot)
            subprocess.run(["xdotool", "key", "f"], check=True, timeout=10)
        elif k == 20:
            shot = grab_screen()
            cv2.imwrite(str(out / "summary.full_again.png"), shot)
            keys["q_at"] = time.monotonic()
            subprocess.run(["xdotool", "key", "q"], check=True, timeout=10)
            threading.Thread(target=watch_window_close, daemon=True).start()

    def watch_window_close() -> None:
        """When the window is gone from the screen (the last words may still be spoken after it)."""
        while time.monotonic() - keys["q_at"] < 30:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^posecheck$"],
                                   capture_output=True, timeout=10)
            if found.returncode != 0 or not found.stdout.strip():
                keys["window_gone_after_q_s"] = time.monotonic() - keys["q_at"]
                return
            time.sleep(0.05)

    camera = SampleCamera()
    options = LiveOptions(exercise="knee_to_chest", feed=camera, window=True, mute=False,
                          settings=Settings(exercises=exercises), record_history=False,
                          summary=str(out / "summary.json"), linger_s=20.0,
                          timing=Timing(intro_s=1.0, card_s=3.0, countdown_s=3.0, switch_s=1.5, rest_s=2.0),
                          on_shown=on_shown)
    result = run_live(options)
    keys["closed_after_q_s"] = time.monotonic() - keys["q_at"] if "q_at" in keys else None
    (out / "keys.json").write_text(json.dumps(keys))
    (out / "moments.json").write_text(json.dumps(moments, indent=1))
    (out / "screen.json").write_text(json.dumps(screen))
    print(json.dumps({"ended": result.ended, "frames": result.frames, "dropped": result.dropped}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
