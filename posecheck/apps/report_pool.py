"""The clips of a report over a pool of worker processes, with their progress sent back as they go.

Workers are spawned (MediaPipe's threads do not survive fork). Each task gets
everything it needs in its arguments: the clip's job and a ``QueueProgress``
that carries a queue of a ``multiprocessing`` manager, the one kind of queue
that can be handed to a task (a plain ``multiprocessing.Queue`` reaches a
worker only when it starts, through a global there).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import queue as queue_mod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posecheck.apps.report_clip import ClipJob, Progress, analyze_clip, one_line
from posecheck.draw.report_html import ClipReport

POLL_S = 0.2  # how often the parent passes the workers' progress on while it waits


@dataclass(frozen=True)
class QueueProgress:
    """A worker's progress callback: puts (clip index, frames) on the parent's queue."""

    queue: object  # a multiprocessing manager's Queue proxy

    def __call__(self, index: int, n: int) -> None:
        try:
            self.queue.put_nowait((index, n))
        except Exception:
            pass  # the parent is gone or shutting down: progress no longer matters


def run_pool(plan: list[ClipJob], n_jobs: int, advance: Progress,
             finish: Callable[[int], None]) -> dict[int, ClipReport]:
    """Clips over ``n_jobs`` worker processes; ``advance`` and ``finish`` run in this process.

    A worker that dies (a crash in native code on some file) breaks the whole
    pool; the clips it took down with it are then retried one per fresh
    process, so only the clip that crashes again is reported as crashed.
    """
    ctx = multiprocessing.get_context("spawn")
    reports: dict[int, ClipReport] = {}
    with ctx.Manager() as manager:
        progress_queue = manager.Queue()
        progress = QueueProgress(progress_queue)

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
            with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = {pool.submit(analyze_clip, job, progress): job for job in jobs}
                pending = set(futures)
                while pending:
                    finished, pending = cf.wait(pending, timeout=POLL_S, return_when=cf.FIRST_COMPLETED)
                    drain()
                    for fut in finished:
                        job = futures[fut]
                        try:
                            reports[job.index] = fut.result()
                        except Exception as exc:  # the pool broke: a worker died, or could not start
                            if len(jobs) == 1:
                                reports[job.index] = crashed(job, exc)
                            else:
                                lost.append(job)
                                continue
                        finish(job.index)
            drain()
            return lost

        lost = run(plan, n_jobs)
        for job in sorted(lost, key=lambda j: j.index):
            run([job], 1)
    return reports


def crashed(job: ClipJob, exc: BaseException | str) -> ClipReport:
    """The card of a clip whose worker died (``exc``: the error, or its one line)."""
    _clean_failed_folder(Path(job.out) / job.folder)
    text = exc if isinstance(exc, str) else one_line(exc)
    return ClipReport(index=job.index, path=job.path, name=Path(job.path).name, folder=job.folder,
                      error=f"analysis crashed: {text}")


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
