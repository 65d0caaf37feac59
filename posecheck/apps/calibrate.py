"""``posecheck calibrate`` and ``posecheck eval --cv source``: rule ranges fitted from the strict labels.

Calibrating fits every exercise's rule ranges (``posecheck.judge.fitting``,
starting from the coded defaults) on all strict-labelled photos of a folder and
writes one ``<exercise>.json`` per exercise: the ranges, the moves that made
them, and the data and commit they came from. Files in
``posecheck/judge/exercises/fitted/`` become the rules' defaults.

Cross-validation by source refits, for every source (``source_repo``; a
same-person group stays in one fold, ``posecheck.io.labels.source_folds``), on
all the other sources, judges the held-out source's photos with those ranges,
and pools the held-out verdicts into the same figures as ``posecheck eval``.
It also gives the fitted (not held-out) figures, fitted and judged on
everything, so the two can be compared: a large gap is overfitting.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from posecheck.core.features import Body
from posecheck.errors import PosecheckError
from posecheck.io.labels import (
    ClipLabel,
    PhotoLabel,
    PhotoSet,
    read_photo_labels,
    source_folds,
)
from posecheck.io.outputs import write_text_atomic
from posecheck.judge import agreement
from posecheck.judge.exercises.base import FITTED_DIR, Exercise, coded_registry
from posecheck.judge.fitting import (
    ACCEPT,
    DEFAULT_SETTINGS,
    OTHER_POSE,
    REJECT,
    Fit,
    FitSettings,
    Sample,
    coded_ranges,
    fit_ranges,
    json_bound,
    sample_of,
    with_ranges,
)

Exercises = dict[str, Exercise]
REPO = Path(__file__).resolve().parents[2]


def sample_kind(photo: PhotoLabel, exercise_id: str) -> str | None:
    """What a photo is for fitting one exercise, or None where it does not count (variant, unclear)."""
    if photo.exercise == exercise_id:
        return {"correct": ACCEPT, "fault": REJECT}.get(photo.form)
    return OTHER_POSE if photo.other_pose else None


def exercise_samples(photos: list[PhotoLabel], bodies: dict[str, Body | None],
                     coded: Exercises) -> dict[str, list[Sample]]:
    """Every photo that counts for fitting, as each exercise sees it (computed once, fitted many times)."""
    out: dict[str, list[Sample]] = {}
    folds = source_folds(photos)  # a bound never moves for one source's photos (FitSettings.min_sources)
    for ex_id, exercise in coded.items():
        out[ex_id] = []
        for photo in photos:
            kind = sample_kind(photo, ex_id)
            if kind is not None:
                names = (agreement.fault_rules(ex_id, photo.fault) or ()) if kind == REJECT else ()
                out[ex_id].append(sample_of(exercise, bodies[photo.file], photo.file, kind, names,
                                            folds[photo.file]))
    return out


def fit_exercises(samples: dict[str, list[Sample]], coded: Exercises, settings: FitSettings,
                  leave_out: set[str] = frozenset()) -> dict[str, Fit]:
    """Fit every exercise on its samples, without the photos (files) in ``leave_out``."""
    return {ex_id: fit_ranges(exercise, [s for s in samples[ex_id] if s.file not in leave_out], settings)
            for ex_id, exercise in coded.items()}


def fitted_exercises(coded: Exercises, fits: dict[str, Fit]) -> Exercises:
    return {ex_id: with_ranges(ex, fits[ex_id].ranges) if ex_id in fits else ex for ex_id, ex in coded.items()}


def _sha256(path: Path | None) -> str | None:
    if path is None:
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_commit() -> str:
    """The commit of the checkout posecheck runs from, with ``+changes`` when it has uncommitted ones."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "posecheck")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return commit + ("+changes" if dirty else "")


def provenance(photo_set: PhotoSet, settings: FitSettings) -> dict:
    return {
        "fitted_by": "posecheck calibrate",
        "code_commit": code_commit(),
        "photos": {"folder": str(photo_set.folder.resolve()),
                   "manifest_sha256": _sha256(photo_set.manifest),
                   "strict_sha256": _sha256(photo_set.strict)},
        "settings": settings.as_dict(),
    }


def fitted_document(fit: Fit, coded: Exercise, origin: dict) -> dict:
    coded_rng = coded_ranges(coded)
    return {
        "exercise": fit.exercise,
        **origin,
        "labelled_photos": fit.counts,
        "agreement_on_these_photos": fit.agreement,
        "moves": [m.as_dict() for m in fit.moves],
        "rules": {name: {"low": json_bound(low), "high": json_bound(high),
                         "coded_low": json_bound(coded_rng[name][0]), "coded_high": json_bound(coded_rng[name][1])}
                  for name, (low, high) in fit.ranges.items()},
    }


