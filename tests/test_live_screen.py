"""The live screen as the person on the floor sees it, and the voice as they hear it.

* Layout, on canvases drawn from the routine's real views: every text's capitals are at least
  ``MIN_TEXT_PX`` (32 px on the 1920x1080 canvas, which is a 1080p screen's pixels since the
  window is full screen), no two texts overlap, and while the person is judged no text covers the
  camera picture (so none covers their head or feet).
* A real session in a real full-screen window under Xvfb at 1920x1080 (``live_screens_child.py``):
  the screen grabbed with xwd at the instruction card, the countdown, a correct hold, a fault,
  switching sides and the summary is the canvas, pixel for pixel, filling the screen; the texts the
  canvas reported pass the layout checks; on the summary only q closes it and f toggles full
  screen (keys sent with xdotool); and the voice, through a logging espeak-ng in front of
  the real one, said the exercise, the side switch, "hold complete" and the end, and each countdown
  number when the screen showed it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, virtual_screen
from posecheck.core.types import Assessment, FrameResult, Pose, State
from posecheck.draw.live_canvas import (CANVAS_H, CANVAS_W, MIN_TEXT_PX, Drawn, render_canvas)
from posecheck.judge.coach import CoachStep
from posecheck.judge.exercises import registry
from posecheck.judge.routine import Phase, RoutineMachine, Timing

HERE = Path(__file__).resolve().parent


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def layout_problems(drawn: list[Drawn], judging: bool) -> list[str]:
    """What is wrong with one canvas's texts: too small, overlapping, off the canvas, over the person."""
    texts = [d for d in drawn if d.role != "picture"]
    pictures = [d for d in drawn if d.role == "picture"]
    problems = []
    for d in texts:
        if d.cap_px < MIN_TEXT_PX:
            problems.append(f"{d.text!r} is {d.cap_px} px tall")
        x0, y0, x1, y1 = d.box
        if x0 < 0 or y0 < 0 or x1 > CANVAS_W or y1 > CANVAS_H:
            problems.append(f"{d.text!r} leaves the screen: {d.box}")
        if judging and any(_overlap(d.box, p.box) for p in pictures):
            problems.append(f"{d.text!r} ({d.role}) covers the person's picture")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if _overlap(a.box, b.box):
                problems.append(f"{a.text!r} ({a.role}) overlaps {b.text!r} ({b.role})")
    return problems


def test_the_smallest_text_is_readable_from_3_m():
    assert MIN_TEXT_PX >= 32  # capitals on a 1080p screen


LONG_CUE = "Keep your shoulders and your lower back flat on the floor while you pull the knee toward your chest"


def _pose() -> Pose:
    """A person lying across the lower half of the picture (normalised coordinates)."""
    rng = np.random.default_rng(3)
    xyz = np.column_stack([rng.uniform(0.2, 0.8, 33), rng.uniform(0.55, 0.9, 33), np.zeros(33)])
    return Pose(xyz=xyz, visibility=np.ones(33), presence=np.ones(33), world=np.zeros((33, 3)), timestamp_s=1.0,
                image_wh=(1280, 720))


def _result(state: State, cue: str = "", side: str | None = "left", hold: float = 3.0,
            in_position: bool = False) -> FrameResult:
    return FrameResult(index=0, timestamp_s=1.0, pose=_pose(), features={},
                       assessment=Assessment(state, cue=cue, side=side), state=state, cue=cue, side=side,
                       hold_s=hold, side_hold_s={"left": hold, "right": 0.0}, reps=0, in_position=in_position)


