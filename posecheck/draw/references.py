"""Reference figures for the live window: the synthetic actor in each exercise's target pose.

A figure is drawn on a background thread, so that drawing one (some
milliseconds) never delays a frame, and only when the window asks for it
(the next card's figure, during the rest before it).
"""

from __future__ import annotations

import threading

import numpy as np


class References:
    """Reference figures (the synthetic actor in an exercise's target pose), drawn on a background thread.

    ``get(exercise_id, side)`` returns the figure once drawn, and asks for it
    (None) the first time; nothing is drawn that is not asked for.
    """

    def __init__(self, size: tuple[int, int] = (400, 300)):
        self.size = size
        self._images: dict[tuple[str, str | None], np.ndarray | None] = {}
        self._wanted: list[tuple[str, str | None]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="posecheck-references", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._wanted and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                key = self._wanted.pop(0)
            try:  # imported here, on this thread: the actor loads only once a figure is wanted
                from posecheck.synthetic import render_reference

                image = render_reference(key[0], self.size, key[1])
                image = np.ascontiguousarray(image[..., :3]).astype(np.uint8)
            except Exception:  # no figure is better than no coach: the card says "(reference figure)"
                image = None
            with self._cond:
                self._images[key] = image

    def get(self, ex_id: str, side: str | None = None) -> np.ndarray | None:
        key = (ex_id, side)
        with self._cond:
            if key in self._images:
                return self._images[key]
            if key not in self._wanted:
                self._wanted.append(key)
                self._cond.notify_all()
            return None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
