"""HTML reports over many clips: one offline ``index.html`` plus per-clip files.

``build_report(inputs, out)`` analyses every clip (folders expand to their
videos) in parallel over the machine's cores and writes::

    out/index.html              index table + one card per clip, inline CSS/JS/SVG
    out/01-bridge_02/video.mp4  the annotated video (H.264, seekable from the card)
    out/01-bridge_02/frames.csv per-frame states, rule values and features
    out/01-bridge_02/summary.json the summary, as ``posecheck analyze --json``
    out/01-bridge_02/*.jpg      key frames: first time each fault appears, best form

The page works from a ``file://`` URL: no CDN, fonts or scripts from elsewhere.
Every text that comes from the user (file names, metadata, cues) is
HTML-escaped, asset names are slugs, and hrefs are URL-quoted. Every file is
written to a temporary file and renamed into place, ``index.html`` last, so a
crash never leaves a half-written page. A clip that fails (a corrupt file) is
listed with its one-line error; the others go on.

For the browser: each fault link carries ``data-t`` (seconds into the clip's
video) and ``data-video`` (the id of the clip's ``<video>``, ``video-NN``).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import html
import json
import math
import multiprocessing
import os
import queue as queue_mod
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

import numpy as np

from posecheck import __version__
from posecheck.errors import PosecheckError
from posecheck.core.types import FrameResult, State
from posecheck.judge.speech import SAFETY_NOTE

STATE_COLORS = {"correct": "#2e9e4f", "incorrect": "#d64545", "uncertain": "#e0a800",
                "no_person": "#9aa0a6"}
STATE_LABELS = {"correct": "correct", "incorrect": "adjust form", "uncertain": "adjust the camera",
                "no_person": "no person"}

VIDEO_MAX_SIDE = 1280  # annotated videos in reports are scaled down to this
STILL_MAX_SIDE = 640
MAX_FAULT_SHOTS = 8
PLOT_POINTS = 800  # rule plots are decimated to about this many points

VIDEO_NAME = "video.mp4"
CSV_NAME = "frames.csv"
JSON_NAME = "summary.json"


# -- inputs and names ----------------------------------------------------------

def expand_inputs(inputs: list[str | os.PathLike]) -> list[Path]:
    """Files as given; a folder becomes its videos (sorted, hidden files skipped, not recursive)."""
    from posecheck.io.sources import VIDEO_SUFFIXES, kind_of

    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            videos = sorted(p for p in path.iterdir()
                            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES)
            if not videos:
                raise PosecheckError(f"{path}: no video files in this folder")
            paths.extend(videos)
        elif path.exists():
            kind_of(path)  # refuses what is neither a video nor an image
            paths.append(path)
        else:
            raise PosecheckError(f"{path}: no such file or folder")
    if not paths:
        raise PosecheckError("no inputs")
    return paths


def slugify(name: str, max_len: int = 40) -> str:
    """A safe file-name piece: ASCII letters, digits, '_' and '-' only."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")
    return text[:max_len].strip("-_") or "clip"


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(*parts: str) -> str:
    return "/".join(quote(p, safe="") for p in parts)


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    minutes, secs = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{secs:04.1f}"


def clip_date(path: Path) -> str:
    """The recording time from the container's metadata, else the file's modification time (ISO)."""
    stamp = None
    try:
        import av

        with av.open(str(path)) as container:
            stamp = container.metadata.get("creation_time")
            if not stamp and container.streams.video:
                stamp = container.streams.video[0].metadata.get("creation_time")
    except Exception:
        stamp = None
    if stamp:
        try:
            when = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
            if when.year > 1971:
                return when.strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    except OSError:
        return ""


# -- figures from a summary ----------------------------------------------------

def goal_fraction(summary: dict) -> float:
    """Share of the goal reached: holds per side (averaged) against the target, or reps."""
    target_reps = summary.get("target_reps")
    if target_reps:
        return min(1.0, (summary.get("reps") or 0) / target_reps)
    target = summary.get("target_s")
    if not target:
        return 0.0
    sides = summary.get("sides")
    if sides:
        return float(np.mean([min(1.0, (v or 0.0) / target) for v in sides.values()]))
    return min(1.0, (summary.get("hold_s") or 0.0) / target)


def correct_share(summary: dict) -> float:
    """Share of the clip's time judged correct (a still: 1 when its pose is correct)."""
    if summary.get("kind") == "image":
        return 1.0 if summary.get("verdict") == "correct" else 0.0
    seconds = summary.get("state_seconds") or {}
    total = sum(v or 0.0 for v in seconds.values())
    return (seconds.get("correct") or 0.0) / total if total > 0 else 0.0


def clip_score(summary: dict) -> int:
    """0-100: half the share of the goal reached, half the share of time in correct form.

    A still has no goal to reach: 100 when its pose is correct, else 0.
    """
    if summary.get("kind") == "image":
        return int(round(100 * correct_share(summary)))
    return int(round(100 * (0.5 * goal_fraction(summary) + 0.5 * correct_share(summary))))


def reached_short(summary: dict) -> str:
    """What was reached against the goal, in a few characters, for the index table."""
    if summary.get("kind") == "image":
        return "still"
    if summary.get("target_reps"):
        return f"{summary.get('reps') or 0} / {summary['target_reps']} reps"
    target = summary.get("target_s")
    sides = summary.get("sides")
    if target and sides:
        return " ".join(f"{side[:1].upper()} {v:.1f}" for side, v in sides.items()) + f" / {target:g} s"
    if target:
        return f"{summary.get('hold_s', 0.0):.1f} / {target:g} s"
    return f"{summary.get('hold_s', 0.0):.1f} s"


