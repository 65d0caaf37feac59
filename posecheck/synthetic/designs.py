"""The actor's poses for the 8 exercises, and the 2D measures that say which are correct.

Each exercise has a neutral pose, an approach pose (on the way into the
exercise, clearly not yet correct), the correct target pose and a typical fault,
all for the person's left side; the right side is the mirror image. Poses are
solved once (a few least-squares fits) and cached.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from posecheck.core.landmarks import PoseLandmark as L
from posecheck.synthetic.body import ActorPose, Skeleton, forward_kinematics, mirror
from posecheck.synthetic.camera import View
from posecheck.synthetic.ik import solve

EXERCISE_IDS = ("knee_to_chest", "cobra", "side_torso_stretch", "knee_to_chest_rotation",
                "cat_cow", "forward_bend", "lumbar_spine_stretch", "bridge")


# ------------------------------------------------------------------ measuring
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


# ------------------------------------------------------------------ designs
@dataclass
class Design:
    """How the actor does one exercise and how its form is judged from 2D truth."""

    id: str
    view: View  # direction only; clips fit target and scale
    view_kind: str  # "side" or "front", as the exercise's camera requirement
    sided: bool
    fault_label: str
    measure: Callable[[np.ndarray, Skeleton, str | None], dict[str, float]]
    judge: Callable[[dict[str, float], str | None], bool]
    poses: Callable[[], dict[str, ActorPose]]  # neutral, approach, correct, fault (left side)
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @functools.cached_property
    def left_poses(self) -> dict[str, ActorPose]:
        cached = _cached_poses(self.id)
        return cached if cached is not None else self.poses()

    def pose(self, name: str, side: str | None = None) -> ActorPose:
        p = self.left_poses[name]
        return mirror(p) if side == "right" else p

    def evaluate(self, pose: ActorPose, view: View, side: str | None) -> tuple[bool, dict[str, float]]:
        sk = forward_kinematics(pose)
        px, _ = view.project(sk.landmarks)
        m = self.measure(px, sk, side)
        return self.judge(m, side), m


DESIGNS: dict[str, Design] = {}

# Solving every exercise's poses takes a few seconds, so the results are kept in
# _solved.py (written by samples/make_samples.py) together with a hash of the
# code that produced them; when the code changes the poses are solved again.
_SOURCES = ("body.py", "ik.py", "designs.py")


def source_hash() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _SOURCES:
        h.update((here / name).read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _solved_table() -> dict | None:
    try:
        from posecheck.synthetic import _solved
    except ImportError:
        return None
    if getattr(_solved, "SOURCE_HASH", None) != source_hash():
        return None
    return _solved.POSES


def _cached_poses(exercise: str) -> dict[str, ActorPose] | None:
    table = _solved_table()
    if table is None or exercise not in table:
        return None
    return {name: ActorPose(**fields) for name, fields in table[exercise].items()}


def write_solved_cache() -> Path:
    """Solve every exercise's poses and store them in ``_solved.py`` beside this module."""
    import dataclasses

    table = {}
    for ex in EXERCISE_IDS:
        poses = DESIGNS[ex].poses()
        table[ex] = {name: {k: (v if isinstance(v, bool) else float(v)) for k, v in dataclasses.asdict(p).items()}
                     for name, p in poses.items()}
    path = Path(__file__).resolve().parent / "_solved.py"
    lines = ['"""Solved actor poses, generated by samples/make_samples.py from designs.py; do not edit."""',
             "", f"SOURCE_HASH = {source_hash()!r}", "", "POSES = {"]
    for ex, poses in table.items():
        lines.append(f"    {ex!r}: {{")
        for name, fields in poses.items():
            lines.append(f"        {name!r}: {fields!r},")
        lines.append("    },")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")
    _solved_table.cache_clear()
    return path


def _register(d: Design) -> Design:
    DESIGNS[d.id] = d
    return d


def _flat_feet(sk: Skeleton, sides=("l", "r")) -> list[float]:
    """Residuals that make the soles horizontal."""
    return [float(sk.frames[f"{s}_foot"][1, 2]) for s in sides]


