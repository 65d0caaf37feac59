"""The one exception type the command line turns into a one-line message and exit code 2,
and the one way an unknown name is reported (with the nearest known one suggested)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PosecheckError(Exception):
    """A problem with the user's input or environment, stated in one line."""

    exit_code = 2


def _plain(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def nearest_name(name: str, valid: Iterable[str]) -> str | None:
    """The known name closest to ``name`` (case, hyphens and spaces ignored), or None if none is close."""
    by_plain = {_plain(v): v for v in valid}
    close = difflib.get_close_matches(_plain(name), list(by_plain), n=1, cutoff=0.6)
    return by_plain[close[0]] if close else None


def unknown_name(what: str, name: str, valid: Iterable[str]) -> PosecheckError:
    """``unknown exercise 'brige'; did you mean bridge? (valid: ...)``, to raise."""
    valid = list(valid)
    nearest = nearest_name(name, valid)
    hint = f"; did you mean {nearest}?" if nearest else ""
    return PosecheckError(f"unknown {what} {name!r}{hint} (valid: {', '.join(valid)})")
