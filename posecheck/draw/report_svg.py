"""Inline SVG of the report: the states over a clip as a bar, each rule's value over time.

A click on a segment of the bar or on a plot seeks the clip's video there:
the SVG carries ``data-video`` (the ``<video>`` id) and ``data-t`` or the
plot's time span, read by the page's script (``posecheck.draw.report_assets``).
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.draw.report_text import STATE_COLORS, STATE_LABELS, esc, fmt_time
from posecheck.judge.series import Series

PLOT_POINTS = 800  # rule plots are decimated to about this many points


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