def _views():
    """(name, step) for the screens of a leading and a following routine, from the machine's own views."""
    exercises = registry()
    plan = [exercises["knee_to_chest"], exercises["knee_to_chest_rotation"], exercises["cat_cow"]]
    m = RoutineMachine(plan, timing=Timing(intro_s=1, card_s=1, countdown_s=3, switch_s=2, rest_s=2))
    steps = []
    t = 0.0

    def at(name, result=None, cue=""):
        ex = m.exercise if result is not None else None
        steps.append((name, CoachStep(m.clock(t), m.view(t), result, ex, (), cue=cue)))

    m.update(t)
    at("intro")
    t = 1.0
    m.update(t)
    at("card")
    t = 2.5
    m.update(t)
    at("countdown")
    t = 5.6
    m.update(t)
    assert m.phase is Phase.ACTIVE
    at("fault", _result(State.INCORRECT, LONG_CUE), LONG_CUE)
    at("fault in the middle of the hold", _result(State.INCORRECT, LONG_CUE, in_position=True), LONG_CUE)
    at("fault, the judge sees the other side", _result(State.INCORRECT, "Lift higher", side="right"), "Lift higher")
    at("hold", _result(State.CORRECT))
    at("no person in view", _result(State.NO_PERSON, "Move into the camera's view"), "Move into the camera's view")
    gone = _result(State.NO_PERSON, "Move into the camera's view")
    steps.append(("gone", CoachStep(m.clock(t), m.view(t), FrameResult(**{**gone.__dict__, "pose": None}),
                                    m.exercise, (), cue="Move into the camera's view", person_lost=True)))
    m.press(t, "pause")
    at("paused", _result(State.CORRECT))
    m.press(t, "pause")
    m.phase = Phase.SWITCH  # what a reached side target leads to (tested in test_live)
    m.side = "right"
    at("switch")
    m.phase = Phase.REST
    at("rest")
    f = RoutineMachine(plan, follow=True)
    f.update(0.0)
    steps.append(("following: note and compact card",
                  CoachStep(0.0, f.view(0.0), _result(State.INCORRECT, LONG_CUE), plan[0], (), cue=LONG_CUE)))
    f.phase = Phase.REST
    steps.append(("following: done, next", CoachStep(9.0, f.view(9.0), _result(State.CORRECT), plan[0], ())))
    return steps


@pytest.mark.parametrize("shape", [(720, 1280), (1080, 1440), (1280, 720)], ids=["16:9", "4:3", "portrait"])
def test_every_screen_is_readable_and_nothing_overlaps(shape):
    image = np.full((*shape, 3), 120, np.uint8)
    for name, step in _views():
        drawn: list[Drawn] = []
        canvas = render_canvas(image, step, 29.7, True, None, drawn=drawn)
        assert canvas.shape == (CANVAS_H, CANVAS_W, 3)
        texts = [d.text for d in drawn if d.role != "picture"]
        assert texts, name
        judging = step.view.phase is Phase.ACTIVE and not step.view.paused
        assert layout_problems(drawn, judging) == [], name
        if name == "switch":  # one message: no cue, no hold count, no side label of the side left
            assert not any(d.role in ("cue", "ring", "sides", "side") for d in drawn), texts
            assert "Switch to your RIGHT side" in texts
        if name == "fault":  # not yet in position: getting into it
            assert any(d.role == "cue" for d in drawn) and "LEFT SIDE" in texts
            assert "GET INTO POSITION" in texts
        if name == "fault in the middle of the hold":  # once in position, a fault is form to adjust
            assert "ADJUST FORM" in texts and "GET INTO POSITION" not in texts
        if name == "fault, the judge sees the other side":  # the label and the highlighted count agree
            current = next(d for d in drawn if d.role == "sides" and canvas[d.box[1] + 2, d.box[0] - 4].max() > 60)
            assert "LEFT SIDE" in texts and current.text.startswith("left")
        if name == "no person in view":
            assert "GET INTO POSITION" in texts  # a pose is there (the judge's state is no person at a change)
        if name == "gone":
            assert "NO PERSON" in texts
        assert not any("torso" in t or "deg" in t for t in texts), texts  # no measurement jargon


