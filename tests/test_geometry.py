"""``posecheck/core/geometry.py``: angles and distances on landmark arrays, NaN-safe, scripted and
property-based."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize("direction", [(1.0, 0.0), (-1.0, 0.0), (0.6, 0.8), (-0.6, 0.8), (0.6, -0.8), (-0.6, -0.8)])
def test_normal_toward_image_top_is_perpendicular_of_the_same_length_and_points_up(direction):
    d = np.array(direction)
    n = g.normal_toward_image_top(d)
    assert float(n @ d) == pytest.approx(0.0)
    assert np.linalg.norm(n) == pytest.approx(np.linalg.norm(d))
    assert n[1] < 0  # image y grows downward
    np.testing.assert_allclose(g.normal_toward_image_top(-d), n)  # the line's direction does not matter


def test_normal_toward_image_top_of_a_vertical_direction():
    np.testing.assert_allclose(g.normal_toward_image_top(np.array([0.0, 1.0])), [1.0, 0.0])


# ---------------------------------------------------------------- properties
coord = st.floats(allow_nan=True, allow_infinity=True, width=64)
point = st.tuples(coord, coord)


@given(point, point, point)
def test_joint_angle_is_finite_in_range_or_nan(a, b, c):
    value = g.joint_angle(np.array(a), np.array(b), np.array(c))
    assert math.isnan(value) or 0.0 <= value <= 180.0


sane = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
sane_point = st.tuples(sane, sane)


@given(st.lists(st.tuples(sane_point, sane_point, sane_point), min_size=1, max_size=12))
def test_one_joint_angle_equals_the_same_angle_in_a_batch(triples):
    """Single points take a plain-float path, arrays a vectorised one: they must agree."""
    a, b, c = (np.array([t[k] for t in triples]) for k in range(3))
    batch = np.atleast_1d(g.joint_angle(a, b, c))
    for i, (p, q, r) in enumerate(triples):
        one = g.joint_angle(np.array(p), np.array(q), np.array(r))
        assert (math.isnan(one) and math.isnan(batch[i])) or math.isclose(one, batch[i], rel_tol=1e-9, abs_tol=1e-9)


@given(point, point)
def test_inclinations_are_finite_in_range_or_nan(p, q):
    for value, hi in ((g.inclination_from_horizontal(p, q), 90.0), (g.inclination_from_vertical(p, q), 180.0)):
        assert math.isnan(value) or 0.0 <= value <= hi
    lean = g.signed_lean_from_vertical(p, q)
    assert math.isnan(lean) or -180.0 <= lean <= 180.0


def test_height_above_line_3d_is_positive_above_in_world_coordinates():
    """World landmarks have y down, like the image: above is negative y, whatever the line's depth."""
    shoulder, ankle = np.array([-0.5, 0.0, 0.2]), np.array([0.6, 0.0, -0.1])
    assert g.height_above_line_3d(np.array([0.0, -0.3, 0.05]), shoulder, ankle) > 0.29
    assert g.height_above_line_3d(np.array([0.0, -0.3, 0.05]), ankle, shoulder) > 0.29
    assert g.height_above_line_3d(np.array([0.0, 0.2, 0.05]), shoulder, ankle) < -0.19
    assert math.isnan(g.height_above_line_3d(np.zeros(3), shoulder, shoulder))
