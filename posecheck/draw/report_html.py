"""The report page: an index table of the clips, then one card per clip, in one offline HTML file.

``render_index`` turns one ``ClipReport`` per clip (what the analysis found,
with its SVG already drawn) into the page. Every text that comes from the user
(file names, metadata, cues) is HTML-escaped, asset names are slugs, and hrefs
are URL-quoted. Each fault link carries ``data-t`` (seconds into the clip's
video) and ``data-video`` (the id of the clip's ``<video>``, ``video-NN``).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

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
    GOAL_COLORS,
    figures_short,
    goal_text,
    href,
    reached_short,
)
from posecheck.judge.summary import GOAL_VERDICT_LABELS, RoutineExercise, Summary

# A clip's files in its folder of the report, linked from its card.
VIDEO_NAME = "video.mp4"
CSV_NAME = "frames.csv"
JSON_NAME = "summary.json"
INDEX_NAME = "index.html"  # the page with the videos, beside the clips' folders
ONE_FILE_NAME = "report.html"  # the same page in one file to attach: key frames and plots inside, no videos


@dataclass
class ClipReport:
    """What the page shows of one clip: the analysis's figures and drawings, or its one-line error."""

    index: int
    path: str
    name: str
    folder: str
    date: str = ""
    date_note: str = ""  # where the date was read: the video's creation time, or the file's
    recorded_at: str | None = None  # the same, ISO with its zone (what the history stores)
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
    exercise_timelines: list[str] = field(default_factory=list)  # a routine's: one per Summary.exercises
    exercise_plots: list[list[dict]] = field(default_factory=list)  # a routine's: its plots, per exercise
    seconds: float = 0.0
    # This session against the client's earlier ones from the history, one row per exercise and side:
    # exercise, side, now (text), earlier [[date, text], ...] latest last, change (text).
    comparison: list[dict] = field(default_factory=list)


def _badge(s: Summary) -> tuple[str, str]:
    """(the badge's HTML, its sort key): how the goal went, or a still's judgement."""
    verdict = s.goal_verdict
    if verdict is None:
        state = s.verdict.value
        return (f'<span class="badge" style="background:{STATE_COLORS.get(state, "#9aa0a6")}">'
                f'{esc(STATE_LABELS.get(state, state))}</span>', state)
    return (f'<span class="badge goal-{verdict}" style="background:{GOAL_COLORS[verdict]}">'
            f'{esc(GOAL_VERDICT_LABELS[verdict])}</span>', verdict)


def _goal_badge(verdict: str | None) -> str:
    if verdict is None:
        return '<span class="badge" style="background:#9aa0a6">no goal</span>'
    return (f'<span class="badge goal-{verdict}" style="background:{GOAL_COLORS[verdict]}">'
            f'{esc(GOAL_VERDICT_LABELS[verdict])}</span>')


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
            '<th class="sortable">goal</th>'
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
                f'<td data-sort="error" class="error">error: {esc(r.error.replace(r.path, r.name))}</td>'
                f'<td class="num" data-sort=""></td><td class="num" data-sort=""></td>'
                f'<td class="num" data-sort=""></td></tr>')
            continue
        s = r.summary
        share = s.correct_share or 0.0
        badge, key = _badge(s)
        rows.append(
            f'<tr><td class="num" data-sort="{r.index}">{r.index}</td>'
            f'<td class="name" data-sort="{esc(r.name.lower())}">{name}</td>'
            f'<td class="date" data-sort="{esc(r.date)}">{esc(r.date)}</td>'
            f'<td data-sort="{esc(r.exercise or "")}">{esc(r.title or r.exercise or "-")}</td>'
            f'<td data-sort="{esc(key)}">{badge}</td>'
            f'<td class="num" data-sort="{s.goal_fraction:.4f}">{esc(reached_short(s))}</td>'
            f'<td class="num" data-sort="{share:.4f}">{share * 100:.0f}%</td>'
            f'<td class="num score" data-sort="{r.score}">{r.score}</td></tr>')
    return head + "".join(rows) + "</tbody></table>"


SIDE_WORDS = {"left": "Left side", "right": "Right side", None: ""}


