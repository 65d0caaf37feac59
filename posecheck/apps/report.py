"""HTML reports over many clips: one offline ``index.html`` plus per-clip files.

``build_report(inputs, out)`` analyses every clip (folders expand to their
videos) in parallel over the machine's cores and writes::

    out/index.html              index table + one card per clip, inline CSS/JS/SVG
    out/report.html             the same in one file to attach: key frames inlined, no videos
    out/01-bridge_02/video.mp4  the annotated video (H.264, seekable from the card)
    out/01-bridge_02/frames.csv per-frame states, rule values and features
    out/01-bridge_02/summary.json the summary, as ``posecheck analyze --json``
    out/01-bridge_02/*.jpg      key frames: first time each fault appears, best form

The page works from a ``file://`` URL: no CDN, fonts or scripts from elsewhere.
Every file is written to a temporary file and renamed into place,
``index.html`` last, so a crash never leaves a half-written page. A clip that
fails (a corrupt file) is listed with its one-line error; the others go on.

A report is about a client (``client``): each clip analysed is stored in the
history as one session (``source`` report, its results one per exercise and
side, started when the video was recorded), and, when the history holds
earlier sessions of that client, each card compares this session with the
last ones, per exercise and side.

Where the pieces are: the inputs (``posecheck.io.inputs``), one clip's
analysis (``posecheck.apps.report_clip``), the worker pool
(``posecheck.apps.report_pool``), the figures (``posecheck.judge.summary``,
``posecheck.judge.series``), the page (``posecheck.draw.report_html`` and its
neighbours) and the key frames (``posecheck.draw.key_frames``).
"""

from __future__ import annotations

import os
from pathlib import Path

from posecheck.apps.report_clip import ClipJob, analyze_clip
from posecheck.apps.report_pool import run_pool
from posecheck.draw.report_html import INDEX_NAME, ONE_FILE_NAME, ClipReport, render_index
from posecheck.errors import PosecheckError
from posecheck.io.inputs import expand_inputs, slugify
from posecheck.io.outputs import write_atomic
from posecheck.io.sources import kind_of


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


def plan_jobs(paths: list[Path], out: Path, exercise: str, model=None, config=None, sample_fps=None,
              clip_jobs: int = 1) -> list[ClipJob]:
    width = max(2, len(str(len(paths))))
    jobs = []
    for i, path in enumerate(paths, start=1):
        folder = f"{i:0{width}d}-{slugify(path.stem)}"
        jobs.append(ClipJob(index=i, path=str(path), folder=folder, out=str(out), exercise=exercise, model=model,
                            config=config, sample_fps=sample_fps, jobs=clip_jobs))
    return jobs


COMPARED_SESSIONS = 3  # earlier sessions of the client a card compares this one with


