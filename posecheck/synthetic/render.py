"""Drawing the actor with OpenCV: room, shadow, depth-sorted body parts, face and hair."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from posecheck.synthetic.body import HEAD_RADII, ActorPose, Part, Skeleton, forward_kinematics, _fibonacci_sphere
from posecheck.synthetic.camera import View

SIZE = (640, 480)
SHIFT = 4  # sub-pixel bits for OpenCV drawing
ONE = 1 << SHIFT

# BGR colours. Left limbs are warm (red), right limbs cool (blue); the floor is
# light wood so the dark trousers and shoes stand out against it.
PALETTE: dict[str, tuple[int, int, int]] = {
    "wall": (214, 208, 198),
    "floor": (120, 168, 205),
    "floor_far": (104, 150, 186),
    "baseboard": (236, 236, 232),
    "skin": (132, 168, 220),
    "hair": (28, 36, 58),
    "shirt": (150, 128, 46),
    "trousers": (62, 52, 48),
    "l_sleeve": (52, 62, 204),
    "r_sleeve": (178, 102, 38),
    "l_trousers": (46, 40, 132),
    "r_trousers": (104, 58, 30),
    "shoe": (58, 58, 62),
    "eye_white": (240, 240, 240),
    "iris": (50, 40, 30),
    "brow": (30, 36, 52),
    "lips": (70, 70, 170),
}

HAIR_DIRS = _fibonacci_sphere(700)


def _colour(kind: str) -> tuple[int, int, int]:
    if kind == "head":
        return PALETTE["skin"]
    return PALETTE[kind]


def _scale(c: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return tuple(int(np.clip(v * k, 0, 255)) for v in c)  # type: ignore[return-value]


def _mix(c: tuple[int, int, int], d: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return tuple(int(round((1 - k) * a + k * b)) for a, b in zip(c, d))  # type: ignore[return-value]


def _fill_hull(img: np.ndarray, px: np.ndarray, colour, outline=None, thickness: int = 1) -> np.ndarray:
    pts = np.round(px * ONE).astype(np.int32)
    hull = cv2.convexHull(pts)
    cv2.fillConvexPoly(img, hull, colour, lineType=cv2.LINE_AA, shift=SHIFT)
    if outline is not None:
        cv2.polylines(img, [hull], True, outline, thickness, lineType=cv2.LINE_AA, shift=SHIFT)
    return hull


@functools.lru_cache(maxsize=8)
def _room(view: View, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    _draw_room(img, view, size)
    img.setflags(write=False)
    return img


def _draw_room(img: np.ndarray, view: View, size: tuple[int, int]) -> None:
    w, h = size
    img[:] = PALETTE["wall"]
    # a soft vertical gradient on the wall
    grad = np.linspace(1.03, 0.94, h)[:, None, None]
    img[:] = np.clip(img.astype(np.float32) * grad, 0, 255).astype(np.uint8)
    cam, right, up, fwd = view.basis()
    horiz = np.array([fwd[0], 0.0, fwd[2]])
    horiz /= np.linalg.norm(horiz)
    t = np.array([view.target[0], 0.0, view.target[2]])
    near = max(0.3, view.distance * np.cos(np.radians(view.elevation)) - 0.5)
    back = 2.2
    corners = np.array([t + right * -20 + horiz * -near, t + right * 20 + horiz * -near,
                        t + right * 20 + horiz * back, t + right * -20 + horiz * back])
    px, _ = view.project(corners, size)
    poly = np.round(px * ONE).astype(np.int32)
    cv2.fillPoly(img, [poly], PALETTE["floor"], lineType=cv2.LINE_AA, shift=SHIFT)
    # floor boards: a few lines running away from the camera, darker far away
    for k in np.arange(-6, 6.01, 0.45):
        a, b = t + right * k + horiz * -near, t + right * k + horiz * back
        pab, _ = view.project(np.array([a, b]), size)
        cv2.line(img, tuple(np.round(pab[0] * ONE).astype(int)), tuple(np.round(pab[1] * ONE).astype(int)),
                 _scale(PALETTE["floor"], 0.93), 1, cv2.LINE_AA, SHIFT)
    # the floor line (where the floor meets the wall) with a skirting board
    far, _ = view.project(np.array([t + right * -20 + horiz * back, t + right * 20 + horiz * back,
                                    t + right * 20 + horiz * back + np.array([0, 0.08, 0]),
                                    t + right * -20 + horiz * back + np.array([0, 0.08, 0])]), size)
    cv2.fillPoly(img, [np.round(far * ONE).astype(np.int32)], PALETTE["baseboard"], cv2.LINE_AA, SHIFT)
    cv2.line(img, tuple(np.round(far[0] * ONE).astype(int)), tuple(np.round(far[1] * ONE).astype(int)),
             (90, 110, 130), 2, cv2.LINE_AA, SHIFT)


def _draw_shadow(img: np.ndarray, sk: Skeleton, view: View, size: tuple[int, int]) -> None:
    w, h = size
    layer = np.zeros((h, w), np.uint8)
    items = []
    for p in sk.parts:
        pts = p.points()
        low = pts[:, 1].min()
        if low > 0.5:
            continue
        flat = pts.copy()
        flat[:, 1] = 0.0
        items.append((float(np.clip(1.0 - low / 0.5, 0.0, 1.0)), flat))
    items.sort(key=lambda it: it[0])
    for strength, flat in items:
        px, _ = view.project(flat, size)
        cv2.fillConvexPoly(layer, cv2.convexHull(np.round(px * ONE).astype(np.int32)),
                           int(255 * strength), cv2.LINE_AA, SHIFT)
    x, y, bw, bh = cv2.boundingRect(layer)
    if bw == 0:
        return
    pad = 16
    x0, y0, x1, y1 = max(x - pad, 0), max(y - pad, 0), min(x + bw + pad, w), min(y + bh + pad, h)
    m = cv2.GaussianBlur(layer[y0:y1, x0:x1].astype(np.float32) / 255.0, (0, 0), 5.0)
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (roi * (1.0 - 0.35 * m[:, :, None])).astype(np.uint8)


def _draw_part(img: np.ndarray, part: Part, view: View, size, light: np.ndarray) -> None:
    base = _colour(part.kind)
    px, _ = view.project(part.points(), size)
    hull = _fill_hull(img, px, base, outline=_scale(base, 0.62), thickness=1)
    # shading: a darker band on the side away from the light and a lighter
    # stripe along the part on the side facing it
    ax = part.axis()
    perp = light - ax * float(light @ ax)
    n = np.linalg.norm(perp)
    perp = perp / n if n > 1e-6 else light
    r = part.radius()
    x, y, bw, bh = cv2.boundingRect(hull)
    x0, y0 = max(x >> SHIFT, 0) , max(y >> SHIFT, 0)
    x1, y1 = min(((x + bw) >> SHIFT) + 2, img.shape[1]), min(((y + bh) >> SHIFT) + 2, img.shape[0])
    if x1 > x0 and y1 > y0:
        off = np.array([x0, y0], float)
        clip = np.zeros((y1 - y0, x1 - x0), np.uint8)
        _fill_hull(clip, px - off, 255)
        band = np.zeros_like(clip)
        pd, _ = view.project(part.points(0.55, -perp * 0.42 * r), size)
        _fill_hull(band, pd - off, 255)
        band = cv2.bitwise_and(band, clip)
        m = band.astype(np.float32)[:, :, None] / 255.0
        roi = img[y0:y1, x0:x1].astype(np.float32)
        img[y0:y1, x0:x1] = (roi * (1.0 - 0.18 * m)).astype(np.uint8)
    ps, _ = view.project(part.points(0.33, perp * 0.5 * r), size)
    _fill_hull(img, ps, _mix(base, (255, 255, 255), 0.28))


def _surface_disc(centre: np.ndarray, normal: np.ndarray, ru: float, rv: float, n: int = 14,
                  up_hint: np.ndarray | None = None) -> np.ndarray:
    normal = normal / np.linalg.norm(normal)
    hint = up_hint if up_hint is not None else np.array([0.0, 1.0, 0.0])
    u = np.cross(hint, normal)
    if np.linalg.norm(u) < 1e-6:
        u = np.cross(np.array([1.0, 0.0, 0.0]), normal)
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return centre + np.outer(np.cos(a) * ru, u) + np.outer(np.sin(a) * rv, v)


def _draw_head(img: np.ndarray, part: Part, sk: Skeleton, view: View, size, light) -> None:
    base = PALETTE["skin"]
    centre, axes = part.blobs[0]
    R = axes / np.asarray(HEAD_RADII)[None, :]  # head frame (columns: left, up, forward)
    cam, right, up, fwd = view.basis()
    px, _ = view.project(part.points(), size)
    _fill_hull(img, px, base, outline=_scale(base, 0.62))

    def facing(p_world: np.ndarray, normal_world: np.ndarray, lim: float = 0.05) -> bool:
        to_cam = cam - p_world
        return float(normal_world @ to_cam) / np.linalg.norm(to_cam) > lim

    # hair: back and top of the head; the part of the scalp facing the camera
    a, b, c = HEAD_RADII
    d = HAIR_DIRS
    hair = ((d[:, 2] < 0.15) & (d[:, 1] > -0.5)) | (d[:, 1] > 0.5)
    hair &= ~((np.abs(d[:, 0]) > 0.8) & (d[:, 1] < 0.25) & (d[:, 2] > -0.45))  # around the ears
    local = d[hair] * np.array([a, b, c]) * 1.06
    normals = d[hair] / np.array([a, b, c])
    world = centre + local @ R.T
    nworld = normals @ R.T
    nworld /= np.linalg.norm(nworld, axis=1, keepdims=True)
    to_cam = cam - world
    vis = np.einsum("ij,ij->i", nworld, to_cam) > 0.0
    if vis.any():
        hp, _ = view.project(world[vis], size)
        rad = max(1.5, 0.017 * view.scale)
        layer = np.zeros(img.shape[:2], np.uint8)
        for q in np.round(hp * ONE).astype(np.int32):
            cv2.circle(layer, (int(q[0]), int(q[1])), int(rad * ONE), 255, -1, cv2.LINE_AA, SHIFT)
        # keep hair inside a slightly enlarged head outline
        clip = np.zeros_like(layer)
        big = centre + (part.points() - centre) * 1.08
        bp, _ = view.project(big, size)
        _fill_hull(clip, bp, 255)
        layer = cv2.bitwise_and(layer, clip)
        x, y, bw, bh = cv2.boundingRect(layer)
        if bw > 0:
            m = layer[y:y + bh, x:x + bw].astype(np.float32)[:, :, None] / 255.0
            hc = np.array(PALETTE["hair"], np.float32)
            roi = img[y:y + bh, x:x + bw].astype(np.float32)
            img[y:y + bh, x:x + bw] = (roi * (1 - m) + hc * m).astype(np.uint8)

    f = sk.face
    fw = lambda k: f[k]  # noqa: E731
    head_fwd = R[:, 2]
    head_up = R[:, 1]

    def surf_normal(p: np.ndarray) -> np.ndarray:
        loc = R.T @ (p - centre)
        n = loc / np.array([a, b, c]) ** 2
        return R @ (n / np.linalg.norm(n))

    # ears
    for s in ("l", "r"):
        e = fw(f"{s}_ear")
        n = surf_normal(e)
        if facing(e, n, 0.1):
            pts = _surface_disc(e, n, 0.018, 0.03, up_hint=head_up)
            pp, _ = view.project(pts, size)
            _fill_hull(img, pp, _scale(base, 0.93), outline=_scale(base, 0.6))
            inner = _surface_disc(e + n * 0.002, n, 0.008, 0.016, up_hint=head_up)
            pi, _ = view.project(inner, size)
            _fill_hull(img, pi, _scale(base, 0.75))
    # eyes, brows
    for s in ("l", "r"):
        e = fw(f"{s}_eye")
        n = surf_normal(e)
        if facing(e, n, 0.12):
            pts = _surface_disc(e, n, 0.014, 0.0075, up_hint=head_up)
            pp, _ = view.project(pts, size)
            _fill_hull(img, pp, PALETTE["eye_white"], outline=_scale(base, 0.5))
            iris = _surface_disc(e + n * 0.001, n, 0.0065, 0.0065, up_hint=head_up)
            pi, _ = view.project(iris, size)
            _fill_hull(img, pi, PALETTE["iris"])
        bw = fw(f"{s}_brow")
        nb = surf_normal(bw)
        if facing(bw, nb, 0.12):
            side = R[:, 0] * (1 if s == "l" else -1)
            seg = np.array([bw - side * 0.014 - head_up * 0.001, bw + side * 0.012 - head_up * 0.003])
            sp, _ = view.project(seg, size)
            th = max(1, int(round(0.006 * view.scale)))
            cv2.line(img, tuple(np.round(sp[0] * ONE).astype(int)), tuple(np.round(sp[1] * ONE).astype(int)),
                     PALETTE["brow"], th, cv2.LINE_AA, SHIFT)
    # mouth
    ml, mr, mm = fw("l_mouth"), fw("r_mouth"), fw("mouth_mid")
    if facing(mm, surf_normal(mm), 0.1):
        pts = np.array([ml, mm + head_up * 0.004, mr, mm - head_up * 0.006])
        pp, _ = view.project(pts, size)
        cv2.fillPoly(img, [np.round(pp * ONE).astype(np.int32)], PALETTE["lips"], cv2.LINE_AA, SHIFT)
    # nose: a small wedge from the bridge to the tip, visible from the front and in profile
    nb, tip, nbase = fw("nose_bridge"), fw("nose"), fw("nose_base")
    if facing(nbase, head_fwd, -0.25):
        side = R[:, 0]
        pts = np.array([nb, tip, nbase + side * 0.014, nbase - side * 0.014, tip - head_up * 0.008])
        pp, _ = view.project(pts, size)
        _fill_hull(img, pp, _scale(base, 0.86), outline=_scale(base, 0.6))
        nos = np.array([nbase + side * 0.007 + head_fwd * 0.006, nbase - side * 0.007 + head_fwd * 0.006])
        npx, _ = view.project(nos, size)
        if facing(nbase, head_fwd - head_up, 0.0):
            for q in npx:
                cv2.circle(img, tuple(np.round(q * ONE).astype(int)), int(max(1.0, 0.004 * view.scale) * ONE),
                           _scale(base, 0.5), -1, cv2.LINE_AA, SHIFT)


def render_room(view: View, size: tuple[int, int] = SIZE) -> np.ndarray:
    """The empty room (wall, floor, floor line) as ``view`` sees it."""
    return _room(view, tuple(size)).copy()


def render_skeleton(sk: Skeleton, view: View, size: tuple[int, int] = SIZE, shadow: bool = True) -> np.ndarray:
    """Draw an already computed skeleton (see ``render``)."""
    w, h = size
    img = _room(view, tuple(size)).copy()
    if shadow:
        _draw_shadow(img, sk, view, size)
    cam, right, up, fwd = view.basis()
    light = -fwd * 0.6 + up * 0.8 - right * 0.45
    light /= np.linalg.norm(light)
    keyed = []
    for p in sk.parts:
        _, depth = view.project(p.centre()[None, :], size)
        keyed.append((-float(depth[0]), p.order, p.name, p))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    for _, _, _, p in keyed:
        if p.kind == "head":
            _draw_head(img, p, sk, view, size, light)
        else:
            _draw_part(img, p, view, size, light)
    return img


def render(pose: ActorPose, view: View, size: tuple[int, int] = SIZE, shadow: bool = True) -> np.ndarray:
    """The actor in ``pose`` seen through ``view``: a BGR uint8 image of ``size`` (w, h)."""
    return render_skeleton(forward_kinematics(pose), view, size, shadow)


def joint_positions(pose: ActorPose, view: View, size: tuple[int, int] = SIZE) -> np.ndarray:
    """(33, 2) ground-truth pixel positions of the BlazePose landmarks, in PoseLandmark order."""
    px, _ = view.project(forward_kinematics(pose).landmarks, size)
    return px
