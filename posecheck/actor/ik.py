"""A small least-squares solver to put the actor's hands, feet and hips where a pose needs them."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .body import ActorPose, Skeleton, forward_kinematics


def solve(pose: ActorPose, free: Sequence[str], residual: Callable[[Skeleton], np.ndarray],
          iterations: int = 60, step: float = 0.05, damping: float = 1e-3,
          bounds: dict[str, tuple[float, float]] | None = None) -> ActorPose:
    """Adjust the ``free`` fields of ``pose`` to minimise ``|residual(fk(pose))|^2``.

    Levenberg-Marquardt with forward differences; deterministic. Residuals are in
    metres (or degrees/100 for angle targets, at the caller's choice).
    """
    names = list(free)
    x = pose.as_vector(names)
    lo = np.array([(bounds or {}).get(n, (-1e9, 1e9))[0] for n in names])
    hi = np.array([(bounds or {}).get(n, (-1e9, 1e9))[1] for n in names])

    def f(v: np.ndarray) -> np.ndarray:
        return np.atleast_1d(residual(forward_kinematics(pose.with_vector(names, v)))).astype(float)

    r = f(x)
    lam = damping
    for _ in range(iterations):
        J = np.empty((r.size, x.size))
        for j in range(x.size):
            d = np.zeros_like(x)
            d[j] = step
            J[:, j] = (f(x + d) - r) / step
        A = J.T @ J
        g = J.T @ r
        improved = False
        for _ in range(8):
            dx = -np.linalg.solve(A + lam * np.diag(np.diag(A) + 1e-9), g)
            xn = np.clip(x + dx, lo, hi)
            rn = f(xn)
            if rn @ rn < r @ r:
                x, r = xn, rn
                lam = max(lam / 3, 1e-7)
                improved = True
                break
            lam *= 4
        if not improved or r @ r < 1e-12:
            break
    return pose.with_vector(names, x)