def goal_text(summary: dict) -> tuple[str, str]:
    """(the goal, what was reached) in words."""
    if summary.get("target_reps"):
        return (f"{summary['target_reps']} reps", f"{summary.get('reps') or 0} reps")
    target = summary.get("target_s")
    if not target:
        return ("-", f"{summary.get('hold_s', 0.0):.1f} s held")
    sides = summary.get("sides")
    if sides:
        reached = ", ".join(f"{side} {v:.1f} s of {target:g} s" for side, v in sides.items())
        return (f"hold {target:g} s per side", reached)
    return (f"hold {target:g} s", f"{summary.get('hold_s', 0.0):.1f} s of {target:g} s")


# -- per-frame series ----------------------------------------------------------

def fault_episodes(frames: list[FrameResult], min_s: float = 0.2, gap_s: float = 0.5) -> dict[str, list[list[float]]]:
    """Rule -> [start, end] spells where it was the failing rule (short gaps bridged, blips dropped).

    As in the session's fault tally, a frame's failing rule is the first rule
    with ok False on a frame judged incorrect, held until the next frame.
    """
    spells: dict[str, list[list[float]]] = {}
    for i, fr in enumerate(frames):
        if fr.assessment.state is not State.INCORRECT:
            continue
        failing = next((r for r in fr.assessment.results if r.ok is False), None)
        if failing is None:
            continue
        end = frames[i + 1].timestamp_s if i + 1 < len(frames) else fr.timestamp_s
        runs = spells.setdefault(failing.name, [])
        if runs and fr.timestamp_s - runs[-1][1] <= gap_s:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([fr.timestamp_s, end])
    return {rule: [r for j, r in enumerate(runs) if j == 0 or r[1] - r[0] >= min_s]
            for rule, runs in spells.items()}


@dataclass
class Series:
    name: str
    unit: str
    t: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    ok: list[bool | None] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)


def rule_series(frames: list[FrameResult], units: dict[str, str] | None = None) -> dict[str, Series]:
    """Each rule's measured value, outcome and accepted range over time (NaN where not judged)."""
    units = units or {}
    names: list[str] = []
    for fr in frames:
        for r in fr.assessment.results:
            if r.name not in names:
                names.append(r.name)
    out = {n: Series(n, units.get(n, "deg")) for n in names}
    for fr in frames:
        by_name = {r.name: r for r in fr.assessment.results}
        for name, s in out.items():
            r = by_name.get(name)
            s.t.append(fr.timestamp_s)
            s.value.append(r.value if r is not None else math.nan)
            s.ok.append(r.ok if r is not None else None)
            s.low.append(r.low if r is not None else math.nan)
            s.high.append(r.high if r is not None else math.nan)
    return out


# -- inline SVG ----------------------------------------------------------------

