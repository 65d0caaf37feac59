"""A small least-squares solver to put the actor's hands, feet and hips where a pose needs them."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from posecheck.synthetic.body import ActorPose, Skeleton, forward_kinematics


def solve(pose: ActorPose, free: Sequence[str], residual: Callable[[Skeleton], np.ndarray],
          iterations: int = 60, step: float = 0.05, damping: float = 1e-3,
          bounds: dict[str, tuple[float, float]] | None = None) -> ActorPose:
    """Adjust the ``free`` fields of ``pose`` to minimise ``|residual(fk(pose))|^2``.

    Levenberg-Marquardt with forward differences; deterministic. A free name
    ``"*knee"`` moves ``l_knee`` and ``r_knee`` together. Residuals are in metres
    (angle targets scaled by the caller, e.g. degrees / 100).
    """
    names = list(free)
    x = np.array([float(getattr(pose, n.replace("*", "l_", 1))) for n in names])
    lo = np.array([(bounds or {}).get(n, (-1e9, 1e9))[0] for n in names])
    hi = np.array([(bounds or {}).get(n, (-1e9, 1e9))[1] for n in names])

    def apply(v: np.ndarray) -> ActorPose:
        changes: dict[str, float] = {}
        for n, val in zip(names, v):
            if n.startswith("*"):  # tied left and right
                changes["l_" + n[1:]] = changes["r_" + n[1:]] = float(val)
            else:
                changes[n] = float(val)
        return pose.replace(**changes)

    def f(v: np.ndarray) -> np.ndarray:
        return np.atleast_1d(residual(forward_kinematics(apply(v)))).astype(float)

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
    return apply(x)
