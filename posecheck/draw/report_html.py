"""The report page: an index table of the clips, then one card per clip, in one offline HTML file.

``render_index`` turns one ``ClipReport`` per clip (what the analysis found,
with its SVG already drawn) into the page. Every text that comes from the user
(file names, metadata, cues) is HTML-escaped, asset names are slugs, and hrefs
are URL-quoted. Each fault link carries ``data-t`` (seconds into the clip's
video) and ``data-video`` (the id of the clip's ``<video>``, ``video-NN``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from posecheck import __version__
from posecheck.draw.report_assets import CSS, JS
from posecheck.draw.words import exercise_title
from posecheck.draw.report_text import (
    SAFETY_NOTE,
    STATE_COLORS,
    STATE_LABELS,
    esc,
    fmt_time,
    fmt_value,
    goal_text,
    href,
    reached_short,
)
from posecheck.judge.summary import Summary

# A clip's files in its folder of the report, linked from its card.
VIDEO_NAME = "video.mp4"
CSV_NAME = "frames.csv"
JSON_NAME = "summary.json"


@dataclass
class ClipReport:
    """What the page shows of one clip: the analysis's figures and drawings, or its one-line error."""

    index: int
    path: str
    name: str
    folder: str
    date: str = ""
    error: str | None = None
    summary: Summary | None = None  # None when the clip failed
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
        share = s.correct_share or 0.0
        verdict = s.verdict.value
        color = STATE_COLORS.get(verdict, "#9aa0a6")
        rows.append(
            f'<tr><td class="num" data-sort="{r.index}">{r.index}</td>'
            f'<td class="name" data-sort="{esc(r.name.lower())}">{name}</td>'
            f'<td class="date" data-sort="{esc(r.date)}">{esc(r.date)}</td>'
            f'<td data-sort="{esc(r.exercise or "")}">{esc(exercise_title(r.exercise) if r.exercise else "-")}</td>'
            f'<td data-sort="{esc(verdict)}"><span class="badge" style="background:{color}">'
            f'{esc(STATE_LABELS.get(verdict, verdict))}</span></td>'
            f'<td class="num" data-sort="{s.goal_fraction:.4f}">{esc(reached_short(s))}</td>'
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
    share = s.correct_share or 0.0
    video_id = f"video-{r.index:02d}"
    parts = [f'<section class="clip" id="{cid}" data-score="{r.score}">',
             f'<h2>{r.index:02d} &middot; {esc(r.name)}</h2>',
             '<dl class="facts">',
             f'<dt>exercise</dt><dd>{esc(r.title)}' + (f' <span class="muted">({esc(r.exercise)})</span>'
                                                      if r.exercise else "") + "</dd>"]
    if r.instructions:
        parts.append(f"<dt>how</dt><dd>{esc(r.instructions)}</dd>")
    if s.kind == "image":
        verdict = s.verdict.value
        parts += [f"<dt>verdict</dt><dd>{esc(STATE_LABELS.get(verdict, verdict))}"
                  + (f": {esc(s.cue)}" if s.cue else "") + "</dd>",
                  f'<dt>score</dt><dd class="score">{r.score} / 100</dd>',
                  f"<dt>recorded</dt><dd>{esc(r.date)}</dd>",
                  f"<dt>image</dt><dd>{esc(s.width)} x {esc(s.height)} pixels</dd>"]
    else:
        reps = s.figures.reps is not None and not s.figures.target_reps
        parts += [f"<dt>goal</dt><dd>{esc(goal)}</dd>",
                  f"<dt>reached</dt><dd>{esc(reached)}" + (f", {s.figures.reps} reps" if reps else "") + "</dd>",
                  f"<dt>correct form</dt><dd>{share * 100:.0f}% of the clip</dd>",
                  f'<dt>score</dt><dd class="score">{r.score} / 100</dd>',
                  f"<dt>recorded</dt><dd>{esc(r.date)}</dd>",
                  f"<dt>length</dt><dd>{float(s.duration_s or 0):.1f} s, {esc(s.frames)} "
                  "frames" + (f" judged (at most {float(s.sample_fps):g} per second) of a "
                              f"{float(s.fps or 0):.2f} fps video" if s.sample_fps
                              else f" at {float(s.fps):.2f} fps" if s.fps else "") + "</dd>"]
    spans = s.exercise_segments
    if len(spans) > 1:
        items = "; ".join(f"{fmt_time(p.start_s)}-{fmt_time(p.end_s)} {exercise_title(p.figures.exercise)}"
                          for p in spans)
        parts.append(f"<dt>exercises seen</dt><dd>{esc(items)}</dd>")
    for warning in s.warnings:
        parts.append(f'<dt>warning</dt><dd class="error">{esc(warning)}</dd>')
    parts.append("</dl>")
    if r.video:
        src = href(r.folder, r.video)
        parts.append(f'<video id="{video_id}" controls preload="metadata" playsinline src="{src}"></video>')
    if s.kind != "image":
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
    if s.kind == "image" and s.rules:
        parts.append("<h3>Rules</h3><table><thead><tr><th>rule</th><th>value</th><th>accepted</th>"
                     "<th>result</th></tr></thead><tbody>")
        units = {p["name"]: p.get("unit", "deg") for p in r.plots}
        for rule in s.rules:
            unit = units.get(rule.rule, "deg")
            shown = fmt_value(rule.value, unit) if isinstance(rule.value, (int, float)) else "?"
            outcome = {True: "ok", False: rule.cue or "fails", None: "not seen"}.get(rule.ok, "")
            low, high = (math.nan if v is None else v for v in (rule.low, rule.high))
            parts.append(f'<tr><td>{esc(rule.rule)}</td><td class="num">{esc(shown)}</td>'
                         f'<td>{esc(fmt_value(low, unit))} to '
                         f'{esc(fmt_value(high, unit))}</td><td>{esc(outcome)}</td></tr>')
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