def _px(sk: Skeleton, view: View) -> np.ndarray:
    return view.project(sk.landmarks)[0]


# ---- lying on the back, knees bent (shared by bridge, knee to chest, rotation)
SUPINE = ActorPose(
    pitch=-90.0,
    l_pronation=180.0, r_pronation=180.0, l_shoulder_abd=14.0, r_shoulder_abd=14.0,
    l_elbow=6.0, r_elbow=6.0, l_hip_flex=45.0, r_hip_flex=45.0, l_knee=95.0, r_knee=95.0,
    l_hip_abd=4.0, r_hip_abd=4.0,
)


def _supine_knees_bent(view: View, knee_target: float = 90.0) -> ActorPose:
    def res(sk: Skeleton) -> np.ndarray:
        q = _px(sk, view)
        return np.array([
            low(sk, "l_foot") - low(sk, "pelvis"), *_flat_feet(sk),
            (angle(q[L.LEFT_HIP], q[L.LEFT_KNEE], q[L.LEFT_ANKLE]) - knee_target) / 100.0,
            low(sk, "head") - low(sk, "chest"),
        ])
    return solve(SUPINE, ["*hip_flex", "*ankle", "*knee", "neck_flex"], res)


# ------------------------------------------------------------------ bridge
BRIDGE_VIEW = View.named("left", elevation=8.0)


def _bridge_poses() -> dict[str, ActorPose]:
    v = BRIDGE_VIEW
    neutral = _supine_knees_bent(v)

    def lifted(hip_angle: float) -> ActorPose:
        def res(sk: Skeleton) -> np.ndarray:
            q = _px(sk, v)
            return np.array([
                low(sk, "l_foot") - low(sk, "chest"), low(sk, "l_foot") - low(sk, "head"),
                *_flat_feet(sk),
                (angle(q[L.LEFT_HIP], q[L.LEFT_KNEE], q[L.LEFT_ANKLE]) - 90.0) / 100.0,
                (hip_extension(q, "left") - hip_angle) / 100.0,
                sk["l_wrist"][1] - 0.035, sk["r_wrist"][1] - 0.035,
            ])
        return solve(neutral, ["pitch", "*hip_flex", "*knee", "*ankle", "neck_flex", "*shoulder_flex"], res)

    return {"neutral": neutral, "approach": lifted(147.0), "correct": lifted(173.0),
            "fault": lifted(135.0)}


def _bridge_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    return {"hip_extension": hip_extension(px, "left"),
            "knee_angle": angle(px[L.LEFT_HIP], px[L.LEFT_KNEE], px[L.LEFT_ANKLE])}


_register(Design(
    id="bridge", view=BRIDGE_VIEW, view_kind="side", sided=False, fault_label="hips sagging",
    measure=_bridge_measure,
    judge=lambda m, s: 160.0 <= m["hip_extension"] <= 185.0 and 70.0 <= m["knee_angle"] <= 110.0,
    poses=_bridge_poses,
    notes="correct: shoulder-hip-knee 173 deg; fault: 135 deg; knees 90 deg",
))


# ------------------------------------------------------------------ knee to chest
K2C_VIEW = View.named("left", elevation=10.0)


def _knee_to_chest_poses() -> dict[str, ActorPose]:
    v = K2C_VIEW
    neutral = _supine_knees_bent(v)

    def hug(hip_angle: float, knee: float) -> ActorPose:
        p = neutral.replace(l_knee=knee, l_ankle=-20.0, r_pronation=100.0, l_pronation=100.0)

        def leg(sk: Skeleton) -> np.ndarray:
            q = _px(sk, v)
            return np.array([(angle(q[L.LEFT_SHOULDER], q[L.LEFT_HIP], q[L.LEFT_KNEE]) - hip_angle) / 100.0])
        p = solve(p, ["l_hip_flex"], leg)

        def arms(sk: Skeleton) -> np.ndarray:
            kn, an = sk["l_knee"], sk["l_ankle"]
            shin = (an - kn) / np.linalg.norm(an - kn)
            grip = kn + shin * 0.09
            side = sk.frames["pelvis"][:, 0]
            return np.concatenate([
                sk["l_wrist"] - (grip + side * 0.075), sk["r_wrist"] - (grip - side * 0.075),
                [low(sk, "head") - low(sk, "chest")],
            ])
        return solve(p, ["l_shoulder_flex", "l_shoulder_abd", "l_elbow", "r_shoulder_flex",
                         "r_shoulder_abd", "r_elbow", "neck_flex"], arms,
                     bounds={"l_elbow": (0, 150), "r_elbow": (0, 150)})

    return {"neutral": neutral, "approach": hug(95.0, 100.0), "correct": hug(45.0, 115.0),
            "fault": hug(112.0, 95.0)}


