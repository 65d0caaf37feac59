"""What a batch command was given: folders expanded to their videos, names and dates of the clips.

Used by ``posecheck report``: a folder becomes its videos, a file must be a
video or an image, and each clip gets a safe folder name and the date it was
recorded.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.io.sources import VIDEO_SUFFIXES, kind_of


def expand_inputs(inputs: list[str | os.PathLike]) -> list[Path]:
    """Files as given; a folder becomes its videos (sorted, hidden files skipped, not recursive)."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            videos = sorted(p for p in path.iterdir()
                            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES)
            if not videos:
                raise PosecheckError(f"{path}: no video files in this folder")
            paths.extend(videos)
        elif path.exists():
            kind_of(path)  # refuses what is neither a video nor an image
            paths.append(path)
        else:
            raise PosecheckError(f"{path}: no such file or folder")
    if not paths:
        raise PosecheckError("no inputs")
    return paths


def slugify(name: str, max_len: int = 40) -> str:
    """A safe file-name piece: ASCII letters, digits, '_' and '-' only."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")
    return text[:max_len].strip("-_") or "clip"


@dataclass(frozen=True)
class ClipDate:
    """When a clip was recorded, and where that was read: ``metadata`` (the video's own
    creation time) or ``modified`` (the file's modification time, a copy's or download's)."""

    when: dt.datetime | None  # aware, in local time; None when neither could be read
    source: str  # "metadata", "modified" or "unknown"

    @property
    def text(self) -> str:
        return self.when.strftime("%Y-%m-%d %H:%M") if self.when else ""

    @property
    def note(self) -> str:
        """What the page says beside the date, so a modification time is not taken for a recording time."""
        return {"metadata": "recorded: the video's own creation time",
                "modified": "the file's modification time: the video holds no recording time"}.get(
                    self.source, "date unknown")


def clip_date(path: Path) -> ClipDate:
    """The recording time from the container's metadata (``creation_time``), else the file's modification time."""
    stamp = None
    try:
        import av

        with av.open(str(path)) as container:
            stamp = container.metadata.get("creation_time")
            if not stamp and container.streams.video:
                stamp = container.streams.video[0].metadata.get("creation_time")
    except Exception:
        stamp = None
    if stamp:
        try:
            when = dt.datetime.fromisoformat(str(stamp).strip().replace("Z", "+00:00"))
            if when.tzinfo is None:  # QuickTime times are UTC
                when = when.replace(tzinfo=dt.timezone.utc)
            if when.year > 1971:  # 1970 / 1904 epochs: a muxer that wrote zero
                return ClipDate(when.astimezone(), "metadata")
        except ValueError:
            pass
    try:
        return ClipDate(dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone(), "modified")
    except OSError:
        return ClipDate(None, "unknown")
