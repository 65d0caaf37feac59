"""A disk cache of estimated poses, so evaluation and rule tuning need not rerun the model.

Keyed by the input file's bytes, the model file and the running mode. One
``.npz`` per input holds, per frame: normalised landmarks (NaN where nobody was
found), visibility, presence, world landmarks and the timestamp.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from posecheck.core.types import Pose
from posecheck.io.outputs import output_path

CACHE_VERSION = 2


def default_cache_dir() -> Path:
    env = os.environ.get("POSECHECK_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "posecheck" / "poses"


def file_digest(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class PoseTrack:
    """Per-frame poses of one input, as arrays; ``pose(i)`` gives a Pose or None."""

    def __init__(self, xyz, visibility, presence, world, timestamps, image_wh, fps=0.0):
        self.xyz = np.asarray(xyz, float)
        self.visibility = np.asarray(visibility, float)
        self.presence = np.asarray(presence, float)
        self.world = np.asarray(world, float)
        self.timestamps = np.asarray(timestamps, float)
        self.image_wh = (int(image_wh[0]), int(image_wh[1]))
        self.fps = float(fps)

    def __len__(self) -> int:
        return len(self.timestamps)

    def pose(self, i: int) -> Pose | None:
        if not np.isfinite(self.xyz[i, 0, 0]):
            return None
        return Pose(xyz=self.xyz[i], visibility=self.visibility[i], presence=self.presence[i],
                    world=self.world[i], timestamp_s=float(self.timestamps[i]), image_wh=self.image_wh)

    @classmethod
    def from_poses(cls, poses: list[Pose | None], timestamps: list[float], image_wh, fps=0.0) -> "PoseTrack":
        n = len(poses)
        xyz = np.full((n, 33, 3), np.nan)
        vis = np.zeros((n, 33))
        pres = np.zeros((n, 33))
        world = np.full((n, 33, 3), np.nan)
        for i, p in enumerate(poses):
            if p is not None:
                xyz[i], vis[i], pres[i], world[i] = p.xyz, p.visibility, p.presence, p.world
        return cls(xyz, vis, pres, world, timestamps, image_wh, fps)

    def save(self, path: Path) -> None:
        with output_path(path, suffix=".npz") as tmp:
            np.savez_compressed(tmp, xyz=self.xyz, visibility=self.visibility, presence=self.presence,
                                world=self.world, timestamps=self.timestamps,
                                image_wh=np.array(self.image_wh), fps=np.array(self.fps))

    @classmethod
    def load(cls, path: Path) -> "PoseTrack":
        with np.load(path) as data:
            return cls(data["xyz"], data["visibility"], data["presence"], data["world"],
                       data["timestamps"], tuple(data["image_wh"]), float(data["fps"]))


def estimate_track(path: str, model: str | None = None) -> PoseTrack:
    """Run the model over a whole video (video mode) or one image (image mode)."""
    from posecheck.io.estimator import PoseEstimator
    from posecheck.io.sources import ImageSource, VideoSource, kind_of

    if kind_of(path) == "image":
        source = ImageSource([path])
        video = False
    else:
        source = VideoSource(path)
        video = True
    poses, stamps = [], []
    try:
        with PoseEstimator(model, video=video) as estimator:
            for frame in source:
                poses.append(estimator.estimate(frame))
                stamps.append(frame.timestamp_s)
    finally:
        source.close()
    info = source.info
    return PoseTrack.from_poses(poses, stamps, (info.width, info.height), getattr(source, "fps", 0.0))


def cached_track(path: str, model: str | None = None, cache_dir: Path | None = None) -> PoseTrack:
    from posecheck.io.model import resolve_model, sha256_of

    cache_dir = cache_dir or default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    model_path = resolve_model(model)
    from posecheck.io.estimator import MAX_PEOPLE_IMAGE, MAX_PEOPLE_VIDEO

    settings = f"{MAX_PEOPLE_IMAGE}:{MAX_PEOPLE_VIDEO}"
    key = hashlib.sha256(
        f"{CACHE_VERSION}:{file_digest(path)}:{sha256_of(model_path)}:{settings}".encode()).hexdigest()[:32]
    entry = cache_dir / f"{key}.npz"
    if entry.exists():
        try:
            return PoseTrack.load(entry)
        except Exception:  # a damaged cache entry is recomputed
            pass
    track = estimate_track(path, model)
    track.save(entry)
    return track


def _track_job(args: tuple[str, str | None, str]) -> str:
    path, model, cache_dir = args
    cached_track(path, model, Path(cache_dir))
    return path


def prefetch_tracks(paths: list[str], model: str | None = None, cache_dir: Path | None = None,
                    workers: int | None = None, progress=None) -> None:
    """Fill the cache for many files, one process per core (the longest files first)."""
    from concurrent.futures import ProcessPoolExecutor

    cache_dir = cache_dir or default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    jobs = sorted(paths, key=lambda p: -os.path.getsize(p))
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) <= 1:
        for path in jobs:
            cached_track(path, model, cache_dir)
            if progress:
                progress.update()
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(_track_job, [(p, model, str(cache_dir)) for p in jobs]):
            if progress:
                progress.update()
