"""``posecheck/judge/exercises/views.py``: the camera view from the width of the shoulder line, and
what an unmeasured view means to a ``view_ok`` check and to a measure choosing its formula."""

from __future__ import annotations

import math
import pickle

import pytest

from posecheck.core.features import FEATURE_NAMES
from posecheck.judge.exercises import registry
from posecheck.judge.exercises.views import (SHOULDER_WIDTH, FrontView, SideView, seen_from_front, seen_from_side,
                                             view_measured)


class _Body:
    """Only what the view checks read."""

    def __init__(self, shoulder_width: float):
        self.features = {SHOULDER_WIDTH: shoulder_width}


def test_the_view_is_read_from_a_feature_that_exists():
    assert SHOULDER_WIDTH in FEATURE_NAMES


@pytest.mark.parametrize("width,side,front", [(0.1, True, False), (0.59, True, False), (0.6, False, True),
                                              (1.2, False, True)])
def test_side_and_front_at_a_threshold(width, side, front):
    body = _Body(width)
    assert view_measured(body)
    assert seen_from_side(body, 0.6) is side and SideView(0.6)(body) is side
    assert seen_from_front(body, 0.6) is front and FrontView(0.6)(body) is front


def test_an_unmeasured_view_passes_view_ok_but_is_neither_side_nor_front_to_a_measure():
    body = _Body(math.nan)
    assert not view_measured(body)
    assert SideView(0.6)(body) and FrontView(0.4)(body)  # the rules' trust checks decide
    assert not seen_from_side(body, 0.6) and not seen_from_front(body, 0.4)


def test_an_exercise_pickles_with_its_view_check():
    """Exercises can go to worker processes: the view checks are module-level values, not closures."""
    for exercise in registry().values():
        copy = pickle.loads(pickle.dumps(exercise))
        assert copy.id == exercise.id and copy.view_ok == exercise.view_ok
