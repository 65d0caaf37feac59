"""posecheck calibrate and eval --cv from the command line: the errors a user can meet without shared data."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO
from test_labels import MANIFEST


def test_calibrate_needs_strict_labels(tmp_path):
    (tmp_path / "manifest.csv").write_text(MANIFEST)
    for args in (["calibrate", "--photos", str(tmp_path), "--out", str(tmp_path)],
                 ["eval", "--clips", str(tmp_path), "--cv", "source"]):
        proc = subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                              cwd=REPO, timeout=120, check=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "strict.csv" in subprocess.run(
        [sys.executable, "-m", "posecheck", "calibrate", "--photos", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False).stderr