def test_summary_table_has_a_row_and_a_coloured_mark_per_exercise_and_side():
    from posecheck.draw.words import summary_rows

    summary = {"plan": ["knee_to_chest", "cat_cow", "bridge"], "ended": "complete", "exercises": [
        {"exercise": "knee_to_chest", "title": "Knee to chest", "target_s": 20.0, "hold_s": 26.0,
         "sides": {"left": 20.0, "right": 12.0}, "completed": False, "ended_by": "skipped",
         "per_side": {"left": {"top_fault": None},
                      "right": {"top_fault": {"rule": "knee", "cue": "Pull your knee closer", "seconds": 3}}}},
        {"exercise": "cat_cow", "title": "Cat-cow", "target_reps": 10, "reps": 10, "hold_s": 0.0,
         "completed": True, "ended_by": "target", "top_fault": None}],
        "totals": {}, "not_done": ["bridge"]}
    rows = summary_rows(summary)
    assert [r.title for r in rows] == ["Knee to chest", "Cat-cow", registry()["bridge"].title]
    assert rows[0].cells == (("20/20 s", "met"), ("12/20 s", "partly"))  # the report's thresholds: half is partly
    assert summary_rows({**summary, "exercises": [{**summary["exercises"][0], "sides": {"left": 9.0, "right": 0}}]}
                        )[0].cells == (("9/20 s", "none"), ("0/20 s", "none"))
    assert rows[0].note == "skipped - right: Pull your knee closer"
    assert rows[1].cells == (("10/10 reps", "met"),) and rows[1].note == "no fault"
    assert rows[2].cells == (("not done", "not done"),)
    m = RoutineMachine([registry()["bridge"]])
    m.finish(0.0)
    drawn: list[Drawn] = []
    canvas = render_canvas(np.zeros((8, 8, 3), np.uint8), CoachStep(0.0, m.view(), None, None, ()), None, False,
                           summary=summary, drawn=drawn)
    assert layout_problems(drawn, False) == []
    texts = [d.text for d in drawn]
    assert "q or Esc: close     f: full screen" in texts
    # The tick of the side that met its goal is green, the partly held side's mark amber.
    left = next(d for d in drawn if d.text == "20/20 s")
    mark = canvas[left.box[1]:left.box[3], left.box[0] - 60:left.box[0] - 4]
    assert ((mark[..., 1] > 150) & (mark[..., 2] < 150)).sum() > 40  # green pixels


# --------------------------------------------------------------------------- the real screen under Xvfb

FAKE_ESPEAK = """\
#!/bin/sh
# A logging espeak-ng: notes when (wall clock) it was asked to say what, renders it with the real
# espeak-ng, and takes as long as the speech lasts, as playing it would. A shell script, so that it
# starts within milliseconds.
start=$(date +%s.%N)
text=$(cat)
printf 'start\\t%s\\t%s\\n' "$start" "$text" >> "$POSECHECK_SPEECH_LOG"
wav=$(mktemp --suffix=.wav)
for arg in "$@"; do [ "$arg" = --stdin ] || set -- "$@" "$arg"; shift; done
printf '%s' "$text" | "$POSECHECK_REAL_ESPEAK" "$@" -w "$wav" --stdin || exit 1
bytes=$(stat -c %s "$wav")
rm -f "$wav"
# 22050 Hz, 16-bit mono after a 44-byte header; minus the time already taken
now=$(date +%s.%N)
sleep "$(echo "$start $bytes $now" | awk '{d = $1 + ($2 - 44) / 44100 - $3; print (d > 0 ? d : 0)}')"
printf 'end\\t%s\\t%s\\n' "$(date +%s.%N)" "$text" >> "$POSECHECK_SPEECH_LOG"
"""


@pytest.fixture
def xvfb_1080p():
    with virtual_screen(("Xvfb", "xwd", "xdotool")) as display:
        yield display


SHOTS = Path("/tmp/posecheck_live_screens")


