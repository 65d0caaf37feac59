"""The live pipeline's threaded stages: capture -> estimate, joined by one-slot buffers.

A camera (or a file played like one) is read by ``Capture`` on its own thread
into a ``FrameSlot`` that keeps only the newest frame: a frame the next stage
has not taken yet is replaced and counted as dropped, never queued, so the
coach always judges the present. ``Estimating`` runs the pose model on its own
thread, one frame ahead of the judge and the drawing, and hands each
``(frame, captured_at, pose)`` on through a second slot without dropping. The
live app (``posecheck.apps.live``) takes from the last slot, judges and draws.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Protocol

from posecheck.io.sources import SourceInfo


class Feed(Protocol):
    """A frame source: ``info`` and iteration over Frames; ``close`` releases it."""

    info: SourceInfo

    def __iter__(self): ...

    def close(self) -> None: ...


class FrameSlot:
    """A one-slot buffer between two threads: only the newest item (a frame and what goes with it) waits."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: tuple | None = None
        self._end: str | None = None
        self.delivered = 0
        self.dropped = 0

    def put(self, *item) -> None:
        """Offer an item, e.g. ``(frame, captured_at)``; an item still waiting is replaced (dropped)."""
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.delivered += 1
            self._cond.notify_all()

    def put_wait(self, *item, stop: threading.Event) -> bool:
        """Offer an item once the slot is empty (no dropping); False when stopped."""
        with self._cond:
            while self._item is not None and not stop.is_set():
                self._cond.wait(0.05)
            if stop.is_set():
                return False
            self._item = item
            self.delivered += 1
            self._cond.notify_all()
            return True

    def end(self, reason: str) -> None:
        """No more frames will come: "eof" (a file ended) or "camera_lost"."""
        with self._cond:
            if self._end is None:
                self._end = reason
            self._cond.notify_all()

    def take(self, timeout: float) -> tuple | str | None:
        """The newest item, the end reason once all items are taken, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._item is None and self._end is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            if self._item is not None:
                item, self._item = self._item, None
                self._cond.notify_all()
                return item
            return self._end


class Capture:
    """Reads a feed on a thread into a FrameSlot.

    ``paced`` delivers each frame at its own timestamp relative to the start,
    scaled by ``speed`` (a file played like a camera); ``speed=0`` delivers
    every frame as soon as the loop has taken the previous one (no drops: for
    tests). Unpaced feeds (cameras) deliver frames as they are read.
    """

    def __init__(self, feed: Feed, slot: FrameSlot, paced: bool, speed: float = 1.0,
                 end_reason: str = "eof"):
        self.feed = feed
        self.slot = slot
        self.paced = paced
        self.speed = speed
        self.end_reason = end_reason
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-capture", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        reason = self.end_reason
        try:
            start = time.monotonic()
            first_ts: float | None = None
            for frame in self.feed:
                if self.stop.is_set():
                    return
                if self.paced and self.speed == 0:
                    if not self.slot.put_wait(frame, time.monotonic(), stop=self.stop):
                        return
                    continue
                if self.paced:
                    if first_ts is None:
                        first_ts = frame.timestamp_s
                    due = start + (frame.timestamp_s - first_ts) / self.speed
                    delay = due - time.monotonic()
                    if delay > 0 and self.stop.wait(delay):
                        return
                self.slot.put(frame, time.monotonic())
        except BaseException as exc:  # a broken decoder or driver: the source is lost
            self.error = exc
            reason = "camera_lost" if self.end_reason == "camera_lost" else "error"
        finally:
            self.slot.end(reason)

    def close(self, timeout: float = 2.0) -> None:
        self.stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            with contextlib.suppress(Exception):
                self.feed.close()


class Estimating:
    """Pose estimation on its own thread, one frame ahead of the judge and the drawing.

    Takes the newest frame from the capture's slot, estimates the pose and hands
    ``(frame, captured_at, pose)`` on without dropping (the next estimate waits
    until the loop has taken the last one), so on two cores the model and the
    drawing overlap instead of adding up. The estimator's timestamps still come
    from the frames, in order.
    """

    def __init__(self, estimator, source: FrameSlot):
        self.estimator = estimator
        self.source = source
        self.out = FrameSlot()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-estimate", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        reason = "error"
        try:
            while not self.stop.is_set():
                item = self.source.take(0.1)
                if item is None:
                    continue
                if isinstance(item, str):
                    reason = item
                    return
                frame, captured_at = item
                pose = self.estimator.estimate(frame)
                if not self.out.put_wait(frame, captured_at, pose, stop=self.stop):
                    return
            reason = "stopped"
        except BaseException as exc:
            self.error = exc
        finally:
            self.out.end(reason)

    def close(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread (before the estimator is closed)."""
        self.stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
