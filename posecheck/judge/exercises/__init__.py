"""The exercises: importing this package registers every module in it.

``base.py`` says what an exercise is (rules as data, the judge, the registry);
``views.py`` holds the camera-view checks the exercises share; every other
module is one exercise. Order matters only for listings: it is the order of the
coach's routine.
"""

from __future__ import annotations

import importlib

from posecheck.judge.exercises.base import Exercise, Goal, Rule, get_exercise, judge, register, registry  # noqa: F401

ROUTINE_ORDER = (
    "knee_to_chest",
    "cobra",
    "side_torso_stretch",
    "knee_to_chest_rotation",
    "cat_cow",
    "forward_bend",
    "lumbar_spine_stretch",
    "bridge",
)

for _name in ROUTINE_ORDER:
    importlib.import_module(f"{__name__}.{_name}")
