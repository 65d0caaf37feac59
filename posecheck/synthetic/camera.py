"""A pinhole camera looking at the actor from a named direction."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Iterable

import numpy as np

# Camera positions around a figure that has yaw 0 (faces world +z, or, lying on
# its back, has its feet toward +z): azimuth 0 is in front of it (or at its
# feet), +90 on its left, -90 on its right.
VIEW_AZIMUTHS = {"front": 0.0, "left": 90.0, "right": -90.0, "oblique": 35.0,
                 "oblique_left": 35.0, "oblique_right": -35.0, "back": 180.0}


@functools.lru_cache(maxsize=64)
def _basis(azimuth: float, elevation: float, distance: float,
           target: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    az, el = np.radians(azimuth), np.radians(elevation)
    to_cam = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
    fwd = -to_cam
    right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    cam = np.asarray(target, float) + to_cam * distance
    for v in (cam, right, up, fwd):
        v.setflags(write=False)
    return cam, right, up, fwd


@dataclass(frozen=True)
class View:
    """Where the camera is and how it frames the scene.

    ``azimuth``: the camera's direction from the target around the vertical
    (degrees, see ``VIEW_AZIMUTHS``); ``elevation``: how far above the horizontal
    it looks down; ``distance``: metres from the camera to ``target`` (a world
    point that lands at the image centre); ``scale``: pixels per metre at the
    target's depth.
    """

    name: str = "left"
    azimuth: float = 90.0
    elevation: float = 8.0
    distance: float = 4.0
    scale: float = 260.0
    target: tuple[float, float, float] = (0.0, 0.8, 0.0)

    @classmethod
    def named(cls, name: str, **kw) -> "View":
        if name not in VIEW_AZIMUTHS:
            raise ValueError(f"unknown view {name!r}; valid: {', '.join(VIEW_AZIMUTHS)}")
        return cls(name=name, azimuth=VIEW_AZIMUTHS[name], **kw)

    def replace(self, **kw) -> "View":
        return dataclasses.replace(self, **kw)

    # camera basis ----------------------------------------------------------
    def basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(camera position, right, up, forward) unit vectors in world coordinates."""
        return _basis(self.azimuth, self.elevation, self.distance, tuple(self.target))

    def project(self, pts: np.ndarray, size: tuple[int, int] = (640, 480)) -> tuple[np.ndarray, np.ndarray]:
        """World points (N,3) -> (pixels (N,2), depth (N,)); depth grows away from the camera."""
        cam, right, up, fwd = self.basis()
        rel = np.asarray(pts, float).reshape(-1, 3) - cam
        depth = rel @ fwd
        f = self.scale * self.distance
        z = np.maximum(depth, 1e-3)
        w, h = size
        x = w / 2.0 + f * (rel @ right) / z
        y = h / 2.0 - f * (rel @ up) / z
        return np.stack([x, y], 1), depth


def fit_view(view: View, point_sets: Iterable[np.ndarray], size: tuple[int, int] = (640, 480),
             margin: float = 0.06, max_scale: float | None = None) -> View:
    """Choose ``target`` and ``scale`` so every point (of every set) is in the image.

    ``margin`` is the share of the image kept free on each side. The camera's
    direction and distance stay as in ``view``.
    """
    pts = np.concatenate([np.asarray(p, float).reshape(-1, 3) for p in point_sets], 0)
    w, h = size
    v = view.replace(target=tuple(float(c) for c in pts.mean(0)))
    for _ in range(4):
        px, _ = v.project(pts, size)
        lo, hi = px.min(0), px.max(0)
        span = np.maximum(hi - lo, 1.0)
        k = min((1 - 2 * margin) * w / span[0], (1 - 2 * margin) * h / span[1])
        scale = v.scale * k
        if max_scale is not None:
            scale = min(scale, max_scale)
        # move the target so the box centre lands at the image centre
        _, right, up, _ = v.basis()
        centre = (lo + hi) / 2.0
        dx = (centre[0] - w / 2.0) / v.scale
        dy = -(centre[1] - h / 2.0) / v.scale
        tgt = np.asarray(v.target) + right * dx + up * dy
        v = v.replace(target=tuple(float(c) for c in tgt), scale=float(scale))
    return v
