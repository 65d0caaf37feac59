"""Which way the camera sees the person, from the width of the shoulder line: shared by the exercises.

Seen from the side the two shoulders overlap in the image; seen from the front
(or from the feet, for someone lying) they spread apart. The measure is the
``shoulder_width_ratio`` feature: the shoulder width in torso lengths. It is
NaN when a shoulder or hip was not placed, and the two kinds of check treat
that differently, on purpose:

- an exercise's ``view_ok`` (``SideView``, ``FrontView``) lets an unmeasured
  view pass, so that the rules' own trust checks decide and the cue names what
  is not seen ("move back...") instead of asking to turn;
- a question a measure asks to choose its formula (``seen_from_side``,
  ``seen_from_front``) answers no when the view is unmeasured.

Each exercise keeps its own threshold: how wide "overlapping" shoulders look
depends on the posture (lying, on all fours, folded forward).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecheck.core.features import Body

SHOULDER_WIDTH = "shoulder_width_ratio"

# The camera positions a home user picks, by name: degrees turned from square on to the person's
# side toward their front (for someone lying on the back or seated: their feet; for someone prone
# or on all fours, whose front faces the floor, the synthetic actor's ``+`` turns toward the head).
# ``side-30`` turns the other way. An exercise lists the ones it judges in ``Exercise.views``.
CAMERA_VIEWS: dict[str, float] = {"side": 0.0, "side+30": 30.0, "side-30": -30.0, "side+60": 60.0,
                                  "side-60": -60.0, "front": 90.0}


def shoulder_width(body: Body) -> float:
    """The shoulder width in torso lengths (NaN when a shoulder or hip was not placed)."""
    return body.features[SHOULDER_WIDTH]


def view_measured(body: Body) -> bool:
    """The view can be told at all: the shoulders and hips were placed."""
    return not math.isnan(shoulder_width(body))


def seen_from_side(body: Body, max_shoulder_width: float) -> bool:
    """The shoulders overlap: narrower than ``max_shoulder_width`` torso lengths (no when unmeasured)."""
    return view_measured(body) and shoulder_width(body) < max_shoulder_width


def seen_from_front(body: Body, min_shoulder_width: float) -> bool:
    """The shoulder line shows: at least ``min_shoulder_width`` torso lengths wide (no when unmeasured)."""
    return view_measured(body) and shoulder_width(body) >= min_shoulder_width


@dataclass(frozen=True)
class SideView:
    """``view_ok`` of an exercise seen from the side: shoulders narrower than ``max_shoulder_width``,
    or the view unmeasured (the rules' trust checks then decide)."""

    max_shoulder_width: float

    def __call__(self, body: Body) -> bool:
        return not view_measured(body) or seen_from_side(body, self.max_shoulder_width)


@dataclass(frozen=True)
class FrontView:
    """``view_ok`` of an exercise seen from the front: shoulders at least ``min_shoulder_width`` wide,
    or the view unmeasured (the rules' trust checks then decide)."""

    min_shoulder_width: float

    def __call__(self, body: Body) -> bool:
        return not view_measured(body) or seen_from_front(body, self.min_shoulder_width)
