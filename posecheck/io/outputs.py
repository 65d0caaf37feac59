"""Writing results: atomic files, JSON Lines summaries, per-frame CSV.

Every file is written to a temporary file in the destination folder and then
renamed into place, so an interrupted run leaves the old file or the new one,
never half of one. Outputs may never replace an input.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from posecheck.errors import PosecheckError
from posecheck.core.types import FrameResult


def check_output_path(out: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> Path:
    """Refuse an output that is one of the inputs, or whose folder cannot be written."""
    path = Path(out)
    resolved = path.resolve()
    for source in inputs:
        try:
            if Path(source).resolve() == resolved:
                raise PosecheckError(f"{out}: output path is the same as an input; refusing to overwrite it")
        except OSError:
            continue
    folder = resolved.parent
    if not folder.is_dir():
        raise PosecheckError(f"{out}: folder {folder} does not exist")
    # Try it rather than ask os.access, which says yes to root everywhere; this
    # way a long analysis never ends in an output that cannot be written.
    try:
        fd, probe = tempfile.mkstemp(prefix=".posecheck-probe-", dir=str(folder))
    except OSError as exc:
        raise PosecheckError(f"{out}: folder {folder} is not writable ({exc.strerror or exc})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


def match_umask(path: str | os.PathLike) -> None:
    """mkstemp makes 0600 files; give a finished file the usual permissions (0666 less the umask)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yields a temporary path beside ``path``; renames it into place on success."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix or ".tmp",
                                   dir=str(target.resolve().parent))
    except OSError as exc:
        raise PosecheckError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    os.close(fd)
    try:
        yield Path(tmp)
        match_umask(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Text (as UTF-8) or bytes into ``path`` through a temporary file renamed into place."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    write_atomic(path, text)


def _clean(value):
    """JSON cannot hold NaN/inf: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def json_line(summary: dict) -> str:
    return json.dumps(_clean(summary), ensure_ascii=False, allow_nan=False)


CSV_BASE_COLUMNS = ["frame", "timestamp_s", "state", "raw_state", "side", "hold_s", "reps", "cue"]


def frame_rows(results: list[FrameResult], feature_names: list[str], rule_names: list[str]):
    header = CSV_BASE_COLUMNS + [f"rule:{r}" for r in rule_names] + feature_names
    yield header
    for fr in results:
        values = {r.name: r.value for r in fr.assessment.results}
        row = [fr.index, f"{fr.timestamp_s:.4f}", fr.state.value, fr.assessment.state.value,
               fr.side or "", f"{fr.hold_s:.3f}", "" if fr.reps is None else fr.reps, fr.cue]
        row += [_fmt(values.get(r)) for r in rule_names]
        row += [_fmt(fr.features.get(name)) for name in feature_names]
        yield row


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.2f}"


def csv_text(results: list[FrameResult], rule_names: list[str]) -> str:
    feature_names = sorted({k for fr in results for k in fr.features})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in frame_rows(results, feature_names, rule_names):
        writer.writerow(row)
    return buffer.getvalue()
