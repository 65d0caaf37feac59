import math

import numpy as np
import pytest

from posecheck.core import geometry as g


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


def test_rise_from_horizontal_is_signed_and_direction_free():
    assert g.rise_from_horizontal([0, 0], [10, -10]) == pytest.approx(45.0)  # q higher in the image
    assert g.rise_from_horizontal([0, 0], [-10, -10]) == pytest.approx(45.0)
    assert g.rise_from_horizontal([0, 0], [10, 10]) == pytest.approx(-45.0)
    assert g.rise_from_horizontal([0, 0], [0, -5]) == pytest.approx(90.0)
    assert math.isnan(g.rise_from_horizontal([0, 0], [0, 0]))
    assert math.isnan(g.rise_from_horizontal([np.nan, 0], [1, 1]))


def test_height_above_line_is_positive_above_and_ignores_the_line_direction():
    floor = ([0, 100], [200, 100])
    assert g.height_above_line([50, 70], *floor) == pytest.approx(30.0)
    assert g.height_above_line([50, 70], *reversed(floor)) == pytest.approx(30.0)
    assert g.height_above_line([50, 120], *floor) == pytest.approx(-20.0)
    # A tilted line: the perpendicular distance, not the vertical one.
    assert g.height_above_line([0, -10], [-10, 10], [10, -10]) == pytest.approx(math.sqrt(50.0))
    assert g.height_above_line([0, 10], [0, 0], [10, -10]) == pytest.approx(-math.sqrt(50.0))
    assert math.isnan(g.height_above_line([1, 1], [0, 0], [0, 0]))
    assert math.isnan(g.height_above_line([np.inf, 1], [0, 0], [1, 0]))
