"""posecheck bench: a smoke test on a few frames (the printed structure and the JSON; no timing assertions)."""

import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import REPO, sample

from posecheck.apps.bench import best_of, _parse_size
from posecheck.errors import PosecheckError


def figures_of(path):
    return json.loads(path.read_text())


def run(*args):
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


def test_bench_prints_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    proc = run("bench", str(sample("bridge.mp4")), "--frames", "6", "--sizes", "native,320x240",
               "--batch", "2", "--jobs", "2", "--long", "1", "--ray-batch", "2", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    text = proc.stdout
    assert "failed" not in text, text
    assert lines[0].startswith("posecheck bench: ") and "core(s)" in lines[0]
    assert "640x480 (native), 6 frames at 30.00 fps" in text
    assert "320x240 (320x240), 6 frames" in text
    for label in ("decode only", "model only (the limit)", "analyze ", "analyze --video",
                  "live (clip as camera)"):
        rows = [ln for ln in lines if ln.strip().startswith(label.strip())]
        assert len(rows) == (2 if label != "analyze " else 4), (label, text)
    for row in (ln for ln in lines if ln.strip().startswith(("decode", "model", "analyze", "live"))):
        fps, ratio, peak, cpu = row[30:].split()[:4]
        assert float(fps) > 0 and float(ratio) > 0 and float(peak) > 0 and float(cpu) >= 0, row
    assert [ln for ln in lines if ln.strip().startswith("model only")][0].split()[5] == "1.00"
    assert "latency median" in text and "p95" in text
    assert "batch: 2 copies" in text
    assert any(ln.strip().startswith("one after another") for ln in lines)
    assert any("2 processes, limit_threads(1)" in ln and "x faster" in ln for ln in lines)
    for label in ("long: one pass", "long: 2 processes", "long --video: one pass", "long --video: 2 processes"):
        row = [ln for ln in lines if ln.strip().startswith(label)]
        assert len(row) == 1 and float(row[0][30:].split()[1]) > 0, (label, text)
    assert figures_of(out)["long"]["frames"] == 30  # the 6 frames 5 times: 1 s at 30 fps
    if importlib.util.find_spec("ray") is not None:
        assert "ray batch: 2 copies" in text
        assert any(ln.strip().startswith("Ray, local cluster of 2 CPUs") and "x faster" in ln for ln in lines)
        assert figures_of(out)["ray_batch"]["ray"]["frames"] == 12
    startup = [ln for ln in lines if ln.startswith("startup: posecheck analyze of one photo")]
    assert len(startup) == 1 and float(startup[0].rsplit(": ", 1)[1].split()[0]) > 0, text

    figures = json.loads(out.read_text())
    assert set(figures["sizes"]) == {"native", "320x240"}
    native = figures["sizes"]["native"]
    for kind in ("decode", "model", "analyze", "analyze_video", "live"):
        assert native[kind]["fps"] > 0 and native[kind]["peak_mb"] > 0, kind
        assert native[kind]["frames"] >= 1
    assert native["decode"]["frames"] == native["model"]["frames"] == native["analyze"]["frames"] == 6
    assert native["live"]["latency_p95_ms"] is not None
    assert figures["batch"]["sequential"]["frames"] == figures["batch"]["parallel"]["frames"] == 12
    assert figures["startup"]["seconds"] > 0


def test_bench_refuses_bad_options(tmp_path):
    proc = run("bench", str(sample("bridge.mp4")), "--batch", "-1")
    assert proc.returncode == 2 and "--batch" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("bench", str(tmp_path / "missing.mp4"))
    assert proc.returncode == 2 and "no such clip" in proc.stderr


def test_sizes_and_best_of():
    assert _parse_size("native") is None
    assert _parse_size("1280x720") == (1280, 720)
    with pytest.raises(PosecheckError):
        _parse_size("big")
    runs = [{"fps": 10.0}, {"error": "boom"}, {"fps": 12.0}]
    assert best_of(runs)["fps"] == 12.0 and best_of(runs)["runs"] == [10.0, 12.0]
    live = [{"fps": 29.0, "dropped": 3, "latency_p95_ms": 40.0}, {"fps": 30.0, "dropped": 0, "latency_p95_ms": 50.0}]
    assert best_of(live)["dropped"] == 0
