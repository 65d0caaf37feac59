"""posecheck on the real footage in ../shared/data (skipped when it is absent).

- ``posecheck analyze`` runs on every clip and every photo without an error.
- The evaluation harness is replayed against the strict labels (``strict.csv``),
  with the shipped ranges and held out by source (``--cv source``), and no figure
  may fall below the figures stored in ``tests/eval_baseline.json`` (so quality
  cannot silently drop). After improving the judge, refresh the baseline with
  ``POSECHECK_CACHE=/work/ref/posecache python tests/test_shared_data.py --update``
  and commit it.

The evaluation reads poses from ``$POSECHECK_CACHE`` when it is set (a filled
cache: no model runs), else from the fresh cache the analyze test filled.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from conftest import REPO, SHARED_DATA, environment_variable, shared_data  # noqa: E402

BASELINE = HERE / "eval_baseline.json"
USER_CACHE = os.environ.get("POSECHECK_CACHE")


def _run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=900)


@pytest.fixture(scope="module")
def pose_cache(tmp_path_factory):
    """One fresh pose cache for this module: analyze fills it, the evaluation reuses it."""
    path = tmp_path_factory.mktemp("poses")
    with environment_variable("POSECHECK_CACHE", str(path)):
        yield path


def test_analyze_runs_on_every_photo_and_clip(tmp_path, pose_cache):
    data = shared_data()
    photos = [str(data / "poses" / r["file"]) for r in csv.DictReader(open(data / "poses" / "manifest.csv"))]
    clips = [str(data / "clips" / r["file"]) for r in csv.DictReader(open(data / "clips" / "labels.csv"))]
    # Clips in two balanced halves beside the photos, so both cores work; the
    # model runs on every frame once, into the cache the evaluation reuses.
    clips_by_size = sorted(clips, key=lambda c: -Path(c).stat().st_size)
    halves = [clips_by_size[0::2], clips_by_size[1::2]]
    jobs = [("photos", photos, ["--exercise", "auto", "--pose-cache", str(pose_cache)])] + [
        (f"clips{i}", half, ["--exercise", "auto", "--pose-cache", str(pose_cache)])
        for i, half in enumerate(halves)]
    procs = []
    for name, inputs, extra in jobs:
        out = tmp_path / f"{name}.jsonl"
        procs.append((out, inputs, subprocess.Popen(
            [sys.executable, "-m", "posecheck", "analyze", *inputs, *extra, "--no-history", "--json", str(out)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    lines = {}
    for out, inputs, proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        lines[out.stem] = [json.loads(x) for x in out.read_text().splitlines()]
        assert len(lines[out.stem]) == len(inputs)
    photo_lines = lines["photos"]
    clip_lines = lines["clips0"] + lines["clips1"]
    assert all(line["kind"] == "image" and line["verdict"] for line in photo_lines)
    assert all(line["kind"] == "video" and line["frames"] > 0 for line in clip_lines)
    # The manifest says MediaPipe found someone in every photo; so must we, nearly always.
    assert sum(line["person_frames"] for line in photo_lines) >= 0.97 * len(photos)


def evaluate() -> dict:
    from posecheck.apps.calibrate import cross_validate
    from posecheck.apps.evaluate import evaluate_clips, evaluate_photos

    # False holds on negative clips are reported by `posecheck eval` but kept out
    # of the baseline (they judge every clip by all 8 exercises: slow).
    cv = cross_validate(SHARED_DATA / "poses")
    return {"photos": evaluate_photos(SHARED_DATA / "poses"),
            "clips": evaluate_clips(SHARED_DATA / "clips", negatives=False),
            "fitted": cv["fitted"], "held_out": cv["held_out"]}


PHOTO_FIGURES = ("acceptance", "rejection", "agreement", "fault_named")


def figures(results: dict) -> dict:
    """The figures the baseline keeps: higher is better unless the name says otherwise.

    Shipped ranges as they are (no prefix) and held out by source (``held_out:``);
    the fitted in-sample figures are reported by ``posecheck eval --cv`` but not kept.
    """
    photos, clips = results["photos"], results["clips"]
    out = {
        "recognition_top1": photos["recognition"]["top1_accuracy"],
        "photos_with_person": photos["photos"] - len(photos["no_person"]),
        "clips_within_tolerance": clips["within_tolerance"],
        "rep_clips_within_1": clips["reps_within_1"],
        "mean_frame_precision": clips["mean_frame_precision"],
        "mean_frame_recall": clips["mean_frame_recall"],
        "pooled_frame_precision": clips["pooled_frame_precision"],
        "pooled_frame_recall": clips["pooled_frame_recall"],
        "held_out:recognition_top1": results["held_out"]["recognition"]["top1_accuracy"],
    }
    for prefix, source in (("", photos), ("held_out:", results["held_out"])):
        for ex, m in source["exercises"].items():
            for name in PHOTO_FIGURES:
                if m[name] is not None:
                    out[f"{prefix}{name}:{ex}"] = m[name]
            if m["false_acceptance"] is not None:
                out[f"{prefix}false_acceptance:{ex}:lower_is_better"] = m["false_acceptance"]
    return {name: value for name, value in out.items() if value is not None}


@pytest.fixture(scope="module")
def eval_results(request):
    shared_data()
    if USER_CACHE:
        with environment_variable("POSECHECK_CACHE", USER_CACHE):
            return evaluate()
    request.getfixturevalue("pose_cache")  # the fresh cache, filled by the analyze test if it ran
    return evaluate()


def test_calibrated_files_judge_as_the_fit_in_memory(eval_results, tmp_path):
    """``posecheck calibrate --out DIR`` then ``eval --ranges DIR`` gives the fitted figures of ``--cv``."""
    from posecheck.apps.evaluate import evaluate_photos
    from posecheck.judge.exercises.base import coded_registry, with_fitted_ranges

    env = {**os.environ, "POSECHECK_CACHE": USER_CACHE} if USER_CACHE else None
    proc = subprocess.run([sys.executable, "-m", "posecheck", "calibrate", "--photos", str(SHARED_DATA / "poses"),
                           "--out", str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=900,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    fitted = {ex_id: with_fitted_ranges(ex, tmp_path) for ex_id, ex in coded_registry().items()}
    if USER_CACHE:
        with environment_variable("POSECHECK_CACHE", USER_CACHE):
            again = evaluate_photos(SHARED_DATA / "poses", exercises=fitted)
    else:
        again = evaluate_photos(SHARED_DATA / "poses", exercises=fitted)
    assert again["exercises"] == eval_results["fitted"]["exercises"]
    document = json.loads((tmp_path / "cobra.json").read_text())
    assert document["photos"]["strict_sha256"] and document["code_commit"]


def test_every_labelled_fault_names_rules():
    """Each fault in strict.csv is known to ``FAULT_RULES`` (else "first cue names the fault" cannot be told)."""
    from posecheck.io.labels import read_photo_labels
    from posecheck.judge.agreement import fault_rules

    photos = read_photo_labels(shared_data() / "poses").photos
    unmapped = [f"{p.file}: {p.fault}" for p in photos
                if p.form == "fault" and p.exercise and fault_rules(p.exercise, p.fault) is None]
    assert not unmapped, unmapped


def test_quality_does_not_fall_below_the_stored_baseline(eval_results):
    baseline = json.loads(BASELINE.read_text())
    now = figures(eval_results)
    worse = []
    for name, stored in baseline["figures"].items():
        value = now.get(name)
        if value is None:
            worse.append(f"{name}: missing")
        elif name.endswith("lower_is_better"):
            if value > stored + 1e-9:
                worse.append(f"{name}: {value} > {stored}")
        elif value < stored - 1e-9:
            worse.append(f"{name}: {value} < {stored}")
    assert not worse, "quality fell: " + "; ".join(worse)


if __name__ == "__main__":
    if "--update" in sys.argv:
        results = evaluate()
        BASELINE.write_text(json.dumps({"figures": figures(results)}, indent=1, sort_keys=True) + "\n")
        print(BASELINE.read_text())
