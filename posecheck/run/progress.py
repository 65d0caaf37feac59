"""A small progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str = "", enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.total = max(0, int(total))
        self.label = label
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self._drawn_at = 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        # Drawing is throttled by the wall clock; it never influences results.
        now = time.monotonic()
        if self.enabled and (now - self._drawn_at > 0.1 or self.done == self.total):
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        width = 30
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            text = f"\r{self.label} [{bar}] {self.done}/{self.total}"
        else:
            text = f"\r{self.label} {self.done}"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
