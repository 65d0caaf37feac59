"""NaN-safe 2D/3D geometry on landmark arrays. Pure NumPy.

Angles are in degrees. Any NaN input gives NaN, never inf; degenerate (zero
length) vectors give NaN too.
"""

from __future__ import annotations

import math

import numpy as np

_EPS = 1e-9

# A frame's features are a few dozen angles and distances between single
# points. NumPy costs microseconds of call overhead per operation on such tiny
# arrays (the judge took 1-1.7 ms a frame that way), so single points take a
# plain-float path through ``math``; arrays of many points stay vectorised.


def _floats(p) -> list[float]:
    return p.tolist() if isinstance(p, np.ndarray) else [float(v) for v in p]


def _difference(p, q) -> list[float] | None:
    """q - p as floats, or None when a coordinate is not finite (NaN, inf, overflow)."""
    d = [b - a for a, b in zip(_floats(p), _floats(q))]
    return d if all(math.isfinite(v) for v in d) else None


def _norm(v: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.linalg.norm(v, axis=-1)


def _single_angle(a, b, c) -> float:
    u, v = _difference(b, a), _difference(b, c)
    if u is None or v is None:
        return math.nan
    nu, nv = math.hypot(*u), math.hypot(*v)
    if not (_EPS <= nu < math.inf and _EPS <= nv < math.inf):
        return math.nan
    dot = sum(x * y for x, y in zip(u, v))
    if len(u) == 2:
        cross = abs(u[0] * v[1] - u[1] * v[0])
    else:
        cross = math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    if not (math.isfinite(dot) and math.isfinite(cross)):
        return math.nan
    return math.degrees(math.atan2(cross, dot))


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray | float:
    """The angle ABC at vertex b, in [0, 180]. Works on (..., 2) or (..., 3) arrays.

    Computed as atan2(|u x v|, u . v), which stays accurate near 0 and 180
    degrees where arccos of a cosine loses half its digits.
    """
    if np.ndim(a) == 1 and np.ndim(b) == 1 and np.ndim(c) == 1:
        return _single_angle(a, b, c)
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    with np.errstate(all="ignore"):  # inf or huge inputs end up as NaN below
        u = a - b
        v = c - b
        nu, nv = _norm(u), _norm(v)
        dot = np.sum(u * v, axis=-1)
        if u.shape[-1] == 2:
            cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
        else:
            cross = _norm(np.cross(u, v))
        out = np.degrees(np.arctan2(cross, dot))
    bad = ((nu < _EPS) | (nv < _EPS) | ~np.isfinite(nu) | ~np.isfinite(nv)
           | ~np.isfinite(dot) | ~np.isfinite(cross))
    out = np.where(bad, np.nan, out)
    return float(out) if np.ndim(out) == 0 else out


def _direction(p, q) -> list[float] | None:
    d = _difference(p, q)
    if d is None or not math.hypot(*d) >= _EPS:
        return None
    return d


def inclination_from_horizontal(p: np.ndarray, q: np.ndarray) -> float:
    """Angle of the line p->q above the horizontal, in [0, 90], image y pointing down.

    Direction-free: a line tilted up to the left or to the right gives the same value.
    """
    d = _direction(p, q)
    return math.nan if d is None else math.degrees(math.atan2(abs(d[1]), abs(d[0])))


def inclination_from_vertical(p: np.ndarray, q: np.ndarray) -> float:
    """Angle of the line p->q away from the vertical, in [0, 180].

    0 means q is straight above p (image y down), 90 horizontal, 180 straight below.
    Continuous through the whole range, so a forward fold past horizontal stays smooth.
    """
    d = _direction(p, q)
    return math.nan if d is None else math.degrees(math.atan2(abs(d[0]), -d[1]))


def rise_from_horizontal(p: np.ndarray, q: np.ndarray) -> float:
    """Signed angle of the line p->q above the horizontal, in [-90, 90] (negative: q lower than p).

    Image y points down; whether q lies left or right of p does not matter.
    """
    d = _direction(p, q)
    return math.nan if d is None else math.degrees(math.atan2(-d[1], abs(d[0])))


def height_above_line(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Perpendicular distance of ``point`` from the line through a and b, positive above it.

    "Above" is up in the image (y points down); the order of a and b does not matter.
    """
    chord = _direction(a, b)
    offset = _difference(a, point)
    if chord is None or offset is None:
        return math.nan
    t = (offset[0] * chord[0] + offset[1] * chord[1]) / (chord[0] ** 2 + chord[1] ** 2)
    off_x, off_y = offset[0] - t * chord[0], offset[1] - t * chord[1]
    height = math.hypot(off_x, off_y)
    return height if off_y < 0 else -height


def height_above_line_3d(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Perpendicular distance of 3D ``point`` from the line through a and b, positive when it lies
    above the line (y points down, as in MediaPipe's world landmarks); NaN when degenerate."""
    p, a, b = (np.asarray(v, float) for v in (point, a, b))
    chord = b - a
    n = float(chord @ chord)
    if not (np.all(np.isfinite(p)) and np.isfinite(n)) or n < 1e-12:
        return math.nan
    off = (p - a) - float((p - a) @ chord) / n * chord
    height = float(np.linalg.norm(off))
    return height if off[1] < 0 else -height


def signed_lean_from_vertical(p: np.ndarray, q: np.ndarray) -> float:
    """Signed angle of p->q from straight up, in (-180, 180]; positive leans to image right."""
    d = _direction(p, q)
    return math.nan if d is None else math.degrees(math.atan2(d[0], -d[1]))


def distance(p: np.ndarray, q: np.ndarray) -> float:
    d = _difference(p, q)
    return math.nan if d is None else math.hypot(*d)


def midpoint(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return (np.asarray(p, float) + np.asarray(q, float)) / 2.0


def safe_ratio(num: float, den: float) -> float:
    num, den = float(num), float(den)
    if not (math.isfinite(num) and math.isfinite(den)) or abs(den) < _EPS:
        return math.nan
    return num / den


def normal_toward_image_top(direction: np.ndarray) -> np.ndarray:
    """The normal of a 2D ``direction`` (as long as it) that points up in the image (image y grows down).

    For a direction exactly vertical in the image neither normal is higher: it is ``(dy, -dx)``.
    """
    normal = np.array([direction[1], -direction[0]])
    return -normal if normal[1] > 0 else normal
