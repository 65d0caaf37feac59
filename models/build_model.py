#!/usr/bin/env python3
"""Rebuild ``pose_landmarker_full.task`` from the MediaPipe 0.10.21 wheel.

MediaPipe 0.10.30 and later ship no pose model in the wheel and posecheck may not
download one at run time, so the model is built once from the two BlazePose GHUM
3D TFLite files that the 0.10.21 wheel carries (Apache-2.0):

- ``mediapipe/modules/pose_detection/pose_detection.tflite``   -> ``pose_detector.tflite``
- ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` -> ``pose_landmarks_detector.tflite``

A Tasks ``.task`` file is a zip (stored, not deflated) of those two files. The
Tasks API refuses float models whose TFLite metadata does not give the input
normalisation, so metadata is written with MediaPipe 0.10.21's own metadata
writer: the detector takes RGB in [-1, 1] (mean 127.5, std 127.5), the landmark
model RGB in [0, 1] (mean 0, std 255).

0.10.21 needs NumPy < 2, so this script makes a throw-away virtual environment,
installs ``mediapipe==0.10.21`` there with pip (from the package registry), and
re-runs itself inside it with ``--inner``.

Usage:  python models/build_model.py [--out models/pose_landmarker_full.task]
Then check the result with ``sha256sum`` against ``MODEL_SHA256`` in
``posecheck/model.py``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "pose_landmarker_full.task"
MEDIAPIPE_PIN = "mediapipe==0.10.21"
# A fixed timestamp so that rebuilding gives the same bytes.
ZIP_DATE = (2025, 1, 1, 0, 0, 0)


def _with_metadata(path: Path, name: str, description: str, mean: float, std: float,
                   outputs: int) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(path.read_bytes()))
    writer.add_general_info(name, description)
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for _ in range(outputs):
        writer.add_feature_output()
    model, _json = writer.populate()
    return bytes(model)


def build_inner(out: Path) -> None:
    import mediapipe

    root = Path(mediapipe.__file__).parent / "modules"
    detector = _with_metadata(
        root / "pose_detection" / "pose_detection.tflite",
        "BlazePose GHUM 3D pose detector",
        "Detects people (MediaPipe 0.10.21 pose_detection.tflite). Apache-2.0.",
        127.5, 127.5, outputs=2)
    landmarks = _with_metadata(
        root / "pose_landmark" / "pose_landmark_full.tflite",
        "BlazePose GHUM 3D pose landmarks (full)",
        "33 pose landmarks (MediaPipe 0.10.21 pose_landmark_full.tflite). Apache-2.0.",
        0.0, 255.0, outputs=5)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as bundle:
        for arcname, data in (("pose_detector.tflite", detector),
                              ("pose_landmarks_detector.tflite", landmarks)):
            info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            bundle.writestr(info, data)
    os.replace(tmp, out)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out.resolve()
    if args.inner:
        build_inner(out)
        return 0
    with tempfile.TemporaryDirectory(prefix="posecheck-model-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        python = env_dir / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "-q", MEDIAPIPE_PIN, "numpy<2"],
                       check=True)
        subprocess.run([str(python), str(Path(__file__).resolve()), "--inner", "--out", str(out)],
                       check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
