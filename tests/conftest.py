"""Shared test fixtures: paths to the repo, its samples, and ../shared/data when present; the one
builder of synthetic poses (joints placed at pixel positions) and the helpers that judge them."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import pytest

from posecheck.core.features import compute_features
from posecheck.core.landmarks import PoseLandmark as L
from posecheck.core.types import Assessment, Pose, RuleResult, State
from posecheck.judge.exercises import get_exercise, judge

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data() -> Path:
    """../shared/data beside the checkout, or skip the test with the reason."""
    if not (SHARED_DATA / "clips" / "labels.csv").is_file():
        pytest.skip(f"real evaluation data not present at {SHARED_DATA} (it lives beside the checkout)")
    return SHARED_DATA


@pytest.fixture
def shared() -> Path:
    return shared_data()


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.fail(f"missing shipped sample {path}; run python samples/make_samples.py")
    return path


@contextlib.contextmanager
def environment_variable(name: str, value: str):
    """``name`` set to ``value`` inside the block, as it was after (for fixtures wider than a test)."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@pytest.fixture(autouse=True, scope="session")
def _private_history(tmp_path_factory):
    """Keep the tests' sessions out of the user's own history database."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    with environment_variable("POSECHECK_HISTORY", str(path)):
        yield path


# ------------------------------------------------------------------ synthetic poses
def _follows(name: str) -> str | None:
    """Where an unplaced landmark goes: face points on the nose, hand points on the wrist, foot points
    on the ankle."""
    if name.startswith(("LEFT_EYE", "RIGHT_EYE", "MOUTH")) or name.endswith("_EAR"):
        return "NOSE"
    side, _, part = name.partition("_")
    if part in ("PINKY", "INDEX", "THUMB"):
        return f"{side}_WRIST"
    if part in ("HEEL", "FOOT_INDEX"):
        return f"{side}_ANKLE"
    return None


def make_pose(joints: dict[str, tuple[float, float]], visibility: dict[str, float] | None = None, *,
              image_wh: tuple[int, int] = (640, 480), far: str = "RIGHT",
              far_offset: tuple[float, float] = (0.0, 0.0),
              world: dict[str, tuple[float, float, float]] | None = None, t: float = 0.0) -> Pose:
    """A Pose from pixel positions, so that rules can be judged without a model.

    A key with a side ("LEFT_KNEE") places that landmark. A key without one
    ("KNEE") places both sides' joints: the near side's at the position, the
    ``far`` side's ``far_offset`` pixels away (a side view shows it so; (0, 0)
    puts both on the same spot). Unplaced landmarks follow a joint (see
    ``_follows``). ``visibility`` is 1.0 unless given by landmark name, or by
    "left" / "right" for a whole side. ``world``: metric 3D positions by
    landmark name (others 0).
    """
    near = "LEFT" if far == "RIGHT" else "RIGHT"
    placed: dict[str, tuple[float, float]] = {}
    for name, (x, y) in joints.items():
        if name in L.__members__:
            placed[name] = (x, y)
        else:
            placed.setdefault(f"{near}_{name}", (x, y))
            placed.setdefault(f"{far}_{name}", (x + far_offset[0], y + far_offset[1]))
    xyz = np.zeros((33, 3))
    for landmark in L:
        source = landmark.name if landmark.name in placed else _follows(landmark.name)
        if source not in placed:
            raise KeyError(f"no position for {landmark.name}")
        xyz[landmark, 0] = placed[source][0] / image_wh[0]
        xyz[landmark, 1] = placed[source][1] / image_wh[1]
    vis = np.ones(33)
    for key, value in (visibility or {}).items():
        if key in ("left", "right"):
            for landmark in L:
                if landmark.name.startswith(key.upper() + "_"):
                    vis[landmark] = value
        else:
            vis[L[key]] = value
    w = np.zeros((33, 3))
    for name, p in (world or {}).items():
        w[L[name]] = p
    return Pose(xyz=xyz, visibility=vis, presence=vis.copy(), world=w, timestamp_s=t, image_wh=image_wh)


def mirror_image(joints: dict, width: float) -> dict:
    """The same pose seen in a mirrored image ``width`` pixels wide (x flipped); the person's sides
    are unchanged."""
    return {name: (width - x, y) for name, (x, y) in joints.items()}


def swap_sides(joints: dict, width: float) -> dict:
    """The pose done on the other side: left and right joints trade places (then mirrored back)."""
    def other(name: str) -> str:
        if name.startswith("LEFT_"):
            return "RIGHT_" + name[5:]
        if name.startswith("RIGHT_"):
            return "LEFT_" + name[6:]
        return name
    return mirror_image({other(name): xy for name, xy in joints.items()}, width)


def moved(joints: dict, **changes) -> dict:
    """``joints`` with some of them placed elsewhere."""
    out = dict(joints)
    out.update(changes)
    return out


def assess(exercise_id: str, pose: Pose) -> Assessment:
    return judge(get_exercise(exercise_id), compute_features(pose))


def result(assessment: Assessment, rule: str) -> RuleResult:
    return next(r for r in assessment.results if r.name == rule)


def failing(assessment: Assessment) -> list[str]:
    return [r.name for r in assessment.results if r.ok is False]


def check_fails(exercise_id: str, pose: Pose, rule: str, cue: str) -> Assessment:
    """The pose is judged incorrect, ``rule`` among the failing rules, with ``cue``."""
    a = assess(exercise_id, pose)
    assert a.state is State.INCORRECT, (a.state, [(r.name, r.value, r.ok) for r in a.results])
    assert rule in failing(a), [(r.name, r.value, r.ok) for r in a.results]
    assert a.cue == cue
    return a


# ------------------------------------------------------------------ world landmarks for synthetic poses
METRES_PER_PIXEL = 1 / 400  # a 1000-pixel frame shows 2.5 m


def with_flat_world(pose: Pose, depth: dict[str, float] | None = None,
                    metres_per_px: float = METRES_PER_PIXEL) -> Pose:
    """The pose with world landmarks as an orthographic camera would see them: the pixels scaled to
    metres about mid-hip (y down), depth ``z`` from ``depth`` by landmark name or by "left" / "right"
    for a whole side (0 unless given; negative is nearer the camera)."""
    px = pose.pixels
    centre = (px[L.LEFT_HIP] + px[L.RIGHT_HIP]) / 2
    world = np.zeros((33, 3))
    world[:, :2] = (px - centre) * metres_per_px
    for key, z in (depth or {}).items():
        if key in ("left", "right"):
            for landmark in L:
                if landmark.name.startswith(key.upper() + "_"):
                    world[landmark, 2] = z
        else:
            world[L[key], 2] = z
    return Pose(xyz=pose.xyz, visibility=pose.visibility, presence=pose.presence, world=world,
                timestamp_s=pose.timestamp_s, image_wh=pose.image_wh)


def turn_camera(pose: Pose, azimuth_deg: float, metres_per_px: float = METRES_PER_PIXEL) -> Pose:
    """The same body seen by an orthographic camera moved ``azimuth_deg`` about the vertical (positive:
    toward the image left): the world landmarks are turned, and the pixels are their new projection
    (mid-hip stays where it was)."""
    a = np.radians(azimuth_deg)
    turn = np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])
    world = pose.world @ turn.T
    px = pose.pixels
    centre = (px[L.LEFT_HIP] + px[L.RIGHT_HIP]) / 2
    new_px = centre + world[:, :2] / metres_per_px
    xyz = pose.xyz.copy()
    xyz[:, 0] = new_px[:, 0] / pose.image_wh[0]
    xyz[:, 1] = new_px[:, 1] / pose.image_wh[1]
    return Pose(xyz=xyz, visibility=pose.visibility, presence=pose.presence, world=world,
                timestamp_s=pose.timestamp_s, image_wh=pose.image_wh)


@contextlib.contextmanager
def virtual_screen(tools: tuple[str, ...] = ("Xvfb", "xwd"), size: str = "1920x1080x24"):
    """A real X server (Xvfb) on a free display for a window test; yields its DISPLAY (":N").

    Skips the test with the apt-get line to run when a tool is missing."""
    import shutil
    import subprocess
    import time

    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (apt-get install xvfb x11-apps xdotool): "
                    "the real-window test needs a virtual X server")
    n = next((n for n in range(91, 160) if not Path(f"/tmp/.X11-unix/X{n}").exists()
              and not Path(f"/tmp/.X{n}-lock").exists()), None)
    if n is None:
        pytest.skip("no free X display number")
    # -noreset: by default the server resets whenever its last client disconnects (a screenshot or
    # a probe that ends before the window's program connects), and a window test needs one server
    # state from start to end.
    server = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", size, "-nolisten", "tcp", "-noreset"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{n}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"Xvfb :{n} did not start")
            time.sleep(0.05)
        yield f":{n}"
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
