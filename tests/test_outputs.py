"""Outputs never replace what they point at: a regular file is replaced atomically (a symlink's target,
the link kept); stdout, a character device and a FIFO are written into. Real `posecheck analyze` runs
on samples/bridge.mp4 (real model, real frames) write into each kind of path.

The real /dev/null is never used as an output here: the character device is a copy made with mknod.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import REPO, sample
from posecheck.errors import PosecheckError
from posecheck.io.outputs import (check_output_path, output_path, output_target, refuse_two_on_stdout,
                                  write_atomic)

PY = [sys.executable, "-m", "posecheck"]


@pytest.fixture(scope="module")
def pose_cache(tmp_path_factory) -> Path:
    """Poses of bridge.mp4 estimated by the first run and reused by the others (the judging is redone)."""
    return tmp_path_factory.mktemp("poses")


def analyze(pose_cache, *args, stdout=subprocess.PIPE, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([*PY, "analyze", str(sample("bridge.mp4")), "-e", "bridge", "--no-history",
                           "--pose-cache", str(pose_cache), *map(str, args)],
                          stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=timeout)


def one_summary(text: str) -> dict:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text[:500]
    summary = json.loads(lines[0])
    assert summary["exercise"] == "bridge" and summary["frames"] > 100
    return summary


def csv_rows(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["frame", "timestamp_s", "state"], rows[0][:5]
    return rows


# --- real analyses into each kind of output -----------------------------------------------

def test_json_into_a_fifo_read_by_another_thread(tmp_path, pose_cache):
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader():
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    proc = analyze(pose_cache, "--json", fifo)
    if thread.is_alive() and proc.returncode != 0:  # the run never opened the FIFO: let the reader go
        with open(fifo, "wb"):
            pass
    thread.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert received, "nothing was read from the FIFO"
    one_summary(received[0].decode("utf-8"))
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced"
    assert sorted(os.listdir(tmp_path)) == ["summary.fifo"]  # no temporary file left beside it


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod of a device needs root")
def test_json_and_csv_into_a_character_device_leave_it_a_device(tmp_path, pose_cache):
    device = tmp_path / "null-copy"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    csv_device = tmp_path / "null-copy-2"
    os.mknod(csv_device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    proc = analyze(pose_cache, "--json", device, "--csv", csv_device)
    assert proc.returncode == 0, proc.stderr
    for path in (device, csv_device):
        info = os.lstat(path)
        assert stat.S_ISCHR(info.st_mode), f"{path} is no longer a character device"
        assert (os.major(info.st_rdev), os.minor(info.st_rdev)) == (1, 3)
    assert sorted(os.listdir(tmp_path)) == ["null-copy", "null-copy-2"]


def test_symlink_to_a_regular_file_updates_the_target_and_keeps_the_link(tmp_path, pose_cache):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "summary.jsonl"
    target.write_text('{"old": true}\n')
    link = tmp_path / "latest.jsonl"
    link.symlink_to(os.path.relpath(target, tmp_path))
    dangling = tmp_path / "frames.csv"  # a link to a file not written yet
    dangling.symlink_to(elsewhere / "frames.csv")
    proc = analyze(pose_cache, "--json", link, "--csv", dangling)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(target, tmp_path)
    assert dangling.is_symlink()
    one_summary(target.read_text())
    assert len(csv_rows((elsewhere / "frames.csv").read_text())) > 100
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert sorted(os.listdir(elsewhere)) == ["frames.csv", "summary.jsonl"]


def test_dev_stdout_as_a_pipe(pose_cache):
    proc = analyze(pose_cache, "--csv", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    assert len(csv_rows(proc.stdout)) > 100  # only the CSV: nothing else shares stdout
    proc = analyze(pose_cache, "--json", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    one_summary(proc.stdout)


def test_dev_stdout_redirected_to_a_regular_file_is_written_into_not_replaced(tmp_path, pose_cache):
    out = tmp_path / "redirected.jsonl"
    with open(out, "w") as fh:
        inode = os.fstat(fh.fileno()).st_ino
        proc = analyze(pose_cache, "--json", "/dev/stdout", stdout=fh)
    assert proc.returncode == 0, proc.stderr
    assert os.stat(out).st_ino == inode, "the file stdout pointed at was replaced by another"
    one_summary(out.read_text())
    assert sorted(os.listdir(tmp_path)) == ["redirected.jsonl"]


def test_dash_is_stdout(pose_cache):
    proc = analyze(pose_cache, "--csv", "-")
    assert proc.returncode == 0, proc.stderr
    assert len(csv_rows(proc.stdout)) > 100


@pytest.mark.parametrize("json_out,csv_out", [("-", "-"), ("-", "/dev/stdout"), ("/dev/fd/1", "-")])
def test_two_outputs_on_stdout_are_refused(pose_cache, json_out, csv_out):
    proc = analyze(pose_cache, "--json", json_out, "--csv", csv_out)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--json and --csv cannot both write to stdout" in lines[0], proc.stderr
    assert proc.stdout == ""


def test_a_folder_as_the_output_is_refused(tmp_path, pose_cache):
    proc = analyze(pose_cache, "--json", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"posecheck: error: {tmp_path}: is a folder; give a file name"]


# --- the one function every writer uses -------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_output_targets_are_classified_without_touching_them(tmp_path):
    assert output_target("-").is_stdout
    assert output_target("/dev/stdout").is_stdout
    assert output_target("/dev/fd/1").is_stdout
    assert output_target(f"/proc/{os.getpid()}/fd/1").is_stdout
    assert output_target("/dev/stderr").kind == "fd" and output_target("/dev/stderr").fd == 2
    regular = tmp_path / "a.txt"
    regular.write_text("x")
    assert output_target(regular).kind == "file"
    assert output_target(tmp_path / "new.txt").kind == "file"
    link = tmp_path / "link"
    link.symlink_to(regular)
    assert output_target(link).path == regular.resolve()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert output_target(fifo).kind == "stream"
    fifo_link = tmp_path / "fifo-link"
    fifo_link.symlink_to(fifo)
    assert output_target(fifo_link).kind == "stream"
    assert regular.read_text() == "x" and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_symlinked_input_is_still_refused_as_an_output(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    link = tmp_path / "out.jsonl"
    link.symlink_to(clip)
    with pytest.raises(PosecheckError, match="same as an input"):
        check_output_path(link, [clip])
    hard = tmp_path / "hard.jsonl"
    os.link(clip, hard)
    with pytest.raises(PosecheckError, match="same as an input"):
        check_output_path(hard, [clip])
    with pytest.raises(PosecheckError, match="cannot both write to stdout"):
        refuse_two_on_stdout(json="-", video="/dev/stdout")
    refuse_two_on_stdout(json="-", csv=None, video=str(tmp_path / "v.mp4"))


def test_a_failed_write_leaves_the_target_and_no_temporary(tmp_path):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    link = tmp_path / "plot-link.png"
    link.symlink_to(target)
    with pytest.raises(RuntimeError):
        with output_path(link) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("drawing failed")
    assert target.read_bytes() == b"old" and link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["plot-link.png", "plot.png"]
    write_atomic(link, b"new")
    assert target.read_bytes() == b"new" and link.is_symlink()


def test_other_writers_go_through_the_same_function(tmp_path):
    """The video writer, the history plot and a report page into a FIFO and through a symlink."""
    import numpy as np

    from posecheck.draw.history_plot import plot_progress
    from posecheck.io.history_schema import ProgressRow
    from posecheck.io.video import VideoWriter

    fifo = tmp_path / "video.mp4"
    os.mkfifo(fifo)
    received: list[bytes] = []
    thread = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)
    thread.start()
    with VideoWriter(fifo, fps=10) as writer:
        for i in range(5):
            writer.write(np.full((48, 64, 3), 40 * i, np.uint8), i / 10)
    thread.join(timeout=30)
    assert received and received[0][4:8] == b"ftyp"  # an MP4 came through the FIFO
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)

    target = tmp_path / "real.png"
    target.write_bytes(b"old")
    link = tmp_path / "progress.png"
    link.symlink_to(target)
    day = ProgressRow(date="2026-01-05", exercise="bridge", hold_s=12.0, correct_share=0.5, sessions=1)
    plot_progress([day], link)
    assert link.is_symlink() and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_live_summary_on_stdout_is_the_json_alone(tmp_path):
    proc = subprocess.run([*PY, "live", "--source", str(sample("bridge.mp4")), "-e", "bridge", "--no-window",
                           "--mute", "--speed", "0", "--no-history", "--summary", "/dev/stdout"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)  # the whole of stdout: no end-of-session lines mixed in
    assert summary["exercises"][0]["exercise"] == "bridge"
