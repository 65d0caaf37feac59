"""A routine video analysed with --exercise auto: the JSON holds the whole and each exercise, the history
one routine session with an entry per exercise (and side), the terminal one block per exercise.

The analysis is the stored real run of samples/routine.mp4 (tests/data/analyze, checked key for key
against a fresh run by test_pipeline.py), so the routine's 3 minutes are analysed once in the suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import sample
from posecheck.draw.text_summary import summary_text
from posecheck.io.history import History
from posecheck.judge.exercises import registry
from posecheck.judge.summary import Summary

STORED = Path(__file__).resolve().parent / "data" / "analyze" / "routine.auto-fps5.jsonl"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    record = json.loads(STORED.read_text(encoding="utf-8"))
    summary = Summary.from_json(record)
    db = tmp_path_factory.mktemp("routine") / "h.sqlite3"
    with History(db) as history:  # what `posecheck analyze` does with it
        history.record_summary(summary, source="analyze")
    truth = [t["exercise"] for t in json.loads(sample("routine.truth.json").read_text())]
    return record, db, summary_text(summary, registry()), truth


def test_the_json_has_the_whole_and_each_exercise(analysed):
    record, _db, _printed, truth = analysed
    assert record["exercise"] == record["recognized"] == "routine"
    assert record["target_s"] is None and record["reps"] is None
    found = record["exercises"]
    assert [e["exercise"] for e in found] == truth
    assert record["hold_s"] == pytest.approx(sum(e["hold_s"] for e in found), abs=0.01)
    for e in found:
        exercise = registry()[e["exercise"]]
        assert (e.get("sides") is not None) == exercise.has_sides
        assert e["duration_s"] == pytest.approx(sum(b - a for a, b in e["spans"]), abs=0.01)
        if exercise.goal.kind == "reps":
            assert e["reps"] is not None and e["target_reps"] == int(exercise.goal.target)
        else:
            assert e["target_s"] == exercise.goal.target_s


def test_the_history_holds_one_routine_session_with_an_entry_per_exercise(analysed):
    record, db, _printed, truth = analysed
    with History(db, readonly=True) as history:
        (session,) = history.sessions()
    assert session.mode == "routine" and session.source == "analyze" and session.ended == "complete"
    assert session.duration_s == pytest.approx(record["duration_s"])
    order = list(dict.fromkeys(r.exercise for r in session.results))
    assert order == truth
    for e in record["exercises"]:
        rows = [r for r in session.results if r.exercise == e["exercise"]]
        sides = e.get("sides")
        assert [r.side for r in rows] == (list(sides) if sides else [None])
        assert sum(r.hold_s for r in rows) == pytest.approx(e["hold_s"], abs=0.01)
        assert sum(r.duration_s for r in rows) == pytest.approx(e["duration_s"], abs=0.01)
    assert sum(r.hold_s for r in session.results) < record["duration_s"]  # not one 3-minute cat-cow


def test_the_terminal_shows_each_exercise(analysed):
    _record, _db, printed, truth = analysed
    heads = [ln.split(" (")[0] for ln in printed.splitlines()[1:] if not ln.startswith("  ")]
    assert heads == [registry()[t].title for t in truth]
