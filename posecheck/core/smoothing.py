"""Timestamp-driven landmark smoothing: the One Euro filter (Casiez et al., CHI 2012).

It smooths hard when a joint is still (killing jitter during a hold) and barely
when it moves fast (so range of motion is not blunted). Time comes from the
frame timestamps passed in, never from a clock.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core.types import Pose


def _alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """``f(t, x) -> x_smoothed`` for arrays of any fixed shape; NaNs pass through and reset."""

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.02, d_cutoff_hz: float = 1.0):
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self._t: float | None = None
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def reset(self) -> None:
        self._t = self._x = self._dx = None

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self._t is None or self._x is None or t <= self._t or self._x.shape != x.shape:
            self._t, self._x, self._dx = t, x.copy(), np.zeros_like(x)
            return x.copy()
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff_hz, dt)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff_hz + self.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        x_hat = a * x + (1 - a) * self._x
        # A joint that was missing (NaN) starts afresh instead of poisoning the state.
        fresh = ~np.isfinite(self._x) | ~np.isfinite(dx_hat)
        x_hat = np.where(fresh, x, x_hat)
        dx_hat = np.where(fresh, 0.0, dx_hat)
        self._t, self._x, self._dx = t, x_hat, dx_hat
        return x_hat.copy()


class PoseSmoother:
    """Smooths a Pose's pixel landmarks over time. Cut-offs are in pixels/second scale.

    Works in pixel space (not normalised) so that beta means the same thing for
    any image size. A gap longer than ``reset_after_s`` restarts the filter.
    """

    def __init__(self, min_cutoff_hz: float = 1.5, beta: float = 0.01, reset_after_s: float = 0.5):
        self._filter = OneEuroFilter(min_cutoff_hz=min_cutoff_hz, beta=beta)
        self._world = OneEuroFilter(min_cutoff_hz=min_cutoff_hz, beta=beta * 100)
        self.reset_after_s = reset_after_s
        self._last_t: float | None = None

    def reset(self) -> None:
        self._filter.reset()
        self._world.reset()
        self._last_t = None

    def __call__(self, pose: Pose | None) -> Pose | None:
        if pose is None:
            return None
        t = pose.timestamp_s
        if self._last_t is not None and t - self._last_t > self.reset_after_s:
            self.reset()
        self._last_t = t
        w, h = pose.image_wh
        scale = np.array([w, h, w], dtype=float)
        smoothed = self._filter(t, pose.xyz * scale) / scale
        world = self._world(t, pose.world)
        return pose.with_xyz(smoothed, world)
