import threading
import time

import pytest

from posecheck.run.stages import BackgroundSink, prefetch


def test_prefetch_keeps_order_and_is_bounded():
    produced = []

    def items():
        for i in range(50):
            produced.append(i)
            yield i

    seen = []
    for i in prefetch(items(), depth=3):
        time.sleep(0.001)
        # The producer never runs more than depth (+1 in hand) ahead.
        assert len(produced) - len(seen) <= 5
        seen.append(i)
    assert seen == list(range(50))


def test_prefetch_reraises_producer_errors():
    def items():
        yield 1
        raise ValueError("bad frame")

    with pytest.raises(ValueError, match="bad frame"):
        list(prefetch(items()))


def test_prefetch_stops_its_thread_when_abandoned():
    before = threading.active_count()
    gen = prefetch(iter(range(10_000)), depth=2)
    next(gen)
    gen.close()
    time.sleep(0.2)
    assert threading.active_count() <= before


def test_background_sink_runs_in_order_and_reports_errors():
    calls = []
    sink = BackgroundSink(lambda a, b: calls.append((a, b)), depth=2)
    for i in range(20):
        sink(i, -i)
    sink.close()
    assert calls == [(i, -i) for i in range(20)]

    def failing(x):
        raise OSError("disk full")

    bad = BackgroundSink(failing)
    bad(1)
    with pytest.raises(OSError, match="disk full"):
        bad.close()
