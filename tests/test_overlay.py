"""The overlay draws where it should, legibly, fast, and mirrors landmarks but not text."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from posecheck.judge.exercises import Goal, get_exercise
from posecheck.core.landmarks import NUM_LANDMARKS, PoseLandmark as L
from posecheck.draw.overlay import (
    GREEN, RED, ascii_text, cue_box, draw_overlay, draw_skeleton, landmark_pixels, style_for, wrap_text)
from posecheck.core.types import Assessment, FrameResult, Pose, RuleResult, State

BRIDGE = get_exercise("bridge")

# A bridge seen from the left, in normalised image coordinates.
POINTS = {
    L.LEFT_SHOULDER: (0.75, 0.78), L.RIGHT_SHOULDER: (0.76, 0.78),
    L.LEFT_ELBOW: (0.68, 0.84), L.RIGHT_ELBOW: (0.69, 0.84),
    L.LEFT_WRIST: (0.60, 0.86), L.RIGHT_WRIST: (0.61, 0.86),
    L.LEFT_HIP: (0.55, 0.64), L.RIGHT_HIP: (0.56, 0.64),
    L.LEFT_KNEE: (0.40, 0.52), L.RIGHT_KNEE: (0.41, 0.52),
    L.LEFT_ANKLE: (0.36, 0.80), L.RIGHT_ANKLE: (0.37, 0.80),
    L.NOSE: (0.86, 0.74),
}


def make_pose(points=POINTS, wh=(1280, 720)) -> Pose:
    xyz = np.full((NUM_LANDMARKS, 3), np.nan)
    vis = np.zeros(NUM_LANDMARKS)
    for i, (x, y) in points.items():
        xyz[int(i)] = (x, y, 0.0)
        vis[int(i)] = 0.95
    return Pose(xyz=xyz, visibility=vis, presence=vis.copy(), world=np.zeros((NUM_LANDMARKS, 3)),
                timestamp_s=1.0, image_wh=wh)


def make_result(pose=None, state=State.INCORRECT, cue="Lift your hips higher", side=None,
                hold_s=3.0, side_hold_s=None, reps=None) -> FrameResult:
    results = (
        RuleResult("lying", True, 10.0, 0.0, 45.0),
        RuleResult("hip_lift", False, 140.0, 155.0, 200.0, cue="Lift your hips higher", joint=int(L.LEFT_HIP)),
        RuleResult("knee_bend", True, 85.0, 60.0, 120.0, joint=int(L.LEFT_KNEE)),
    )
    return FrameResult(index=0, timestamp_s=1.0, pose=pose if pose is not None else make_pose(), features={},
                       assessment=Assessment(state, results, cue, side), state=state, cue=cue, side=side,
                       hold_s=hold_s, side_hold_s=side_hold_s or {}, reps=reps, exercise="bridge")


def background(w=1280, h=720, value=128) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


def near(image, x, y, r=4) -> np.ndarray:
    return image[int(y) - r:int(y) + r + 1, int(x) - r:int(x) + r + 1].reshape(-1, 3).mean(axis=0)


def is_color(pixel, color, tol=40) -> bool:
    return bool(np.all(np.abs(np.asarray(pixel, float) - np.asarray(color, float)) < tol))


def test_draws_in_place_and_returns_the_image():
    image = background()
    out = draw_overlay(image, make_result(), BRIDGE)
    assert out is image
    assert not np.all(image == 128)


def test_judged_joints_take_their_rule_colour():
    image = draw_overlay(background(), make_result(), BRIDGE)
    hip = np.array(POINTS[L.LEFT_HIP]) * (1280, 720)
    knee = np.array(POINTS[L.LEFT_KNEE]) * (1280, 720)
    assert is_color(near(image, *hip), RED)
    assert is_color(near(image, *knee), GREEN)
    # A bone of the failing rule (hip -> shoulder) is red along its middle.
    mid = (hip + np.array(POINTS[L.LEFT_SHOULDER]) * (1280, 720)) / 2
    assert is_color(near(image, *mid, r=1), RED)


def test_panels_land_in_their_regions():
    image = draw_overlay(background(), make_result(), BRIDGE)
    st = style_for(image)
    # Banner top left: filled with the failing state's red.
    assert is_color(near(image, st.margin + 4, st.margin + 4, r=2), RED)
    # Hold ring top right: darkened disc with a light ring/text.
    ring = image[: 200, 1280 - 200:]
    assert ring.min() < 80 and ring.max() > 200
    # Bottom corners untouched by anything.
    assert np.all(image[-5:, :5] == 128)


def test_cue_is_large_on_a_dark_box():
    for w, h in ((1280, 720), (640, 480)):
        image = draw_overlay(background(w, h, 200), make_result(), BRIDGE)
        x0, y0, x1, y1 = cue_box(image, "Lift your hips higher")
        box = image[y0:y1, x0:x1]
        dark = (box.max(axis=2) < 100).mean()
        assert dark > 0.5, "backing box must be dark"
        white_rows = np.flatnonzero((box.min(axis=2) > 230).any(axis=1))
        text_height = white_rows.max() - white_rows.min()
        # Cue capitals at least ~4.5% of the image height (about 33 px at 720p: legible from 3 m).
        assert text_height >= 0.045 * h, (w, h, text_height)
        assert (x0 + x1) // 2 == pytest.approx(w // 2, abs=2)


def test_long_cues_wrap_inside_the_image():
    cue = "Bring your feet closer to your hips and keep your shoulders on the floor please"
    image = background(640, 480)
    lines = wrap_text(cue, 600, style_for(image).cue_scale, style_for(image).cue_thickness)
    assert len(lines) >= 2
    x0, y0, x1, y1 = cue_box(image, cue)
    assert x0 >= 0 and x1 <= 640 and y0 >= 0 and y1 <= 480


def test_mirror_flips_picture_and_landmarks_but_not_text():
    w, h = 1280, 720
    base = background(w, h)
    base[300:340, 20:60] = (255, 0, 0)  # a blue patch on the left of the camera picture
    mirrored = draw_overlay(base.copy(), make_result(), BRIDGE, mirror=True)
    # The picture is flipped: the patch is now on the right.
    assert is_color(near(mirrored, w - 40, 320), (255, 0, 0))
    # The landmarks are flipped with it: the red hip sits at w - x.
    hip = np.array(POINTS[L.LEFT_HIP]) * (w, h)
    assert is_color(near(mirrored, w - hip[0], hip[1]), RED)
    assert not is_color(near(mirrored, hip[0], hip[1]), RED)
    # Same drawing as an unmirrored one of a flipped pose on a flipped picture:
    # texts (banner, cue, ring) read the same way, not mirror-written.
    flipped_points = {i: (1.0 - x, y) for i, (x, y) in POINTS.items()}
    expected = draw_overlay(base[:, ::-1].copy(), make_result(make_pose(flipped_points)), BRIDGE)
    assert np.abs(mirrored.astype(int) - expected.astype(int)).mean() < 0.5


def test_landmark_pixels_mirror():
    pose = make_pose()
    plain = landmark_pixels(pose, 640, 480)
    mirrored = landmark_pixels(pose, 640, 480, mirror=True)
    i = int(L.LEFT_KNEE)
    assert mirrored[i, 0] == pytest.approx(640 - plain[i, 0])
    assert mirrored[i, 1] == pytest.approx(plain[i, 1])


def test_no_person_and_hidden_landmarks_draw_without_error():
    image = background()
    result = FrameResult(index=0, timestamp_s=0.0, pose=None, features={},
                         assessment=Assessment(State.NO_PERSON, cue="Step into the camera's view"),
                         state=State.NO_PERSON, cue="Step into the camera's view", side=None, hold_s=0.0)
    draw_overlay(image, result, BRIDGE, fps=12.5)
    assert not np.all(image == 128)
    # Landmarks with low visibility are not drawn unless judged.
    pose = make_pose()
    pose.visibility[:] = 0.1
    image = background()
    draw_skeleton(image, pose)
    assert np.all(image == 128)


def test_sides_reps_and_unknown_exercise():
    sided = replace(BRIDGE, sides=("left", "right"))
    draw_overlay(background(), make_result(side="left", side_hold_s={"left": 12.0, "right": 25.0}), sided)
    reps = replace(BRIDGE, goal=Goal("reps", 10))
    draw_overlay(background(), make_result(state=State.CORRECT, cue="", reps=4), reps)
    draw_overlay(background(), make_result(), None)
    draw_overlay(background(202, 360), make_result(), BRIDGE)  # a tiny portrait clip


def test_ascii_text_for_hershey_fonts():
    assert ascii_text("Don\u2019t arch \u2013 90\u00b0, caf\u00e9") == "Don't arch - 90 deg, cafe"


def test_fast_enough():
    for w, h, limit_ms in ((640, 480, 15.0), (1280, 720, 30.0)):
        base = background(w, h)
        work = base.copy()
        result = make_result()
        draw_overlay(work, result, BRIDGE)
        n = 30
        start = time.perf_counter()
        for _ in range(n):
            work[:] = base
            draw_overlay(work, result, BRIDGE, fps=30.0)
        ms = (time.perf_counter() - start) / n * 1000
        assert ms < limit_ms, f"{w}x{h}: {ms:.1f} ms per frame"
