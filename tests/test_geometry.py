import math

import numpy as np
import pytest

from posecheck import geometry as g


def test_right_angle():
    assert g.joint_angle([1, 0], [0, 0], [0, 1]) == pytest.approx(90.0)


def test_straight_and_folded():
    assert g.joint_angle([-1, 0], [0, 0], [1, 0]) == pytest.approx(180.0)
    assert g.joint_angle([1, 0], [0, 0], [2, 0]) == pytest.approx(0.0)


def test_vectorised():
    a = np.array([[1, 0], [-1, 0]])
    b = np.zeros((2, 2))
    c = np.array([[0, 1], [1, 0]])
    np.testing.assert_allclose(g.joint_angle(a, b, c), [90.0, 180.0])


def test_nan_and_degenerate_give_nan_never_inf():
    assert math.isnan(g.joint_angle([np.nan, 0], [0, 0], [1, 1]))
    assert math.isnan(g.joint_angle([0, 0], [0, 0], [1, 1]))
    assert math.isnan(g.inclination_from_horizontal([0, 0], [0, 0]))
    assert math.isnan(g.safe_ratio(1.0, 0.0))


def test_inclinations_image_y_down():
    # q straight above p in an image (smaller y).
    assert g.inclination_from_vertical([0, 10], [0, 0]) == pytest.approx(0.0)
    assert g.inclination_from_vertical([0, 0], [10, 0]) == pytest.approx(90.0)
    assert g.inclination_from_vertical([0, 0], [0, 10]) == pytest.approx(180.0)
    assert g.inclination_from_horizontal([0, 0], [10, -10]) == pytest.approx(45.0)
    assert g.inclination_from_horizontal([0, 0], [-10, -10]) == pytest.approx(45.0)
    assert g.signed_lean_from_vertical([0, 0], [1, -1]) == pytest.approx(45.0)
    assert g.signed_lean_from_vertical([0, 0], [-1, -1]) == pytest.approx(-45.0)


def test_forward_fold_is_continuous_past_horizontal():
    # Trunk rotating from upright to head-down passes 90 without a jump.
    angles = [g.inclination_from_vertical([0, 0], [math.sin(math.radians(a)), -math.cos(math.radians(a))])
              for a in range(0, 171, 10)]
    assert np.all(np.diff(angles) > 9.9)
