"""posecheck on the real footage in ../shared/data (skipped when it is absent).

- ``posecheck analyze`` runs on every clip and every photo without an error.
- The evaluation harness is replayed and no figure may fall below the figures
  stored in ``tests/eval_baseline.json`` (so quality cannot silently drop).
  After improving the judge, refresh the baseline with
  ``python tests/test_shared_data.py --update`` and commit it.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from conftest import REPO, SHARED_DATA, shared_data  # noqa: E402

BASELINE = HERE / "eval_baseline.json"


def _run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=900)


def test_analyze_runs_on_every_photo_and_clip(tmp_path):
    data = shared_data()
    photos = [str(data / "poses" / r["file"]) for r in csv.DictReader(open(data / "poses" / "manifest.csv"))]
    clips = [str(data / "clips" / r["file"]) for r in csv.DictReader(open(data / "clips" / "labels.csv"))]
    photo_out, clip_out = tmp_path / "photos.jsonl", tmp_path / "clips.jsonl"
    # Two processes side by side: one per core.
    procs = [
        subprocess.Popen([sys.executable, "-m", "posecheck", "analyze", *photos, "--exercise", "auto",
                          "--json", str(photo_out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True),
        subprocess.Popen([sys.executable, "-m", "posecheck", "analyze", *clips, "--exercise", "auto",
                          "--fps", "5", "--json", str(clip_out)], cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True),
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    photo_lines = [json.loads(x) for x in photo_out.read_text().splitlines()]
    clip_lines = [json.loads(x) for x in clip_out.read_text().splitlines()]
    assert len(photo_lines) == len(photos) and len(clip_lines) == len(clips)
    assert all(line["kind"] == "image" and line["verdict"] for line in photo_lines)
    assert all(line["kind"] == "video" and line["frames"] > 0 for line in clip_lines)
    # The manifest says MediaPipe found someone in every photo; so must we, nearly always.
    assert sum(line["person_frames"] for line in photo_lines) >= 0.97 * len(photos)


def evaluate() -> dict:
    from posecheck.evaluate import evaluate_clips, evaluate_photos

    return {"photos": evaluate_photos(SHARED_DATA / "poses"), "clips": evaluate_clips(SHARED_DATA / "clips")}


def figures(results: dict) -> dict:
    """The figures the baseline keeps: higher is better unless the name says otherwise."""
    photos, clips = results["photos"], results["clips"]
    out = {
        "recognition_top1": photos["recognition"]["top1_accuracy"],
        "clips_within_tolerance": clips["within_tolerance"],
        "rep_clips_within_1": clips["reps_within_1"],
        "photos_with_person": photos["photos"] - len(photos["no_person"]),
    }
    for ex, m in photos["exercises"].items():
        if m["acceptance"] is not None:
            out[f"acceptance:{ex}"] = m["acceptance"]
        out[f"false_acceptance:{ex}:lower_is_better"] = m["false_acceptance"]
    return out


@pytest.fixture(scope="module")
def eval_results():
    shared_data()
    return evaluate()


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
