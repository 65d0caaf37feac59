"""A report is about a client: its date from the video, its place in the history, and the comparison.

Short slices of the shipped bridge sample (synthetic), written with and without
a recording time in the container, are reported for one client on different
days; the history file is the test's own.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.apps.cli import main
from posecheck.io.history import History
from posecheck.io.inputs import clip_date

from conftest import sample

CLIENT = "Ann Smith"


def _bridge_slice(path: Path, created: str | None, start_s: float = 7.0, end_s: float = 10.5) -> Path:
    """The sample's hips sagging then corrected, as H.264, with ``created`` as the container's creation_time."""
    with av.open(str(sample("bridge.mp4"))) as src:
        frames = [f.to_ndarray(format="bgr24") for f in src.decode(video=0) if start_s <= f.time < end_s]
    with av.open(str(path), "w", format="mp4") as out:
        if created:
            out.metadata["creation_time"] = created
        stream = out.add_stream("libx264", rate=30)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _local(stamp: str) -> str:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("client")
    first = _bridge_slice(folder / "monday.mp4", "2026-03-02T09:30:00.000000Z")
    later = _bridge_slice(folder / "next monday.mp4", "2026-03-09T09:30:00Z")
    undated = _bridge_slice(folder / "copied.mp4", None)
    when = dt.datetime(2026, 3, 5, 17, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(undated, (when, when))
    return {"first": first, "later": later, "undated": undated}


def test_the_date_is_the_videos_own_creation_time_else_the_files_and_says_which(clips):
    dated = clip_date(clips["first"])
    assert dated.source == "metadata" and dated.text == _local("2026-03-02T09:30:00Z")
    undated = clip_date(clips["undated"])
    assert undated.source == "modified" and undated.text == _local("2026-03-05T17:00:00Z")
    assert "modification time" in undated.note and "creation time" in dated.note


def _report(clips_: list[Path], out: Path, history: Path, *extra: str) -> str:
    code = main(["report", *map(str, clips_), "--out", str(out), "--exercise", "bridge", "--fps", "10",
                 "--jobs", "1", "--history", str(history), *extra])
    assert code == 0
    return (out / "index.html").read_text(encoding="utf-8")


def test_reports_are_stored_per_clip_and_compared_with_the_clients_earlier_sessions(clips, tmp_path):
    history = tmp_path / "history.sqlite3"
    page = _report([clips["first"]], tmp_path / "one", history, "--client", CLIENT)
    assert f"<h1>posecheck report: {CLIENT}</h1>" in page
    assert _local("2026-03-02T09:30:00Z") in page and "the video&#x27;s own creation time" in page
    assert "earlier sessions" not in page  # nothing earlier yet
    assert page.count('contenteditable="true"') == 2  # the session's notes and the clip's
    with History(history, readonly=True) as h:
        (stored,) = h.sessions()
    assert (stored.source, stored.client, stored.started_at) == ("report", CLIENT, "2026-03-02T09:30:00Z")
    assert stored.input == str(clips["first"].resolve())
    assert [r.exercise for r in stored.results] == ["bridge"]
    first_hold = stored.results[0].hold_s

    # The same clip reported again is not stored twice; a report without history stores nothing.
    _report([clips["first"]], tmp_path / "again", history, "--client", CLIENT)
    _report([clips["later"]], tmp_path / "none", history, "--client", CLIENT, "--no-history")
    with History(history, readonly=True) as h:
        assert h.count_sessions() == 1

    page = _report([clips["undated"], clips["later"]], tmp_path / "two", history, "--client", CLIENT)
    assert "the file&#x27;s modification time: the video holds no recording time" in page
    with History(history, readonly=True) as h:
        sessions = h.sessions()
    assert [s.started_at for s in sessions] == ["2026-03-09T09:30:00Z", "2026-03-05T17:00:00Z",
                                                "2026-03-02T09:30:00Z"]
    later_card = page[page.index("next monday.mp4</h2>") if "next monday.mp4</h2>" in page
                      else page.index('id="clip-02"'):]
    table = later_card[later_card.index("earlier sessions"):later_card.index("</table>")]
    # Both earlier sessions, oldest first, then this one and the change since the last.
    assert table.index("2026-03-02") < table.index("2026-03-05")
    assert f"{first_hold:.1f} s of 20" in table
    now = sessions[0].results[0].hold_s
    last = sessions[1].results[0].hold_s
    change = now - last
    assert f"<strong>{now:.1f} s of 20</strong>" in table
    assert (("+" if change > 0 else "") + f"{change:.1f} s") in table
    undated_card = page[page.index('id="clip-01"'):page.index('id="clip-02"')]
    assert "2026-03-02" in undated_card and "2026-03-09" not in undated_card  # only what came before it

    # Another client's sessions are not compared, and `posecheck history` shows whose each one is.
    page = _report([clips["later"]], tmp_path / "other", tmp_path / "other.sqlite3", "--client", "Bob")
    assert "earlier sessions" not in page
    conn = sqlite3.connect(history)
    assert conn.execute("SELECT COUNT(*) FROM sessions WHERE client = ?", (CLIENT,)).fetchone()[0] == 3
    conn.close()


def test_the_badge_is_the_goal_verdict_in_the_index_and_the_card(clips, tmp_path):
    import json

    page = _report([clips["first"]], tmp_path / "badge", tmp_path / "h.sqlite3", "--no-history")
    summary = json.loads(next((tmp_path / "badge").glob("*/summary.json")).read_text())
    from posecheck.judge.summary import GOAL_VERDICT_LABELS, Summary

    verdict = Summary.from_json(summary).goal_verdict
    assert verdict == "not_met"  # 3.5 s of a 20 s hold
    assert len(re.findall(rf'class="badge goal-{verdict}"[^>]*>{GOAL_VERDICT_LABELS[verdict]}<', page)) == 2
    assert not re.search(r'class="badge"[^>]*>correct<', page)  # no longer the most common frame state
