"""The synthetic actor's body: joint angles, forward kinematics, surfaces, landmarks.

Everything is in metres and degrees. The world has ``y`` up and the floor at
``y = 0``. The body's own frame (at the pelvis) has ``x`` toward the person's
left, ``y`` toward the head and ``z`` forward (the way the chest faces), so a
figure with ``yaw = pitch = roll = 0`` stands facing world ``+z``.

Angle conventions (all in degrees, 0 = anatomical standing position):

* root ``yaw`` turns the whole body about the world vertical (positive turns the
  face from ``+z`` toward ``+x``); ``pitch`` tips it forward about its left-right
  axis (``-90`` lies on the back with the head toward ``-z``, ``+90`` lies prone
  with the head toward ``+z``); ``roll`` tips it about its forward axis (positive
  tips the head toward the person's right); ``twist`` turns the pelvis about the
  body's own long axis (positive: the front turns toward the person's left).
* ``spine_flex`` bends the trunk forward (negative arches it back), split evenly
  over a lower and an upper spine segment; ``spine_lat`` bends it toward the
  person's left; ``spine_rot`` turns the chest toward the person's left.
* ``neck_flex`` nods the head forward, ``neck_lat`` tilts it left, ``neck_rot``
  turns the face left.
* ``*_shoulder_flex`` raises the arm forward (90 = horizontal forward, 180 =
  overhead); ``*_shoulder_abd`` raises it out to the side (90 = horizontal
  sideways); ``*_shoulder_rot`` is internal rotation of the upper arm; ``*_elbow``
  and ``*_knee`` are flexion (0 = straight); ``*_pronation`` turns the palm from
  facing forward (0, anatomical) to facing the body (90, relaxed) or backward
  (180); ``*_wrist`` bends the hand toward the palm (negative: extension, as for
  a palm flat on the floor); ``*_hip_flex`` raises the thigh forward,
  ``*_hip_abd`` out to the side, ``*_hip_rot`` is external rotation of the thigh;
  ``*_ankle`` is dorsiflexion (toes up).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

# ---------------------------------------------------------------- proportions (m)
PELVIS_TO_WAIST = 0.24
WAIST_TO_NECK = 0.26
SHOULDER_HALF = 0.175
SHOULDER_DROP = 0.035
NECK_LEN = 0.09
HEAD_RADII = (0.078, 0.112, 0.098)  # left-right, up-down, front-back half axes
HEAD_CENTRE = (0.0, 0.085, 0.012)  # from the top of the neck, in the head frame
UPPER_ARM = 0.29
FOREARM = 0.255
HIP_HALF = 0.09
HIP_DROP = 0.06
THIGH = 0.43
SHIN = 0.42
ANKLE_HEIGHT = 0.075

SIDES = ("l", "r")


def _rx(a: float) -> np.ndarray:
    c, s = np.cos(np.radians(a)), np.sin(np.radians(a))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _ry(a: float) -> np.ndarray:
    c, s = np.cos(np.radians(a)), np.sin(np.radians(a))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rz(a: float) -> np.ndarray:
    c, s = np.cos(np.radians(a)), np.sin(np.radians(a))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class ActorPose:
    """Joint angles (degrees) and the root placement (metres) of the actor.

    ``x``/``z`` place the pelvis on the floor plane; when ``ground`` is true the
    height ``y`` is chosen so that the lowest point of the body touches the floor
    (``y`` is then an extra lift, normally 0), otherwise ``y`` is the pelvis
    height.
    """

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    twist: float = 0.0
    spine_flex: float = 0.0
    spine_lat: float = 0.0
    spine_rot: float = 0.0
    neck_flex: float = 0.0
    neck_lat: float = 0.0
    neck_rot: float = 0.0
    l_shoulder_flex: float = 0.0
    l_shoulder_abd: float = 8.0
    l_shoulder_rot: float = 0.0
    l_elbow: float = 10.0
    l_wrist: float = 0.0
    l_pronation: float = 90.0
    r_shoulder_flex: float = 0.0
    r_shoulder_abd: float = 8.0
    r_shoulder_rot: float = 0.0
    r_elbow: float = 10.0
    r_wrist: float = 0.0
    r_pronation: float = 90.0
    l_hip_flex: float = 0.0
    l_hip_abd: float = 3.0
    l_hip_rot: float = 0.0
    l_knee: float = 0.0
    l_ankle: float = 0.0
    r_hip_flex: float = 0.0
    r_hip_abd: float = 3.0
    r_hip_rot: float = 0.0
    r_knee: float = 0.0
    r_ankle: float = 0.0
    ground: bool = True

    def replace(self, **changes: float) -> "ActorPose":
        """A copy with some fields changed; ``side_`` prefixed names are not expanded."""
        return dataclasses.replace(self, **changes)

    def limb(self, side: str, **changes: float) -> "ActorPose":
        """``pose.limb("left", knee=90)`` sets ``l_knee``; side is "left"/"right"/"l"/"r"."""
        p = side[0].lower()
        if p not in SIDES:
            raise ValueError(f"side must be left or right, not {side!r}")
        return dataclasses.replace(self, **{f"{p}_{k}": v for k, v in changes.items()})

    def get(self, side: str, name: str) -> float:
        return float(getattr(self, f"{side[0].lower()}_{name}"))

    def as_vector(self, names: Iterable[str]) -> np.ndarray:
        return np.array([float(getattr(self, n)) for n in names])

    def with_vector(self, names: Iterable[str], values: np.ndarray) -> "ActorPose":
        return dataclasses.replace(self, **{n: float(v) for n, v in zip(names, values)})


NUMERIC_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(ActorPose) if f.type in ("float", float)
)


def mirror(pose: ActorPose) -> ActorPose:
    """The same pose done on the other side of the body (left and right swapped).

    The body is reflected about its own mid-plane: left and right limb angles
    swap, lateral bends, axial rotations, roll and twist change sign; the root position,
    yaw and pitch stay, so the figure keeps its place and facing in the scene.
    """
    changes: dict[str, float] = {}
    for f in NUMERIC_FIELDS:
        if f.startswith("l_"):
            changes["r_" + f[2:]] = getattr(pose, f)
        elif f.startswith("r_"):
            changes["l_" + f[2:]] = getattr(pose, f)
    for f in ("spine_lat", "spine_rot", "neck_lat", "neck_rot", "roll", "twist"):
        changes[f] = -getattr(pose, f)
    return dataclasses.replace(pose, **changes)


def blend(a: ActorPose, b: ActorPose, u: float) -> ActorPose:
    """Linear blend of every numeric field (``u = 0`` gives ``a``); ``ground`` from ``a``."""
    return dataclasses.replace(
        a, **{f: (1.0 - u) * getattr(a, f) + u * getattr(b, f) for f in NUMERIC_FIELDS}
    )


# ---------------------------------------------------------------- surfaces
def _fibonacci_sphere(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    phi = np.arccos(1.0 - 2.0 * i / n)
    theta = np.pi * (1.0 + 5.0**0.5) * i
    return np.stack([np.cos(theta) * np.sin(phi), np.cos(phi), np.sin(theta) * np.sin(phi)], 1)


UNIT_SPHERE = _fibonacci_sphere(42)


@dataclass
class Part:
    """One drawable body part: the convex hull of a few ellipsoids.

    ``blobs`` is a list of (centre (3,), axes (3,3) whose columns are the
    ellipsoid's half axes in world coordinates). ``kind`` names the colour slot.
    """

    name: str
    kind: str
    blobs: list[tuple[np.ndarray, np.ndarray]]
    order: float = 0.0  # tie-break for equal depths (larger draws later)

    def points(self, scale: float = 1.0, offset: np.ndarray | None = None) -> np.ndarray:
        pts = [c + (UNIT_SPHERE * scale) @ ax.T for c, ax in self.blobs]
        out = np.concatenate(pts, 0)
        return out if offset is None else out + offset

    def lowest(self) -> float:
        """Height of the part's lowest surface point (exact for the ellipsoids' hull)."""
        return float(min(c[1] - np.sqrt(ax[1] @ ax[1]) for c, ax in self.blobs))

    def centre(self) -> np.ndarray:
        return np.mean([c for c, _ in self.blobs], axis=0)

    def axis(self) -> np.ndarray:
        if len(self.blobs) < 2:
            return np.zeros(3)
        d = self.blobs[-1][0] - self.blobs[0][0]
        n = np.linalg.norm(d)
        return d / n if n > 1e-9 else np.zeros(3)

    def radius(self) -> float:
        return float(np.mean([np.linalg.norm(ax, axis=0).min() for _, ax in self.blobs]))


_EYE = np.eye(3)


def _ball(c: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    return c, _EYE * r


def _ell(c: np.ndarray, R: np.ndarray, radii: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    return c, R * np.asarray(radii)[None, :]


@dataclass
class Skeleton:
    """Forward kinematics of one ActorPose: 3D joints, frames, parts and landmarks."""

    joints: dict[str, np.ndarray]
    frames: dict[str, np.ndarray]
    parts: list[Part]
    landmarks: np.ndarray  # (33, 3) world positions in BlazePose order
    face: dict[str, np.ndarray] = field(default_factory=dict)  # head-frame data for drawing

    def __getitem__(self, name: str) -> np.ndarray:
        return self.joints[name]


def _head_surface(x: float, y: float, out: float = 0.0) -> np.ndarray:
    """A point on the front of the head ellipsoid at head-frame (x, y), pushed out by ``out``."""
    a, b, c = HEAD_RADII
    z = c * np.sqrt(max(1.0 - (x / a) ** 2 - (y / b) ** 2, 0.0))
    p = np.array([x, y, z])
    n = np.array([x / a**2, y / b**2, z / c**2])
    n /= np.linalg.norm(n)
    return p + n * out


# Face features in the head frame (relative to the head centre).
FACE_POINTS: dict[str, np.ndarray] = {
    "nose": _head_surface(0.0, -0.018, 0.022),
    "nose_base": _head_surface(0.0, -0.03, 0.0),
    "nose_bridge": _head_surface(0.0, 0.012, 0.0),
    "l_eye": _head_surface(0.03, 0.012, 0.0),
    "r_eye": _head_surface(-0.03, 0.012, 0.0),
    "l_eye_inner": _head_surface(0.017, 0.012, 0.0),
    "r_eye_inner": _head_surface(-0.017, 0.012, 0.0),
    "l_eye_outer": _head_surface(0.044, 0.012, 0.0),
    "r_eye_outer": _head_surface(-0.044, 0.012, 0.0),
    "l_brow": _head_surface(0.031, 0.032, 0.002),
    "r_brow": _head_surface(-0.031, 0.032, 0.002),
    "l_mouth": _head_surface(0.024, -0.058, 0.0),
    "r_mouth": _head_surface(-0.024, -0.058, 0.0),
    "mouth_mid": _head_surface(0.0, -0.061, 0.002),
    "l_ear": np.array([HEAD_RADII[0] + 0.004, 0.0, -0.01]),
    "r_ear": np.array([-HEAD_RADII[0] - 0.004, 0.0, -0.01]),
}


def forward_kinematics(pose: ActorPose) -> Skeleton:
    """3D joints, drawable parts and the 33 landmarks of ``pose`` in world coordinates."""
    P = pose
    J: dict[str, np.ndarray] = {}
    F: dict[str, np.ndarray] = {}
    R0 = _ry(P.yaw) @ _rx(P.pitch) @ _rz(P.roll) @ _ry(P.twist)
    root = np.zeros(3)
    J["pelvis"] = root
    F["pelvis"] = R0
    # spine: two segments sharing the bend
    half = (P.spine_flex / 2, P.spine_lat / 2, P.spine_rot / 2)
    seg = _ry(half[2]) @ _rz(-half[1]) @ _rx(half[0])
    R1 = R0 @ seg
    J["waist"] = root + R1 @ np.array([0.0, PELVIS_TO_WAIST, 0.0])
    R2 = R1 @ seg
    F["chest"] = R2
    J["neck"] = J["waist"] + R2 @ np.array([0.0, WAIST_TO_NECK, 0.0])
    Rn = R2 @ _ry(P.neck_rot) @ _rz(-P.neck_lat) @ _rx(P.neck_flex)
    F["head"] = Rn
    J["head_base"] = J["neck"] + Rn @ np.array([0.0, NECK_LEN, 0.0])
    J["head"] = J["head_base"] + Rn @ np.asarray(HEAD_CENTRE)

    for s, sign in (("l", 1.0), ("r", -1.0)):
        g = lambda n: getattr(P, f"{s}_{n}")  # noqa: E731
        sh = J["neck"] + R2 @ np.array([sign * SHOULDER_HALF, -SHOULDER_DROP, 0.0])
        Ru = R2 @ _rz(sign * g("shoulder_abd")) @ _rx(-g("shoulder_flex")) @ _ry(-sign * g("shoulder_rot"))
        el = sh + Ru @ np.array([0.0, -UPPER_ARM, 0.0])
        Rf = Ru @ _rx(-g("elbow"))
        wr = el + Rf @ np.array([0.0, -FOREARM, 0.0])
        Rh = Rf @ _ry(-sign * g("pronation")) @ _rx(-g("wrist"))
        J[f"{s}_shoulder"], J[f"{s}_elbow"], J[f"{s}_wrist"] = sh, el, wr
        F[f"{s}_upper_arm"], F[f"{s}_forearm"], F[f"{s}_hand"] = Ru, Rf, Rh
        down, thumb = Rh @ np.array([0.0, -1.0, 0.0]), Rh @ np.array([sign, 0.0, 0.0])
        J[f"{s}_index"] = wr + 0.085 * down + 0.022 * thumb
        J[f"{s}_pinky"] = wr + 0.075 * down - 0.028 * thumb
        J[f"{s}_thumb"] = wr + 0.05 * down + 0.05 * thumb

        hp = root + R0 @ np.array([sign * HIP_HALF, -HIP_DROP, 0.0])
        Rt = R0 @ _rz(sign * g("hip_abd")) @ _rx(-g("hip_flex")) @ _ry(sign * g("hip_rot"))
        kn = hp + Rt @ np.array([0.0, -THIGH, 0.0])
        Rs = Rt @ _rx(g("knee"))
        an = kn + Rs @ np.array([0.0, -SHIN, 0.0])
        Rft = Rs @ _rx(-g("ankle"))
        J[f"{s}_hip"], J[f"{s}_knee"], J[f"{s}_ankle"] = hp, kn, an
        F[f"{s}_thigh"], F[f"{s}_shin"], F[f"{s}_foot"] = Rt, Rs, Rft
        J[f"{s}_heel"] = an + Rft @ np.array([0.0, -ANKLE_HEIGHT + 0.012, -0.06])
        J[f"{s}_toe"] = an + Rft @ np.array([0.0, -ANKLE_HEIGHT + 0.02, 0.175])

    face = {k: J["head"] + Rn @ v for k, v in FACE_POINTS.items()}
    parts = _parts(J, F)

    # grounding: lift the body so its lowest surface point touches the floor
    if P.ground:
        C = np.array([c for p in parts for c, _ in p.blobs])
        A = np.array([ax[1] for p in parts for _, ax in p.blobs])
        low = float((C[:, 1] - np.sqrt(np.einsum("ij,ij->i", A, A))).min())
        lift = P.y - low
    else:
        lift = P.y
    shift = np.array([P.x, lift, P.z])
    for k in J:
        J[k] = J[k] + shift
    for k in face:
        face[k] = face[k] + shift
    for p in parts:
        p.blobs = [(c + shift, ax) for c, ax in p.blobs]

    lm = np.zeros((33, 3))
    names = {
        0: face["nose"], 1: face["l_eye_inner"], 2: face["l_eye"], 3: face["l_eye_outer"],
        4: face["r_eye_inner"], 5: face["r_eye"], 6: face["r_eye_outer"], 7: face["l_ear"],
        8: face["r_ear"], 9: face["l_mouth"], 10: face["r_mouth"],
    }
    for i, v in names.items():
        lm[i] = v
    order = ["shoulder", "elbow", "wrist", "pinky", "index", "thumb", "hip", "knee", "ankle",
             "heel", "toe"]
    for k, n in enumerate(order):
        lm[11 + 2 * k] = J[f"l_{n}"]
        lm[12 + 2 * k] = J[f"r_{n}"]
    J["head_frame_origin"] = J["head"]
    return Skeleton(joints=J, frames=F, parts=parts, landmarks=lm, face=face)


def _parts(J: dict[str, np.ndarray], F: dict[str, np.ndarray]) -> list[Part]:
    R0, R2, Rn = F["pelvis"], F["chest"], F["head"]
    parts: list[Part] = []
    # torso: pelvis (trousers), belly and chest (shirt)
    pel_c = J["pelvis"] + R0 @ np.array([0.0, -0.035, -0.005])
    parts.append(Part("pelvis", "trousers", [
        _ell(pel_c, R0, (0.165, 0.105, 0.115)),
        _ell(J["pelvis"] + R0 @ np.array([0.0, 0.05, 0.0]), R0, (0.15, 0.05, 0.105)),
    ], order=0.0))
    R1 = (R0 + R2) / 2.0
    u, _, vt = np.linalg.svd(R1)
    R1 = u @ vt
    parts.append(Part("belly", "shirt", [
        _ell(J["pelvis"] + R0 @ np.array([0.0, 0.06, 0.0]), R0, (0.152, 0.06, 0.107)),
        _ell(J["waist"], R1, (0.145, 0.07, 0.102)),
    ], order=0.1))
    chest_c = J["neck"] + R2 @ np.array([0.0, -0.13, 0.01])
    parts.append(Part("chest", "shirt", [
        _ell(J["waist"], R1, (0.145, 0.07, 0.102)),
        _ell(chest_c, R2, (0.165, 0.11, 0.115)),
        _ell(J["neck"] + R2 @ np.array([0.0, -0.03, -0.005]), R2, (0.15, 0.035, 0.075)),
    ], order=0.2))
    parts.append(Part("neck", "skin", [
        _ball(J["neck"] + R2 @ np.array([0.0, -0.02, 0.0]), 0.056),
        _ball(J["head_base"], 0.05),
    ], order=0.3))
    parts.append(Part("head", "head", [_ell(J["head"], Rn, HEAD_RADII)], order=0.4))
    for s in SIDES:
        Ru, Rh, Rft = F[f"{s}_upper_arm"], F[f"{s}_hand"], F[f"{s}_foot"]
        parts.append(Part(f"{s}_upper_arm", f"{s}_sleeve", [
            _ball(J[f"{s}_shoulder"] + Ru @ np.array([0.0, 0.0, 0.0]), 0.058),
            _ball(J[f"{s}_elbow"], 0.043),
        ], order=0.5))
        parts.append(Part(f"{s}_forearm", "skin", [
            _ball(J[f"{s}_elbow"], 0.040),
            _ball(J[f"{s}_wrist"], 0.029),
        ], order=0.6))
        sign = 1.0 if s == "l" else -1.0
        down = Rh @ np.array([0.0, -1.0, 0.0])
        thumb = Rh @ np.array([sign, 0.0, 0.0])
        parts.append(Part(f"{s}_hand", "skin", [
            _ball(J[f"{s}_wrist"], 0.027),
            _ell(J[f"{s}_wrist"] + 0.06 * down, Rh, (0.045, 0.045, 0.017)),
            _ell(J[f"{s}_wrist"] + 0.12 * down - 0.006 * thumb, Rh, (0.037, 0.055, 0.013)),
        ], order=0.7))
        parts.append(Part(f"{s}_thumb", "skin", [
            _ball(J[f"{s}_wrist"] + 0.025 * down + 0.025 * thumb, 0.014),
            _ball(J[f"{s}_thumb"], 0.011),
        ], order=0.75))
        parts.append(Part(f"{s}_thigh", f"{s}_trousers", [
            _ball(J[f"{s}_hip"], 0.088),
            _ball(J[f"{s}_knee"], 0.058),
        ], order=0.2))
        parts.append(Part(f"{s}_shin", f"{s}_trousers", [
            _ball(J[f"{s}_knee"], 0.056),
            _ball(J[f"{s}_ankle"] + F[f"{s}_shin"] @ np.array([0.0, 0.03, 0.0]), 0.042),
        ], order=0.3))
        parts.append(Part(f"{s}_foot", "shoe", [
            _ell(J[f"{s}_ankle"] + Rft @ np.array([0.0, -0.035, -0.02]), Rft, (0.04, 0.04, 0.05)),
            _ell(J[f"{s}_ankle"] + Rft @ np.array([0.0, -0.05, 0.12]), Rft, (0.042, 0.028, 0.06)),
        ], order=0.4))
    return parts
