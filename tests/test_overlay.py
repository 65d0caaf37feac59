"""The overlay draws where it should, legibly, fast, and mirrors landmarks but not text."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from conftest import make_pose, mirror_image
from posecheck.judge.exercises import Goal, get_exercise
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.draw.overlay import (
    GREEN, RED, WHITE, ascii_text, cue_box, draw_overlay, draw_skeleton, hold_progress, landmark_pixels, style_for,
    wrap_text)
from posecheck.core.types import Assessment, FrameResult, Pose, RuleResult, State

BRIDGE = get_exercise("bridge")

# A bridge seen from the left in a 1280x720 frame, in pixels: the far side's joints 12.8 px
# to the right of the near side's.
WH = (1280, 720)
POINTS = {
    "SHOULDER": (960.0, 561.6), "ELBOW": (870.4, 604.8), "WRIST": (768.0, 619.2),
    "HIP": (704.0, 460.8), "KNEE": (512.0, 374.4), "ANKLE": (460.8, 576.0), "NOSE": (1100.8, 532.8),
}


def bridge_pose(points=POINTS) -> Pose:
    return make_pose(points, image_wh=WH, far_offset=(12.8, 0.0), t=1.0)


def at(joint: str) -> np.ndarray:
    """Where the overlay draws the near side's ``joint``, in pixels."""
    return np.array(POINTS[joint])


def make_result(pose=None, state=State.INCORRECT, cue="Lift your hips higher", side=None,
                hold_s=3.0, side_hold_s=None, reps=None) -> FrameResult:
    results = (
        RuleResult("lying", True, 10.0, 0.0, 45.0),
        RuleResult("hip_lift", False, 140.0, 155.0, 200.0, cue="Lift your hips higher", joint=int(L.LEFT_HIP)),
        RuleResult("knee_bend", True, 85.0, 60.0, 120.0, joint=int(L.LEFT_KNEE)),
    )
    return FrameResult(index=0, timestamp_s=1.0, pose=pose if pose is not None else bridge_pose(), features={},
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
    hip = at("HIP")
    knee = at("KNEE")
    assert is_color(near(image, *hip), RED)
    assert is_color(near(image, *knee), GREEN)
    # A bone of the failing rule (hip -> shoulder) is red along its middle.
    mid = (hip + at("SHOULDER")) / 2
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
    hip = at("HIP")
    assert is_color(near(mirrored, w - hip[0], hip[1]), RED)
    assert not is_color(near(mirrored, hip[0], hip[1]), RED)
    # Same drawing as an unmirrored one of a flipped pose on a flipped picture:
    # texts (banner, cue, ring) read the same way, not mirror-written.
    flipped = make_pose(mirror_image(POINTS, w), image_wh=WH, far_offset=(-12.8, 0.0), t=1.0)
    expected = draw_overlay(base[:, ::-1].copy(), make_result(flipped), BRIDGE)
    assert np.abs(mirrored.astype(int) - expected.astype(int)).mean() < 0.5


def test_landmark_pixels_mirror():
    pose = bridge_pose()
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
    pose = bridge_pose()
    pose.visibility[:] = 0.1
    image = background()
    draw_skeleton(image, pose)
    assert np.all(image == 128)


def _ring(image) -> tuple[int, int, int, int]:
    """The progress ring's centre, radius and stroke (top right), as the overlay lays it out."""
    st = style_for(image)
    radius, stroke = st.px(62), st.px(12)
    return image.shape[1] - st.margin - radius - stroke, st.margin + radius + stroke, radius, stroke


def _arc_pixels(image, color) -> int:
    """How many pixels of the ring's stroke are ``color``: how far the arc is filled."""
    cx, cy, radius, stroke = _ring(image)
    ys, xs = np.mgrid[:image.shape[0], :image.shape[1]]
    on_stroke = np.abs(np.hypot(xs - cx, ys - cy) - radius) < stroke / 2 - 1
    return int((np.all(np.abs(image.astype(int) - color) < 40, axis=2) & on_stroke).sum())


def _has_color(region, color) -> bool:
    return bool(np.all(np.abs(region.astype(int) - color) < 40, axis=2).any())


def test_a_sided_exercise_counts_the_worked_side_and_lists_each_side_under_the_ring():
    sided = replace(BRIDGE, sides=("left", "right"))
    result = make_result(side="left", side_hold_s={"left": 12.0, "right": 25.0})
    assert hold_progress(result, sided) == (12.0, 20.0, "12", "/ 20 s")
    image = draw_overlay(background(), result, sided)
    plain = draw_overlay(background(), result, BRIDGE)
    cx, cy, radius, stroke = _ring(image)
    below = cy + radius + stroke + 2  # past the ring's shaded disc
    under = (slice(below, below + 120), slice(cx - radius - stroke, None))
    assert np.all(plain[under] == 128)  # one-sided: nothing under the ring
    assert _has_color(image[under], GREEN)  # the right side's 25 of 20 s is done: its line is green
    assert _arc_pixels(image, WHITE) > 0  # the left side's 12 of 20 s, paused (incorrect): a white arc


def test_a_reps_exercise_fills_the_ring_with_reps_and_says_good_form():
    reps = replace(BRIDGE, goal=Goal("reps", 10))
    result = make_result(state=State.CORRECT, cue="", reps=4)
    assert hold_progress(result, reps) == (4.0, 10.0, "4", "/ 10 reps")
    image = draw_overlay(background(), result, reps)
    hold = draw_overlay(background(), make_result(state=State.CORRECT, cue="", hold_s=3.0), BRIDGE)
    # 4 of 10 reps fill more of the ring than 3 of 20 s, green while correct.
    assert _arc_pixels(image, GREEN) > 2 * _arc_pixels(hold, GREEN) > 0
    st = style_for(image)
    banner = (slice(st.margin, st.margin + st.px(40)), slice(st.margin, st.margin + st.px(300)))
    assert not np.array_equal(image[banner], hold[banner])  # "GOOD FORM", not the hold's banner


def test_without_an_exercise_the_ring_shows_seconds_held_with_no_arc():
    result = make_result()
    assert hold_progress(result, None) == (3.0, None, "3", "s held")
    image = draw_overlay(background(), result, None)
    assert _arc_pixels(image, WHITE) == 0 and _arc_pixels(image, GREEN) == 0
    assert _arc_pixels(draw_overlay(background(), result, BRIDGE), WHITE) > 0
    assert is_color(near(image, *at("HIP")), RED)  # the judged joints are still coloured


def test_a_tiny_portrait_frame_gets_everything_inside_it():
    image = draw_overlay(background(202, 360), make_result(), BRIDGE)
    assert image.shape == (360, 202, 3) and not np.all(image == 128)
    x0, y0, x1, y1 = cue_box(image, "Lift your hips higher")
    assert 0 <= x0 < x1 <= 202 and 0 <= y0 < y1 <= 360
    cx, cy, radius, stroke = _ring(image)
    assert cx - radius - stroke >= 0 and cy + radius + stroke <= 360


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


def test_a_fault_reads_get_into_position_until_the_person_was_in_position_then_adjust_form():
    from posecheck.draw.overlay import ADJUST_FORM, banner_label

    assert banner_label(State.INCORRECT, in_position=False) == "GET INTO POSITION"
    assert banner_label(State.INCORRECT, in_position=True) == ADJUST_FORM == "ADJUST FORM"
    assert banner_label(State.CORRECT, in_position=True) == "HOLD"
