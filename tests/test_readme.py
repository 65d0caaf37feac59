"""The README says what is true: its first command, run for real on samples/bridge.mp4, prints the human
summary it shows, and its TOML example (like config.py's) holds the defaults."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

from conftest import REPO
from posecheck import config
from posecheck.config import Settings, settings_from_dict, tomllib
from posecheck.judge.tracker import DWELL_S, GRACE_S

README = (REPO / "README.md").read_text(encoding="utf-8")


def blocks(text: str, language: str) -> list[str]:
    """The fenced blocks opened with ```language (an empty language: plain ``` blocks)."""
    found, current, opened = [], None, None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, opened = [], line[3:].strip()
            else:
                if opened == language:
                    found.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def first_command() -> list[str]:
    """The posecheck part of the README's first shell command, to run with this Python."""
    line = blocks(README, "sh")[0].strip()
    words = shlex.split(line.split("&&")[-1])
    assert words[0].endswith("posecheck"), line
    return [sys.executable, "-m", "posecheck", *words[1:]]


def test_the_first_command_prints_the_summary_the_readme_shows(tmp_path):
    command = first_command()
    assert "samples/bridge.mp4" in command and "--json" not in command
    out = tmp_path / "summary.jsonl"  # beside the run: the figures the printed summary must state
    proc = subprocess.run([*command, "--json", str(out)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout
    assert "{" not in printed, printed  # for a person, not JSON
    summary = json.loads(out.read_text())
    lines = printed.splitlines()
    assert lines[0] == "samples/bridge.mp4: Bridge (video, 0:16.3)"
    assert f"  hold      {summary['hold_s']:.1f} s of {summary['target_s']:g} s" in lines
    top = summary["faults"][0]
    assert any(top["cue"] in ln and f"{top['seconds']:.1f} s" in ln for ln in lines if ln.startswith("  faults"))
    assert lines[-1].startswith("  verdict   ")
    share = summary["state_seconds"]["correct"] / sum(summary["state_seconds"].values())
    assert f"correct {100 * share:.0f}% of the time" in lines[-1]
    # The README shows this output: the same lines, the figures aside (they move when rules are refitted).
    shown = [b for b in blocks(README, "") if b.startswith("samples/bridge.mp4:")]
    assert len(shown) == 1, "the README should show the first command's output once"
    assert re.sub(r"\d", "#", shown[0]) == re.sub(r"\d", "#", printed)


def _defaults_of(example: dict) -> None:
    """Every value in a TOML example is the default it sits beside."""
    defaults = Settings()
    loaded = settings_from_dict(example, "example")
    assert (loaded.dwell_s, loaded.grace_s) == (defaults.dwell_s, defaults.grace_s) == (DWELL_S, GRACE_S)
    for ex_id, body in example.items():
        if ex_id == "judge":
            continue
        default, read = defaults.exercise(ex_id), loaded.exercise(ex_id)
        assert read.goal == default.goal, ex_id
        for rule_name in body.get("rules", {}):
            assert (read.rule(rule_name).low, read.rule(rule_name).high) == \
                   (default.rule(rule_name).low, default.rule(rule_name).high), (ex_id, rule_name)


def test_the_readme_toml_example_holds_the_defaults():
    (example,) = blocks(README, "toml")
    data = tomllib.loads(example)
    _defaults_of(data)
    ranges = {"dwell_s": config.DWELL_RANGE, "grace_s": config.GRACE_RANGE, "target_s": config.TARGET_S_RANGE,
              "target_reps": config.TARGET_REPS_RANGE}
    for line in example.splitlines():  # the ranges in the comments are the ones the settings accept
        key = line.split("=")[0].strip()
        if key in ranges:
            lo, hi = ranges[key]
            assert f"# {lo:g}-{hi:g}" in line, line


def test_the_config_docstring_example_holds_the_defaults():
    doc = config.__doc__
    example = doc.split("::", 1)[1].split("\n\n", 1)[1].split("\nUnknown", 1)[0]
    text = "\n".join(line[4:] for line in example.splitlines())
    _defaults_of(tomllib.loads(text))


def test_the_readme_documents_every_labels_csv_column_the_evaluation_reads():
    source = (REPO / "posecheck" / "io" / "labels.py").read_text()
    body = source.split("def read_clip_labels", 1)[1]
    read = set(re.findall(r'row(?:\.get)?[\[(]"(\w+)"', body)) | {"file", "exercise"}
    table = README.split("`labels.csv` has one row per clip", 1)[1].split("\n\n", 2)[1]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, flags=re.M))
    assert read <= documented, read - documented