class _Images:
    """Where the page's stills come from: files beside it, or data URIs read from them (one file)."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder  # set: inline every still from this report folder

    def src(self, clip_folder: str, name: str) -> str:
        if self.folder is None:
            return href(clip_folder, name)
        data = (self.folder / clip_folder / name).read_bytes()
        return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _faults(r: ClipReport, video_id: str | None, faults: list[dict] | None = None) -> list[str]:
    """The faults (``faults``: these of the clip's), by side: each with its cue, rule, time in all and the
    moments it starts (links to the video)."""
    faults = r.faults if faults is None else faults
    if not faults:
        return ['<p class="muted">No faults (getting into position at the start of each side is not one).</p>']
    parts = []
    order = list(SIDE_WORDS)
    exercises = list(dict.fromkeys(f.get("exercise") for f in faults))  # a routine's, in order of appearance
    groups = sorted({(f.get("exercise"), f.get("side")) for f in faults},
                    key=lambda g: (exercises.index(g[0]),
                                   order.index(g[1]) if g[1] in order else len(order), g[1] or ""))
    for exercise, side in groups:
        words = [exercise] if len(exercises) > 1 and exercise else []
        if side is not None:
            words.append(SIDE_WORDS.get(side, side) if not words else SIDE_WORDS.get(side, side).lower())
        if words:
            parts.append(f'<h4>{esc(", ".join(words))}</h4>')
        parts.append('<ul class="faults">')
        for f in (f for f in faults if (f.get("exercise"), f.get("side")) == (exercise, side)):
            links = []
            for a, _ in f["spells"]:
                t = max(0.0, a - r.video_start_s)
                if video_id:
                    links.append(f'<a href="#{video_id}" class="seek" data-video="{video_id}" data-t="{t:.3f}">'
                                 f'{fmt_time(a)}</a>')
                else:
                    links.append(fmt_time(a))
            more = f" and {f['more']} more" if f.get("more") else ""
            parts.append(f'<li><strong>{esc(f["cue"] or f["rule"])}</strong> '
                         f'<span class="muted">({esc(f["rule"])}, {float(f["seconds"]):.1f} s in all)</span><br>'
                         f'at {", ".join(links)}{more}</li>')
        parts.append("</ul>")
    return parts


def _stills(r: ClipReport, images: _Images, video_id: str | None, stills: list[dict]) -> list[str]:
    """The key frames: each a still with its time, side and the cue it shows (a click seeks the video)."""
    if not stills:
        return []
    parts = ['<h3>Key frames</h3><div class="stills">']
    for still in stills:
        t = max(0.0, still["t"] - r.video_start_s)
        seek = f' class="seek" data-video="{video_id}" data-t="{t:.3f}"' if video_id else ""
        label = {"fault": "Fault", "best": "Best form"}.get(still["kind"], "Frame")
        side = SIDE_WORDS.get(still.get("side"), "")
        caption = f'{fmt_time(still["t"])} &middot; ' + (f"{esc(side)}: " if side else "") + esc(still["caption"])
        parts.append(f'<figure><img{seek} src="{images.src(r.folder, still["file"])}" '
                     f'alt="{esc(label)} at {fmt_time(still["t"])}">'
                     f'<figcaption>{caption}</figcaption></figure>')
    parts.append("</div>")
    return parts


def _plots(plots: list[dict]) -> list[str]:
    if not plots:
        return []
    parts = ['<h3>Rules over time</h3><div class="plots">']
    for plot in plots:
        parts.append(f'<div class="plot-block"><p><strong>{esc(plot["name"])}</strong> <span class="muted">'
                     f'{esc(plot["description"])}</span></p>{plot["svg"]}</div>')
    parts.append("</div>")
    return parts


def _comparison(r: ClipReport, client: str | None) -> list[str]:
    if not r.comparison:
        return []
    depth = max(len(row["earlier"]) for row in r.comparison)
    head = "".join(f"<th>earlier</th>" for _ in range(depth))
    parts = [f"<h3>Compared with {esc(client or 'the client')}'s earlier sessions</h3>",
             '<table class="compare"><thead><tr><th>exercise</th><th>side</th>' + head
             + "<th>this session</th><th>change</th></tr></thead><tbody>"]
    for row in r.comparison:
        earlier = [""] * (depth - len(row["earlier"])) + [
            f'{esc(text)}<br><span class="muted">{esc(day)}</span>' for day, text in row["earlier"]]
        parts.append(f'<tr><td>{esc(row["title"])}</td><td>{esc(row["side"] or "-")}</td>'
                     + "".join(f'<td class="num">{cell}</td>' for cell in earlier)
                     + f'<td class="num"><strong>{esc(row["now"])}</strong></td>'
                     f'<td class="num">{esc(row["change"])}</td></tr>')
    parts.append("</tbody></table>")
    return parts


def _notes(key: str, label: str) -> str:
    """An area the coach types into; it prints with the page and is kept in this browser for this file."""
    return (f'<div class="notes-block"><h3>{esc(label)}</h3>'
            f'<div class="notes" contenteditable="true" role="textbox" aria-multiline="true" '
            f'data-notes="{esc(key)}" aria-label="{esc(label)}"></div></div>')


def _clip_card(r: ClipReport, images: _Images, client: str | None = None) -> str:
    cid = f"clip-{r.index:02d}"
    if r.error:
        return (f'<section class="clip failed" id="{cid}"><h2>{r.index:02d} &middot; {esc(r.name)}</h2>'
                f'<p class="error">{esc(r.error)}</p>'
                f'<p class="muted">{esc(r.path)}</p></section>')
    s = r.summary
    goal, reached = goal_text(s.figures)
    if s.is_routine:
        goal = f"each exercise's own, {len(s.exercises)} exercises (a card each below)"
        reached = f"{s.goal_fraction * 100:.0f}% of the goals on average"
    share = s.correct_share or 0.0
    one_file = images.folder is not None
    video_id = f"video-{r.index:02d}" if r.video and not one_file else None
    badge, _ = _badge(s)
    when = f"{esc(r.date)}" + (f' <span class="muted">({esc(r.date_note)})</span>' if r.date_note else "")
    parts = [f'<section class="clip" id="{cid}" data-score="{r.score}">',
             f'<h2>{r.index:02d} &middot; {esc(r.name)} {badge}</h2>',
             '<dl class="facts">',
             f'<dt>exercise</dt><dd>{esc(r.title)}' + (f' <span class="muted">({esc(r.exercise)})</span>'
                                                      if r.exercise else "") + "</dd>"]
    if client:
        parts.append(f"<dt>client</dt><dd>{esc(client)}</dd>")
    parts.append(f"<dt>date</dt><dd>{when}</dd>")
    if r.instructions:
        parts.append(f"<dt>how</dt><dd>{esc(r.instructions)}</dd>")
    if s.kind == "image":
        verdict = s.verdict.value
        parts += [f"<dt>verdict</dt><dd>{esc(STATE_LABELS.get(verdict, verdict))}"
                  + (f": {esc(s.cue)}" if s.cue else "") + "</dd>",
                  f'<dt>score</dt><dd class="score">{r.score} / 100</dd>',
                  f"<dt>image</dt><dd>{esc(s.width)} x {esc(s.height)} pixels</dd>"]
    else:
        reps = s.figures.reps is not None and not s.figures.target_reps
        parts += [f"<dt>goal</dt><dd>{esc(goal)}</dd>",
                  f"<dt>reached</dt><dd>{esc(reached)}" + (f", {s.figures.reps} reps" if reps else "") + "</dd>",
                  f"<dt>correct form</dt><dd>{share * 100:.0f}% of the clip</dd>",
                  f'<dt>score</dt><dd class="score">{r.score} / 100</dd>',
                  f"<dt>length</dt><dd>{float(s.duration_s or 0):.1f} s, {esc(s.frames)} "
                  "frames" + (f" judged (at most {float(s.sample_fps):g} per second) of a "
                              f"{float(s.fps or 0):.2f} fps video" if s.sample_fps
                              else f" at {float(s.fps):.2f} fps" if s.fps else "") + "</dd>"]
    spans = s.exercise_segments
    if len(spans) > 1 and not s.is_routine:
        items = "; ".join(f"{fmt_time(p.start_s)}-{fmt_time(p.end_s)} {exercise_title(p.figures.exercise)}"
                          for p in spans)
        parts.append(f"<dt>exercises seen</dt><dd>{esc(items)}</dd>")
    for warning in s.warnings:
        parts.append(f'<dt>warning</dt><dd class="error">{esc(warning)}</dd>')
    parts.append("</dl>")
    if video_id:
        src = href(r.folder, r.video)
        parts.append(f'<video id="{video_id}" controls preload="metadata" playsinline src="{src}"></video>')
    elif r.video:
        parts.append(f'<p class="muted no-video">The annotated video is not in this file: it is '
                     f'{esc(r.folder)}/{esc(r.video)} in the report folder, beside {esc(INDEX_NAME)}.</p>')
    if s.kind != "image":
        parts.append("<h3>Timeline</h3>" + r.timeline + _legend())
    if s.is_routine:
        parts += _routine_table(r, s.exercises)
    else:
        parts.append("<h3>Faults</h3>")
        parts += _faults(r, video_id)
    if not s.is_routine:
        parts += _stills(r, images, video_id, r.stills)
    parts += _comparison(r, client)
    parts.append(_notes(cid, "Coach's notes"))
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
    else:
        parts += _plots(r.plots)
    if not one_file:
        parts.append('<p class="files">'
                     + (f'<a href="{href(r.folder, r.video)}">annotated video</a>' if r.video else "")
                     + f'<a href="{href(r.folder, CSV_NAME)}">per-frame CSV</a>'
                     f'<a href="{href(r.folder, JSON_NAME)}">summary JSON</a></p>')
    parts.append("</section>")
    if s.is_routine:
        parts += [_exercise_card(r, n, e, images, video_id, client) for n, e in enumerate(s.exercises, start=1)]
    return "".join(parts)


def _exercise_id(r: ClipReport, n: int) -> str:
    return f"clip-{r.index:02d}-{n}"


def _routine_table(r: ClipReport, exercises: tuple[RoutineExercise, ...]) -> list[str]:
    """The routine's exercises at a glance, each a link to its own card."""
    parts = ['<h3>Exercises</h3><table class="routine"><thead><tr><th>#</th><th>exercise</th><th>time</th>'
             '<th>reached</th><th>goal</th></tr></thead><tbody>']
    for n, e in enumerate(exercises, start=1):
        spans = ", ".join(f"{fmt_time(a)}-{fmt_time(b)}" for a, b in e.spans)
        parts.append(f'<tr><td class="num">{n}</td><td><a href="#{_exercise_id(r, n)}">'
                     f'{esc(exercise_title(e.exercise))}</a></td><td>{esc(spans)}</td>'
                     f'<td class="num">{esc(figures_short(e.figures))}</td>'
                     f'<td>{_goal_badge(e.figures.goal_verdict)}</td></tr>')
    parts.append("</tbody></table>")
    return parts


def _exercise_card(r: ClipReport, n: int, e: RoutineExercise, images: _Images, video_id: str | None,
                   client: str | None) -> str:
    """One exercise of a routine on its own card (and printed page): its goal, holds per side, reps,
    faults by side and key frames."""
    cid = _exercise_id(r, n)
    f = e.figures
    goal, reached = goal_text(f)
    share = f.correct_share
    spans = ", ".join(f"{fmt_time(a)}-{fmt_time(b)}" for a, b in e.spans)
    parts = [f'<section class="clip exercise" id="{cid}" data-exercise="{esc(e.exercise)}">',
             f'<h2>{r.index:02d}.{n} &middot; {esc(exercise_title(e.exercise))} {_goal_badge(f.goal_verdict)}</h2>',
             '<dl class="facts">',
             f'<dt>routine</dt><dd>{esc(r.name)}, exercise {n} of {len(r.summary.exercises)}</dd>']
    if client:
        parts.append(f"<dt>client</dt><dd>{esc(client)}</dd>")
    parts += [f"<dt>time</dt><dd>{esc(spans)} ({e.duration_s:.1f} s)</dd>",
              f"<dt>goal</dt><dd>{esc(goal)}</dd>",
              f'<dt>reached</dt><dd class="reached">{esc(reached)}'
              + (f", {f.reps} reps" if f.reps is not None and not f.target_reps else "") + "</dd>"]
    if share is not None:
        parts.append(f"<dt>correct form</dt><dd>{share * 100:.0f}% of its time</dd>")
    parts.append("</dl>")
    if n <= len(r.exercise_timelines):
        parts.append("<h3>Timeline</h3>" + r.exercise_timelines[n - 1] + _legend())
    parts.append("<h3>Faults</h3>")
    parts += _faults(r, video_id, [x for x in r.faults if x.get("exercise") == e.exercise])
    parts += _stills(r, images, video_id, [x for x in r.stills if x.get("exercise") == e.exercise])
    parts.append(_notes(cid, "Coach's notes"))
    if n <= len(r.exercise_plots):
        parts += _plots(r.exercise_plots[n - 1])
    parts.append("</section>")
    return "".join(parts)


def render_index(reports: list[ClipReport], generated: str | None = None, client: str | None = None,
                 inline_from: str | Path | None = None) -> str:
    """The report page. ``inline_from`` (the report folder): the one file to attach, its key frames
    inlined as data URIs and the videos left out (the page says where they are)."""
    generated = generated or dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    images = _Images(Path(inline_from) if inline_from is not None else None)
    failed = sum(r.error is not None for r in reports)
    counts = f"{len(reports)} clip{'s' if len(reports) != 1 else ''}" + (f", {failed} failed" if failed else "")
    title = f"posecheck report: {client}" if client else "posecheck report"
    if images.folder is not None:
        what = (f"This one file holds the report with its key frames and plots; the annotated videos are "
                f"not in it (they are in the report folder, with the page {INDEX_NAME} that plays them).")
    else:
        what = (f"This page plays the annotated videos from the folders beside it; {ONE_FILE_NAME} "
                "beside it is the same report in one file to attach to an email (key frames and plots "
                "inside, no videos).")
    body = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="posecheck {esc(__version__)}">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="muted">{esc(counts)}; generated {esc(generated)} by posecheck {esc(__version__)}.</p>',
        f'<p class="muted what">{esc(what)}</p>',
        f'<p class="safety">{esc(SAFETY_NOTE)}</p></header>',
        "<main>",
        _index_table(reports),
        _notes("report", "Coach's notes on the session"),
        *(_clip_card(r, images, client) for r in reports),
        "</main>",
        f'<footer><p class="safety">{esc(SAFETY_NOTE)}</p></footer>',
        f"<script>{JS}</script>",
        "</body></html>",
    ]
    return "\n".join(body) + "\n"
