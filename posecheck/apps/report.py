"""HTML reports over many clips: one offline ``index.html`` plus per-clip files.

``build_report(inputs, out)`` analyses every clip (folders expand to their
videos) in parallel over the machine's cores and writes::

    out/index.html              index table + one card per clip, inline CSS/JS/SVG
    out/01-bridge_02/video.mp4  the annotated video (H.264, seekable from the card)
    out/01-bridge_02/frames.csv per-frame states, rule values and features
    out/01-bridge_02/summary.json the summary, as ``posecheck analyze --json``
    out/01-bridge_02/*.jpg      key frames: first time each fault appears, best form

The page works from a ``file://`` URL: no CDN, fonts or scripts from elsewhere.
Every file is written to a temporary file and renamed into place,
``index.html`` last, so a crash never leaves a half-written page. A clip that
fails (a corrupt file) is listed with its one-line error; the others go on.

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
from posecheck.draw.report_html import ClipReport, render_index
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
    cores = jobs or os.cpu_count() or 1
    # Fewer clips than processes: each clip's own chunks take the cores left over.
    plan = plan_jobs(paths, out, exercise, model=model, config=config, sample_fps=sample_fps,
                     clip_jobs=max(1, cores // max(1, len(paths))))
    n_jobs = max(1, min(cores, len(plan)))
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
    ordered = [reports[job.index] for job in plan]
    write_atomic(out / "index.html", render_index(ordered))
    return ordered
