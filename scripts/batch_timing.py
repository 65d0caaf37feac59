#!/usr/bin/env python3
"""Does a batch review use every core? ``posecheck report`` on 8 clips at --jobs 1 and at --jobs 2.

Makes a folder with the 8 exercise samples (samples/*.mp4 but the routine) plus
two clips that cannot be analysed (a text file named ``letter.mp4`` and an mp4
cut in half before its index), runs ``posecheck report`` on it with ``--jobs 1``
and with ``--jobs 2`` (each a fresh process, in the same run of this script),
checks each report (the 8 clips reported with their files, the 2 bad ones
listed with their error, exit code 1) and prints the wall time of each, the CPU
time its processes used, and the ratio jobs-1 / jobs-2 wall time.

The machine may be shared: the load average before and after each run is
printed too, and ``--repeat N`` runs the pair N times (alternating which goes
first) so that a disturbed measurement shows as such.

    python scripts/batch_timing.py [--fps N] [--repeat N] [--exercise auto] [--jobs-high 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
BAD = {"letter.mp4": "a text file named .mp4", "truncated.mp4": "an mp4 cut in half before its index"}


def make_folder(folder: Path) -> list[str]:
    """The 8 exercise clips and the 2 bad ones; returns the good clips' names."""
    folder.mkdir(parents=True, exist_ok=True)
    good = sorted(p.name for p in SAMPLES.glob("*.mp4") if p.stem != "routine")
    if len(good) != 8:
        raise SystemExit(f"expected the 8 exercise samples in {SAMPLES}, found {good}")
    for name in good:
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "letter.mp4").write_text("Dear coach,\nthis is not a video.\n" * 50)
    data = (SAMPLES / "bridge.mp4").read_bytes()  # OpenCV's mp4: the index is at the end
    (folder / "truncated.mp4").write_bytes(data[: len(data) // 2])
    return good


def check_report(out: Path, good: list[str], code: int) -> list[str]:
    """What is wrong with a report of the folder (an empty list when it is right)."""
    problems = []
    if code != 1:
        problems.append(f"exit code {code}, expected 1 (some clips failed)")
    index = out / "index.html"
    if not index.is_file():
        return problems + ["no index.html"]
    page = index.read_text(encoding="utf-8")
    rows = re.findall(r'<tr( class="failed")?><td class="num" data-sort="(\d+)">(?:.*?)<td class="name"[^>]*>'
                      r'<a [^>]*>([^<]*)</a>', page)
    failed = sorted(name for cls, _, name in rows if cls)
    succeeded = sorted(name for cls, _, name in rows if not cls)
    if failed != sorted(BAD):
        problems.append(f"failed clips {failed}, expected {sorted(BAD)}")
    if succeeded != good:
        problems.append(f"reported clips {succeeded}, expected {good}")
    for name in BAD:
        if not re.search(rf'class="error">error: [^<]*{re.escape(name)}[^<]*</td>', page):
            problems.append(f"{name}: no error message in the index")
    folders = [p for p in out.iterdir() if p.is_dir()]
    for folder in folders:
        for part in ("video.mp4", "frames.csv", "summary.json"):
            if not (folder / part).is_file():
                problems.append(f"{folder.name}: no {part}")
    if len(folders) != len(good):
        problems.append(f"{len(folders)} clip folders, expected {len(good)}")
    return problems


def run_report(folder: Path, out: Path, jobs: int, args) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "posecheck", "report", str(folder), "--out", str(out),
               "--jobs", str(jobs), "--exercise", args.exercise]
    if args.fps:
        command += ["--fps", str(args.fps)]
    env = dict(os.environ, POSECHECK_HISTORY=str(out.parent / "history.sqlite3"))
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        busy = []
        last = _tree_cpu(proc.pid)
        while True:
            try:
                proc.wait(timeout=SAMPLE_S)
                break
            except subprocess.TimeoutExpired:
                now = _tree_cpu(proc.pid)
                # Processes of the report that ran for at least a tenth of the interval.
                busy.append(sum(1 for pid, t in now.items() if t - last.get(pid, t) >= 0.1 * SAMPLE_S))
                last = now
        err.seek(0)
        stderr = err.read()
    wall = time.monotonic() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {"jobs": jobs, "wall": wall, "cpu": cpu, "code": proc.returncode, "stderr": stderr,
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "busy": statistics.mean(busy) if busy else math.nan}


SAMPLE_S = 1.0
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of ``root`` and its child processes (Linux /proc; empty elsewhere)."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            out[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fps", type=float, default=None, help="posecheck report --fps (default: every frame)")
    parser.add_argument("--repeat", type=int, default=1, help="run the pair this many times (default 1)")
    parser.add_argument("--exercise", default="auto", help="posecheck report --exercise (default auto)")
    parser.add_argument("--jobs-high", type=int, default=2, help="the parallel run's --jobs (default 2)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="posecheck-batch-"))
    folder = work / "clips"
    shutil.rmtree(folder, ignore_errors=True)
    good = make_folder(folder)
    print(f"{len(good)} sample clips + {len(BAD)} bad ones ({', '.join(BAD)}) in {folder}; "
          f"{os.cpu_count()} cores; --fps {args.fps or 'all'}, --exercise {args.exercise}", flush=True)

    ok = True
    pairs = []
    try:
        for n in range(args.repeat):
            order = [1, args.jobs_high] if n % 2 == 0 else [args.jobs_high, 1]
            results = {}
            for jobs in order:
                out = work / f"report-jobs{jobs}"
                r = run_report(folder, out, jobs, args)
                problems = check_report(out, good, r["code"])
                ok &= not problems
                results[jobs] = r
                print(f"run {n + 1} --jobs {jobs}: wall {r['wall']:6.1f} s, cpu {r['cpu']:6.1f} s "
                      f"({r['cpu'] / r['wall']:.2f} cores busy, {r['busy']:.2f} processes running at once), "
                      f"load {r['load_before']:.1f} -> {r['load_after']:.1f}; "
                      f"report {'ok' if not problems else 'WRONG: ' + '; '.join(problems)}", flush=True)
                if problems and r["stderr"].strip():
                    print("  stderr: " + r["stderr"].strip()[-1500:], flush=True)
            ratio = results[1]["wall"] / results[args.jobs_high]["wall"]
            pairs.append(ratio)
            print(f"run {n + 1}: --jobs 1 {results[1]['wall']:.1f} s / --jobs {args.jobs_high} "
                  f"{results[args.jobs_high]['wall']:.1f} s = {ratio:.2f}x", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if len(pairs) > 1:
        print(f"speed-up over {len(pairs)} runs: {', '.join(f'{p:.2f}' for p in pairs)} "
              f"(median {statistics.median(pairs):.2f}x)")
    print("reports: " + ("all right" if ok else "SOME WRONG"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
