"""Reading the labelled photos and clips that the evaluation and the calibration measure against.

Photos: ``manifest.csv`` (``file,label`` and optionally ``source_repo`` and
``note``) and, beside it, ``strict.csv`` (``file,label,form,fault,view,side,note``:
what a physiotherapist reading the coach's post strictly says of each photo).
With a strict row, a photo counts for the exercise it shows: its folder label if
that is an exercise, otherwise the exercise id that ``fault`` names (a photo
filed as a negative pose that actually shows a cobra counts as a cobra, correct
or faulty). Without ``strict.csv`` the folder labels are taken as they are (an
exercise folder is ``correct``, any other ``other``).

Photos of one person or one photo shoot carry a ``same_person_group:<name>``
note; ``source_folds`` keeps such a group in one fold even when its photos were
re-committed to several repositories.

Clips: ``labels.csv`` (``file,exercise,segments,cycles,side,source_repo``...):
``segments`` are ``a-b;c-d`` seconds in the pose, ``side`` one ``L``/``R``/``both``
per segment.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.judge.exercises import registry

OTHER = "other"
# Dataset labels that are one end of an exercise's movement.
LABEL_ALIASES = {"cat": "cat_cow", "cow": "cat_cow"}
FORMS = ("correct", "fault", "variant", "unclear", "other")
JUDGED_FORMS = ("correct", "fault")  # what agreement is measured on
GROUP_TAG = re.compile(r"same_person_group:([\w.-]+)")
SIDES = {"L": "left", "R": "right", "both": "both"}
UNKNOWN_SOURCE = "(unknown source)"


def canonical_label(label: str) -> str:
    """An exercise id for a dataset label (``cat`` and ``cow`` are ``cat_cow``), else ``other``."""
    label = LABEL_ALIASES.get(label, label)
    return label if label in registry() else OTHER


@dataclass(frozen=True)
class PhotoLabel:
    file: str  # relative to the manifest's folder
    folder_label: str  # the dataset's own name for the pose
    exercise: str | None  # the exercise this photo counts for (None: a pose that is none of them)
    form: str  # correct, fault, variant, unclear or other
    fault: str  # what is wrong (fault) or what the variant is; for relabelled negatives, the note
    view: str
    side: str | None  # "left"/"right": the person's own working side
    source: str  # source_repo
    group: str | None  # same_person_group, if any

    @property
    def judged(self) -> bool:
        """Counted in agreement (correct or fault for an exercise)."""
        return self.exercise is not None and self.form in JUDGED_FORMS

    @property
    def other_pose(self) -> bool:
        """Counted in another exercise's false acceptance: not a variant and not unclear."""
        return self.form not in ("variant", "unclear")


@dataclass(frozen=True)
class PhotoSet:
    folder: Path
    manifest: Path
    strict: Path | None  # None when the folder has no strict.csv
    photos: tuple[PhotoLabel, ...]

    def path(self, photo: PhotoLabel) -> Path:
        return self.folder / photo.file


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise PosecheckError(f"{path}: needs the column(s) {','.join(missing)}")
            return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except OSError as exc:
        raise PosecheckError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PosecheckError(f"{path}: not a readable CSV file ({exc})") from None


def manifest_in(folder_or_csv: str | os.PathLike, names: tuple[str, ...]) -> Path:
    """The labels file: the path itself, or the first of ``names`` inside that folder."""
    path = Path(folder_or_csv)
    if path.is_dir():
        for name in names:
            if (path / name).is_file():
                return path / name
        raise PosecheckError(f"{path}: no {' or '.join(names)} in this folder")
    if not path.is_file():
        raise PosecheckError(f"{path}: no such file or folder")
    return path


def _group(*notes: str) -> str | None:
    for note in notes:
        found = GROUP_TAG.search(note)
        if found:
            return found.group(1)
    return None


def _strict_photo(row: dict[str, str], strict: dict[str, str], where: str) -> PhotoLabel:
    form = strict.get("form", "")
    if form not in FORMS:
        raise PosecheckError(f"{where}: form {form!r} is not one of {', '.join(FORMS)}")
    folder_exercise = canonical_label(row["label"])
    fault = strict.get("fault", "")
    named = fault.split(":")[0].strip()
    exercise: str | None = None
    if folder_exercise != OTHER and form != "other":
        exercise = folder_exercise
    elif named in registry() and form != "other":
        # A photo filed under another pose that shows one of the exercises: the
        # exercise is in ``fault`` and what is wrong with it is in the note.
        exercise = named
        fault = strict.get("note", "") if form == "fault" else fault
    side = strict.get("side", "")
    if side and side not in SIDES:
        raise PosecheckError(f"{where}: side {side!r} is not L, R or empty")
    return PhotoLabel(file=row["file"], folder_label=row["label"], exercise=exercise, form=form,
                      fault=fault, view=strict.get("view", ""), side=SIDES.get(side),
                      source=row.get("source_repo") or UNKNOWN_SOURCE,
                      group=_group(row.get("note", ""), strict.get("note", "")))