def _k2c_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    s = side or "left"
    return {"hip_angle": angle(px[lm(s, "SHOULDER")], px[lm(s, "HIP")], px[lm(s, "KNEE")]),
            "trunk_from_horizontal": from_horizontal(mid(px, L.LEFT_HIP, L.RIGHT_HIP),
                                                     mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))}


_register(Design(
    id="knee_to_chest", view=K2C_VIEW, view_kind="side", sided=True, fault_label="knee not pulled in",
    measure=_k2c_measure,
    judge=lambda m, s: m["hip_angle"] < 70.0,
    poses=_knee_to_chest_poses,
    notes="correct: working hip 45 deg (shoulder-hip-knee); fault: 112 deg",
))


# ------------------------------------------------------------------ cobra
COBRA_VIEW = View.named("left", elevation=8.0)
PRONE = ActorPose(
    pitch=90.0, l_pronation=175.0, r_pronation=175.0, l_wrist=-80.0, r_wrist=-80.0,
    l_ankle=-60.0, r_ankle=-60.0, l_hip_abd=4.0, r_hip_abd=4.0,
)


def _trunk_from_floor(px: np.ndarray) -> float:
    return from_horizontal(mid(px, L.LEFT_HIP, L.RIGHT_HIP), mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))


def _cobra_poses() -> dict[str, ActorPose]:
    v = COBRA_VIEW
    base = PRONE.replace(l_hip_flex=6.0, r_hip_flex=6.0)

    def hands(sk: Skeleton, forward: float | None) -> list[float]:
        out = [low(sk, "l_hand"), low(sk, "r_hand"), low(sk, "pelvis"), low(sk, "l_shin"), low(sk, "r_shin"),
               float(sk.frames["l_hand"][1, 1]) * 0.3, float(sk.frames["r_hand"][1, 1]) * 0.3]
        if forward is not None:  # wrist ahead of the shoulder (toward the head), metres
            out += [sk["l_wrist"][2] - sk["l_shoulder"][2] - forward,
                    sk["r_wrist"][2] - sk["r_shoulder"][2] - forward]
        return out

    def elbow(sk: Skeleton, target: float) -> list[float]:
        return [(angle(sk["l_shoulder"], sk["l_elbow"], sk["l_wrist"]) - target) / 100.0]

    def lying(trunk: float, forward: float) -> ActorPose:
        p = base.replace(spine_flex=-trunk * 1.5, l_shoulder_flex=-10.0, r_shoulder_flex=-10.0,
                         l_elbow=110.0, r_elbow=110.0)
        p = solve(p, ["spine_flex"], lambda sk: np.array([(_trunk_from_floor(_px(sk, v)) - trunk) / 100.0]))
        p = solve(p, ["*shoulder_flex", "*elbow", "*wrist", "*hip_flex"],
                  lambda sk: np.array(hands(sk, forward)),
                  bounds={"l_elbow": (0, 155), "r_elbow": (0, 155)})
        return p.replace(neck_flex=-trunk * 0.8 - 12.0)

    def cobra(trunk: float, elbow_angle: float) -> ActorPose:
        p = base.replace(spine_flex=-trunk * 1.5, l_shoulder_flex=40.0, r_shoulder_flex=40.0,
                         l_elbow=30.0, r_elbow=30.0)
        p = solve(p, ["spine_flex"], lambda sk: np.array([(_trunk_from_floor(_px(sk, v)) - trunk) / 100.0]))
        p = solve(p, ["*shoulder_flex", "*elbow", "*wrist", "*hip_flex"],
                  lambda sk: np.array(hands(sk, None) + elbow(sk, elbow_angle)),
                  bounds={"l_elbow": (0, 155), "r_elbow": (0, 155)})
        return p.replace(neck_flex=-trunk * 0.55)

    def updog(trunk: float, hip_height: float) -> ActorPose:
        p = cobra(trunk, 172.0).replace(pitch=75.0, l_ankle=-70.0, r_ankle=-70.0)

        def res(sk: Skeleton) -> np.ndarray:
            q = _px(sk, v)
            return np.array([
                (_trunk_from_floor(q) - trunk) / 100.0,
                (sk["l_hip"][1] + sk["r_hip"][1]) / 2.0 - hip_height,
                *hands(sk, None)[:2], *hands(sk, None)[5:], *elbow(sk, 172.0), low(sk, "l_foot"), low(sk, "r_foot"),
            ])
        return solve(p, ["pitch", "spine_flex", "*hip_flex", "*shoulder_flex", "*elbow", "*wrist"], res,
                     bounds={"l_elbow": (0, 175), "r_elbow": (0, 175)})

    return {"neutral": lying(4.0, -0.02), "approach": lying(11.0, 0.02), "correct": cobra(38.0, 150.0),
            "fault": updog(32.0, 0.38)}


