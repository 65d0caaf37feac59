"""The command line end to end, as a user runs it (a real process, real stderr)."""

import csv
import json
from pathlib import Path
import subprocess
import sys

import pytest

from conftest import REPO, sample


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=300)


def assert_one_line_error(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_missing_file(tmp_path):
    proc = run("analyze", str(tmp_path / "nope.mp4"), "--exercise", "bridge")
    assert_one_line_error(proc, "nope.mp4", "no such file")


def test_text_file_named_mp4(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("hello, this is not a video\n" * 20)
    proc = run("analyze", str(bad), "--exercise", "bridge")
    assert_one_line_error(proc, "notes.mp4")


def test_file_that_is_neither_video_nor_image(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hi")
    proc = run("analyze", str(bad), "--exercise", "bridge")
    assert_one_line_error(proc, "notes.txt", "not a video or image")


def test_unknown_exercise_lists_valid_names(tmp_path):
    proc = run("analyze", str(sample("bridge.mp4")), "--exercise", "plank")
    assert_one_line_error(proc, "plank", "bridge", "cobra")


def test_output_may_not_overwrite_input(tmp_path):
    clip = sample("bridge.mp4")
    before = clip.read_bytes()
    proc = run("analyze", str(clip), "--exercise", "bridge", "--csv", str(clip))
    assert_one_line_error(proc, "same as an input")
    assert clip.read_bytes() == before


def test_bad_config_is_a_one_line_error(tmp_path):
    cfg = tmp_path / "coach.toml"
    cfg.write_text("[bridge]\ntarget_s = 300\n")
    proc = run("analyze", str(sample("bridge.mp4")), "--exercise", "bridge", "--config", str(cfg))
    assert_one_line_error(proc, "target_s", "out of range")


def test_bridge_sample_summary_matches_ground_truth(tmp_path):
    clip = sample("bridge.mp4")
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    out_json, out_csv = tmp_path / "out.jsonl", tmp_path / "frames.csv"
    proc = run("analyze", str(clip), "--exercise", "bridge", "--json", str(out_json), "--csv", str(out_csv))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(out_json.read_text().splitlines()[0])
    for key in ("input", "kind", "exercise", "frames", "duration_s", "person_frames", "verdict", "hold_s",
                "target_s", "reps", "segments", "faults"):
        assert key in summary
    assert summary["kind"] == "video" and summary["exercise"] == "bridge"
    assert abs(summary["hold_s"] - truth["hold_s"]) <= 0.5
    assert summary["person_frames"] >= 0.95 * summary["frames"]
    with open(out_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["frames"]
    assert {"timestamp_s", "state", "rule:hip_lift"} <= set(rows[0])
    assert {r["state"] for r in rows} >= {"correct", "incorrect"}


def test_images_give_one_json_line_each(tmp_path):
    import cv2

    from posecheck.synthetic import render_reference

    paths = []
    for name in ("bridge", "cobra"):
        path = tmp_path / f"{name}.png"
        cv2.imwrite(str(path), render_reference(name))
        paths.append(str(path))
    proc = run("analyze", *paths, "--exercise", "bridge", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["kind"] for line in lines] == ["image", "image"]
    assert lines[0]["verdict"] == "correct"
    assert lines[1]["verdict"] in ("incorrect", "uncertain")


def test_analysis_is_stored_in_the_history(tmp_path):
    db = tmp_path / "h.sqlite3"
    clip = sample("bridge.mp4")
    proc = run("analyze", str(clip), "--exercise", "bridge", "--fps", "5", "--history", str(db))
    assert proc.returncode == 0, proc.stderr
    listing = run("history", "--history", str(db))
    assert listing.returncode == 0, listing.stderr
    assert "bridge" in listing.stdout


def test_auto_finds_every_exercise_of_the_routine(tmp_path):
    clip = sample("routine.mp4")
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    # `analyze samples/routine.mp4 --exercise auto --fps 5` as stored by tests/test_pipeline.py, which
    # checks that a real run prints exactly this: the model need not run on the routine twice.
    stored = Path(__file__).resolve().parent / "data" / "analyze" / "routine.auto-fps5.jsonl"
    summary = json.loads(stored.read_text().splitlines()[0])
    found = [s["exercise"] for s in summary["exercise_segments"]]
    assert found == [t["exercise"] for t in truth]
    for part, expected in zip(summary["exercise_segments"], truth):
        # Each segment covers its exercise's correct spans.
        for start, end, _side in expected["correct_spans"]:
            assert part["start_s"] <= expected["offset_s"] + start + 0.5
            assert expected["offset_s"] + end <= part["end_s"] + 0.5