def _loose_photo(row: dict[str, str]) -> PhotoLabel:
    exercise = canonical_label(row["label"])
    return PhotoLabel(file=row["file"], folder_label=row["label"],
                      exercise=None if exercise == OTHER else exercise,
                      form="other" if exercise == OTHER else "correct", fault="", view="", side=None,
                      source=row.get("source_repo") or UNKNOWN_SOURCE, group=_group(row.get("note", "")))


def read_photo_labels(folder_or_csv: str | os.PathLike) -> PhotoSet:
    """The photos of a manifest with their strict labels (from ``strict.csv`` beside it, if there)."""
    manifest = manifest_in(folder_or_csv, ("manifest.csv",))
    rows = read_csv(manifest, ("file", "label"))
    strict_path = manifest.parent / "strict.csv"
    if not strict_path.is_file():
        return PhotoSet(manifest.parent, manifest, None, tuple(_loose_photo(r) for r in rows))
    strict_rows = read_csv(strict_path, ("file", "form", "fault"))
    by_file: dict[str, tuple[int, dict[str, str]]] = {}
    for line, srow in enumerate(strict_rows, start=2):
        if srow["file"] in by_file:
            raise PosecheckError(f"{strict_path}:{line}: {srow['file']} is labelled twice")
        by_file[srow["file"]] = (line, srow)
    photos = []
    for row in rows:
        if row["file"] not in by_file:
            raise PosecheckError(f"{strict_path}: no row for {row['file']} (listed in {manifest.name})")
        line, srow = by_file[row["file"]]
        photos.append(_strict_photo(row, srow, f"{strict_path}:{line}"))
    extra = set(by_file) - {r["file"] for r in rows}
    if extra:
        raise PosecheckError(f"{strict_path}: {min(extra)} is not in {manifest.name}")
    return PhotoSet(manifest.parent, manifest, strict_path, tuple(photos))


def source_folds(photos: tuple[PhotoLabel, ...] | list[PhotoLabel]) -> dict[str, str]:
    """The fold of each photo (by file) for leave-one-source-out: its ``source_repo``.

    A same-person group whose photos sit in several repositories goes whole to
    the fold of the repository holding most of them (ties: the first by name),
    so no person is both fitted on and judged.
    """
    members: dict[str, Counter] = defaultdict(Counter)
    for photo in photos:
        if photo.group:
            members[photo.group][photo.source] += 1
    home = {group: min(counts, key=lambda s: (-counts[s], s)) for group, counts in members.items()}
    return {p.file: home[p.group] if p.group else p.source for p in photos}


@dataclass(frozen=True)
class ClipLabel:
    file: str
    exercise: str  # an exercise id, or ``other`` for negatives
    view: str
    segments: tuple[tuple[float, float], ...]  # seconds in the pose
    sides: tuple[str | None, ...]  # per segment: "left", "right", "both" or None
    cycles: int | None
    source: str

    @property
    def labelled_s(self) -> float:
        return sum(b - a for a, b in self.segments)


@dataclass(frozen=True)
class ClipSet:
    folder: Path
    labels: Path
    clips: tuple[ClipLabel, ...]

    def path(self, clip: ClipLabel) -> Path:
        return self.folder / clip.file


def parse_segments(text: str, where: str = "segments") -> list[tuple[float, float]]:
    """``a-b;c-d`` (seconds) as [(a, b), (c, d)]."""
    spans = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        try:
            a, b = (float(x) for x in part.split("-"))
        except ValueError:
            raise PosecheckError(f"{where}: {part!r} is not a start-end range in seconds") from None
        if not b >= a:
            raise PosecheckError(f"{where}: {part!r} ends before it starts")
        spans.append((a, b))
    return spans


def _sides(text: str, count: int, where: str) -> tuple[str | None, ...]:
    parts = [p.strip() for p in text.split(";")] if text else []
    if not parts:
        return (None,) * count
    if len(parts) != count or any(p not in SIDES for p in parts):
        raise PosecheckError(f"{where}: side {text!r} needs one of L, R, both per segment ({count})")
    return tuple(SIDES[p] for p in parts)


def read_clip_labels(folder_or_csv: str | os.PathLike) -> ClipSet:
    labels = manifest_in(folder_or_csv, ("labels.csv",))
    clips = []
    for line, row in enumerate(read_csv(labels, ("file", "exercise")), start=2):
        where = f"{labels}:{line}"
        segments = parse_segments(row.get("segments", ""), where)
        cycles_text = row.get("cycles", "")
        try:
            cycles = int(cycles_text) if cycles_text else None
        except ValueError:
            raise PosecheckError(f"{where}: cycles {cycles_text!r} is not a whole number") from None
        clips.append(ClipLabel(file=row["file"], exercise=canonical_label(row["exercise"]),
                               view=row.get("view", ""), segments=tuple(segments),
                               sides=_sides(row.get("side", ""), len(segments), where), cycles=cycles,
                               source=row.get("source_repo") or UNKNOWN_SOURCE))
    return ClipSet(labels.parent, labels, tuple(clips))
