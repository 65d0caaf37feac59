"""NaN-safe 2D/3D geometry on landmark arrays. Pure NumPy.

Angles are in degrees. Any NaN input gives NaN, never inf; degenerate (zero
length) vectors give NaN too.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-9


def _norm(v: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.linalg.norm(v, axis=-1)


def _difference(p, q) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(q, float) - np.asarray(p, float)


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray | float:
    """The angle ABC at vertex b, in [0, 180]. Works on (..., 2) or (..., 3) arrays."""
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    with np.errstate(all="ignore"):  # inf or huge inputs end up as NaN below
        u = a - b
        v = c - b
        nu, nv = _norm(u), _norm(v)
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    bad = (nu < _EPS) | (nv < _EPS) | ~np.isfinite(nu) | ~np.isfinite(nv)
    cos = np.where(bad, np.nan, cos)
    out = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return float(out) if np.ndim(out) == 0 else out


def inclination_from_horizontal(p: np.ndarray, q: np.ndarray) -> float:
    """Angle of the line p->q above the horizontal, in [0, 90], image y pointing down.

    Direction-free: a line tilted up to the left or to the right gives the same value.
    """
    d = _difference(p, q)
    if not np.all(np.isfinite(d)) or _norm(d) < _EPS:
        return float("nan")
    return float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]))))


def inclination_from_vertical(p: np.ndarray, q: np.ndarray) -> float:
    """Angle of the line p->q away from the vertical, in [0, 180].

    0 means q is straight above p (image y down), 90 horizontal, 180 straight below.
    Continuous through the whole range, so a forward fold past horizontal stays smooth.
    """
    d = _difference(p, q)
    if not np.all(np.isfinite(d)) or _norm(d) < _EPS:
        return float("nan")
    return float(np.degrees(np.arctan2(abs(d[0]), -d[1])))


def signed_lean_from_vertical(p: np.ndarray, q: np.ndarray) -> float:
    """Signed angle of p->q from straight up, in (-180, 180]; positive leans to image right."""
    d = _difference(p, q)
    if not np.all(np.isfinite(d)) or _norm(d) < _EPS:
        return float("nan")
    return float(np.degrees(np.arctan2(d[0], -d[1])))


def distance(p: np.ndarray, q: np.ndarray) -> float:
    d = _difference(p, q)
    if not np.all(np.isfinite(d)):
        return float("nan")
    return float(_norm(d))


def midpoint(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return (np.asarray(p, float) + np.asarray(q, float)) / 2.0


def point_line_signed_distance(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Signed perpendicular distance of point from the line a->b (positive to the left of a->b
    in image coordinates, i.e. counter-clockwise when y points down is to the right...)."""
    a, b, point = (np.asarray(x, float) for x in (a, b, point))
    d = _difference(a, b)
    n = _norm(d)
    if not np.isfinite(n) or n < _EPS or not np.all(np.isfinite(point)):
        return float("nan")
    with np.errstate(all="ignore"):
        cross = d[0] * (point[1] - a[1]) - d[1] * (point[0] - a[0])
        out = float(cross / n)
    return out if np.isfinite(out) else float("nan")


def safe_ratio(num: float, den: float) -> float:
    if not (np.isfinite(num) and np.isfinite(den)) or abs(den) < _EPS:
        return float("nan")
    return float(num / den)