def _cobra_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    return {"trunk_from_floor": _trunk_from_floor(px),
            "hip_height_m": float((sk["l_hip"][1] + sk["r_hip"][1]) / 2.0),
            "elbow_angle": angle(px[L.LEFT_SHOULDER], px[L.LEFT_ELBOW], px[L.LEFT_WRIST])}


_register(Design(
    id="cobra", view=COBRA_VIEW, view_kind="side", sided=False, fault_label="hips lifted off the floor",
    measure=_cobra_measure,
    judge=lambda m, s: 25.0 <= m["trunk_from_floor"] <= 50.0 and m["hip_height_m"] < 0.2,
    poses=_cobra_poses,
    notes="correct: trunk 38 deg above the floor, pelvis down; fault: hips lifted ~0.26 m (upward dog)",
))


# ------------------------------------------------------------------ side torso stretch
SIDE_STRETCH_VIEW = View.named("front", elevation=5.0)


def _side_stretch_poses() -> dict[str, ActorPose]:
    v = SIDE_STRETCH_VIEW
    neutral = ActorPose(l_hip_abd=6.0, r_hip_abd=6.0)

    def stretch(bend: float) -> ActorPose:
        # bending toward the person's left: the right arm reaches over the head
        p = neutral.replace(r_shoulder_abd=162.0 + 0.5 * bend, r_elbow=22.0, r_pronation=0.0,
                            l_shoulder_abd=12.0 + 0.3 * bend, l_elbow=12.0,
                            neck_lat=0.35 * bend, spine_lat=bend, roll=-0.12 * bend,
                            l_hip_abd=6.0 + 0.12 * bend, r_hip_abd=6.0 - 0.12 * bend)

        def res(sk: Skeleton) -> np.ndarray:
            q = _px(sk, v)
            # positive: mid-shoulder leans to the image right (the person's left seen from the front)
            lean = signed_from_vertical(mid(q, L.LEFT_HIP, L.RIGHT_HIP), mid(q, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
            return np.array([(lean - bend) / 100.0, low(sk, "l_foot") - low(sk, "r_foot")])
        return solve(p, ["spine_lat", "roll"], res)

    return {"neutral": neutral, "approach": stretch(4.0), "correct": stretch(26.0), "fault": stretch(0.0)}


def _side_stretch_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    lean = signed_from_vertical(mid(px, L.LEFT_HIP, L.RIGHT_HIP), mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    # front view: the person's left is on the image right, so a bend to the left leans right
    bend = lean if side != "right" else -lean
    reach = "right" if side != "right" else "left"
    return {"bend": bend, "wrist_above_nose_px": float(px[L.NOSE][1] - px[lm(reach, "WRIST")][1])}


_register(Design(
    id="side_torso_stretch", view=SIDE_STRETCH_VIEW, view_kind="front", sided=True,
    fault_label="standing straight, no side bend",
    measure=_side_stretch_measure,
    judge=lambda m, s: 15.0 <= m["bend"] <= 35.0 and m["wrist_above_nose_px"] > 0,
    poses=_side_stretch_poses,
    notes="correct: trunk bent 26 deg toward the working side, other arm overhead; fault: 0 deg",
))


# ------------------------------------------------------------------ knee to chest rotation
ROTATION_VIEW = View.named("front", elevation=50.0)  # at the feet, above, looking down the body


def _rotation_poses() -> dict[str, ActorPose]:
    v = ROTATION_VIEW
    arms = dict(l_shoulder_abd=75.0, r_shoulder_abd=75.0, l_elbow=10.0, r_elbow=10.0,
                l_pronation=180.0, r_pronation=180.0)
    neutral = _supine_knees_bent(View.named("left", elevation=8.0)).replace(**arms)
    up = neutral.replace(l_hip_flex=88.0, r_hip_flex=88.0, l_knee=100.0, r_knee=100.0,
                         l_ankle=-10.0, r_ankle=-10.0, l_hip_abd=0.0, r_hip_abd=0.0)

    def thigh(sk: Skeleton) -> float:
        q = _px(sk, v)
        # knees dropping to the person's left move to the image right (camera at the feet)
        return signed_from_vertical(mid(q, L.LEFT_HIP, L.RIGHT_HIP), mid(q, L.LEFT_KNEE, L.RIGHT_KNEE))

    def dropped(target: float) -> ActorPose:
        def res(sk: Skeleton) -> np.ndarray:
            return np.array([(thigh(sk) - target) / 100.0])
        p = solve(up.replace(twist=target, spine_rot=-0.8 * target), ["twist"], res)
        return p.replace(spine_rot=-0.8 * p.twist, neck_rot=-0.3 * p.twist)

    # "via": knees lifted straight up before they drop, so the thighs never sweep sideways
    return {"neutral": neutral, "via": up, "approach": dropped(20.0), "correct": dropped(60.0), "fault": up}


def _rotation_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    t = signed_from_vertical(mid(px, L.LEFT_HIP, L.RIGHT_HIP), mid(px, L.LEFT_KNEE, L.RIGHT_KNEE))
    return {"thigh_rotation": t if side != "right" else -t,
            "shoulder_tilt": from_horizontal(px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER])}


_register(Design(
    id="knee_to_chest_rotation", view=ROTATION_VIEW, view_kind="front", sided=True,
    fault_label="knees back up in the middle",
    measure=_rotation_measure,
    judge=lambda m, s: 40.0 <= m["thigh_rotation"] <= 80.0,
    poses=_rotation_poses,
    notes="camera at the feet, 50 deg above; correct: thighs 60 deg from vertical toward the side; fault: 0",
))


# ------------------------------------------------------------------ cat-cow
CAT_COW_VIEW = View.named("left", elevation=8.0)
QUADRUPED = ActorPose(
    pitch=90.0, l_hip_flex=90.0, r_hip_flex=90.0, l_knee=90.0, r_knee=90.0, l_ankle=-45.0, r_ankle=-45.0,
    l_shoulder_flex=90.0, r_shoulder_flex=90.0, l_shoulder_abd=4.0, r_shoulder_abd=4.0,
    l_elbow=3.0, r_elbow=3.0, l_pronation=175.0, r_pronation=175.0, l_wrist=-85.0, r_wrist=-85.0,
    l_hip_abd=3.0, r_hip_abd=3.0,
)


def _cat_cow_poses() -> dict[str, ActorPose]:
    def fours(spine: float, neck: float, hips_back: float = 0.0, anchor: Skeleton | None = None) -> ActorPose:
        p = QUADRUPED.replace(spine_flex=spine, neck_flex=neck)

        def res(sk: Skeleton) -> np.ndarray:
            out = [low(sk, "l_hand"), low(sk, "r_hand"), low(sk, "l_shin"), low(sk, "r_shin"),
                   low(sk, "l_foot") * 0.5,
                   float(sk.frames["l_hand"][1, 1]) * 0.3,
                   sk["l_knee"][2] - sk["l_hip"][2] - hips_back]
            if anchor is None:
                out += [sk["l_wrist"][2] - sk["l_shoulder"][2] - 0.02]
            else:
                out += [sk["l_wrist"][2] - anchor["l_wrist"][2], sk["l_knee"][2] - anchor["l_knee"][2]]
            return np.array(out)
        free = ["pitch", "*hip_flex", "*shoulder_flex", "*wrist", "*knee", "*ankle"]
        if anchor is not None:
            free.append("z")
        return solve(p, free, res, bounds={"l_knee": (60, 160), "r_knee": (60, 160)})

    flat = fours(0.0, -10.0)
    anchor = forward_kinematics(flat)
    cat = fours(42.0, 60.0)
    cow = fours(-34.0, -50.0)
    back = 0.3
    seated = ActorPose(l_hip_flex=95.0, r_hip_flex=95.0, l_knee=165.0, r_knee=165.0,
                       l_ankle=-50.0, r_ankle=-50.0, pitch=-2.0, spine_flex=6.0,
                       l_shoulder_flex=25.0, r_shoulder_flex=25.0, l_elbow=60.0, r_elbow=60.0,
                       l_pronation=160.0, r_pronation=160.0, l_wrist=-20.0, r_wrist=-20.0)

    def on_heels(sk: Skeleton) -> np.ndarray:
        out = [float(sk.frames["l_shin"][1, 1]), float(sk.frames["l_thigh"][1, 1]) * 0.5,
               low(sk, "l_shin") - low(sk, "l_foot"), float(sk.frames["l_foot"][1, 2]) * 0.2]
        for s in ("l", "r"):
            grip = sk[f"{s}_hip"] + 0.65 * (sk[f"{s}_knee"] - sk[f"{s}_hip"]) + np.array([0.0, 0.08, 0.0])
            out += list(sk[f"{s}_wrist"] - grip)
        return np.array(out)
    seated = solve(seated, ["*knee", "*hip_flex", "*ankle", "*shoulder_flex", "*elbow", "*shoulder_abd"], on_heels,
                   bounds={"l_knee": (100, 178), "r_knee": (100, 178), "l_elbow": (0, 140), "r_elbow": (0, 140)})
    return {
        "neutral": seated,
        "approach": fours(0.0, -10.0, back, anchor),
        "correct": flat,
        "fault": fours(0.0, -10.0, back, anchor),
        "cat": cat,
        "cow": cow,
        "fault_cat": fours(42.0, 60.0, back, anchor),
        "fault_cow": fours(-34.0, -50.0, back, anchor),
    }


def _cat_cow_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    torso = float(np.linalg.norm(mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(px, L.LEFT_HIP, L.RIGHT_HIP)))
    hip_knee = float(abs(px[L.LEFT_HIP][0] - px[L.LEFT_KNEE][0])) / max(torso, 1e-6)
    wrist_sh = float(abs(px[L.LEFT_WRIST][0] - px[L.LEFT_SHOULDER][0])) / max(torso, 1e-6)
    sh_y = (px[L.LEFT_SHOULDER][1] + px[L.RIGHT_SHOULDER][1]) / 2.0
    return {"hip_over_knee": hip_knee, "wrist_under_shoulder": wrist_sh,
            "head_above_shoulders": float(sh_y - px[L.NOSE][1]) / max(torso, 1e-6),
            "thigh_from_vertical": from_vertical(px[L.LEFT_KNEE], px[L.LEFT_HIP])}


_register(Design(
    id="cat_cow", view=CAT_COW_VIEW, view_kind="side", sided=False,
    fault_label="sitting back onto the heels (hips behind the knees)",
    measure=_cat_cow_measure,
    judge=lambda m, s: m["thigh_from_vertical"] < 20.0 and m["wrist_under_shoulder"] < 0.35,
    poses=_cat_cow_poses,
    notes="cat: back rounded 42 deg, head down; cow: back arched 34 deg, head up; fault: hips 0.26 m behind the knees",
))


# ------------------------------------------------------------------ forward bend
FORWARD_BEND_VIEW = View.named("left", elevation=5.0)


def _forward_bend_poses() -> dict[str, ActorPose]:
    v = FORWARD_BEND_VIEW
    neutral = ActorPose()

    def fold(trunk: float, knee_angle: float) -> ActorPose:
        p = neutral.replace(pitch=0.7 * trunk, spine_flex=0.3 * trunk, l_hip_flex=0.7 * trunk,
                            r_hip_flex=0.7 * trunk, l_knee=180 - knee_angle, r_knee=180 - knee_angle,
                            neck_flex=0.12 * trunk, l_elbow=8.0, r_elbow=8.0,
                            l_shoulder_flex=0.8 * trunk, r_shoulder_flex=0.8 * trunk)

        def res(sk: Skeleton) -> np.ndarray:
            q = _px(sk, v)
            tr = from_vertical(mid(q, L.LEFT_HIP, L.RIGHT_HIP), mid(q, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
            kn = angle(q[L.LEFT_HIP], q[L.LEFT_KNEE], q[L.LEFT_ANKLE])
            arm = sk["l_wrist"] - sk["l_shoulder"]
            return np.array([
                (tr - trunk) / 100.0, (kn - knee_angle) / 100.0, *_flat_feet(sk),
                (sk["l_hip"][2] - sk["l_ankle"][2]) + 0.06 * trunk / 90.0,  # hips back over the heels
                arm[2] / np.linalg.norm(arm) * 0.3, (sk["r_wrist"] - sk["r_shoulder"])[2] * 0.3,
            ])
        return solve(p, ["pitch", "*hip_flex", "*knee", "*ankle", "*shoulder_flex"], res)

    return {"neutral": neutral, "approach": fold(48.0, 163.0), "correct": fold(92.0, 162.0),
            "fault": fold(30.0, 165.0)}


def _forward_bend_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    return {"trunk_from_vertical": from_vertical(mid(px, L.LEFT_HIP, L.RIGHT_HIP),
                                                 mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)),
            "knee_angle": angle(px[L.LEFT_HIP], px[L.LEFT_KNEE], px[L.LEFT_ANKLE])}


_register(Design(
    id="forward_bend", view=FORWARD_BEND_VIEW, view_kind="side", sided=False,
    fault_label="shallow fold (hands at the thighs)",
    measure=_forward_bend_measure,
    judge=lambda m, s: 70.0 <= m["trunk_from_vertical"] <= 110.0 and 150.0 <= m["knee_angle"] <= 175.0,
    poses=_forward_bend_poses,
    notes="correct: trunk 92 deg from vertical, knees 162 deg; fault: trunk 30 deg",
))


# ------------------------------------------------------------------ lumbar spine stretch
LUMBAR_VIEW = View.named("front", elevation=22.0)


def shoulder_rotation(sk: Skeleton) -> float:
    """Angle (deg, signed: positive when the chest turns to the person's left) between the
    shoulder line and the hip line, both projected on the floor plane."""
    a = sk["l_shoulder"] - sk["r_shoulder"]
    b = sk["l_hip"] - sk["r_hip"]
    a2, b2 = np.array([a[0], a[2]]), np.array([b[0], b[2]])
    cross = b2[0] * a2[1] - b2[1] * a2[0]
    return float(np.degrees(np.arctan2(-cross, float(a2 @ b2))))


def _lumbar_poses() -> dict[str, ActorPose]:
    seated = ActorPose(pitch=-6.0, l_hip_flex=84.0, r_hip_flex=84.0, l_ankle=-15.0, r_ankle=-15.0,
                       l_shoulder_abd=18.0, r_shoulder_abd=18.0, l_elbow=4.0, r_elbow=4.0,
                       l_pronation=175.0, r_pronation=175.0, l_wrist=-70.0, r_wrist=-70.0,
                       l_hip_abd=5.0, r_hip_abd=5.0, spine_flex=4.0)
    seated = solve(seated, ["*shoulder_flex"], lambda sk: np.array([low(sk, "l_hand"), low(sk, "r_hand")]))

    # left leg bent, the sole against the inside of the straight right leg
    def bent_leg(sk: Skeleton) -> np.ndarray:
        target = sk["r_hip"] + 0.62 * (sk["r_knee"] - sk["r_hip"]) + np.array([0.10, 0.0, 0.0])
        foot = (sk["l_heel"] + sk["l_toe"]) / 2.0
        return np.array([foot[0] - target[0], foot[2] - target[2], low(sk, "l_foot") - low(sk, "pelvis"),
                         float(sk.frames["l_foot"][1, 2]) * 0.3, sk["l_knee"][1] - 0.36])
    bent = solve(seated.replace(l_hip_flex=120.0, l_knee=125.0, l_hip_abd=-5.0, l_ankle=0.0),
                 ["l_hip_flex", "l_knee", "l_hip_abd", "l_ankle", "l_hip_rot"], bent_leg,
                 bounds={"l_knee": (60, 150)})

    def twist(rotation: float, hug: bool) -> ActorPose:
        p = bent.replace(spine_rot=rotation, neck_rot=0.6 * rotation, r_pronation=90.0, r_wrist=10.0,
                         l_shoulder_abd=30.0, r_shoulder_flex=60.0, r_shoulder_abd=-10.0, r_elbow=60.0)
        p = solve(p, ["spine_rot"], lambda sk: np.array([(shoulder_rotation(sk) - rotation) / 100.0]))

        def arms(sk: Skeleton) -> np.ndarray:
            kn = sk["l_knee"]
            lat = sk.frames["pelvis"][:, 0]
            fwd = sk.frames["pelvis"][:, 2]
            grip = (kn + lat * 0.075 - np.array([0, 0.06, 0]) - fwd * 0.02 if hug
                    else kn + np.array([0, 0.065, 0]) - fwd * 0.02)
            back = sk["pelvis"] + lat * 0.16 - fwd * 0.22
            return np.concatenate([sk["r_wrist"] - grip,
                                   [sk["l_wrist"][0] - back[0], sk["l_wrist"][2] - back[2], low(sk, "l_hand")]])
        return solve(p, ["r_shoulder_flex", "r_shoulder_abd", "r_shoulder_rot", "r_elbow",
                         "l_shoulder_flex", "l_shoulder_abd", "l_elbow"], arms,
                     bounds={"r_elbow": (0, 150), "l_elbow": (0, 60), "r_shoulder_rot": (-60, 90)})

    return {"neutral": seated, "approach": twist(15.0, True), "correct": twist(45.0, True),
            "fault": twist(0.0, False)}


def _lumbar_measure(px: np.ndarray, sk: Skeleton, side: str | None) -> dict[str, float]:
    rot = shoulder_rotation(sk)
    sh = float(np.linalg.norm(px[L.LEFT_SHOULDER] - px[L.RIGHT_SHOULDER]))
    hp = float(np.linalg.norm(px[L.LEFT_HIP] - px[L.RIGHT_HIP]))
    return {"shoulder_rotation": rot if side != "right" else -rot,
            "shoulder_hip_width_ratio": sh / max(hp, 1e-6),
            "trunk_from_vertical": from_vertical(mid(px, L.LEFT_HIP, L.RIGHT_HIP),
                                                 mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))}


_register(Design(
    id="lumbar_spine_stretch", view=LUMBAR_VIEW, view_kind="front", sided=True,
    fault_label="shoulders square, no rotation",
    measure=_lumbar_measure,
    judge=lambda m, s: 30.0 <= m["shoulder_rotation"] <= 60.0,
    poses=_lumbar_poses,
    notes="correct: shoulder line turned 45 deg against the hip line toward the bent knee; fault: 0 deg",
))
