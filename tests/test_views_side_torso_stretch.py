"""The standing side stretch from a ring of cameras: the synthetic actor rendered from the front and
30, 45 and 60 degrees to either side (a laptop at a slight height, 5 degrees above), through the real
model in image mode, judged by the real rules.

Real photos of this stretch are scarce (3 strict-labelled ones), so the actor carries the views: its
correct pose (a 26 degree bend, either side) must be accepted with the side found, and its fault
(standing straight with the arm up) never accepted. The bend is the 3D lateral flexion, so it does not
fade with the camera's azimuth the way the 2D lean of the trunk does.
"""

from __future__ import annotations

import pytest

from posecheck.core.features import compute_features
from posecheck.core.types import Frame, State
from posecheck.io.estimator import PoseEstimator
from posecheck.judge.exercises import get_exercise, judge
from posecheck.synthetic.body import forward_kinematics
from posecheck.synthetic.camera import fit_view
from posecheck.synthetic.designs import DESIGNS
from posecheck.synthetic.render import render

AZIMUTHS = (0.0, -30.0, 30.0, -45.0, 45.0, -60.0, 60.0)
ELEVATION = 5.0
SIZE = (640, 480)


@pytest.fixture(scope="module")
def estimator():
    with PoseEstimator(video=False) as est:
        yield est


def _assess(estimator, name: str, side: str, azimuth: float):
    design = DESIGNS["side_torso_stretch"]
    pose = design.pose(name, side)
    view = design.view.replace(azimuth=design.view.azimuth + azimuth, elevation=ELEVATION)
    view = fit_view(view, [forward_kinematics(pose).landmarks], SIZE)
    found = estimator.estimate(Frame(render(pose, view, SIZE), 0.0, 0))
    assert found is not None, (name, side, azimuth)
    return judge(get_exercise("side_torso_stretch"), compute_features(found))


@pytest.mark.parametrize("azimuth", AZIMUTHS)
def test_the_correct_stretch_is_accepted_from_every_view(estimator, azimuth):
    for side in ("left", "right"):
        a = _assess(estimator, "correct", side, azimuth)
        assert a.state is State.CORRECT, (side, a.cue, [(r.name, round(r.value, 1)) for r in a.results])
        assert a.side == side


@pytest.mark.parametrize("azimuth", AZIMUTHS)
def test_standing_straight_is_never_accepted(estimator, azimuth):
    a = _assess(estimator, "fault", "left", azimuth)
    assert a.state is not State.CORRECT, [(r.name, round(r.value, 1)) for r in a.results]
