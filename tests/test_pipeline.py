"""``posecheck analyze`` output on every sample, compared with stored JSON Lines key for key.

The JSON Lines format is a contract (users and scripts read it), so a change
to the pipeline must leave each line as it was: the same keys in the same
order, the same values. The stored outputs in ``tests/data/analyze/`` come
from a real run of the real model; regenerate them only when a change of
output is intended, and say why in the commit:

    python tests/test_pipeline.py --update            # every case
    python tests/test_pipeline.py --update bridge.fixed stills.auto

Cases: every single-exercise sample judged as its own exercise and every
sample (the routine too) with ``--exercise auto``, both through the model with
frames subsampled (``--fps``) to keep the suite quick; the bridge clip at the
full frame rate through the model and through the pose cache, with the
annotated video written (the sink paths); and rendered stills (a correct
pose, a wrong one, nobody) fixed, auto and from the pose cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES

STORED = Path(__file__).resolve().parent / "data" / "analyze"
CLIPS = sorted(p.stem for p in SAMPLES.glob("*.mp4"))
EXERCISE_CLIPS = [c for c in CLIPS if c != "routine"]
STILLS = ("bridge", "cobra")  # rendered in the bridge's correct pose and the cobra's
NOBODY = "nobody.png"  # a blank picture: no person


def _cases() -> dict[str, list[str]]:
    """Name -> analyze arguments; {work} stands for the scratch folder (stills, pose cache, videos)."""
    cases: dict[str, list[str]] = {}
    for clip in EXERCISE_CLIPS:
        cases[f"{clip}.fixed-fps10"] = [f"samples/{clip}.mp4", "--exercise", clip, "--fps", "10"]
    for clip in CLIPS:
        cases[f"{clip}.auto-fps5"] = [f"samples/{clip}.mp4", "--exercise", "auto", "--fps", "5"]
    bridge = "samples/bridge.mp4"
    cache = ["--pose-cache", "{work}/cache"]
    cases.update({
        "bridge.fixed": [bridge, "--exercise", "bridge"],
        "bridge.fixed-cache": [bridge, "--exercise", "bridge", *cache],
        "bridge.auto-cache": [bridge, "--exercise", "auto", *cache],
        "bridge.auto-cache-fps10": [bridge, "--exercise", "auto", "--fps", "10", *cache],
        "bridge.fixed-fps10-video": [bridge, "--exercise", "bridge", "--fps", "10", "--video", "{work}/fixed.mp4"],
        "bridge.auto-fps10-video": [bridge, "--exercise", "auto", "--fps", "10", "--video", "{work}/auto.mp4"],
    })
    stills = [f"{name}.png" for name in STILLS] + [NOBODY]
    cases.update({
        "stills.fixed": [*stills, "--exercise", "bridge"],
        "stills.auto": [*stills, "--exercise", "auto"],
        "stills.auto-cache": [*stills, "--exercise", "auto", *cache],
    })
    return cases


CASES = _cases()


def prepare(work: Path) -> None:
    """The scratch folder: the rendered stills (the stills' cases run inside it, so inputs stay short)."""
    import cv2
    import numpy as np

    from posecheck.synthetic import render_reference

    (work / "cache").mkdir(exist_ok=True)
    first = None
    for name in STILLS:
        image = render_reference(name)
        first = image if first is None else first
        cv2.imwrite(str(work / f"{name}.png"), image)
    cv2.imwrite(str(work / NOBODY), np.full_like(first, 255))


def run_case(name: str, work: Path) -> str:
    """The JSON Lines text ``posecheck analyze`` prints for a case."""
    args = [a.replace("{work}", str(work)) for a in CASES[name]]
    cwd = work if name.startswith("stills.") else REPO
    proc = subprocess.run([sys.executable, "-m", "posecheck", "analyze", *args, "--no-history", "--json", "-"],
                          check=False, capture_output=True, text=True, cwd=cwd, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f"{name}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def differences(want, got, where: str = "") -> list[str]:
    """Where two parsed JSON values differ: a missing or extra key, a length, a value (type included)."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{where}.{k}: missing" for k in want if k not in got]
        out += [f"{where}.{k}: extra ({got[k]!r})" for k in got if k not in want]
        for k in want:
            if k in got:
                out += differences(want[k], got[k], f"{where}.{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{where}: {len(got)} items, stored {len(want)}"]
        return [d for i, (w, g) in enumerate(zip(want, got)) for d in differences(w, g, f"{where}[{i}]")]
    if type(want) is not type(got) or want != got:
        return [f"{where}: {got!r}, stored {want!r}"]
    return []


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("analyze")
    prepare(folder)
    return folder


@pytest.fixture(scope="module")
def outputs(work) -> dict[str, str | AssertionError]:
    """Every case's output, two analyses at a time (a case is one process; the machine has 2 cores).

    The cases that share the pose cache run one after another, in one lane, as they are listed."""
    from concurrent.futures import ThreadPoolExecutor

    def lane(names: list[str]) -> dict[str, str | AssertionError]:
        done: dict[str, str | AssertionError] = {}
        for name in names:
            try:
                done[name] = run_case(name, work)
            except AssertionError as exc:
                done[name] = exc
        return done

    cached = [n for n in CASES if "--pose-cache" in CASES[n]]
    lanes = [cached] + [[n] for n in sorted(set(CASES) - set(cached), key=lambda n: "routine" not in n)]
    results: dict[str, str | AssertionError] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in pool.map(lane, lanes):
            results.update(done)
    return results


@pytest.mark.parametrize("name", list(CASES))
def test_analyze_output_is_the_stored_one(name, outputs):
    stored_path = STORED / f"{name}.jsonl"
    if not stored_path.is_file():
        pytest.fail(f"no stored output {stored_path}; run python tests/test_pipeline.py --update {name}")
    stored = stored_path.read_text(encoding="utf-8")
    got = outputs[name]
    if isinstance(got, AssertionError):
        raise got
    want_lines, got_lines = stored.splitlines(), got.splitlines()
    assert len(got_lines) == len(want_lines), f"{name}: {len(got_lines)} lines, stored {len(want_lines)}"
    for want_line, got_line in zip(want_lines, got_lines):
        diffs = differences(json.loads(want_line), json.loads(got_line))
        assert not diffs, f"{name}: " + "; ".join(diffs[:8]) + (f" and {len(diffs) - 8} more" if len(diffs) > 8 else "")
    assert got == stored, f"{name}: the same keys and values, but in another order or format"


def update(names: list[str]) -> None:
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit(f"unknown case(s): {', '.join(unknown)}; cases: {', '.join(CASES)}")
    STORED.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="posecheck-analyze-") as tmp:
        work = Path(tmp)
        prepare(work)
        for name in names or list(CASES):
            text = run_case(name, work)
            target = STORED / f"{name}.jsonl"
            partial = target.with_name(f".{target.name}.tmp")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)
            print(f"{name}: {len(text.splitlines())} line(s)", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update(sys.argv[2:])
    else:
        sys.exit(pytest.main([__file__, *sys.argv[1:]]))
