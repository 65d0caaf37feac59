"""The synthetic actor: deterministic drawing, truthful landmarks, animation, detection by the real model."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.synthetic import (ActorPose, View, fit_view, forward_kinematics, joint_positions, mirror, render,
                             render_room)
from posecheck.synthetic.animate import animate, ease, pose_at
from posecheck.synthetic.body import blend
from posecheck.synthetic.clips import build_clip, render_reference
from posecheck.synthetic.designs import EXERCISE_IDS
from posecheck.core.landmarks import PoseLandmark as L

MAIN = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
        L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]


def _framed(pose: ActorPose, name: str, **kw) -> View:
    sk = forward_kinematics(pose)
    pts = np.concatenate([p.points() for p in sk.parts] + [sk.landmarks])
    return fit_view(View.named(name, **kw), [pts])


def _figure_mask(pose: ActorPose, view: View) -> np.ndarray:
    """Pixels where the figure (not the room or its shadow) is drawn."""
    img = render(pose, view, shadow=False).astype(int)
    empty = render_room(view).astype(int)
    return np.abs(img - empty).max(axis=2) > 12


def test_render_is_deterministic_and_draws_a_figure():
    pose = ActorPose(l_shoulder_abd=40.0, r_elbow=60.0)
    view = _framed(pose, "front")
    a, b = render(pose, view), render(pose, view)
    assert a.shape == (480, 640, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    mask = _figure_mask(pose, view)
    assert 0.04 < mask.mean() < 0.6  # a figure, neither blank nor filling the frame


def test_render_size_is_honoured():
    pose = ActorPose()
    img = render(pose, _framed(pose, "left"), size=(320, 240))
    assert img.shape == (240, 320, 3)


@pytest.mark.parametrize("name, pose", [
    ("front", ActorPose(r_shoulder_abd=120.0, l_elbow=70.0)),
    ("left", ActorPose(pitch=-90.0, l_hip_flex=45.0, r_hip_flex=45.0, l_knee=95.0, r_knee=95.0)),
    ("oblique", ActorPose(spine_flex=40.0, l_shoulder_flex=60.0)),
])
def test_joint_positions_lie_on_the_drawn_figure(name, pose):
    view = _framed(pose, name, elevation=8.0)
    mask = _figure_mask(pose, view)
    px = joint_positions(pose, view)
    assert px.shape == (33, 2)
    h, w = mask.shape
    on = 0
    for x, y in px:
        xi, yi = int(round(x)), int(round(y))
        assert 0 <= xi < w and 0 <= yi < h
        on += bool(mask[max(yi - 2, 0):yi + 3, max(xi - 2, 0):xi + 3].any())
    assert on >= 31  # all of them, bar perhaps a hidden ear or eye corner


def test_left_and_right_landmarks_follow_the_body_sides():
    pose = ActorPose(l_shoulder_abd=90.0)  # left arm out sideways
    view = _framed(pose, "front")
    px = joint_positions(pose, view)
    # seen from the front the person's left is on the image right
    assert px[L.LEFT_SHOULDER][0] > px[L.RIGHT_SHOULDER][0]
    assert px[L.LEFT_WRIST][0] - px[L.LEFT_SHOULDER][0] > 100
    m = joint_positions(mirror(pose), view)
    assert px[L.RIGHT_WRIST][0] - px[L.RIGHT_SHOULDER][0] > -60  # right arm hangs
    assert m[L.RIGHT_SHOULDER][0] - m[L.RIGHT_WRIST][0] > 100  # mirrored: the right arm is out


def test_mirror_twice_is_identity():
    pose = ActorPose(spine_lat=12.0, spine_rot=-20.0, twist=5.0, l_knee=30.0, r_hip_abd=17.0)
    assert mirror(mirror(pose)) == pose


def test_ease_and_animation():
    assert ease(0.0) == 0.0 and ease(1.0) == 1.0 and ease(0.5) == 0.5
    assert ease(0.25) < 0.25 < 0.75 < ease(0.75)
    a, b = ActorPose(), ActorPose(l_knee=90.0, spine_flex=30.0)
    keys = [(0.0, a), (1.0, b), (2.0, b)]
    frames = list(animate(keys, fps=10))
    assert len(frames) == 20
    assert frames[0][1] == a and frames[10][1] == b
    knees = [p.l_knee for _, p in frames[:11]]
    assert all(x <= y for x, y in zip(knees, knees[1:]))
    assert pose_at(keys, 0.5) == blend(a, b, 0.5)


def test_reference_images():
    for ex in EXERCISE_IDS:
        img = render_reference(ex, (320, 240))
        assert img.shape == (240, 320, 3)
        assert img.std() > 20


@pytest.fixture(scope="module")
def estimator():
    from posecheck.io.estimator import PoseEstimator

    est = PoseEstimator(video=False)
    yield est
    est.close()


def test_model_finds_the_actor_in_a_bridge(estimator):
    from posecheck.core.types import Frame

    clip = build_clip("bridge")
    start, end, _ = clip.truth["correct_spans"][0]
    i = int(round((start + end) / 2 * clip.fps))  # the middle of the first correct hold
    pose = estimator.estimate(Frame(clip.render_frame(i), 0.0, 0))
    assert pose is not None
    err = np.linalg.norm(pose.pixels[MAIN] - clip.truth_landmarks(i)[MAIN], axis=1)
    assert err.mean() < 20.0, err.round(1)
    # the joints on the camera's side (the left) are the ones the rules use
    near = [L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]
    assert np.linalg.norm(pose.pixels[near] - clip.truth_landmarks(i)[near], axis=1).max() < 30.0
