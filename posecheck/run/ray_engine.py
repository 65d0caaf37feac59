"""A batch of tasks on a Ray cluster: an existing one (``address``) or a local one started here.

``run_on_ray(task, jobs, ...)`` runs ``task(job)`` for every job (each with
an ``index``) as a Ray task of one CPU and returns each job's result, or a
``Failed`` with the error where a task could not finish. A task whose worker
process dies is retried once elsewhere (Ray's ``max_retries``); a task that
dies twice is a ``Failed`` and every other task still runs to the end.

The task runs in the folder the driver runs in, so relative paths mean on the
worker what they mean here: on a cluster of several machines the inputs and
the output folder must be at the same paths on every machine (a shared file
system), and posecheck installed on each.

Ray is an optional extra (``pip install 'posecheck[ray]'``). Nothing leaves
the machine but what the cluster itself sends: usage statistics are off, and
the dashboard is not started.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from posecheck.errors import PosecheckError

INSTALL_HINT = "--engine ray needs Ray: pip install 'posecheck[ray]'"
MAX_RETRIES = 1  # a task whose worker dies runs once more; dying twice is its error
WAIT_S = 0.5


@dataclass(frozen=True)
class Failed:
    """A task that did not finish: its one-line error."""

    error: str


def import_ray():
    """The ray module, or a PosecheckError saying how to install it."""
    # Before the import: Ray reads these when it starts, and nothing may phone home.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_USAGE_STATS_REPORT_URL", "http://127.0.0.1:9/")
    try:
        import ray
    except ImportError:
        raise PosecheckError(INSTALL_HINT) from None
    return ray


def _run_one(task: Callable, job: Any, cwd: str, started_log: str | None):
    """On a Ray worker: the task in the driver's folder; ``started_log`` gets "index pid" per attempt."""
    os.chdir(cwd)
    if started_log:
        with open(started_log, "a", encoding="utf-8") as log:
            log.write(f"{job.index} {os.getpid()}\n")
    return task(job)


def _failure(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    first = text.split(". ")[0] if text else type(exc).__name__
    return f"{type(exc).__name__}: {first}"[:300]


def run_on_ray(task: Callable, jobs: list, address: str | None = None, num_cpus: int | None = None,
               finish: Callable[[int], None] | None = None, started_log: str | None = None) -> dict[int, Any]:
    """``task(job)`` for every job on Ray; {job.index: result or Failed}. ``finish(index)`` as each ends.

    ``address`` is a running cluster's ("HOST:PORT", or "auto" for the one
    ``ray start`` made on this machine); None starts a local cluster with
    ``num_cpus`` CPUs (default: the cores) for this batch and stops it after.
    With Ray already initialised in this process, that cluster is used.
    """
    ray = import_ray()
    started_here = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            else:
                ray.init(address="local", include_dashboard=False, num_cpus=num_cpus or os.cpu_count() or 1,
                         log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
            raise PosecheckError(f"cannot start or reach {where} ({_failure(exc)})") from None
        started_here = True
    try:
        remote = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(_run_one)
        cwd = os.getcwd()
        refs = {remote.remote(task, job, cwd, started_log): job for job in jobs}
        results: dict[int, Any] = {}
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=WAIT_S)
            for ref in ready:
                job = refs[ref]
                try:
                    results[job.index] = ray.get(ref)
                except Exception as exc:  # the worker died twice, or the task could not be run
                    results[job.index] = Failed(_failure(exc))
                if finish is not None:
                    finish(job.index)
        return results
    finally:
        if started_here:
            ray.shutdown()