def _nice_step(span: float, target_ticks: int = 6) -> float:
    raw = span / max(1, target_ticks)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def svg_timeline(segments: list[dict], t0: float, t1: float, video_id: str | None, offset: float) -> str:
    """A bar of the four states over the clip; a click on a segment seeks the video there."""
    width, height = 1000, 28
    span = max(t1 - t0, 1e-6)
    parts = [f'<svg class="timeline" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
             f'role="img" aria-label="states over time">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eceff1"/>']
    for seg in segments:
        x0 = (seg["start_s"] - t0) / span * width
        x1 = (seg["end_s"] - t0) / span * width
        w = max(x1 - x0, 0.6)
        state = seg.get("state", "no_person")
        color = STATE_COLORS.get(state, "#9aa0a6")
        side = f", {seg['side']}" if seg.get("side") else ""
        label = f"{fmt_time(seg['start_s'])}-{fmt_time(seg['end_s'])}: {STATE_LABELS.get(state, state)}{side}"
        seek = f' class="seek" data-t="{max(0.0, seg["start_s"] - offset):.3f}" data-video="{esc(video_id)}"' \
            if video_id else ""
        parts.append(f'<rect{seek} x="{x0:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{color}">'
                     f'<title>{esc(label)}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _decimate(n: int, limit: int = PLOT_POINTS) -> np.ndarray:
    return np.arange(n) if n <= limit else np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def svg_rule_plot(series: Series, t0: float, t1: float, video_id: str | None, offset: float,
                  description: str = "") -> str:
    """The rule's value over time (red where it failed) on its shaded accepted range."""
    width, height = 1000, 180
    left, right, top, bottom = 76, 10, 10, 26  # room at the left for range labels such as "0.35 torso"
    pw, ph = width - left - right, height - top - bottom
    t = np.asarray(series.t, float)
    v = np.asarray(series.value, float)
    lo = np.asarray(series.low, float)
    hi = np.asarray(series.high, float)
    finite = np.isfinite(v)
    pool = np.concatenate([v[finite], lo[np.isfinite(lo)], hi[np.isfinite(hi)]])
    if pool.size == 0:
        return '<p class="muted">never measured (the joints it needs were not seen)</p>'
    ymin, ymax = float(pool.min()), float(pool.max())
    pad = max((ymax - ymin) * 0.08, 1.0)
    ymin, ymax = ymin - pad, ymax + pad
    span = max(t1 - t0, 1e-6)

    def X(tt):
        return left + (np.asarray(tt) - t0) / span * pw

    def Y(vv):
        return top + (ymax - np.asarray(vv)) / (ymax - ymin) * ph

    unit = "\u00b0" if series.unit == "deg" else (f" {series.unit}" if series.unit else "")
    out = [f'<svg class="plot" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(series.name)} over time"'
           + (f' data-video="{esc(video_id)}" data-t0="{t0 - offset:.3f}" data-t1="{t1 - offset:.3f}"'
              f' data-left="{left}" data-width="{pw}"' if video_id else "") + ">"]
    # Accepted range: one band per run of frames where the rule has a range; an open end
    # (an infinite bound, e.g. "at least 0.7") runs to the edge of the plot.
    band = ~np.isnan(lo) & ~np.isnan(hi) & (np.isfinite(lo) | np.isfinite(hi))
    lo_c, hi_c = np.clip(lo, ymin, ymax), np.clip(hi, ymin, ymax)
    idx = np.flatnonzero(band)
    if idx.size:
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
        for run in runs:
            # Only where the range changes (it is constant for one exercise), plus the ends.
            change = np.flatnonzero((np.diff(lo_c[run]) != 0) | (np.diff(hi_c[run]) != 0))
            keep = np.unique(np.concatenate([[0, len(run) - 1], change, change + 1]))
            run = run[keep[_decimate(len(keep))]]
            xs = X(t[run])
            if len(run) == 1:
                xs = np.array([xs[0], xs[0] + 2.0])
                tops, bots = np.repeat(Y(hi_c[run]), 2), np.repeat(Y(lo_c[run]), 2)
            else:
                # Steps: each range holds until the next change.
                xs = np.repeat(xs, 2)[1:]
                xs = np.append(xs, xs[-1])
                tops = np.repeat(Y(hi_c[run]), 2)
                bots = np.repeat(Y(lo_c[run]), 2)
            pts = [f"{x:.1f},{y:.1f}" for x, y in zip(xs, tops)] + \
                  [f"{x:.1f},{y:.1f}" for x, y in zip(xs[::-1], bots[::-1])]
            out.append(f'<polygon points="{" ".join(pts)}" fill="#2e9e4f" fill-opacity="0.16"/>')
        # Range edges labelled at the left.
        for bound in (lo[band], hi[band]):
            bound = bound[np.isfinite(bound)]
            edge = float(np.median(bound)) if bound.size else math.nan
            if ymin <= edge <= ymax:
                y = float(Y(edge))
                out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                           f'stroke="#2e9e4f" stroke-dasharray="4 4" stroke-width="1"/>')
                out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
                           f'{edge:g}{esc(unit)}</text>')
    # Axes.
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="#b0b7bd"/>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{top + ph}" y2="{top + ph}" stroke="#b0b7bd"/>')
    step = _nice_step(span)
    tick = math.ceil(t0 / step) * step
    while tick <= t1 + 1e-9:
        x = float(X(tick))
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#b0b7bd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="tick">{tick:g} s</text>')
        tick += step
    # The value: a path broken where it was not measured; failing stretches in red over it.
    sel = _decimate(len(t))
    ts, vs = t[sel], v[sel]
    oks = [series.ok[i] for i in sel]

    def path(mask) -> str:
        d, pen = [], False
        for x, y, m in zip(X(ts), Y(np.clip(vs, ymin, ymax)), mask):
            if not m:
                pen = False
                continue
            d.append(f"{'L' if pen else 'M'}{x:.1f} {y:.1f}")
            pen = True
        return " ".join(d)

    fin = np.isfinite(vs)
    out.append(f'<path d="{path(fin)}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    failing = np.array([o is False for o in oks]) & fin
    # A failing stretch joins its neighbours so single frames still show.
    fail_mask = failing | np.r_[failing[1:], False] & fin
    if failing.any():
        out.append(f'<path d="{path(fail_mask)}" fill="none" stroke="#d64545" stroke-width="3"/>')
    if description:
        out.append(f"<title>{esc(description)}</title>")
    out.append("</svg>")
    return "".join(out)


# -- key frames ----------------------------------------------------------------

def _margin(result) -> float:
    span = max(result.high - result.low, 1e-6)
    if not math.isfinite(result.value):
        return -1.0
    return max(-1.0, min(result.value - result.low, result.high - result.value) / span)


class KeyFrames:
    """Watches the annotated frames during analysis and keeps the ones a report shows.

    A still at the first frame each fault (the failing rule of an incorrect
    frame) appears, and one at the best moment of form: the frame judged
    correct whose rules sit furthest inside their ranges (the closest to it
    when none is correct).
    """

    def __init__(self, max_faults: int = MAX_FAULT_SHOTS, gates: set[str] | frozenset = frozenset()):
        self.max_faults = max_faults
        self.gates = set(gates)  # starting-position rules: they must pass, their margin does not count
        self.faults: dict[str, dict] = {}
        self.best: dict | None = None
        self.first: dict | None = None  # a still for the card when nothing was judged
        self._best_score = -math.inf
        self._last_result = None

    def observe(self, image: np.ndarray, frame, result: FrameResult | None) -> None:
        if result is None or result is self._last_result:
            return  # frames between sampled ones repeat the last result
        self._last_result = result
        a = result.assessment
        t = frame.timestamp_s
        if self.first is None or (self.first["pose"] is None and result.pose is not None):
            self.first = {"t": t, "image": image, "cue": result.cue or a.cue, "pose": result.pose}
        if a.state is State.INCORRECT:
            failing = next((r for r in a.results if r.ok is False), None)
            if failing is not None:
                key = f"{result.exercise}:{failing.name}"
                if key not in self.faults and len(self.faults) < self.max_faults:
                    self.faults[key] = {"t": t, "image": image, "rule": failing.name, "cue": failing.cue,
                                        "exercise": result.exercise}
        if a.results and a.state in (State.CORRECT, State.INCORRECT):
            judged = [r for r in a.results if r.name not in self.gates] or list(a.results)
            score = min(_margin(r) for r in judged)
            score += 2.0 * (a.state is State.CORRECT) + 1.0 * (result.state is State.CORRECT)
            if score > self._best_score + 1e-9:
                self._best_score = score
                self.best = {"t": t, "image": image, "results": a.results, "exercise": result.exercise,
                             "correct": a.state is State.CORRECT}


def _write_jpeg(path: Path, image: np.ndarray) -> None:
    import cv2

    h, w = image.shape[:2]
    if max(h, w) > STILL_MAX_SIDE:
        scale = STILL_MAX_SIDE / max(h, w)
        image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise PosecheckError(f"{path}: cannot encode JPEG")
    write_atomic(path, data.tobytes())


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Temp file beside ``path``, then renamed into place; readable like any other new file."""
    from posecheck.io.outputs import atomic_path
    from posecheck.io.outputs import match_umask

    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        match_umask(tmp)


# -- one clip (runs in a worker process) ---------------------------------------

@dataclass
class ClipJob:
    index: int
    path: str
    folder: str  # the clip's asset folder name inside the report folder
    out: str  # the report folder
    exercise: str = "auto"
    model: str | None = None
    config: str | None = None
    sample_fps: float | None = None


@dataclass
class ClipReport:
    index: int
    path: str
    name: str
    folder: str
    date: str = ""
    error: str | None = None
    summary: dict = field(default_factory=dict)
    exercise: str | None = None
    title: str = ""
    instructions: str = ""
    score: int | None = None
    video: str | None = None  # file name inside folder
    video_start_s: float = 0.0
    stills: list[dict] = field(default_factory=list)  # file, t, caption, kind
    faults: list[dict] = field(default_factory=list)
    plots: list[dict] = field(default_factory=list)  # name, description, svg
    timeline: str = ""
    seconds: float = 0.0


_PROGRESS_QUEUE = None


def _init_worker(progress_queue) -> None:
    global _PROGRESS_QUEUE
    _PROGRESS_QUEUE = progress_queue


class _Ticker:
    """Counts decoded frames and reports them in small batches (to a queue or a callback)."""

    def __init__(self, index: int, callback=None):
        self.index = index
        self.callback = callback
        self.pending = 0

    def tick(self) -> None:
        self.pending += 1
        if self.pending >= 10:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        n, self.pending = self.pending, 0
        if self.callback is not None:
            self.callback(self.index, n)
        elif _PROGRESS_QUEUE is not None:
            try:
                _PROGRESS_QUEUE.put_nowait((self.index, n))
            except Exception:
                pass


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, PosecheckError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def analyze_clip(job: ClipJob, progress_callback=None) -> ClipReport:
    """Analyses one clip and writes its files; never raises for a bad clip (the error is returned)."""
    start = time.monotonic()
    path = Path(job.path)
    report = ClipReport(index=job.index, path=str(path), name=path.name, folder=job.folder)
    ticker = _Ticker(job.index, progress_callback)
    folder = Path(job.out) / job.folder
    try:
        report.date = clip_date(path)
        _analyze_into(job, report, folder, ticker)
    except Exception as exc:  # one bad clip must not stop the others
        report.error = _one_line(exc)
        with_contents = folder.is_dir() and any(folder.iterdir())
        if folder.is_dir() and not with_contents:
            folder.rmdir()
    finally:
        ticker.flush()
    report.seconds = time.monotonic() - start
    return report


def _analyze_into(job: ClipJob, report: ClipReport, folder: Path, ticker: _Ticker) -> None:
    from posecheck.config import load_settings
    from posecheck.io.outputs import csv_text, json_line
    from posecheck.run.pipeline import AUTO, AnalyzeOptions, analyze_file
    from posecheck.io.sources import kind_of
    from posecheck.draw.annotated import AnnotatedVideo, Annotator
    from posecheck.io.video import probe_fps

    settings = load_settings(job.config)
    fixed = None if job.exercise == AUTO else settings.exercise(job.exercise)
    path = Path(job.path)
    kind = kind_of(path)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob("fault-*.jpg"), folder / "best.jpg", folder / "frame.jpg"]:
        stale.unlink(missing_ok=True)  # stills of an earlier report into the same folder
    keys = KeyFrames(gates={r.name for ex in settings.exercises.values() for r in ex.rules if r.gate})
    options = AnalyzeOptions(model=job.model, settings=settings, sample_fps=job.sample_fps, progress=False)

    def on_frame(image, frame, result):
        keys.observe(image, frame, result)
        ticker.tick()

    video: AnnotatedVideo | None = None
    if kind == "video":
        video = AnnotatedVideo(folder / VIDEO_NAME, probe_fps(path), exercises=settings.exercises,
                               exercise=fixed, max_side=VIDEO_MAX_SIDE, on_frame=on_frame)
        with video:
            analysis = analyze_file(str(path), job.exercise, options, sink=video)
        report.video = VIDEO_NAME
        report.video_start_s = video.start_s
    else:
        annotate = Annotator(settings.exercises, fixed, VIDEO_MAX_SIDE)  # a still: no video

        def still(frame, result):
            # One frame has no time to dwell in: show the frame's own judgement.
            result = replace(result, state=result.assessment.state, cue=result.assessment.cue)
            on_frame(annotate(frame.image, result), frame, result)

        analysis = analyze_file(str(path), job.exercise, options, sink=still)
    summary = analysis.summary
    report.summary = summary
    ex_id = summary.get("exercise")
    exercise = settings.exercises.get(ex_id) if ex_id else None
    report.exercise = ex_id
    report.title = exercise.title if exercise else "no exercise recognised"
    report.instructions = exercise.instructions if exercise else ""
    report.score = clip_score(summary)

    rule_names = sorted({r.name for fr in analysis.frames for r in fr.assessment.results})
    write_atomic(folder / CSV_NAME, csv_text(analysis.frames, rule_names))
    write_atomic(folder / JSON_NAME, json_line(summary) + "\n")

    frames = analysis.frames
    t0 = frames[0].timestamp_s if frames else 0.0
    t1 = t0 + float(summary.get("duration_s") or 0.0)
    if t1 <= t0:
        t1 = (frames[-1].timestamp_s if frames else t0) + 1e-3
    video_id = f"video-{job.index:02d}" if report.video else None
    offset = report.video_start_s

    # Key frames.
    for n, shot in enumerate(sorted(keys.faults.values(), key=lambda s: s["t"]), start=1):
        name = f"fault-{n}.jpg"
        _write_jpeg(folder / name, shot["image"])
        report.stills.append({"file": name, "t": shot["t"], "kind": "fault", "rule": shot["rule"],
                              "caption": shot["cue"] or shot["rule"]})
    if keys.best is not None:
        _write_jpeg(folder / "best.jpg", keys.best["image"])
        units = _units(settings, keys.best["exercise"])
        values = ", ".join(f"{r.name} {_fmt_value(r.value, units.get(r.name, 'deg'))}"
                           for r in keys.best["results"])
        lead = "Best form" if keys.best["correct"] else "Closest to correct form"
        report.stills.append({"file": "best.jpg", "t": keys.best["t"], "kind": "best",
                              "caption": f"{lead}: {values}"})

    if not report.stills and keys.first is not None:
        _write_jpeg(folder / "frame.jpg", keys.first["image"])
        report.stills.append({"file": "frame.jpg", "t": keys.first["t"], "kind": "frame",
                              "caption": keys.first["cue"] or "not judged"})

    # Faults with every spell, for seeking.
    episodes = fault_episodes(frames)
    for fault in summary.get("faults") or []:
        spells = episodes.get(fault["rule"], [])
        report.faults.append({"rule": fault["rule"], "cue": fault.get("cue", ""), "seconds": fault.get("seconds", 0.0),
                              "first_s": fault.get("first_s", 0.0),
                              "spells": [[round(a, 3), round(b, 3)] for a, b in spells[:20]],
                              "more": max(0, len(spells) - 20)})

    report.timeline = svg_timeline(summary.get("segments") or [], t0, t1, video_id, offset)
    units = {}
    descriptions = {}
    for ex in settings.exercises.values():
        for rule in ex.rules:
            units.setdefault(rule.name, rule.unit)
            descriptions.setdefault(rule.name, rule.description)
    if exercise is not None:  # the clip's own exercise wins for shared rule names
        units.update({r.name: r.unit for r in exercise.rules})
        descriptions.update({r.name: r.description for r in exercise.rules})
    for name, series in rule_series(frames, units).items():
        report.plots.append({"name": name, "description": descriptions.get(name, ""), "unit": series.unit,
                             "svg": svg_rule_plot(series, t0, t1, video_id, offset, descriptions.get(name, ""))})


def _units(settings, exercise_id) -> dict[str, str]:
    ex = settings.exercises.get(exercise_id) if exercise_id else None
    return {r.name: r.unit for r in ex.rules} if ex else {}


def _fmt_value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "?"
    if unit == "deg":
        return f"{value:.0f}\u00b0"
    return f"{value:.2f}" + (f" {unit}" if unit and unit != "ratio" else "")


# -- the page ------------------------------------------------------------------

CSS = """
:root{--fg:#1d2327;--muted:#5f6b73;--line:#dde3e7;--card:#fff;--bg:#f4f6f8;--ok:#2e9e4f;--bad:#d64545}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header,main,footer{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:0 0 8px;overflow-wrap:anywhere}h3{font-size:1.02em;margin:18px 0 6px}
.muted{color:var(--muted)}
.safety{background:#fff8e1;border-left:4px solid #e0a800;padding:8px 12px;margin:12px 0}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f4;white-space:nowrap}
th.sortable{cursor:pointer;user-select:none}
th.sortable::after{content:" \\2195";color:#9aa0a6}
th[aria-sort=ascending]::after{content:" \\2191";color:var(--fg)}
th[aria-sort=descending]::after{content:" \\2193";color:var(--fg)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.name{overflow-wrap:anywhere}
td.date{white-space:nowrap}
.clip{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;margin:18px 0}
.clip.failed{border-color:var(--bad)}
.error{color:var(--bad);font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
.facts dt{color:var(--muted)}.facts dd{margin:0}
video{width:100%;max-height:70vh;background:#000;border-radius:6px}
svg{display:block;width:100%;height:auto}
svg .tick{font-size:12px;fill:#5f6b73}
svg.timeline{height:28px;border-radius:4px}
.seek{cursor:pointer}
.legend span{display:inline-block;margin-right:14px;font-size:.9em}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.stills{display:flex;flex-wrap:wrap;gap:12px}
.stills figure{margin:0;width:300px;max-width:100%}
.stills img{width:100%;border-radius:4px;border:1px solid var(--line)}
.stills figcaption{font-size:.92em}
ul.faults{padding-left:18px}ul.faults li{margin:4px 0}
a.seek{color:#1f5fa8}
.score{font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:.85em}
.files a{margin-right:14px}
"""

JS = """
(function(){
  function seek(videoId, t){
    var v = document.getElementById(videoId);
    if(!v) return;
    v.pause();
    v.currentTime = t;
    v.scrollIntoView({block:'nearest'});
  }
  document.addEventListener('click', function(ev){
    var el = ev.target.closest ? ev.target.closest('[data-t][data-video]') : null;
    if(el){ ev.preventDefault(); seek(el.getAttribute('data-video'), parseFloat(el.getAttribute('data-t'))); return; }
    var plot = ev.target.closest ? ev.target.closest('svg.plot[data-video]') : null;
    if(plot){
      var box = plot.getBoundingClientRect();
      var scale = 1000 / box.width;
      var x = (ev.clientX - box.left) * scale - parseFloat(plot.getAttribute('data-left'));
      var f = x / parseFloat(plot.getAttribute('data-width'));
      if(f >= 0 && f <= 1){
        var t0 = parseFloat(plot.getAttribute('data-t0')), t1 = parseFloat(plot.getAttribute('data-t1'));
        seek(plot.getAttribute('data-video'), Math.max(0, t0 + f * (t1 - t0)));
      }
    }
  });
  var table = document.getElementById('index');
  if(!table) return;
  var heads = table.querySelectorAll('th.sortable');
  heads.forEach(function(th, _){
    th.addEventListener('click', function(){
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.getAttribute('data-type') === 'num';
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function(h){ h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function(a, b){
        var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
        if(numeric){
          x = x === '' ? -Infinity : parseFloat(x); y = y === '' ? -Infinity : parseFloat(y);
          return asc ? x - y : y - x;
        }
        return asc ? x.localeCompare(y) : y.localeCompare(x);
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
})();
"""


def _legend() -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{STATE_COLORS[s]}"></i>{esc(STATE_LABELS[s])}</span>'
        for s in ("correct", "incorrect", "uncertain", "no_person")) + "</div>"


def _index_table(reports: list[ClipReport]) -> str:
    head = ('<table id="index"><thead><tr>'
            '<th class="sortable" data-type="num">#</th>'
            '<th class="sortable">clip</th>'
            '<th class="sortable">date</th>'
            '<th class="sortable">exercise</th>'
            '<th class="sortable">verdict</th>'
            '<th class="sortable" data-type="num">reached</th>'
            '<th class="sortable" data-type="num">correct</th>'
            '<th class="sortable" data-type="num" title="half goal reached, half share of time in correct form">'
            'score</th></tr></thead><tbody>')
    rows = []
    for r in reports:
        anchor = f"#clip-{r.index:02d}"
        name = f'<a href="{anchor}">{esc(r.name)}</a>'
        if r.error:
            rows.append(
                f'<tr class="failed"><td class="num" data-sort="{r.index}">{r.index}</td>'
                f'<td class="name" data-sort="{esc(r.name.lower())}">{name}</td>'
                f'<td class="date" data-sort="{esc(r.date)}">{esc(r.date)}</td>'
                f'<td data-sort="">-</td>'
                f'<td data-sort="error" class="error">error: {esc(r.error)}</td>'
                f'<td class="num" data-sort=""></td><td class="num" data-sort=""></td>'
                f'<td class="num" data-sort=""></td></tr>')
            continue
        s = r.summary
        share = correct_share(s)
        verdict = s.get("verdict", "")
        color = STATE_COLORS.get(verdict, "#9aa0a6")
        rows.append(
            f'<tr><td class="num" data-sort="{r.index}">{r.index}</td>'
            f'<td class="name" data-sort="{esc(r.name.lower())}">{name}</td>'
            f'<td class="date" data-sort="{esc(r.date)}">{esc(r.date)}</td>'
            f'<td data-sort="{esc(r.exercise or "")}">{esc(r.exercise or "-")}</td>'
            f'<td data-sort="{esc(verdict)}"><span class="badge" style="background:{color}">'
            f'{esc(STATE_LABELS.get(verdict, verdict))}</span></td>'
            f'<td class="num" data-sort="{goal_fraction(s):.4f}">{esc(reached_short(s))}</td>'
            f'<td class="num" data-sort="{share:.4f}">{share * 100:.0f}%</td>'
            f'<td class="num score" data-sort="{r.score}">{r.score}</td></tr>')
    return head + "".join(rows) + "</tbody></table>"


def _clip_card(r: ClipReport) -> str:
    cid = f"clip-{r.index:02d}"
    if r.error:
        return (f'<section class="clip failed" id="{cid}"><h2>{r.index:02d} &middot; {esc(r.name)}</h2>'
                f'<p class="error">{esc(r.error)}</p>'
                f'<p class="muted">{esc(r.path)}</p></section>')
    s = r.summary
    goal, reached = goal_text(s)
    share = correct_share(s)
    video_id = f"video-{r.index:02d}"
    parts = [f'<section class="clip" id="{cid}" data-score="{r.score}">',
             f'<h2>{r.index:02d} &middot; {esc(r.name)}</h2>',
             '<dl class="facts">',
             f'<dt>exercise</dt><dd>{esc(r.title)}' + (f' <span class="muted">({esc(r.exercise)})</span>'
                                                      if r.exercise else "") + "</dd>"]
    if r.instructions:
        parts.append(f"<dt>how</dt><dd>{esc(r.instructions)}</dd>")
    if s.get("kind") == "image":
        verdict = s.get("verdict", "")
        parts += [f"<dt>verdict</dt><dd>{esc(STATE_LABELS.get(verdict, verdict))}"
                  + (f": {esc(s['cue'])}" if s.get("cue") else "") + "</dd>",
                  f'<dt>score</dt><dd class="score">{r.score} / 100</dd>',
                  f"<dt>recorded</dt><dd>{esc(r.date)}</dd>",
                  f"<dt>image</dt><dd>{esc(s.get('width', ''))} x {esc(s.get('height', ''))} pixels</dd>"]
    else:
        reps = s.get("reps") is not None and not s.get("target_reps")
        parts += [f"<dt>goal</dt><dd>{esc(goal)}</dd>",
                  f"<dt>reached</dt><dd>{esc(reached)}" + (f", {s['reps']} reps" if reps else "") + "</dd>",
                  f"<dt>correct form</dt><dd>{share * 100:.0f}% of the clip</dd>",
                  f'<dt>score</dt><dd class="score">{r.score} / 100</dd>',
                  f"<dt>recorded</dt><dd>{esc(r.date)}</dd>",
                  f"<dt>length</dt><dd>{float(s.get('duration_s') or 0):.1f} s, {esc(s.get('frames', ''))} "
                  "frames" + (f" judged (at most {float(s['sample_fps']):g} per second) of a "
                              f"{float(s.get('fps') or 0):.2f} fps video" if s.get("sample_fps")
                              else f" at {float(s['fps']):.2f} fps" if s.get("fps") else "") + "</dd>"]
    spans = s.get("exercise_segments") or []
    if len(spans) > 1:
        items = "; ".join(f"{fmt_time(p.get('start_s'))}-{fmt_time(p.get('end_s'))} {p.get('exercise')}"
                          for p in spans)
        parts.append(f"<dt>exercises seen</dt><dd>{esc(items)}</dd>")
    for warning in s.get("warnings") or []:
        parts.append(f'<dt>warning</dt><dd class="error">{esc(warning)}</dd>')
    parts.append("</dl>")
    if r.video:
        src = href(r.folder, r.video)
        parts.append(f'<video id="{video_id}" controls preload="metadata" playsinline src="{src}"></video>')
    if s.get("kind") != "image":
        parts.append("<h3>Timeline</h3>" + r.timeline + _legend())
    parts.append("<h3>Faults</h3>")
    if r.faults:
        parts.append('<ul class="faults">')
        for f in r.faults:
            links = []
            for a, b in f["spells"] or [[f["first_s"], f["first_s"]]]:
                t = max(0.0, a - r.video_start_s)
                if r.video:
                    links.append(f'<a href="#{video_id}" class="seek" data-video="{video_id}" data-t="{t:.3f}">'
                                 f'{fmt_time(a)}</a>')
                else:
                    links.append(fmt_time(a))
            more = f" and {f['more']} more" if f.get("more") else ""
            parts.append(f'<li><strong>{esc(f["cue"] or f["rule"])}</strong> '
                         f'<span class="muted">({esc(f["rule"])}, {float(f["seconds"]):.1f} s in all)</span><br>'
                         f'at {", ".join(links)}{more}</li>')
        parts.append("</ul>")
    else:
        parts.append('<p class="muted">No faults.</p>')
    if r.stills:
        parts.append('<h3>Key frames</h3><div class="stills">')
        for still in r.stills:
            t = max(0.0, still["t"] - r.video_start_s)
            seek = f' class="seek" data-video="{video_id}" data-t="{t:.3f}"' if r.video else ""
            label = {"fault": "Fault", "best": "Best form"}.get(still["kind"], "Frame")
            parts.append(f'<figure><img{seek} src="{href(r.folder, still["file"])}" loading="lazy" '
                         f'alt="{esc(label)} at {fmt_time(still["t"])}">'
                         f'<figcaption>{fmt_time(still["t"])} &middot; {esc(still["caption"])}</figcaption></figure>')
        parts.append("</div>")
    if s.get("kind") == "image" and s.get("rules"):
        parts.append("<h3>Rules</h3><table><thead><tr><th>rule</th><th>value</th><th>accepted</th>"
                     "<th>result</th></tr></thead><tbody>")
        units = {p["name"]: p.get("unit", "deg") for p in r.plots}
        for rule in s["rules"]:
            unit = units.get(rule["rule"], "deg")
            value = rule.get("value")
            shown = _fmt_value(value, unit) if isinstance(value, (int, float)) else "?"
            outcome = {True: "ok", False: rule.get("cue") or "fails", None: "not seen"}.get(rule.get("ok"), "")
            parts.append(f'<tr><td>{esc(rule["rule"])}</td><td class="num">{esc(shown)}</td>'
                         f'<td>{esc(_fmt_value(rule.get("low", math.nan), unit))} to '
                         f'{esc(_fmt_value(rule.get("high", math.nan), unit))}</td><td>{esc(outcome)}</td></tr>')
        parts.append("</tbody></table>")
    elif r.plots:
        parts.append("<h3>Rules over time</h3>")
        for plot in r.plots:
            parts.append(f'<p><strong>{esc(plot["name"])}</strong> <span class="muted">'
                         f'{esc(plot["description"])}</span></p>{plot["svg"]}')
    parts.append('<p class="files">'
                 + (f'<a href="{href(r.folder, r.video)}">annotated video</a>' if r.video else "")
                 + f'<a href="{href(r.folder, CSV_NAME)}">per-frame CSV</a>'
                 f'<a href="{href(r.folder, JSON_NAME)}">summary JSON</a></p>')
    parts.append("</section>")
    return "".join(parts)


def render_index(reports: list[ClipReport], generated: str | None = None) -> str:
    generated = generated or dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    failed = sum(r.error is not None for r in reports)
    counts = f"{len(reports)} clip{'s' if len(reports) != 1 else ''}" + (f", {failed} failed" if failed else "")
    body = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="posecheck {esc(__version__)}">',
        "<title>posecheck report</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>posecheck report</h1>",
        f'<p class="muted">{esc(counts)}; generated {esc(generated)} by posecheck {esc(__version__)}.</p>',
        f'<p class="safety">{esc(SAFETY_NOTE)}</p></header>',
        "<main>",
        _index_table(reports),
        *(_clip_card(r) for r in reports),
        "</main>",
        f'<footer><p class="safety">{esc(SAFETY_NOTE)}</p></footer>',
        f"<script>{JS}</script>",
        "</body></html>",
    ]
    return "\n".join(body) + "\n"


# -- the batch -----------------------------------------------------------------

def _frame_count(path: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        return max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
    finally:
        cap.release()


def resolve_exercise(name: str | None, settings=None) -> str:
    """'auto' (the default) or a known exercise id; an unknown name lists the valid ones."""
    from posecheck.config import Settings
    from posecheck.run.pipeline import AUTO

    if name is None or name == AUTO:
        return AUTO
    (settings or Settings()).exercise(name)
    return name


def plan_jobs(paths: list[Path], out: Path, exercise: str, model=None, config=None, sample_fps=None) -> list[ClipJob]:
    width = max(2, len(str(len(paths))))
    jobs = []
    for i, path in enumerate(paths, start=1):
        folder = f"{i:0{width}d}-{slugify(path.stem)}"
        jobs.append(ClipJob(index=i, path=str(path), folder=folder, out=str(out), exercise=exercise, model=model,
                            config=config, sample_fps=sample_fps))
    return jobs


def build_report(inputs: list[str | os.PathLike], out: str | os.PathLike, exercise: str | None = "auto",
                 jobs: int | None = None, model: str | None = None, config: str | None = None,
                 sample_fps: float | None = None, progress: bool | None = None) -> list[ClipReport]:
    """Analyses every clip and writes the report folder; returns one ClipReport per clip."""
    from posecheck.config import load_settings
    from posecheck.run.progress import Progress

    out = Path(out)
    paths = expand_inputs(inputs)
    exercise = resolve_exercise(exercise, load_settings(config))
    if out.exists() and not out.is_dir():
        raise PosecheckError(f"{out}: exists and is not a folder")
    resolved_out = out.resolve()
    for p in paths:
        if p.resolve() == resolved_out / "index.html":
            raise PosecheckError(f"{p}: is the report's own index.html")
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise PosecheckError(f"{out}: folder is not writable")
    plan = plan_jobs(paths, out, exercise, model=model, config=config, sample_fps=sample_fps)
    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(plan)))

    from posecheck.io.sources import kind_of

    expected = {job.index: _frame_count(Path(job.path)) if kind_of(job.path) == "video" else 1 for job in plan}
    done = {job.index: 0 for job in plan}
    bar = Progress(sum(expected.values()) or len(plan), label="report", enabled=progress)

    def advance(index: int, n: int) -> None:
        room = max(0, expected[index] - done[index])
        done[index] += n
        if room:
            bar.update(min(n, room))

    def finish(index: int) -> None:
        left = expected[index] - done[index]
        if left > 0:
            done[index] = expected[index]
            bar.update(left)
        elif not any(expected.values()):
            bar.update(1)

    reports: dict[int, ClipReport] = {}
    try:
        if n_jobs == 1:
            for job in plan:
                reports[job.index] = analyze_clip(job, progress_callback=advance)
                finish(job.index)
        else:
            reports = _run_pool(plan, n_jobs, advance, finish)
    finally:
        bar.close()
    ordered = [reports[job.index] for job in plan]
    write_atomic(out / "index.html", render_index(ordered))
    return ordered


def _run_pool(plan: list[ClipJob], n_jobs: int, advance, finish) -> dict[int, ClipReport]:
    """Clips over a pool of worker processes (spawned: MediaPipe's threads do not survive fork).

    A worker that dies (a crash in native code on some file) breaks the whole
    pool; the clips it took down with it are then retried one per fresh
    process, so only the clip that crashes again is reported as crashed.
    """
    ctx = multiprocessing.get_context("spawn")
    progress_queue = ctx.Queue()
    reports: dict[int, ClipReport] = {}

    def drain() -> None:
        while True:
            try:
                index, n = progress_queue.get_nowait()
            except queue_mod.Empty:
                return
            except (OSError, EOFError, ValueError):
                return
            advance(index, n)

    def run(jobs: list[ClipJob], workers: int) -> list[ClipJob]:
        """Runs ``jobs``; returns those lost to a broken pool."""
        lost: list[ClipJob] = []
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                    initargs=(progress_queue,)) as pool:
            futures = {pool.submit(analyze_clip, job): job for job in jobs}
            pending = set(futures)
            while pending:
                finished, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                drain()
                for fut in finished:
                    job = futures[fut]
                    try:
                        reports[job.index] = fut.result()
                    except Exception as exc:  # the pool broke: a worker died, or could not start
                        if len(jobs) == 1:
                            reports[job.index] = _crashed(job, exc)
                        else:
                            lost.append(job)
                            continue
                    finish(job.index)
        drain()
        return lost

    try:
        lost = run(plan, n_jobs)
        for job in sorted(lost, key=lambda j: j.index):
            run([job], 1)
    finally:
        progress_queue.close()
    return reports


def _crashed(job: ClipJob, exc: BaseException) -> ClipReport:
    _clean_failed_folder(Path(job.out) / job.folder)
    return ClipReport(index=job.index, path=job.path, name=Path(job.path).name, folder=job.folder,
                      error=f"analysis crashed: {_one_line(exc)}")


def _clean_failed_folder(folder: Path) -> None:
    """Leftovers of a crashed worker: hidden temporary files only; the folder if then empty."""
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        if p.name.startswith(".") and p.is_file():
            try:
                p.unlink()
            except OSError:
                pass
    try:
        folder.rmdir()
    except OSError:
        pass
