"""One clip of a report: analysed, its files written, its card's figures and drawings made.

``analyze_clip`` runs in a worker process of the report's pool (or in the
report's own process with ``--jobs 1``); everything it needs comes in its
arguments, and it never raises for a bad clip: the error comes back in the
``ClipReport``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from posecheck.draw.key_frames import KeyFrames, remove_stale_stills
from posecheck.draw.report_html import CSV_NAME, JSON_NAME, VIDEO_NAME, ClipReport
from posecheck.draw.report_svg import svg_rule_plot, svg_timeline
from posecheck.errors import PosecheckError
from posecheck.io.inputs import clip_date
from posecheck.judge.series import rule_series

VIDEO_MAX_SIDE = 1280  # annotated videos in reports are scaled down to this
MAX_FAULT_SPELLS = 20  # seek links per fault on a card; the rest are counted
TICK_FRAMES = 10  # decoded frames per progress report

# Told (clip index, frames decoded since the last call) as a clip is decoded.
Progress = Callable[[int, int], None]


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
    jobs: int = 1  # processes for this clip's chunks (posecheck.run.chunks) when it is long


class _Ticker:
    """Counts decoded frames and passes them on to ``progress`` in small batches."""

    def __init__(self, index: int, progress: Progress | None = None):
        self.index = index
        self.progress = progress
        self.pending = 0

    def tick(self) -> None:
        self.pending += 1
        if self.pending >= TICK_FRAMES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        n, self.pending = self.pending, 0
        if self.progress is not None:
            self.progress(self.index, n)


def one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, PosecheckError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def analyze_clip(job: ClipJob, progress: Progress | None = None) -> ClipReport:
    """Analyses one clip and writes its files; never raises for a bad clip (the error is returned)."""
    start = time.monotonic()
    path = Path(job.path)
    report = ClipReport(index=job.index, path=str(path), name=path.name, folder=job.folder)
    ticker = _Ticker(job.index, progress)
    folder = Path(job.out) / job.folder
    try:
        when = clip_date(path)
        report.date, report.date_note = when.text, when.note
        report.recorded_at = when.when.isoformat() if when.when else None
        _analyze_into(job, report, folder, ticker)
    except Exception as exc:  # one bad clip must not stop the others
        report.error = one_line(exc)
        with_contents = folder.is_dir() and any(folder.iterdir())
        if folder.is_dir() and not with_contents:
            folder.rmdir()
    finally:
        ticker.flush()
    report.seconds = time.monotonic() - start
    return report


def _remove_leftovers(folder: Path) -> None:
    """Hidden temporary files of an earlier attempt at this clip whose process was killed (a retry)."""
    for p in folder.iterdir():
        if p.name.startswith(".") and p.is_file():
            p.unlink(missing_ok=True)


def _analyze_into(job: ClipJob, report: ClipReport, folder: Path, ticker: _Ticker) -> None:
    from posecheck.config import load_settings
    from posecheck.draw.annotated import AnnotatedVideo, Annotator
    from posecheck.io.outputs import csv_text, json_line, write_atomic
    from posecheck.io.sources import kind_of
    from posecheck.io.video import probe_fps
    from posecheck.run.pipeline import AUTO, AnalyzeOptions, analyze_file

    settings = load_settings(job.config)
    fixed = None if job.exercise == AUTO else settings.exercise(job.exercise)
    path = Path(job.path)
    kind = kind_of(path)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_stills(folder)
    _remove_leftovers(folder)
    keys = KeyFrames()
    options = AnalyzeOptions(model=job.model, settings=settings, sample_fps=job.sample_fps, progress=False,
                             jobs=job.jobs)

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
    ex_id = summary.exercise
    exercise = settings.exercises.get(ex_id) if ex_id else None
    report.exercise = ex_id
    report.title = (exercise.title if exercise else
                    f"Routine of {len(summary.exercises)} exercises" if summary.is_routine else "no exercise recognised")
    report.instructions = exercise.instructions if exercise else ""
    report.score = summary.score

    rule_names = sorted({r.name for fr in analysis.frames for r in fr.assessment.results})
    write_atomic(folder / CSV_NAME, csv_text(analysis.frames, rule_names))
    write_atomic(folder / JSON_NAME, json_line(summary.to_json()) + "\n")

    frames = analysis.frames
    t0 = frames[0].timestamp_s if frames else 0.0
    t1 = t0 + float(summary.duration_s or 0.0)
    if t1 <= t0:
        t1 = (frames[-1].timestamp_s if frames else t0) + 1e-3
    video_id = f"video-{job.index:02d}" if report.video else None
    offset = report.video_start_s

    report.stills = keys.write(folder, settings.exercises)

    # Faults per exercise, rule and side, with every spell for seeking: the summary's own (the ones
    # ``posecheck analyze`` prints), a routine's per exercise.
    by_exercise = ([(e.exercise, e.figures.faults) for e in summary.exercises] if summary.is_routine
                   else [(ex_id, summary.figures.faults)] if ex_id else [])
    for fault_exercise, faults in by_exercise:
        for fault in faults:
            spells = fault.spells
            report.faults.append({"rule": fault.rule, "cue": fault.cue, "side": fault.side,
                                  "exercise": fault_exercise, "seconds": fault.seconds,
                                  "first_s": fault.first_s,
                                  "spells": [[a, b] for a, b in spells[:MAX_FAULT_SPELLS]],
                                  "more": max(0, len(spells) - MAX_FAULT_SPELLS)})

    report.timeline = svg_timeline(summary.figures.segments, t0, t1, video_id, offset)
    # A routine's exercise cards: each its own time, from the start of its first segment to the end of its last.
    report.exercise_timelines = [svg_timeline(e.figures.segments, e.spans[0][0], e.spans[-1][1], video_id, offset)
                                 for e in summary.exercises] if summary.is_routine else []
    units = {}
    descriptions = {}
    for ex in settings.exercises.values():
        for rule in ex.rules:
            units.setdefault(rule.name, rule.unit)
            descriptions.setdefault(rule.name, rule.description)
    if exercise is not None:  # the clip's own exercise wins for shared rule names
        units.update({r.name: r.unit for r in exercise.rules})
        descriptions.update({r.name: r.description for r in exercise.rules})
    if not summary.is_routine:
        report.plots = _plots(frames, units, descriptions, t0, t1, video_id, offset)
        return
    # A routine: each exercise's rules over its own time, on its own card.
    for e in summary.exercises:
        own = settings.exercises.get(e.exercise)
        if own is not None:
            units = {**units, **{r.name: r.unit for r in own.rules}}
            descriptions = {**descriptions, **{r.name: r.description for r in own.rules}}
        inside = [fr for fr in frames
                  if fr.exercise == e.exercise and any(a <= fr.timestamp_s <= b for a, b in e.spans)]
        report.exercise_plots.append(_plots(inside, units, descriptions, e.spans[0][0], e.spans[-1][1],
                                            video_id, offset))


def _plots(frames, units: dict, descriptions: dict, t0: float, t1: float, video_id: str | None,
           offset: float) -> list[dict]:
    """Each rule judged in ``frames`` over time, from ``t0`` to ``t1``."""
    return [{"name": name, "description": descriptions.get(name, ""), "unit": series.unit,
             "svg": svg_rule_plot(series, t0, t1, video_id, offset, descriptions.get(name, ""))}
            for name, series in rule_series(frames, units).items()]
