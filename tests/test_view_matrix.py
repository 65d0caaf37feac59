"""``posecheck/synthetic/view_matrix.py``: every exercise judged from every view it lists, on the
synthetic actor through the real pose model (correct frames accepted, faulty ones not).

The full matrix (every view of the ring, listed or not) is printed by
``python -m posecheck.synthetic.view_matrix``; the poses the model finds are
cached, so a rerun skips the model.
"""

from __future__ import annotations

import pytest

from posecheck.core.types import State
from posecheck.judge.exercises import registry
from posecheck.judge.exercises.views import CAMERA_VIEWS
from posecheck.synthetic.designs import DESIGNS
from posecheck.synthetic.view_matrix import (HEIGHTS, Cell, PoseSource, camera, format_matrix, measure,
                                             measure_cell)

MIN_ACCEPTED = 0.95
MIN_REJECTED = 0.95


@pytest.fixture(scope="module")
def matrix():
    source = PoseSource()
    try:
        yield measure(source, listed_only=True)
    finally:
        source.close()


def test_the_ring_names_side_obliques_and_front_from_either_side():
    assert camera("side", "low", "left").azimuth == 90.0 and camera("side", "low", "right").azimuth == -90.0
    assert camera("front", "low", "left").azimuth == 0.0 == camera("front", "low", "right").azimuth
    # turning toward the front (the feet) from either side brings the camera toward azimuth 0
    assert camera("side+30", "low", "left").azimuth == 60.0 and camera("side+30", "low", "right").azimuth == -60.0
    assert camera("side-60", "high", "left").azimuth == 150.0
    assert camera("side", "high", None).elevation > camera("side", "low", None).elevation
    assert set(CAMERA_VIEWS) >= {"side", "side+30", "side-30", "side+60", "side-60", "front"}


def test_a_cell_counts_a_missed_person_as_neither_accepted_nor_a_caught_fault_by_luck():
    cell = Cell(correct=[State.CORRECT, State.NO_PERSON], faulty=[State.UNCERTAIN, State.CORRECT])
    assert cell.acceptance == 0.5 and cell.rejection == 0.5 and cell.model_missed == 1


def test_the_bridge_lists_side_and_both_obliques():
    assert {"side", "side+30", "side-30"} <= set(registry()["bridge"].views)


def test_a_standing_person_is_seen_from_below_or_level_and_a_person_on_the_floor_from_above():
    from posecheck.synthetic.body import forward_kinematics
    from posecheck.synthetic.view_matrix import STANDING_HEIGHTS, elevation
    standing = forward_kinematics(DESIGNS["forward_bend"].pose("correct", None))
    lying = forward_kinematics(DESIGNS["bridge"].pose("correct", None))
    assert [elevation(h, standing) for h in HEIGHTS] == list(STANDING_HEIGHTS.values())
    assert all(elevation(h, standing) < 0 < elevation(h, lying) for h in HEIGHTS)


@pytest.mark.parametrize("ex_id", sorted(DESIGNS))
def test_every_listed_view_accepts_correct_and_rejects_faulty_frames(matrix, ex_id):
    cells = matrix[ex_id]
    assert set(cells) == {(v, h) for v in registry()[ex_id].views for h in HEIGHTS}
    failing = {key: (cell.acceptance, cell.rejection) for key, cell in cells.items()
               if cell.acceptance < MIN_ACCEPTED or cell.rejection < MIN_REJECTED}
    for cell in cells.values():
        assert cell.correct and cell.faulty
    assert not failing, format_matrix({ex_id: cells})


def test_the_frame_listing_gives_each_frame_its_pose_state_and_rule_values():
    from posecheck.synthetic.view_matrix import format_frames

    class NobodySeen:  # no model run: every frame finds nobody
        def pose(self, image):
            return None

    lines = format_frames(NobodySeen(), registry()["lumbar_spine_stretch"], ["front"], jitters=(0.0,)).splitlines()
    # two heights, both sides, one jitter, the correct pose and the fault
    assert len(lines) == len(HEIGHTS) * 2 * 2
    assert all(line.split()[:2] in (["front", h] for h in HEIGHTS) and "NO_PERSON" in line for line in lines)
