"""Writing results: outputs that never replace what they point at, JSON Lines summaries, per-frame CSV.

Every writer goes through ``output_path`` (or ``write_atomic``, built on it), which
looks at what the output path is before writing:

- a regular file, or a new path: written to a temporary file in the destination
  folder and renamed into place, so an interrupted run leaves the old file or
  the new one, never half of one;
- a symlink: the same for the file it points at; the link itself is kept;
- ``-``, ``/dev/stdout`` or another of this process's open descriptors
  (``/dev/fd/N``, ``/proc/self/fd/N``): written into that descriptor;
- a character device, FIFO or socket (or a symlink to one): written into.

Outputs may never replace an input.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from posecheck.errors import PosecheckError
from posecheck.core.types import FrameResult

STDOUT = "-"

# A link through one of these is an open descriptor of some process (usually ours):
# its target is not a file to replace even when the descriptor is a regular file.
_FD_LINK = re.compile(r"^/(?:proc/(?:self|thread-self|\d+)(?:/task/\d+)?|dev)/fd/(\d+)$")


@dataclass(frozen=True)
class OutputTarget:
    """What an output path is. ``kind``: "file" (replaced atomically), "fd" (one of our
    descriptors, written into) or "stream" (device, FIFO, socket: opened and written into)."""

    given: str
    kind: str
    path: Path  # the file to replace, or the thing to open; symlinks resolved
    fd: int | None = None

    @property
    def is_stdout(self) -> bool:
        return self.kind == "fd" and self.fd == 1


def _own_fd(link: str) -> int | None:
    """The descriptor number when ``link`` (absolute, parent resolved) names one of ours."""
    match = _FD_LINK.match(link)
    if not match:
        return None
    if link.startswith("/proc/") and not re.match(r"^/proc/(?:self|thread-self|%d)/" % os.getpid(), link):
        return None  # another process's descriptor: open it like any stream
    return int(match.group(1))


def output_target(out: str | os.PathLike) -> OutputTarget:
    """Classifies an output path without touching it (see the module docstring)."""
    given = os.fspath(out)
    if given == STDOUT:
        return OutputTarget(given, "fd", Path("/dev/stdout"), 1)
    hop = os.path.abspath(given)
    for _ in range(40):  # the kernel's own symlink limit
        hop = os.path.join(os.path.realpath(os.path.dirname(hop)), os.path.basename(hop))
        fd = _own_fd(hop)
        if fd is not None:
            return OutputTarget(given, "fd", Path(hop), fd)
        if not os.path.islink(hop):
            break
        link = os.readlink(hop)
        hop = link if os.path.isabs(link) else os.path.join(os.path.dirname(hop), link)
    path = Path(hop)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return OutputTarget(given, "file", path)
    except OSError as exc:
        raise PosecheckError(f"{given}: cannot use it as an output ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise PosecheckError(f"{given}: is a folder; give a file name")
    if stat.S_ISREG(mode):
        return OutputTarget(given, "file", path)
    if stat.S_ISBLK(mode):
        raise PosecheckError(f"{given}: is a block device; refusing to write to it")
    return OutputTarget(given, "stream", path)


def check_output_path(out: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> Path:
    """Refuse an output that is one of the inputs (through a symlink or a hard link too), or a file whose
    folder cannot be written; stdout, devices and FIFOs pass (see ``output_target``)."""
    target = output_target(out)
    path = Path(out)
    if target.kind != "file":  # written into, never replaced: nothing to probe
        return path
    for source in inputs:
        if Path(source).resolve() == target.path or _same_file(source, target.path):
            raise PosecheckError(f"{out}: output path is the same as an input; refusing to overwrite it")
    folder = target.path.parent
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


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_two_on_stdout(**outputs: str | os.PathLike | None) -> None:
    """One-line error when more than one of the named outputs (option -> path) is stdout."""
    on_stdout = [f"--{name.replace('_', '-')}" for name, out in outputs.items()
                 if out is not None and output_target(out).is_stdout]
    if len(on_stdout) > 1:
        raise PosecheckError(f"{' and '.join(on_stdout)} cannot both write to stdout; send one to a file")


def stdout_taken(*outputs: str | os.PathLike | None) -> bool:
    """Whether any of these outputs writes to stdout (then messages for people go to stderr)."""
    return any(out is not None and output_target(out).is_stdout for out in outputs)


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


class PendingOutput:
    """A temporary file standing in for an output until ``commit()``.

    For a regular file (or a new path) the temporary file sits beside the real
    target and ``commit()`` renames it over that target (a symlink's target, the
    link kept). For stdout, a device or a FIFO it sits in the temporary folder and
    ``commit()`` copies it into the stream. ``discard()`` drops it, leaving the
    output as it was.
    """

    def __init__(self, out: str | os.PathLike, suffix: str | None = None):
        self.target = output_target(out)
        name = Path(self.target.given).name or "output"
        suffix = suffix or Path(self.target.given).suffix or ".tmp"
        folder = str(self.target.path.parent) if self.target.kind == "file" else None
        if folder is not None and not os.path.isdir(folder):
            raise PosecheckError(f"{self.target.given}: folder {folder} does not exist")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
        except OSError as exc:
            raise PosecheckError(f"{self.target.given}: cannot write there ({exc.strerror or exc})") from None
        os.close(fd)
        self.tmp = Path(tmp)

    def commit(self) -> None:
        try:
            if self.target.kind == "file":
                match_umask(self.tmp)
                os.replace(self.tmp, self.target.path)
                return
            with open(self.tmp, "rb") as src:
                if self.target.kind == "fd":
                    _copy_to_fd(src, self.target.fd)
                else:
                    with open(self.target.path, "wb") as dst:  # O_TRUNC means nothing to a device or FIFO
                        shutil.copyfileobj(src, dst)
        finally:
            self.discard()

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.tmp.unlink()


def _copy_to_fd(src, fd: int) -> None:
    # Python's own stdout and stderr, which may not be fds 1 and 2 (the CLI points
    # fd 2 at /dev/null to hush MediaPipe and keeps sys.stderr on a copy of it).
    stream = {1: sys.stdout, 2: sys.stderr}.get(fd)
    if stream is not None:
        stream.flush()
        binary = getattr(stream, "buffer", None)
        while chunk := src.read(1 << 16):
            if binary is not None:
                binary.write(chunk)
            else:
                stream.write(chunk.decode("utf-8", "replace"))
        (binary or stream).flush()
        return
    while chunk := src.read(1 << 16):
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


@contextlib.contextmanager
def output_path(out: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yields a temporary path to write the output to; put in place (see above) on success."""
    pending = PendingOutput(out, suffix)
    try:
        yield pending.tmp
    except BaseException:
        pending.discard()
        raise
    pending.commit()


atomic_path = output_path  # the older name, kept for the writers that use it


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Text (as UTF-8) or bytes into the output ``path`` (a file replaced atomically, or a stream)."""
    with output_path(path) as tmp:
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