def build_report(inputs: list[str | os.PathLike], out: str | os.PathLike, exercise: str | None = "auto",
                 jobs: int | None = None, model: str | None = None, config: str | None = None,
                 sample_fps: float | None = None, progress: bool | None = None, client: str | None = None,
                 history: str | os.PathLike | None = None, record_history: bool = True, engine: str = "local",
                 address: str | None = None) -> list[ClipReport]:
    """Analyses every clip and writes the report folder; returns one ClipReport per clip.

    ``history`` is the history file (default: the user's); ``record_history``
    False neither stores the clips nor reads it. ``engine`` "local" runs the
    clips over this machine's processes, "ray" as Ray tasks
    (``posecheck.run.ray_engine``) on the cluster at ``address`` or on a local
    one of ``jobs`` CPUs.
    """
    from posecheck.config import load_settings

    if engine not in ("local", "ray"):
        raise PosecheckError(f"unknown engine {engine!r} (local or ray)")
    if engine == "ray":
        from posecheck.run.ray_engine import import_ray

        import_ray()  # says how to install it before any work
    out = Path(out)
    paths = expand_inputs(inputs)
    settings = load_settings(config)
    exercise = resolve_exercise(exercise, settings)
    if out.exists() and not out.is_dir():
        raise PosecheckError(f"{out}: exists and is not a folder")
    resolved_out = out.resolve()
    for p in paths:
        if p.resolve() == resolved_out / INDEX_NAME:
            raise PosecheckError(f"{p}: is the report's own index.html")
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise PosecheckError(f"{out}: folder is not writable")
    cores = jobs or os.cpu_count() or 1
    # Fewer clips than processes: each clip's own chunks take the cores left over.
    plan = plan_jobs(paths, out, exercise, model=model, config=config, sample_fps=sample_fps,
                     clip_jobs=1 if engine == "ray" else max(1, cores // max(1, len(paths))))
    if engine == "ray":
        ordered = _ray_report(plan, address, jobs, progress)
    else:
        ordered = _local_report(plan, max(1, min(cores, len(plan))), progress)
    client = " ".join(client.split()) if client else None
    if record_history:
        _record_and_compare(ordered, client, history, settings)
    write_atomic(out / ONE_FILE_NAME, render_index(ordered, client=client, inline_from=out))
    write_atomic(out / INDEX_NAME, render_index(ordered, client=client))
    return ordered


def _local_report(plan: list[ClipJob], n_jobs: int, progress: bool | None) -> list[ClipReport]:
    """The clips over this machine's processes (one after another with one job); progress in frames."""
    from posecheck.run.progress import Progress

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
                reports[job.index] = analyze_clip(job, progress=advance)
                finish(job.index)
        else:
            reports = run_pool(plan, n_jobs, advance, finish)
    finally:
        bar.close()
    return [reports[job.index] for job in plan]


def _exercise_figures(summary) -> list:
    """The figures of each exercise a clip shows: its routine's segments, or its one exercise."""
    if len(summary.exercise_segments) > 1:
        return [(p.figures, p.length_s) for p in summary.exercise_segments if p.figures.exercise]
    return [(summary.figures, summary.duration_s)] if summary.exercise else []


def _record_and_compare(reports: list[ClipReport], client: str | None, history_path, settings) -> None:
    """Stores each clip in the history (once: a report made again replaces nothing) and fills in
    each card's comparison with the client's earlier sessions."""
    from posecheck.io.history import History, result_rows
    from posecheck.io.history_schema import figures_of_results, format_timestamp

    done = [r for r in reports if r.summary is not None and _exercise_figures(r.summary)]
    if not done:
        return
    with History(history_path) as history:
        for r in done:
            started = format_timestamp(r.recorded_at) if r.recorded_at else None
            path = str(Path(r.path).resolve())
            known = [s for s in history.sessions(limit=None, client=client) if s.source == "report"
                     and s.input == path and (started is None or s.started_at == started)]
            if known:
                continue
            parts = _exercise_figures(r.summary)
            share = r.summary.correct_share
            rows = [row for figures, length in parts for row in result_rows(figures, length, share)]
            history.record_session("report", path, r.summary.kind, r.summary.duration_s, rows,
                                   mode="routine" if len(parts) > 1 else "exercise", started_at=started,
                                   client=client)
        if client is None:
            return
        for r in done:
            if not r.recorded_at:
                continue
            for figures, _ in _exercise_figures(r.summary):
                earlier = history.sessions(limit=COMPARED_SESSIONS, exercise=figures.exercise, client=client,
                                           before=r.recorded_at)
                if not earlier:
                    continue
                exercise = settings.exercises.get(figures.exercise)
                title = exercise.title if exercise else figures.exercise
                for side in (list(figures.sides) if figures.sides else [None]):
                    now = _side_value(figures, side)
                    past = []
                    for s in reversed(earlier):  # oldest first, this session last
                        rows = [x for x in s.results if x.exercise == figures.exercise]
                        if rows:
                            then = figures_of_results(rows)
                            past.append((s.started.astimezone().strftime("%Y-%m-%d"), then, _side_value(then, side)))
                    if not past:
                        continue
                    r.comparison.append({
                        "exercise": figures.exercise, "title": title, "side": side,
                        "now": _value_text(figures, now),
                        "earlier": [[d, _value_text(then, v)] for d, then, v in past],
                        "change": _change_text(figures, now, past[-1][2])})


def _side_value(figures, side: str | None) -> float | None:
    """What is compared: the reps of a rep goal, else the correct hold (of the side)."""
    if figures.target_reps:
        return float(figures.reps or 0)
    if side is not None:
        return (figures.sides or {}).get(side)
    return figures.hold_s


def _value_text(figures, value: float | None) -> str:
    if value is None:
        return "-"
    if figures.target_reps:
        return f"{value:.0f} reps"
    return f"{value:.1f} s" + (f" of {figures.target_s:g}" if figures.target_s else "")


def _change_text(figures, now: float | None, last: float | None) -> str:
    if now is None or last is None:
        return "-"
    delta = now - last
    unit = " reps" if figures.target_reps else " s"
    return ("+" if delta > 0 else "") + (f"{delta:.0f}" if figures.target_reps else f"{delta:.1f}") + unit


def _ray_report(plan: list[ClipJob], address: str | None, cpus: int | None,
                progress: bool | None) -> list[ClipReport]:
    """The clips as Ray tasks; progress in clips done of all, across the cluster."""
    from posecheck.apps.report_pool import crashed
    from posecheck.run.progress import Progress
    from posecheck.run.ray_engine import Failed, run_on_ray

    bar = Progress(len(plan), label="report: clips done", enabled=progress)
    try:
        results = run_on_ray(analyze_clip, plan, address=address, num_cpus=cpus, finish=lambda _i: bar.update())
    finally:
        bar.close()
    return [crashed(job, results[job.index].error) if isinstance(results[job.index], Failed)
            else results[job.index] for job in plan]