def test_real_full_screen_window_and_voice(tmp_path, xvfb_1080p):
    import cv2

    real = shutil.which("espeak-ng")
    if real is None:
        pytest.skip("espeak-ng not installed: the voice test renders real speech")
    fake_dir = tmp_path / "bin"
    fake_dir.mkdir()
    fake = fake_dir / "espeak-ng"
    fake.write_text(FAKE_ESPEAK)
    fake.chmod(0o755)
    out = SHOTS
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = out / "speech.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=xvfb_1080p, PATH=f"{fake_dir}{os.pathsep}{env.get('PATH', '')}",
               POSECHECK_SPEECH_LOG=str(log), POSECHECK_REAL_ESPEAK=real)
    proc = subprocess.run([sys.executable, str(HERE / "live_screens_child.py"), str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    moments = json.loads((out / "moments.json").read_text())
    assert sorted(moments) == sorted(["card", "countdown", "hold", "fault", "switch", "summary"]), sorted(moments)
    for name, m in moments.items():
        shot = cv2.imread(str(out / m["screen"]))
        canvas = cv2.imread(str(out / m["canvas"]))
        # The window fills the 1920x1080 screen and shows the canvas pixel for pixel: full screen, unscaled.
        assert shot.shape == (1080, 1920, 3) == canvas.shape, name
        diff = np.abs(shot.astype(int) - canvas.astype(int)).mean()
        assert diff < 4.0, (f"{name}: the screen differs from the canvas by {diff:.1f} on average "
                            f"(grabbed for {m['painted_after_s']} s)")
        drawn = [Drawn(d["text"], tuple(d["box"]), d["cap_px"], d["role"]) for d in m["drawn"]]
        assert layout_problems(drawn, m["phase"] == "active") == [], name
    assert moments["fault"]["cue"] and moments["fault"]["state"] == "incorrect"
    fault_texts = [d["text"] for d in moments["fault"]["drawn"]]
    assert any(d["role"] == "cue" for d in moments["fault"]["drawn"]), fault_texts
    switch_roles = {d["role"] for d in moments["switch"]["drawn"]}
    assert not switch_roles & {"cue", "ring", "sides"}, switch_roles
    # The voice: what must be heard was said, the countdown in step with the screen.
    entries = [line.split("\t", 2) for line in log.read_text().splitlines()]
    starts = [(float(t), text) for kind, t, text in entries if kind == "start"]
    said = [text for _, text in starts]
    for must in ("Next: Knee to chest, left side first", "Hold complete. Well done, release.",
                 "Exercise complete. Well done."):
        assert must in said, said
    assert any(re.fullmatch(r"Release\. Switch to your (left|right) side", text) for text in said), said
    screen = json.loads((out / "screen.json").read_text())
    numbers = [n for n in (3, 2, 1) if str(n) in said]
    assert 3 in numbers and len(numbers) >= 2, said  # a number may be cut by the next on a slow machine
    for n in numbers:
        shown = min(t for t, phase, number, _ in screen if phase == "countdown" and number == n)
        spoken = min(t for t, text in starts if text == str(n))
        # Offered when the frame is judged, shown once it is drawn: in step within the drawing's latency.
        assert abs(spoken - shown) < 0.4, (n, spoken - shown)
    go_shown = min(t for t, phase, _, _ in screen if phase == "active")
    go_spoken = min(t for t, text in starts if text == "Go")
    assert abs(go_spoken - go_shown) < 0.4, go_spoken - go_shown
    # The summary: x did not close it, f made the window smaller and full screen again, q closed it.
    keys = json.loads((out / "keys.json").read_text())
    assert keys.get("open_after_x") and keys.get("window_gone_after_q_s") is not None
    assert keys["window_gone_after_q_s"] < 3.0, keys  # q closes the window at once; the voice may finish after
    windowed = cv2.imread(str(out / "summary.windowed.png"))
    full_again = cv2.imread(str(out / "summary.full_again.png"))
    summary_canvas = cv2.imread(str(out / moments["summary"]["canvas"]))
    assert windowed[:, 1400:].max() == 0  # the root window shows right of a 1280x720 window
    assert np.abs(full_again.astype(int) - summary_canvas.astype(int)).mean() < 4.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended"] == "complete"
    assert summary["exercises"][0]["sides"]["left"] >= 2.0 and summary["exercises"][0]["sides"]["right"] >= 2.0


def test_one_title_per_exercise_everywhere():
    """The README names each exercise by the title the live screen and the summaries take from its data."""
    readme = " ".join((REPO / "README.md").read_text().lower().split())
    for ex in registry().values():
        assert ex.title.lower() in readme, ex.title
    for stale in ("seated lumbar twist", "side torso stretch"):
        assert stale not in readme
    from posecheck.draw.words import exercise_title

    assert exercise_title("lumbar_spine_stretch") == "Seated spinal twist"  # as the report's table shows it


def test_texts_copied_from_earlier_frames_are_exactly_what_drawing_gives(monkeypatch):
    from posecheck.draw import live_canvas

    image = np.full((720, 1280, 3), 120, np.uint8)
    fresh = {}
    with monkeypatch.context() as m:
        m.setattr(live_canvas._Pen, "_from_cache", lambda self, *a: False)
        for name, step in _views():
            fresh[name] = render_canvas(image, step, 29.7, True, None)  # every text drawn
    live_canvas._SPRITES.clear()
    for name, step in _views():
        first = render_canvas(image, step, 29.7, True, None)  # drawn on black, and remembered
        again = render_canvas(image, step, 29.7, True, None)  # copied where the canvas is black
        assert np.array_equal(first, fresh[name]) and np.array_equal(again, fresh[name]), name
    assert live_canvas._SPRITES
