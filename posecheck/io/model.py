"""Where the pose model lives and how to check it is the one we built."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from posecheck.errors import PosecheckError

MODEL_FILENAME = "pose_landmarker_full.task"
# sha256 of models/pose_landmarker_full.task as built by models/build_model.py.
MODEL_SHA256 = "09249acb34a51781d895ab52ac6b28dd9904063840fb59ca942810fa8e810751"


def _candidates() -> list[Path]:
    package = Path(__file__).resolve().parents[1]  # posecheck/
    found = []
    env = os.environ.get("POSECHECK_MODEL")
    if env:
        found.append(Path(env))
    # Installed non-editable: the wheel carries the model inside the package.
    found.append(package / "models" / MODEL_FILENAME)
    # Editable install or a source checkout: models/ beside the package.
    found.append(package.parent / "models" / MODEL_FILENAME)
    return found


def default_model_path() -> Path:
    """The shipped model: $POSECHECK_MODEL, else inside the package, else ../models."""
    for path in _candidates():
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in _candidates())
    raise PosecheckError(f"pose model not found (looked in: {tried}); pass --model PATH")


def resolve_model(path: str | os.PathLike | None) -> Path:
    if path is None:
        return default_model_path()
    model = Path(path)
    if not model.is_file():
        raise PosecheckError(f"{model}: model file not found")
    return model


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
