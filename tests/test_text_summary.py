"""The terminal summary of `posecheck analyze` (from the stored analyses of the samples), and the messages
a person at a terminal gets for a folder or a misspelt exercise name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, sample
from posecheck.draw.report_text import fmt_time
from posecheck.draw.text_summary import summary_text
from posecheck.errors import nearest_name, unknown_name
from posecheck.judge.exercises import registry
from posecheck.judge.summary import Summary

STORED = Path(__file__).resolve().parent / "data" / "analyze"
PY = [sys.executable, "-m", "posecheck"]


def stored(name: str) -> list[Summary]:
    return [Summary.from_json(json.loads(line))
            for line in (STORED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_hold_with_sides_shows_each_side_against_the_target_and_the_faults_with_times():
    (summary,) = stored("knee_to_chest.fixed-fps10")
    text = summary_text(summary, registry())
    lines = text.splitlines()
    assert lines[0] == f"samples/knee_to_chest.mp4: Knee to chest (video, {fmt_time(summary.duration_s)})"
    sides = summary.figures.sides
    assert lines[1] == (f"  hold      left {sides['left']:.1f} s, right {sides['right']:.1f} s "
                        f"of {summary.figures.target_s:g} s per side")
    top = summary.figures.faults[0]
    assert top.side in ("left", "right")  # the report's faults: per side
    assert lines[2] == (f"  faults    {top.cue} ({top.side}): {top.seconds:.1f} s in all, "
                        f"first at {fmt_time(top.first_s)}")
    assert lines[-1].startswith("  verdict   mostly ")
    from posecheck.judge.summary import GOAL_VERDICT_LABELS

    verdict = summary.figures.goal_verdict  # the report's badge and the history's, by the same thresholds
    assert lines[-1].endswith(f"; {GOAL_VERDICT_LABELS[verdict]} ({100 * summary.figures.goal_fraction:.0f}% of it)")
    assert len(text) < 600 and "{" not in text


def test_reps_are_shown_against_their_target():
    (summary,) = stored("cat_cow.fixed-fps10")
    lines = summary_text(summary, registry()).splitlines()
    assert lines[1] == f"  reps      {summary.figures.reps} of {summary.figures.target_reps}"


def test_a_routine_is_summarised_as_a_whole_then_per_exercise():
    (summary,) = stored("routine.auto-fps5")
    lines = summary_text(summary, registry()).splitlines()
    found = summary.exercises
    assert len(found) == 8
    assert lines[0] == f"samples/routine.mp4: routine of 8 exercises (video, {fmt_time(summary.duration_s)})"
    assert lines[1].startswith(f"  whole     {summary.figures.hold_s:.1f} s held in all; correct ")
    heads = [ln for ln in lines[1:] if not ln.startswith("  ")]
    assert heads == [f"{registry()[e.exercise].title} ("
                     + ", ".join(f"{fmt_time(a)}-{fmt_time(b)}" for a, b in e.spans) + ")" for e in found]
    assert sum(ln.startswith("  verdict") for ln in lines) == 8
    sided = [e for e in found if e.figures.sides]
    assert sum(ln.startswith("  hold      left ") for ln in lines) == len(sided) > 0
    assert sum(ln.startswith("  reps ") for ln in lines) == 1  # cat-cow


def test_stills_show_the_cue_and_the_rules_that_failed():
    summaries = stored("stills.fixed")
    for summary in summaries:
        text = summary_text(summary, registry())
        assert text.splitlines()[0].endswith("(still)")
        failed = [r for r in summary.rules if r.ok is False and r.value is not None]
        assert sum(ln.startswith("  off") for ln in text.splitlines()) == len(failed)
        if summary.cue:
            assert summary.cue in text


def test_the_nearest_name_is_suggested_and_far_ones_are_not():
    ids = list(registry())
    assert nearest_name("brige", ids) == "bridge"
    assert nearest_name("Knee-To-Chest", ids) == "knee_to_chest"
    assert nearest_name("cobr", ids) == "cobra"
    assert nearest_name("plank", ids) is None
    assert "did you mean" not in str(unknown_name("exercise", "plank", ids))


def run(*args):
    return subprocess.run([*PY, *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=120)


def one_line_error(proc, text):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", [
    ["analyze", "samples/bridge.mp4", "-e", "brige"],
    ["report", "samples/bridge.mp4", "--out", "{tmp}/report", "-e", "brige"],
    ["live", "--source", "samples/bridge.mp4", "-e", "brige", "--no-window", "--mute", "--no-history"],
    ["history", "--history", "{tmp}/h.sqlite3", "--exercise", "brige"],
])
def test_a_misspelt_exercise_suggests_the_nearest_everywhere(tmp_path, command):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    line = one_line_error(run(*args), "unknown exercise 'brige'; did you mean bridge?")
    assert "valid: " in line
    assert not (tmp_path / "report").exists()


def test_history_of_a_known_exercise_with_no_sessions_is_not_an_error(tmp_path):
    proc = run("history", "--history", tmp_path / "h.sqlite3", "--exercise", "bridge")
    assert proc.returncode == 0, proc.stderr
    assert "No sessions of bridge yet" in proc.stdout


def test_a_folder_given_to_analyze_is_called_a_folder(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    line = one_line_error(run("analyze", folder, "-e", "bridge"), f"{folder}: is a folder")
    assert f"posecheck report {folder}" in line


def test_json_dash_gives_json_lines_only_and_without_it_the_summary(tmp_path):
    clip = sample("bridge.mp4")
    cache = tmp_path / "poses"
    base = ["analyze", clip, "-e", "bridge", "--no-history", "--fps", "5", "--pose-cache", cache]
    as_json = run(*base, "--json", "-")
    assert as_json.returncode == 0, as_json.stderr
    (line,) = as_json.stdout.splitlines()
    summary = Summary.from_json(json.loads(line))
    human = run(*base)
    assert human.returncode == 0, human.stderr
    assert human.stdout == summary_text(summary, registry())