def _writable_target(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise PosecheckError(f"{path}: not a regular file; refusing to replace it")


def calibrate(photos: str, out: str | None = None, model: str | None = None,
              settings: FitSettings = DEFAULT_SETTINGS) -> tuple[dict[str, Fit], Path]:
    from posecheck.apps.evaluate import photo_bodies

    photo_set = read_photo_labels(photos)
    if photo_set.strict is None:
        raise PosecheckError(f"{photo_set.folder}: no strict.csv beside {photo_set.manifest.name}; "
                             "calibration fits to the strict labels")
    out_dir = Path(out) if out else FITTED_DIR
    if not out_dir.is_dir():
        raise PosecheckError(f"{out_dir}: no such folder")
    coded = coded_registry()
    targets = [out_dir / f"{ex_id}.json" for ex_id in coded]
    for target in targets:
        _writable_target(target)
    bodies = photo_bodies(photo_set, model)
    fits = fit_exercises(exercise_samples(list(photo_set.photos), bodies, coded), coded, settings)
    origin = provenance(photo_set, settings)
    for (ex_id, fit), target in zip(fits.items(), targets):
        text = json.dumps(fitted_document(fit, coded[ex_id], origin), indent=1) + "\n"
        write_text_atomic(target, text)
    return fits, out_dir


def format_fits(fits: dict[str, Fit], out_dir: Path) -> str:
    coded = coded_registry()
    lines = []
    for ex_id, fit in fits.items():
        before, after = fit.agreement["before"], fit.agreement["after"]
        lines.append(f"{ex_id}: {fit.counts[ACCEPT]} correct, {fit.counts[REJECT]} fault photos; agreement "
                     f"{_pct(before)} -> {_pct(after)}; false acceptances {fit.agreement['false_acceptances_before']}"
                     f" -> {fit.agreement['false_acceptances_after']} of {fit.counts[OTHER_POSE]}")
        changed = fit.changed(coded_ranges(coded[ex_id]))
        for name, (low, high) in changed.items():
            was = coded_ranges(coded[ex_id])[name]
            lines.append(f"  {name}: {was[0]:g}..{was[1]:g} -> {low:.4g}..{high:.4g}")
    lines.append(f"wrote {len(fits)} fitted-range files to {out_dir}")
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def cross_validate(photos: str, model: str | None = None, settings: FitSettings = DEFAULT_SETTINGS) -> dict:
    """Leave-one-source-out figures, the fitted (in-sample) figures, and the fits per held-out source."""
    from posecheck.apps.evaluate import photo_bodies, photo_verdict

    photo_set = read_photo_labels(photos)
    if photo_set.strict is None:
        raise PosecheckError(f"{photo_set.folder}: no strict.csv beside {photo_set.manifest.name}; "
                             "--cv fits to the strict labels")
    bodies = photo_bodies(photo_set, model)
    coded = coded_registry()
    everything = list(photo_set.photos)
    samples = exercise_samples(everything, bodies, coded)
    all_fits = fit_exercises(samples, coded, settings)
    fitted_all = fitted_exercises(coded, all_fits)
    fitted_verdicts = [photo_verdict(p, bodies[p.file], fitted_all) for p in everything]
    folds = source_folds(photo_set.photos)
    held_out, per_fold, fold_exercises = [], [], {}
    for fold in sorted(set(folds.values())):
        test = [p for p in everything if folds[p.file] == fold]
        left_out = {p.file for p in test}
        exercises = fitted_exercises(coded, fit_exercises(samples, coded, settings, left_out))
        fold_exercises[fold] = exercises
        verdicts = [photo_verdict(p, bodies[p.file], exercises) for p in test]
        held_out += verdicts
        figures = agreement.photo_figures(verdicts, list(coded))
        per_fold.append({"source": fold, "photos": len(test), "judged": sum(p.judged for p in test),
                         "agreement": {ex: m["agreement"] for ex, m in figures["exercises"].items()
                                       if m["agreement"] is not None}})
    order = {p.file: i for i, p in enumerate(everything)}
    held_out.sort(key=lambda v: order[v.file])
    return {
        "fitted": {"labels": "strict", **agreement.photo_figures(fitted_verdicts, list(coded)),
                   "changed_ranges": {ex: {name: list(map(json_bound, rng)) for name, rng in
                                           fit.changed(coded_ranges(coded[ex])).items()}
                                      for ex, fit in all_fits.items()}},
        "held_out": {"labels": "strict", **agreement.photo_figures(held_out, list(coded)), "folds": per_fold},
        "fold_exercises": fold_exercises,
        "all_sources_exercises": fitted_all,
    }


def clip_exercises_held_out(cv: dict) -> Callable[[ClipLabel], Exercises]:
    """For clips: the ranges fitted without the clip's own source (all sources when it has no photos)."""
    folds: dict[str, Exercises] = cv["fold_exercises"]
    fallback: Exercises = cv["all_sources_exercises"]

    def exercises_for(clip: ClipLabel) -> Exercises:
        return folds.get(clip.source, fallback)
    return exercises_for


def format_cv(cv: dict) -> list[str]:
    from posecheck.apps.evaluate import format_photos

    lines = format_photos(cv["fitted"], "Fitted on every source, judged on every source (in-sample)")
    lines += [""] + format_photos(cv["held_out"], "Held out by source (each judged with ranges fitted "
                                                  "on the other sources)")
    lines.append(f"  {len(cv['held_out']['folds'])} folds: " + ", ".join(
        f"{f['source'].split('/')[-1]} {f['photos']}" for f in cv["held_out"]["folds"]))
    changed = {ex: rng for ex, rng in cv["fitted"]["changed_ranges"].items() if rng}
    if changed:
        lines.append("  ranges the all-source fit moves: " + "; ".join(
            f"{ex}.{name} {rng[0]}..{rng[1]}" for ex, rules in changed.items() for name, rng in rules.items()))
    return lines
