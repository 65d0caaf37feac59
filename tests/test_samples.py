"""The shipped ground-truth clips: files, truth JSON, and that the generator reproduces them."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from posecheck.synthetic.clips import ROUTINE_ORDER, build_clip, read_video
from posecheck.synthetic.designs import DESIGNS

from conftest import SAMPLES, sample

EXERCISES = list(ROUTINE_ORDER)
SIDED = {"knee_to_chest", "side_torso_stretch", "knee_to_chest_rotation", "lumbar_spine_stretch"}
KEYS = {"exercise", "hold_s", "reps", "target_s", "correct_spans", "fps", "frames", "view", "phases"}


def _truth(ex: str) -> dict:
    return json.loads(sample(f"{ex}.truth.json").read_text())


def test_all_eight_exercises_have_clips():
    assert set(EXERCISES) == set(DESIGNS) and len(EXERCISES) == 8
    for ex in EXERCISES:
        assert (SAMPLES / f"{ex}.mp4").is_file(), ex
        assert (SAMPLES / f"{ex}.truth.json").is_file(), ex


@pytest.mark.parametrize("ex", EXERCISES)
def test_truth_json(ex):
    t = _truth(ex)
    assert KEYS <= set(t)
    assert t["exercise"] == ex
    assert t["fps"] == 30
    duration = t["frames"] / t["fps"]
    assert 15.0 <= duration <= 30.0
    spans = t["correct_spans"]
    assert spans
    assert sum(e - s for s, e, _ in spans) == pytest.approx(t["hold_s"], abs=2e-3)
    for (s, e, _), nxt in zip(spans, spans[1:] + [None]):
        assert 0.0 <= s < e <= duration
        if nxt is not None:
            assert e <= nxt[0]
    if ex in SIDED:
        assert set(t["sides"]) == {"left", "right"}
        assert {side for _, _, side in spans} == {"left", "right"}
        assert sum(t["sides"].values()) == pytest.approx(t["hold_s"], abs=2e-3)
        for side in ("left", "right"):
            assert t["sides"][side] == pytest.approx(sum(e - s for s, e, sd in spans if sd == side), abs=2e-3)
    else:
        assert "sides" not in t
        assert all(side is None for _, _, side in spans)
    if ex == "cat_cow":
        assert isinstance(t["reps"], int) and t["reps"] >= 3
        assert t["target_s"] is None
        assert any("not counted" in label for _, _, label in t["phases"])
    else:
        assert t["reps"] is None
        assert t["target_s"] == 20
        assert any(label.startswith("fault:") for _, _, label in t["phases"])
    # the phases tile the clip
    phases = t["phases"]
    assert phases[0][0] == 0.0 and phases[-1][1] == pytest.approx(duration, abs=1 / 30)
    for a, b in zip(phases, phases[1:]):
        assert a[1] == pytest.approx(b[0])
    assert t["view"] == DESIGNS[ex].view_kind


@pytest.mark.parametrize("ex", EXERCISES)
def test_video_matches_truth(ex):
    t = _truth(ex)
    cap = cv2.VideoCapture(str(sample(f"{ex}.mp4")))
    try:
        assert cap.isOpened()
        assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 640
        assert int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == 480
        assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30.0, abs=0.01)
        assert abs(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) - t["frames"]) <= 1
    finally:
        cap.release()


@pytest.mark.parametrize("ex", EXERCISES)
def test_generator_reproduces_the_truth(ex):
    clip = build_clip(ex)
    assert json.loads(json.dumps(clip.truth)) == _truth(ex)


@pytest.mark.parametrize("ex", ["bridge", "side_torso_stretch"])
def test_generator_reproduces_the_frames(ex):
    clip = build_clip(ex)
    wanted = {0, 100, 200}
    for i, frame in enumerate(read_video(sample(f"{ex}.mp4"))):
        if i in wanted:
            fresh = clip.render_frame(i)
            diff = np.abs(frame.astype(int) - fresh.astype(int))
            assert diff.mean() < 3.0, (i, diff.mean())  # mp4v is lossy; nothing else differs
            wanted.discard(i)
        if not wanted:
            break
    assert not wanted


def test_routine():
    entries = json.loads(sample("routine.truth.json").read_text())
    assert isinstance(entries, list)
    assert [e["exercise"] for e in entries] == EXERCISES
    offset = 0
    for e in entries:
        assert e["offset_frame"] == offset
        assert e["offset_s"] == pytest.approx(offset / 30.0)
        own = _truth(e["exercise"])
        assert {k: v for k, v in e.items() if k in own} == own
        offset += e["frames"]
    cap = cv2.VideoCapture(str(sample("routine.mp4")))
    try:
        assert abs(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) - offset) <= 2
    finally:
        cap.release()


def test_solved_pose_cache_matches_the_code():
    """posecheck/synthetic/_solved.py must be regenerated (make_samples.py) whenever the poses' code changes.

    The poses are geometry solved by floating-point iteration, so they are
    compared within a tolerance: another NumPy release may differ in the last
    digits (seen: 49.6067435435155 vs 49.606743543515485 with NumPy 2.4.6).
    """
    import dataclasses

    from posecheck.synthetic.designs import _cached_poses, _solved_table

    assert _solved_table() is not None, "stale posecheck/synthetic/_solved.py: run python samples/make_samples.py"
    for exercise in ("bridge", "cobra"):
        solved, cached = DESIGNS[exercise].poses(), _cached_poses(exercise)
        assert solved.keys() == cached.keys()
        for name in solved:
            a, b = dataclasses.asdict(solved[name]), dataclasses.asdict(cached[name])
            assert a.keys() == b.keys()
            for key in a:
                assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-9), (exercise, name, key)
