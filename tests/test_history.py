"""The SQLite session history: round trip, schema, crash safety, locks, corrupt files, and the CLI."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from posecheck import __version__
from posecheck.errors import PosecheckError
from posecheck.io.history import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    History,
    data_dir,
    default_history_path,
    results_from_summary,
)
from posecheck.draw.history_table import format_table
from posecheck.judge.summary import Summary

UTC = timezone.utc


def _bridge(hold=20.0, share=0.75, duration=30.0, fault="hips_low"):
    return {"exercise": "bridge", "hold_s": hold, "target_s": 30.0, "reps": None, "correct_share": share,
            "top_fault": fault, "duration_s": duration}


def _run_child(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


# --------------------------------------------------------------------------- location

def test_data_dir_per_platform(tmp_path):
    home = tmp_path / "home"
    assert data_dir({}, "linux", home) == home / ".local" / "share" / "posecheck"
    assert data_dir({"XDG_DATA_HOME": "/x/data"}, "linux", home) == Path("/x/data/posecheck")
    assert data_dir({"XDG_DATA_HOME": "relative"}, "linux", home) == home / ".local" / "share" / "posecheck"
    assert data_dir({}, "darwin", home) == home / "Library" / "Application Support" / "posecheck"
    assert data_dir({"LOCALAPPDATA": r"C:\Users\a\AppData\Local"}, "win32", home) == \
        Path(r"C:\Users\a\AppData\Local") / "posecheck"
    assert default_history_path({}, "linux", home) == home / ".local" / "share" / "posecheck" / "history.sqlite3"
    assert default_history_path({"POSECHECK_HISTORY": "/tmp/h.db"}, "linux", home) == Path("/tmp/h.db")


def test_env_var_is_the_default(tmp_path, monkeypatch):
    target = tmp_path / "env.sqlite3"
    monkeypatch.setenv("POSECHECK_HISTORY", str(target))
    with History() as h:
        h.record_session("analyze", "a.mp4", "video", 1.0, [_bridge()])
    assert target.is_file()


# --------------------------------------------------------------------------- round trip

def test_round_trip_and_schema(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        assert h.schema_version == SCHEMA_VERSION
        first = h.record_session("analyze", "clip.mp4", "video", 30.0, [_bridge()],
                                 started_at="2026-05-01T10:00:00Z")
        second = h.record_session("live", "camera 0", "camera", 90.0,
                                  [{"exercise": "cobra", "hold_s": 12.5, "target_s": 20, "correct_share": 0.5,
                                    "duration_s": 40},
                                   {"exercise": "side_torso_stretch", "side": "left", "hold_s": 8, "duration_s": 20},
                                   {"exercise": "side_torso_stretch", "side": "right", "hold_s": 9.5,
                                    "duration_s": 20}],
                                  mode="routine", ended="interrupted",
                                  started_at=datetime(2026, 5, 2, 8, 30, tzinfo=UTC))
    assert first < second
    with History(path, readonly=True) as h:
        rows = h.sessions()
    assert [s.id for s in rows] == [second, first]  # latest first
    live, analysed = rows
    assert analysed.started_at == "2026-05-01T10:00:00Z"
    assert (analysed.source, analysed.input, analysed.kind, analysed.duration_s, analysed.mode, analysed.ended,
            analysed.app_version) == ("analyze", "clip.mp4", "video", 30.0, "exercise", "complete", __version__)
    assert analysed.results[0].as_dict() == {**_bridge(), "side": None, "target_reps": None}
    assert live.started_at == "2026-05-02T08:30:00Z" and live.mode == "routine" and live.ended == "interrupted"
    assert [(r.exercise, r.side) for r in live.results] == [
        ("cobra", None), ("side_torso_stretch", "left"), ("side_torso_stretch", "right")]
    assert live.hold_s == pytest.approx(30.0)

    # The file itself: version, application id, WAL.
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cols = [r[1] for r in conn.execute("PRAGMA table_info(sessions)")]
        assert cols == ["id", "started_at", "source", "input", "kind", "duration_s", "mode", "ended", "app_version",
                        "client"]
    finally:
        conn.close()


def test_a_version_1_file_gains_the_client_column_and_keeps_its_sessions(tmp_path):
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sessions (started_at, source, input, kind, duration_s, mode, ended, app_version) "
                 "VALUES ('2026-05-01T10:00:00Z', 'analyze', 'old.mp4', 'video', 30, 'exercise', 'complete', '0')")
    conn.commit()
    conn.close()
    with History(path) as h:
        assert h.schema_version == SCHEMA_VERSION
        h.record_session("report", "new.mp4", "video", 30.0, [_bridge()], client="Ann")
        assert [(s.input, s.client) for s in h.sessions()] == [("new.mp4", "Ann"), ("old.mp4", None)]
        assert [s.input for s in h.sessions(client="Ann")] == ["new.mp4"]
        assert [s.input for s in h.sessions(before="2026-05-02T00:00:00Z")] == ["old.mp4"]


def test_a_version_2_file_learns_the_skipped_ending_and_keeps_its_sessions_and_results(tmp_path):
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path)
    MIGRATIONS[1](conn)
    MIGRATIONS[2](conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO sessions (id, started_at, source, input, kind, duration_s, mode, ended, app_version, "
                 "client) VALUES (7, '2026-05-01T10:00:00Z', 'live', 'cam0', 'camera', 30, 'exercise', "
                 "'interrupted', '0', 'Ann')")
    conn.execute("INSERT INTO results (session_id, exercise, hold_s, target_s) VALUES (7, 'bridge', 12, 30)")
    with pytest.raises(sqlite3.IntegrityError):  # what version 2 refused
        conn.execute("UPDATE sessions SET ended = 'skipped' WHERE id = 7")
    conn.commit()
    conn.close()
    with History(path) as h:
        assert h.schema_version == SCHEMA_VERSION
        (old,) = h.sessions()
        assert (old.id, old.ended, old.client, [r.hold_s for r in old.results]) == (7, "interrupted", "Ann", [12.0])
        new = h.record_session("live", "cam0", "camera", 5.0, [_bridge()], ended="skipped", client="Ann")
        assert [s.ended for s in h.sessions(client="Ann")] == ["skipped", "interrupted"]
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        assert set(tables) == {"sessions", "results"}  # the old table is gone
        assert 'REFERENCES "sessions"(id)' in tables["results"]  # the results still belong to the sessions
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"sessions_by_start", "sessions_by_client", "results_by_session"} <= indexes
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE sessions SET ended = 'gone' WHERE id = 7")
        conn.execute("DELETE FROM sessions WHERE id = ?", (new,))  # a session's results go with it
        assert conn.execute("SELECT session_id FROM results").fetchall() == [(7,)]
    finally:
        conn.close()


def test_migration_table_is_contiguous():
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def test_filters_and_limit(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        for day in range(1, 6):
            h.record_session("analyze", f"d{day}.mp4", "video", 10.0,
                             [_bridge() if day % 2 else {"exercise": "cobra", "hold_s": 3}],
                             started_at=f"2026-05-0{day}T12:00:00Z")
        assert [s.input for s in h.sessions(limit=2)] == ["d5.mp4", "d4.mp4"]
        assert [s.input for s in h.sessions(exercise="cobra")] == ["d4.mp4", "d2.mp4"]
        assert h.count_sessions() == 5 and h.count_sessions("bridge") == 3
        assert [p.date for p in h.progress("cobra", tz=UTC)] == ["2026-05-02", "2026-05-04"]


def test_bad_arguments_are_refused_before_writing(tmp_path):
    with History(tmp_path / "h.sqlite3") as h:
        with pytest.raises(ValueError):
            h.record_session("webcam", None, None, 1.0, [])
        with pytest.raises(ValueError):
            h.record_session("live", None, None, 1.0, [{"exercise": "bridge", "bogus": 1}])
        with pytest.raises(ValueError):
            h.end_session(12345, "complete")
        assert h.sessions() == []


# --------------------------------------------------------------------------- progress

def test_progress_per_day_weighted_share(tmp_path):
    with History(tmp_path / "h.sqlite3") as h:
        h.record_session("analyze", "a", "video", 10, [_bridge(hold=5, share=1.0, duration=10)],
                         started_at="2026-05-01T09:00:00Z")
        h.record_session("analyze", "b", "video", 30, [_bridge(hold=10, share=0.5, duration=30)],
                         started_at="2026-05-01T18:00:00Z")
        h.record_session("analyze", "c", "video", 20, [_bridge(hold=15, share=0.8, duration=20),
                                                        {"exercise": "cobra", "hold_s": 4, "correct_share": 0.4}],
                         started_at="2026-05-03T07:00:00Z")
        rows = h.progress(tz=UTC)
    assert [(r.date, r.exercise) for r in rows] == [
        ("2026-05-01", "bridge"), ("2026-05-03", "bridge"), ("2026-05-03", "cobra")]
    day1 = rows[0]
    assert day1.hold_s == 15.0 and day1.sessions == 2
    assert day1.correct_share == pytest.approx((1.0 * 10 + 0.5 * 30) / 40)  # weighted by judged time
    assert rows[2].correct_share == pytest.approx(0.4)  # no duration: plain mean


def test_results_from_summary():
    plain = {"exercise": "bridge", "input": "x.mp4", "kind": "video", "duration_s": 40.0, "hold_s": 22.5,
             "target_s": 30.0, "reps": None, "segments": [],
             "faults": [{"rule": "hips_low", "cue": "Lift your hips", "seconds": 6.0, "first_s": 2.0},
                        {"rule": "knees_apart", "cue": "Knees together", "seconds": 2.0, "first_s": 9.0}],
             "state_seconds": {"correct": 30.0, "incorrect": 8.0, "uncertain": 2.0, "no_person": 0.0}}
    assert results_from_summary(Summary.from_json(plain)) == [
        {"exercise": "bridge", "side": None, "hold_s": 22.5, "target_s": 30.0, "reps": None, "target_reps": None,
         "correct_share": 0.75, "top_fault": "hips_low", "duration_s": 40.0}]

    sided = dict(plain, exercise="side_torso_stretch", sides={"left": 10.0, "right": 12.0}, faults=[],
                 reps=3, target_reps=5)
    rows = results_from_summary(Summary.from_json(sided))
    assert [(r["side"], r["hold_s"], r["duration_s"], r["reps"]) for r in rows] == [
        ("left", 10.0, 20.0, 3), ("right", 12.0, 20.0, None)]
    assert all(r["correct_share"] == 0.75 and r["top_fault"] is None and r["target_reps"] == 5 for r in rows)

    image = {"exercise": "cobra", "kind": "image", "duration_s": 0.0, "hold_s": 0.0, "verdict": "correct",
             "faults": [], "state_seconds": {"correct": 0.0}}
    assert results_from_summary(Summary.from_json(image))[0]["correct_share"] == 1.0

    # With --exercise auto the figures are the longest exercise segment's and the duration the whole
    # video's: the share is of the segment's judged time (as in the report), not of the duration.
    auto = dict(plain, recognized="bridge", duration_s=100.0)
    assert results_from_summary(Summary.from_json(auto))[0]["correct_share"] == 0.75


def test_record_summary(tmp_path):
    summary = {"exercise": "bridge", "input": "x.mp4", "kind": "video", "duration_s": 10.0, "hold_s": 5.0,
               "target_s": 30.0, "reps": None, "faults": [], "state_seconds": {"correct": 6.0, "incorrect": 4.0}}
    with History(tmp_path / "h.sqlite3") as h:
        sid = h.record_summary(Summary.from_json(summary))
        (row,) = h.sessions()
    assert row.id == sid and row.input == "x.mp4" and row.results[0].correct_share == pytest.approx(0.6)


# --------------------------------------------------------------------------- crash safety

KILLED_CHILD = """
    import os, signal, sys
    from posecheck.io.history import History
    h = History(sys.argv[1])
    sid = h.begin_session("live", "camera 0", "camera", mode="routine")
    h.add_result(sid, exercise="cobra", hold_s=11.0, correct_share=0.9, duration_s=15.0)
    h.add_result(sid, {"exercise": "bridge", "hold_s": 7.0}, duration_s=9.0)
    print(sid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no end_session, no close, no atexit
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_live_session_keeps_committed_rows(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        earlier = h.record_session("analyze", "before.mp4", "video", 30.0, [_bridge()])
    child = _run_child(KILLED_CHILD, str(path))
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    killed_id = int(out.strip())
    with History(path) as h:  # the file opens cleanly after the crash
        rows = {s.id: s for s in h.sessions()}
        assert set(rows) == {earlier, killed_id}
        assert rows[earlier].ended == "complete" and rows[earlier].results[0].hold_s == 20.0
        killed = rows[killed_id]
        assert killed.ended is None and killed.mode == "routine"
        assert [(r.exercise, r.hold_s, r.duration_s) for r in killed.results] == [
            ("cobra", 11.0, 15.0), ("bridge", 7.0, 9.0)]
        # And it can still be written to.
        h.record_session("analyze", "after.mp4", "video", 1.0, [])
        assert h.count_sessions() == 3


def test_live_session_partial_then_end(tmp_path):
    with History(tmp_path / "h.sqlite3") as h:
        sid = h.begin_session("live", "camera 0", "camera", started_at="2026-05-01T10:00:00Z")
        h.add_result(sid, exercise="cobra", hold_s=3.0)
        # Another connection sees the committed row at once.
        with History(h.path, readonly=True) as other:
            assert [r.exercise for r in other.sessions()[0].results] == ["cobra"]
        h.end_session(sid, "camera_lost", duration_s=42.0)
        (row,) = h.sessions()
    assert (row.ended, row.duration_s) == ("camera_lost", 42.0)


# --------------------------------------------------------------------------- locks

LOCKING_CHILD = """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("UPDATE sessions SET input = input")
    print("locked", flush=True)
    time.sleep(60)
"""


def test_locked_database_gives_clear_error(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        h.record_session("analyze", "a.mp4", "video", 1.0, [_bridge()])
    child = _run_child(LOCKING_CHILD, str(path))
    try:
        assert child.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(PosecheckError) as info:
            with History(path, timeout_s=1.0) as h:
                h.record_session("analyze", "b.mp4", "video", 1.0, [_bridge()])
        waited = time.monotonic() - start
        assert 0.9 <= waited < 5.0
        assert "locked by another process" in str(info.value) and str(path) in str(info.value)
        # Reading still works while a writer holds its lock (WAL).
        with History(path, readonly=True, timeout_s=1.0) as h:
            assert [s.input for s in h.sessions()] == ["a.mp4"]
    finally:
        child.kill()
        child.communicate()
    with History(path) as h:  # and writing works once the other process is gone
        h.record_session("analyze", "c.mp4", "video", 1.0, [])
        assert h.count_sessions() == 2


def test_locked_rollback_journal_database_gives_clear_error(tmp_path):
    """A file not (yet) in WAL mode, locked exclusively: even opening waits, then fails cleanly."""
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        h.record_session("analyze", "a.mp4", "video", 1.0, [])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    child = _run_child(LOCKING_CHILD, str(path))
    try:
        assert child.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(PosecheckError, match="locked by another process"):
            with History(path, timeout_s=0.5) as h:
                h.record_session("analyze", "b.mp4", "video", 1.0, [])
        assert time.monotonic() - start < 5.0
    finally:
        child.kill()
        child.communicate()


# --------------------------------------------------------------------------- foreign and corrupt files

def _siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


@pytest.mark.parametrize("readonly", [False, True])
def test_corrupt_file_is_refused_and_untouched(tmp_path, readonly):
    path = tmp_path / "history.sqlite3"
    data = os.urandom(8192)
    path.write_bytes(data)
    before = path.stat().st_mtime_ns
    with pytest.raises(PosecheckError) as info:
        History(path, readonly=readonly)
    assert str(path) in str(info.value)
    assert path.read_bytes() == data and path.stat().st_mtime_ns == before
    assert _siblings(path) == {"history.sqlite3"}  # no -wal, -shm or journal left behind


def test_damaged_sqlite_file_is_refused_and_untouched(tmp_path):
    """A real SQLite header with garbage after it: SQLite itself reports the damage."""
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        for i in range(50):
            h.record_session("analyze", f"{i}.mp4", "video", 1.0, [_bridge()])
    raw = bytearray(path.read_bytes())
    raw[100:] = os.urandom(len(raw) - 100)  # keep the 100-byte header, smash every page
    path.write_bytes(bytes(raw))
    with pytest.raises(PosecheckError) as info:
        with History(path) as h:
            h.sessions()
    assert str(path) in str(info.value)
    assert path.read_bytes() == bytes(raw)


def test_other_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    data = path.read_bytes()
    with pytest.raises(PosecheckError, match="another program"):
        History(path)
    assert path.read_bytes() == data


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    History(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(PosecheckError, match="newer posecheck"):
        History(path)


def test_missing_folder_for_explicit_path(tmp_path):
    with pytest.raises(PosecheckError, match="does not exist"):
        History(tmp_path / "nope" / "h.sqlite3")


def test_readonly_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path, readonly=True) as h:
        assert h.sessions() == [] and h.progress() == [] and h.count_sessions() == 0
        with pytest.raises(PosecheckError, match="read-only"):
            h.record_session("analyze", None, None, 1.0, [])
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the CLI

def test_format_table_aligns():
    text = format_table(["a", "num"], [["x", 1], ["longer", 123]], right=[False, True])
    assert text.splitlines() == ["a       num", "------  ---", "x         1", "longer  123"]


def test_cli_lists_and_plots(tmp_path, capsys):
    from posecheck.apps.cli import main

    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        h.record_session("analyze", "/videos/monday.mp4", "video", 30.0, [_bridge(hold=12, share=0.5)],
                         started_at="2026-05-04T12:00:00Z")
        h.record_session("analyze", "/videos/tuesday.mp4", "video", 30.0, [_bridge(hold=24, share=0.9)],
                         started_at="2026-05-05T12:00:00Z")
        h.record_session("live", "camera 0", "camera", 60.0,
                         [{"exercise": "cobra", "hold_s": 18, "correct_share": 0.6, "duration_s": 60}],
                         ended="interrupted", started_at="2026-05-05T13:00:00Z")
    out_png = tmp_path / "progress.png"
    assert main(["history", "--history", str(path), "--plot", str(out_png)]) == 0
    text = capsys.readouterr().out
    assert "Sessions (3 latest of 3" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("id "))
    for word in ("started", "source", "mode", "ended", "duration", "correct hold"):
        assert word in header
    # Each session's row, then its exercises (with the goal) and input indented under it.
    row = next(n for n, line in enumerate(lines) if line.lstrip().startswith("2 ") and "complete" in line)
    assert lines[row + 1] == "    bridge (goal partly met), tuesday.mp4"  # 24 s of the 30 s goal
    row = next(n for n, line in enumerate(lines) if "interrupted" in line)
    assert lines[row + 1] == "    cobra, camera 0"  # no goal stored: nothing to judge it by
    progress_header = next(line for line in lines if line.startswith("date "))
    assert "share correct" in progress_header
    assert any("bridge" in line and "24.0 s" in line and "90%" in line for line in lines)

    import cv2
    data = out_png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = cv2.imread(str(out_png))
    assert image is not None and image.shape[0] > 200 and image.shape[1] > 200
    assert image.std() > 5  # not a blank canvas
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3", "progress.png"]  # no temp file left

    assert main(["history", "--history", str(path), "--exercise", "cobra", "--limit", "1"]) == 0
    text = capsys.readouterr().out
    assert "Sessions (1 latest of 1" in text and "bridge" not in text


def test_cli_empty_history(tmp_path, capsys):
    from posecheck.apps.cli import main

    path = tmp_path / "none.sqlite3"
    assert main(["history", "--history", str(path), "--plot", str(tmp_path / "p.png")]) == 0
    assert "no sessions yet" in capsys.readouterr().out.lower()
    assert list(tmp_path.iterdir()) == []  # neither the database nor the plot


def test_cli_corrupt_history_is_one_line_error(tmp_path, capsys):
    from posecheck.apps.cli import main

    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"definitely not sqlite" * 100)
    assert main(["history", "--history", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("posecheck: error:") and str(path) in err and len(err.splitlines()) == 1


def test_cli_refuses_plot_over_database(tmp_path, capsys):
    from posecheck.apps.cli import main

    path = tmp_path / "h.png"
    with History(path) as h:
        h.record_session("analyze", "a.mp4", "video", 1.0, [_bridge()])
    data = path.read_bytes()
    assert main(["history", "--history", str(path), "--plot", str(path)]) == 2
    assert path.read_bytes() == data


ALL_EXERCISES = ("bridge", "cat_cow", "cobra", "forward_bend", "knee_to_chest", "knee_to_chest_rotation",
                 "lumbar_spine_stretch", "side_torso_stretch")


def test_cli_tables_fit_80_columns_with_a_routine_and_goals_judged_as_summaries_are(tmp_path, capsys):
    from posecheck.apps.cli import main
    from posecheck.judge.summary import ExerciseFigures

    path = tmp_path / "h.sqlite3"
    routine = [{"exercise": e, "hold_s": 10, "target_s": 20, "correct_share": 0.6, "duration_s": 60}
               for e in ALL_EXERCISES]
    sided = [{"exercise": "side_torso_stretch", "side": "left", "hold_s": 20, "target_s": 20, "duration_s": 20},
             {"exercise": "side_torso_stretch", "side": "right", "hold_s": 4, "target_s": 20, "duration_s": 20}]
    with History(path) as h:
        h.record_session("live", "camera 0", "camera", 600.0, routine, mode="routine", ended="camera_lost",
                         started_at="2026-05-07T13:00:00Z")
        h.record_session("report", "/clips/" + "a_very_long_clip_name_" * 5 + ".mp4", "video", 40.0, sided,
                         started_at="2026-05-08T09:00:00Z", client="Ann Smith")
    assert main(["history", "--history", str(path)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    too_wide = [line for line in lines if len(line) > 80 and not line.startswith("History: ")]
    assert not too_wide
    for exercise in ALL_EXERCISES:
        assert f"{exercise} (goal partly met)" in text  # 10 of 20 s: half the goal is "partly"
    # left 20/20, right 4/20: (1 + 0.2) / 2 = 60% of the goal, as ExerciseFigures judges it
    expected = ExerciseFigures("side_torso_stretch", target_s=20, sides={"left": 20, "right": 4})
    assert expected.goal_verdict == "partly" and round(expected.goal_fraction, 2) == 0.6
    assert "client Ann Smith, side_torso_stretch (goal partly met)," in text
    day = next(line for line in lines if line.startswith("2026-05-08"))
    assert day.split()[-2:] == ["60%", "1"]


def test_plot_days_are_days_the_target_is_drawn_and_the_legend_is_outside(tmp_path):
    import matplotlib.dates as mdates
    from datetime import date

    from posecheck.draw.history_plot import progress_figure

    path = tmp_path / "h.sqlite3"
    with History(path) as h:  # one day: three sessions at 00:30, 12:00 and 23:30 UTC
        for hour, hold in (("00:30", 10), ("12:00", 20), ("23:30", 30)):
            h.record_session("analyze", "a.mp4", "video", 30.0, [_bridge(hold=hold)],
                             started_at=f"2026-05-04T{hour}:00Z")
        rows = h.progress(tz=UTC)
    assert [(r.date, r.sessions, r.goal_fraction) for r in rows] == [("2026-05-04", 3, round(2 / 3, 4))]
    fig = progress_figure(rows)
    goal_ax, share_ax = fig.axes
    day = mdates.date2num(date(2026, 5, 4))
    lo, hi = share_ax.get_xlim()
    assert (lo, hi) == (day - 0.5, day + 0.5)  # one day is one day wide, not three
    assert list(share_ax.get_xticks()) == [day]  # one tick, on the day: none hourly
    assert [t.get_text() for t in share_ax.get_xticklabels()] == ["Mon 04 May"]
    (x,), (y,) = goal_ax.lines[0].get_xdata(), goal_ax.lines[0].get_ydata()
    assert x == day and abs(y - 100 * 2 / 3) < 0.01  # the point on its day, not at midnight of another
    targets = [line for line in goal_ax.lines if list(line.get_ydata()) == [100, 100]]
    assert len(targets) == 1 and targets[0].get_label() == "target: goal met"
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = goal_ax.get_legend().get_window_extent(renderer)
    data = goal_ax.get_window_extent(renderer)
    assert legend.x0 >= data.x1  # beside the plot, over no point

    days = [h for h in range(3)]
    with History(path) as h:
        for n in days:
            h.record_session("analyze", "b.mp4", "video", 30.0, [_bridge(hold=30)],
                             started_at=f"2026-05-{10 + 3 * n:02d}T12:00:00Z")
        rows = h.progress(tz=UTC)
    ticks = progress_figure(rows).axes[1].get_xticks()
    assert all(float(t).is_integer() for t in ticks) and len(ticks) == 4  # the days there are, whole
