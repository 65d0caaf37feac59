"""A routine in a report: a card for the whole, then one card (and one printed page) per exercise.

The clip is the first 44 s of samples/routine.mp4: knee to chest (two sides), then the cobra, so the
real model judges a real routine in a few seconds. Its cards are read back from the written HTML and
printed to PDF by headless Chromium.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from posecheck.apps.cli import main
from posecheck.core.types import Frame, State
from posecheck.draw.key_frames import ROUTINE_FAULT_SHOTS, KeyFrames
from posecheck.judge.exercises import get_exercise
from posecheck.draw.words import exercise_title
from posecheck.judge.summary import GOAL_VERDICT_LABELS, Summary
from test_report import result, rr
from test_report_browser import SAMPLES, find_chromium, needs_poppler, pdf_pages, print_pdf, read_frames, write_h264

CUT_S = 44.0  # knee to chest ends at 27.6 s, the cobra at 43.4 s, the side stretch starts after


@pytest.fixture(scope="module")
def routine_report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("routine")
    # At 15 fps (every other frame): half the frames to decode and annotate, the same 5 judged a second.
    write_h264(folder / "routine part.mp4", read_frames(SAMPLES / "routine.mp4", 0.0, CUT_S)[::2], fps=15)
    out = folder / "out"
    assert main(["report", str(folder / "routine part.mp4"), "--out", str(out), "--fps", "5", "--jobs", "1",
                 "--no-history"]) == 0
    return out


def _summary(out: Path) -> Summary:
    (path,) = out.glob("*/summary.json")
    return Summary.from_json(json.loads(path.read_text()))


def _cards(page: str) -> list[tuple[str, str, str]]:
    """(id, exercise id, the card's HTML) of every exercise card of the page."""
    found = re.findall(r'<section class="clip exercise" id="([^"]+)" data-exercise="([^"]+)">(.*?)</section>',
                       page, re.S)
    return found


@pytest.mark.parametrize("name", ["index.html", "report.html"])
def test_a_routine_has_a_card_per_exercise_with_its_own_figures_faults_and_key_frames(routine_report, name):
    summary = _summary(routine_report)
    assert summary.is_routine
    exercises = summary.exercises
    assert [e.exercise for e in exercises] == ["knee_to_chest", "cobra"]
    page = (routine_report / name).read_text(encoding="utf-8")
    cards = _cards(page)
    assert [ex for _, ex, _ in cards] == [e.exercise for e in exercises]
    header = page[page.index('<section class="clip" id="clip-01"'):page.index('<section class="clip exercise"')]
    assert "Routine of 2 exercises" in header
    assert f"{summary.goal_fraction * 100:.0f}% of the goals on average" in header
    assert f"{summary.score} / 100" in header
    assert 'class="plot-block"' not in header  # the plots are on the exercises' cards
    for (cid, ex, card), e in zip(cards, exercises):
        title = re.search(r"<h2>([^<]*?) <span", card).group(1)
        assert html.unescape(title).endswith(f"· {exercise_title(ex)}")
        f = e.figures
        assert GOAL_VERDICT_LABELS[f.goal_verdict] in card  # its own badge
        reached = html.unescape(re.search(r'<dd class="reached">([^<]*)</dd>', card).group(1))
        if f.sides:
            for side, seconds in f.sides.items():
                assert f"{side} {seconds:.1f} s of {f.target_s:g} s" in reached
        else:
            assert f"{f.hold_s:.1f} s of {f.target_s:g} s" in reached
        assert f'href="#{cid}"' in header  # the routine's table links to it
        # Its faults are its own, by side (the sided exercise's under a side heading).
        cues = {x.cue for x in f.faults}
        listed = {html.unescape(c) for c in re.findall(r"<li><strong>([^<]*)</strong>", card)}
        assert listed <= cues | {x.rule for x in f.faults}
        if f.sides and listed:
            assert re.search(r"<h4>(Left|Right) side</h4>", card)
        # Its key frames were taken within its own time.
        times = [float(t) for t in re.findall(r'data-t="([0-9.]+)"', card)] if name == "index.html" else []
        assert "<figure>" in card and ("Best form" in card or "Closest to correct form" in card)
        # Its rules over its own time: plots of its rules only.
        plotted = re.findall(r'<div class="plot-block"><p><strong>([^<]*)</strong>', card)
        assert plotted and set(plotted) <= {r.name for r in get_exercise(ex).rules}
        lo, hi = e.spans[0][0], e.spans[-1][1]
        assert all(lo - 0.5 <= t <= hi + 0.5 for t in times), (ex, times, e.spans)


def test_each_exercise_of_a_routine_prints_on_its_own_page(routine_report, tmp_path):
    needs_poppler()
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium to print the report with (apt-get install chromium)")
    summary = _summary(routine_report)
    pdf = tmp_path / "routine.pdf"
    print_pdf(chromium, routine_report / "report.html", pdf)
    texts = [" ".join(t.split()) for t in pdf_pages(pdf)]
    starts = [next(i for i, t in enumerate(texts) if f"01.{n} · {exercise_title(e.exercise)}" in t)
              for n, e in enumerate(summary.exercises, start=1)]
    assert "01 · routine part.mp4" in texts[1]  # the whole's card first, after the index
    # One page each, in order, to the end: every exercise card starts a page and fits on it.
    assert starts == list(range(len(texts) - len(starts), len(texts)))
    for n, start in enumerate(starts, start=1):
        assert "Coach's notes" in texts[start]
        assert all(f"01.{m} ·" not in texts[start] for m in range(1, len(starts) + 1) if m != n)


def test_key_frames_of_a_routine_are_kept_per_exercise(tmp_path):
    """Each exercise of a routine keeps its own faults (a few) and its own best form, and says whose."""
    keys = KeyFrames()
    img = np.full((8, 8, 3), 90, np.uint8)
    t = 0.0
    for exercise in ("bridge", "cobra"):
        t += 1.0
        keys.observe(img, Frame(img, t, int(t * 10)), result(t, State.CORRECT, [rr("hip", 5)], exercise=exercise))
        for n in range(ROUTINE_FAULT_SHOTS + 2):  # more faults than a card shows
            t += 0.1
            keys.observe(img, Frame(img, t, int(t * 10)),
                         result(t, State.INCORRECT, [rr(f"r{n}", 12, cue=f"fix {n}")], exercise=exercise))
    stills = keys.write(tmp_path, {e: get_exercise(e) for e in ("bridge", "cobra")})
    for exercise in ("bridge", "cobra"):
        own = [s for s in stills if s["exercise"] == exercise]
        assert [s["kind"] for s in own].count("fault") == ROUTINE_FAULT_SHOTS
        assert [s["kind"] for s in own].count("best") == 1
    assert all((tmp_path / s["file"]).is_file() for s in stills)
    assert len({s["file"] for s in stills}) == len(stills)  # no still written over another's
