"""Coach settings: thresholds and goals overridden from a TOML file, strictly validated.

Example, with the default values (a file needs only the ones it changes)::

    [judge]
    dwell_s = 0.3        # time correct before a hold starts counting (0-2 s)
    grace_s = 0.5        # wobble tolerated inside a hold (0-3 s)

    [bridge]
    target_s = 20        # 1-30 s held, per side for exercises with sides (the coach's post: 20-30 s)

    [bridge.rules.hip_lift]
    low = 155
    high = 235

    [cat_cow]
    target_reps = 10     # 1-100

Unknown exercises, rules or keys and out-of-range values are errors that name
the file and the offending key.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from posecheck.errors import PosecheckError
from posecheck.judge.exercises import Exercise, registry
from posecheck.judge.tracker import DWELL_S, GRACE_S

TARGET_S_RANGE = (1.0, 30.0)
TARGET_REPS_RANGE = (1, 100)
DWELL_RANGE = (0.0, 2.0)
GRACE_RANGE = (0.0, 3.0)
RULE_VALUE_RANGE = (-360.0, 720.0)


@dataclass
class Settings:
    exercises: dict[str, Exercise] = field(default_factory=registry)
    dwell_s: float = DWELL_S
    grace_s: float = GRACE_S

    def exercise(self, name: str) -> Exercise:
        from posecheck.judge.exercises import get_exercise

        if name not in self.exercises:
            get_exercise(name)  # raises the error that lists the valid names
        return self.exercises[name]


def _number(where: str, value, lo: float, hi: float, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PosecheckError(f"{where}: expected a number, got {value!r}")
    if integer and not float(value).is_integer():
        raise PosecheckError(f"{where}: expected a whole number, got {value!r}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise PosecheckError(f"{where}: {value!r} is out of range ({lo:g} to {hi:g})")
    return float(value)


def _unknown(where: str, key: str, valid) -> PosecheckError:
    return PosecheckError(f"{where}: unknown key {key!r} (valid: {', '.join(valid)})")


def _shown(name: str) -> str:
    """A TOML key as it may appear inside a one-line message."""
    return name if name.isprintable() and name.strip() == name and name else repr(name)


def settings_from_dict(data: dict, source: str = "config") -> Settings:
    settings = Settings()
    exercises = settings.exercises
    for section, body in data.items():
        where = f"{source}: [{_shown(section)}]"
        if not isinstance(body, dict):
            raise PosecheckError(f"{source}: {section!r} must be a table like [{_shown(section)}]")
        if section == "judge":
            for key, value in body.items():
                if key == "dwell_s":
                    settings.dwell_s = _number(f"{where} dwell_s", value, *DWELL_RANGE)
                elif key == "grace_s":
                    settings.grace_s = _number(f"{where} grace_s", value, *GRACE_RANGE)
                else:
                    raise _unknown(where, key, ["dwell_s", "grace_s"])
            continue
        if section not in exercises:
            raise PosecheckError(
                f"{source}: unknown exercise [{_shown(section)}] (valid: judge, {', '.join(exercises)})")
        exercise = exercises[section]
        for key, value in body.items():
            if key == "target_s" and exercise.goal.kind == "hold":
                exercise = exercise.with_goal(_number(f"{where} target_s", value, *TARGET_S_RANGE))
            elif key == "target_reps" and exercise.goal.kind == "reps":
                exercise = exercise.with_goal(
                    _number(f"{where} target_reps", value, *TARGET_REPS_RANGE, integer=True))
            elif key == "rules":
                if not isinstance(value, dict):
                    raise PosecheckError(f"{where} rules: must be a table")
                for rule_name, limits in value.items():
                    rule_where = f"{source}: [{section}.rules.{_shown(rule_name)}]"
                    if rule_name not in {r.name for r in exercise.rules}:
                        raise PosecheckError(
                            f"{rule_where}: unknown rule (valid: {', '.join(r.name for r in exercise.rules)})")
                    if not isinstance(limits, dict):
                        raise PosecheckError(f"{rule_where}: must be a table with low and/or high")
                    rule = exercise.rule(rule_name)
                    low, high = rule.low, rule.high
                    for lkey, lval in limits.items():
                        if lkey == "low":
                            low = _number(f"{rule_where} low", lval, *RULE_VALUE_RANGE)
                        elif lkey == "high":
                            high = _number(f"{rule_where} high", lval, *RULE_VALUE_RANGE)
                        else:
                            raise _unknown(rule_where, lkey, ["low", "high"])
                    if low >= high:
                        raise PosecheckError(f"{rule_where}: low ({low:g}) must be below high ({high:g})")
                    exercise = exercise.with_rule_range(rule_name, low, high)
            else:
                valid = ["target_s" if exercise.goal.kind == "hold" else "target_reps", "rules"]
                raise _unknown(where, key, valid)
        exercises[section] = exercise
    return settings


def load_settings(path: str | os.PathLike | None) -> Settings:
    if path is None:
        return Settings()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PosecheckError(f"{p}: config file not found") from None
    except IsADirectoryError:
        raise PosecheckError(f"{p}: is a folder, not a TOML file") from None
    except OSError as exc:
        raise PosecheckError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PosecheckError(f"{p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PosecheckError(f"{p}: invalid TOML ({exc})") from None
    return settings_from_dict(data, str(p))
