"""Overlapping the pipeline's stages with threads and bounded queues.

Decoding (OpenCV), pose estimation (MediaPipe) and encoding (PyAV) all release
the GIL, so running them in separate threads lets analysis go at the model's
pace. Every queue is bounded: a slow consumer makes the producer wait instead
of piling frames up in memory.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetch(items: Iterable[T], depth: int = 4) -> Iterator[T]:
    """Iterate ``items`` in a background thread, at most ``depth`` ahead of the consumer."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as exc:  # re-raised in the consumer's thread
            slots.put(_Failure(exc))

    worker = threading.Thread(target=produce, name="posecheck-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        # Unblock the producer if it waits on a full queue, then let it end.
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


class BackgroundSink:
    """Calls ``sink(*args)`` in order on a worker thread, with at most ``depth`` calls waiting.

    ``close()`` waits for the queue to drain and re-raises the first error the
    sink raised; ``abort()`` drops what is queued.
    """

    def __init__(self, sink: Callable[..., None], depth: int = 4):
        self._sink = sink
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-sink", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._sink(*item)
                except BaseException as exc:
                    self._error = exc

    def __call__(self, *args) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(args)

    def close(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_DONE)
        self._thread.join(timeout=5)
