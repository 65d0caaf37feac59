"""The synthetic actor's own measures of its poses: 2D angles of its projected landmarks, heights of its surfaces.

They are deliberately independent of ``posecheck.core.geometry`` and
``posecheck.core.features`` (a plain-NumPy formula of their own: the arccos of
the cosine where the core takes atan2 of the cross and dot products): the
actor's poses are solved with them and the clips' truth (which frames are
correct) is judged with them, so the truth is a check of the judge rather than a
copy of it. Do not replace them with the core's functions.
"""

from __future__ import annotations

import numpy as np

from posecheck.core.landmarks import PoseLandmark as L
from posecheck.synthetic.body import Skeleton


def low(sk: Skeleton, *names: str) -> float:
    """Lowest height (m) of the named parts' surfaces."""
    return float(min(p.lowest() for p in sk.parts if p.name in names))


def angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle abc in degrees (2D or 3D)."""
    u, v = np.asarray(a, float) - b, np.asarray(c, float) - b
    cosv = float(u @ v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-12)
    return float(np.degrees(np.arccos(np.clip(cosv, -1.0, 1.0))))


def from_vertical(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned angle (deg) of the image line a->b from the vertical, 0 when b is straight above a."""
    d = np.asarray(b, float) - a
    return float(np.degrees(np.arctan2(abs(d[0]), -d[1])))


def signed_from_vertical(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) of a->b from image-up; positive when b leans to the image right."""
    d = np.asarray(b, float) - a
    return float(np.degrees(np.arctan2(d[0], -d[1])))


def from_horizontal(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned elevation (deg) of the image line a-b above the horizontal, in [0, 90]."""
    d = np.asarray(b, float) - a
    return float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]))))


def mid(px: np.ndarray, a: int, b: int) -> np.ndarray:
    return (px[a] + px[b]) / 2.0


def hip_extension(px: np.ndarray, side: str) -> float:
    """Shoulder-hip-knee angle in the image, unfolded past 180 when the hip is above the line."""
    s, h, k = (px[getattr(L, f"{side.upper()}_{n}")] for n in ("SHOULDER", "HIP", "KNEE"))
    a = angle(s, h, k)
    chord = k - s
    t = float((h - s) @ chord) / max(float(chord @ chord), 1e-9)
    above = h[1] < s[1] + t * chord[1]
    return 360.0 - a if above else a


def lm(side: str, stem: str) -> int:
    return int(L[f"{side.upper()}_{stem}"])


def shoulder_rotation(sk: Skeleton) -> float:
    """Angle (deg, signed: positive when the chest turns to the person's left) between the
    shoulder line and the hip line, both projected on the floor plane."""
    a = sk["l_shoulder"] - sk["r_shoulder"]
    b = sk["l_hip"] - sk["r_hip"]
    a2, b2 = np.array([a[0], a[2]]), np.array([b[0], b[2]])
    cross = b2[0] * a2[1] - b2[1] * a2[0]
    return float(np.degrees(np.arctan2(-cross, float(a2 @ b2))))
