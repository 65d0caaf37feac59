"""Shared test fixtures: paths to the repo, its samples, and ../shared/data when present."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data() -> Path:
    """../shared/data beside the checkout, or skip the test with the reason."""
    if not (SHARED_DATA / "clips" / "labels.csv").is_file():
        pytest.skip(f"real evaluation data not present at {SHARED_DATA} (it lives beside the checkout)")
    return SHARED_DATA


@pytest.fixture
def shared() -> Path:
    return shared_data()


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.fail(f"missing shipped sample {path}; run python samples/make_samples.py")
    return path


@contextlib.contextmanager
def environment_variable(name: str, value: str):
    """``name`` set to ``value`` inside the block, as it was after (for fixtures wider than a test)."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@pytest.fixture(autouse=True, scope="session")
def _private_history(tmp_path_factory):
    """Keep the tests' sessions out of the user's own history database."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    with environment_variable("POSECHECK_HISTORY", str(path)):
        yield path
