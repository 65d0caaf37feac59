"""``posecheck/judge/recognize.py``: a routine's frame labels become exercise segments."""

from posecheck.judge.recognize import segment_labels


def test_routine_segments_absorb_short_runs_and_bridge_breaks():
    times = [i * 0.5 for i in range(60)]
    labels = (["bridge"] * 20 + ["cobra"] * 2 + ["bridge"] * 4  # a 1 s misreading inside the bridge
              + [None] * 8 + ["bridge"] * 10 + [None] * 16)  # a 4 s break in form, then the end
    spans = segment_labels(times, labels, end_s=30.0)
    assert [(s.exercise, s.start_s, s.end_s) for s in spans] == [("bridge", 0.0, 22.0), (None, 22.0, 30.0)]


def test_a_span_never_done_correctly_is_a_transition_into_the_next_exercise():
    times = [i * 0.5 for i in range(40)]
    labels = ["lumbar"] * 12 + ["twist"] * 10 + ["bridge"] * 18
    correct = [True] * 12 + [False] * 9 + [True] + [True] * 18  # the twist is correct for 0.5 s only
    spans = segment_labels(times, labels, end_s=20.0, correct=correct)
    assert [(s.exercise, s.start_s, s.end_s) for s in spans] == [("lumbar", 0.0, 6.0), ("bridge", 6.0, 20.0)]
