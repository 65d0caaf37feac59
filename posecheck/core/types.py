"""Plain data types that cross module boundaries.

Nothing here imports cv2 or mediapipe, so every stage after the estimator can be
tested on synthetic arrays.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np


class State(str, enum.Enum):
    """What a frame was judged to be. The string values appear in CSV/JSON output."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    UNCERTAIN = "uncertain"
    NO_PERSON = "no_person"

    def __str__(self) -> str:  # so f-strings and csv writers print the value
        return self.value


@dataclass(frozen=True)
class Frame:
    """One decoded image (BGR, uint8, HxWx3) with its presentation time in seconds."""

    image: np.ndarray
    timestamp_s: float
    index: int


@dataclass(frozen=True)
class Pose:
    """One person's 33 BlazePose landmarks.

    ``xyz`` holds MediaPipe's normalised image coordinates (x, y in [0, 1] of the
    image width/height, z a relative depth); ``visibility`` and ``presence`` are
    the model's per-landmark confidences; ``world`` is metric 3D with the origin
    at the hips. ``image_wh`` is the (width, height) of the frame the pose was
    estimated on, so that ``pixels`` gives aspect-correct 2D coordinates.
    """

    xyz: np.ndarray  # (33, 3)
    visibility: np.ndarray  # (33,)
    presence: np.ndarray  # (33,)
    world: np.ndarray  # (33, 3)
    timestamp_s: float
    image_wh: tuple[int, int]

    @property
    def pixels(self) -> np.ndarray:
        """(33, 2) landmark positions in pixels (y grows downward)."""
        w, h = self.image_wh
        return self.xyz[:, :2] * np.array([w, h], dtype=float)

    def with_xyz(self, xyz: np.ndarray, world: np.ndarray | None = None) -> "Pose":
        return Pose(
            xyz=xyz,
            visibility=self.visibility,
            presence=self.presence,
            world=self.world if world is None else world,
            timestamp_s=self.timestamp_s,
            image_wh=self.image_wh,
        )


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one exercise rule on one frame.

    ``ok`` is None when the rule could not be judged (its joints are not
    trustworthy); ``cue`` is the plain-words correction when ``ok`` is False.
    ``gate`` is carried from the rule (a starting-position rule of this
    exercise), so that readers never look it up by the rule's name: one name
    can be a gate in one exercise and not in another.
    """

    name: str
    ok: bool | None
    value: float
    low: float
    high: float
    cue: str = ""
    joint: int | None = None  # landmark index where the rule is drawn, if any
    gate: bool = False

    @property
    def margin(self) -> float:
        """How far inside [low, high] the value sits, as a share of the range.

        Positive inside, 0 on an edge, negative outside; -1 when the value was
        not measured.
        """
        if not math.isfinite(self.value):
            return -1.0
        span = max(self.high - self.low, 1e-6)
        return min(self.value - self.low, self.high - self.value) / span


@dataclass(frozen=True)
class Assessment:
    """An exercise's judgement of one frame, before any dwell or grace."""

    state: State
    results: tuple[RuleResult, ...] = ()
    cue: str = ""
    side: str | None = None  # "left"/"right" for exercises with sides


@dataclass(frozen=True)
class FrameResult:
    """Everything known about one frame after the whole pipeline."""

    index: int
    timestamp_s: float
    pose: Pose | None
    features: dict[str, float]
    assessment: Assessment
    state: State  # after dwell/grace: what the hold clock obeys
    cue: str  # the cue to show now (rate-limited)
    side: str | None
    hold_s: float  # total correct time so far (all sides)
    side_hold_s: dict[str, float] = field(default_factory=dict)
    reps: int | None = None
    exercise: str | None = None
    # The person has been in position on this exercise and side (``judge.series.LeadIn`` is over):
    # a shown fault now is form to adjust, no longer getting into the pose.
    in_position: bool = False
