"""Keyframe animation of ActorPoses with eased interpolation."""

from __future__ import annotations

from typing import Iterator, Sequence

from posecheck.synthetic.body import ActorPose, blend


def ease(u: float) -> float:
    """Smoothstep easing on [0, 1]: starts and ends at rest, ``ease(0.5) == 0.5``."""
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


def pose_at(keyframes: Sequence[tuple[float, ActorPose]], t: float) -> ActorPose:
    """The pose at time ``t``: each segment between two keyframes is eased on its own."""
    if not keyframes:
        raise ValueError("no keyframes")
    if t <= keyframes[0][0]:
        return keyframes[0][1]
    for (t0, a), (t1, b) in zip(keyframes, keyframes[1:]):
        if t < t1:
            if t1 <= t0:
                return b
            return blend(a, b, ease((t - t0) / (t1 - t0)))
    return keyframes[-1][1]


def frame_count(duration_s: float, fps: float) -> int:
    """Frames at t = i / fps covering [0, duration)."""
    return int(round(duration_s * fps))


def animate(keyframes: Sequence[tuple[float, ActorPose]], fps: float = 30.0) -> Iterator[tuple[float, ActorPose]]:
    """Yield ``(t, pose)`` for t = 0, 1/fps, ... up to (not including) the last keyframe's time."""
    keys = sorted(keyframes, key=lambda k: k[0])
    for i in range(frame_count(keys[-1][0], fps)):
        t = i / fps
        yield t, pose_at(keys, t)
