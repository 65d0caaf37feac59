"""The HTML report: offline, escaped, with its per-clip files, and robust to a bad clip.

The end-to-end tests cut a short slice of a real clip from ../shared/data at
test time (the model finds no person in drawn test patterns) and are skipped
with the reason when that folder is absent.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from posecheck.apps.cli import main
from posecheck.errors import PosecheckError
from posecheck.core.features import compute_features
from posecheck.core.types import Assessment, Frame, FrameResult, Pose, RuleResult, State
from posecheck.draw.key_frames import KeyFrames
from posecheck.draw.report_html import ClipReport, render_index
from posecheck.draw.report_svg import svg_rule_plot, svg_timeline
from posecheck.draw.report_text import SAFETY_NOTE
from posecheck.io.inputs import expand_inputs, slugify
from posecheck.judge.exercises import get_exercise
from posecheck.judge.summary import Segment, Summary
from posecheck.judge.series import Series, rule_series, side_faults
from posecheck.io.video import VideoWriter

SHARED_CLIPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "clips"
HOSTILE = "<img src=x onerror=alert(1)>"


# -- helpers -------------------------------------------------------------------

class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(text: str) -> list[tuple[str, dict]]:
    collector = TagCollector()
    collector.feed(text)
    return collector.tags


def assert_offline(text: str) -> None:
    """No external URL anywhere, and no src/href leaving the report folder."""
    assert "http://" not in text and "https://" not in text
    for tag, attrs in parse(text):
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is None:
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I), (tag, value)
            assert not value.startswith("//") and not value.startswith("/"), (tag, value)
            assert ".." not in value.split("/"), (tag, value)


def result(t, state, results=(), hold=0.0, exercise="bridge") -> FrameResult:
    cue = next((r.cue for r in results if r.ok is False), "")
    return FrameResult(index=int(t * 10), timestamp_s=t, pose=None, features={},
                       assessment=Assessment(state, tuple(results), cue), state=state, cue=cue, side=None,
                       hold_s=hold, exercise=exercise)


def rr(name, value, low=0.0, high=10.0, cue="fix it", gate=False):
    ok = low <= value <= high
    return RuleResult(name, ok, value, low, high, "" if ok else cue, joint=None, gate=gate)


# -- unit tests ----------------------------------------------------------------

def test_slugify_is_safe():
    assert slugify(HOSTILE) == "img-src-x-onerror-alert-1"
    assert slugify("Brücke rückwärts.v2") == "Brucke-ruckwarts-v2"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("???") == "clip"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", slugify("a b/c\\d:e*f"))


def test_side_faults_bridge_short_gaps_and_follow_the_tally():
    frames = []
    for i in range(40):
        t = i * 0.1
        bad = 1.0 <= t < 2.0 or 2.2 <= t < 2.6 or 3.5 <= t < 3.55
        frames.append(result(t, State.INCORRECT if bad else State.CORRECT, [rr("hip", 20.0 if bad else 5.0)]))
    (fault,) = side_faults(frames)
    assert (fault.rule, fault.side) == ("hip", None)
    assert [round(a, 2) for a, _ in fault.spells] == [1.0]  # 2.2 joins (gap 0.2), 3.5 is a blip
    assert fault.spells[0][1] == pytest.approx(2.6)


def test_rule_series_and_plot_svg():
    frames = [result(i * 0.1, State.INCORRECT, [rr("hip", v)]) for i, v in enumerate([5, 8, 12, 15, 9, 4])]
    frames.insert(3, result(0.25, State.NO_PERSON))  # a gap: the rule is not measured
    series = rule_series(frames, {"hip": "deg"})["hip"]
    assert math.isnan(series.value[3])
    svg = svg_rule_plot(series, 0.0, 0.6, "video-01", 0.0, "hip <angle>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<polygon" in svg  # the shaded accepted range
    assert svg.count('stroke="#d64545"') == 1  # failing stretches in red
    assert "hip &lt;angle&gt;" in svg
    assert 'data-video="video-01"' in svg
    empty = Series("knee", "deg", [0.0, 0.1], [math.nan, math.nan], [None, None], [math.nan] * 2, [math.nan] * 2)
    assert "never measured" in svg_rule_plot(empty, 0.0, 0.1, None, 0.0)


def test_timeline_segments_seek():
    segments = [Segment(0.0, 1.0, State.INCORRECT, None), Segment(1.0, 3.0, State.CORRECT, "left")]
    svg = svg_timeline(segments, 0.0, 3.0, "video-02", 0.0)
    assert svg.count("<rect") == 3
    assert 'data-t="1.000"' in svg and 'data-video="video-02"' in svg


def test_key_frames_first_fault_and_best_form():
    from dataclasses import replace

    keys = KeyFrames()
    img = np.zeros((4, 4, 3), np.uint8)

    def feed(t, state, results, shown=None):
        fr = result(t, state, results)
        if shown is not None:
            fr = replace(fr, cue=shown)
        keys.observe(img + int(t * 10), Frame(img, t, int(t * 10)), fr)

    def lying(value):
        return rr("lying", value, gate=True)

    feed(0.0, State.NO_PERSON, [])
    feed(0.1, State.INCORRECT, [lying(5), rr("hip", 12, cue="Lift")])  # getting into position: no fault
    feed(0.2, State.INCORRECT, [lying(5), rr("hip", 14, cue="Lift")])
    feed(0.3, State.CORRECT, [lying(0.1), rr("hip", 9)])
    feed(0.4, State.CORRECT, [lying(0.1), rr("hip", 5)])  # centred: the best (gate margin ignored)
    feed(0.5, State.CORRECT, [lying(5), rr("hip", 8)])
    feed(0.6, State.INCORRECT, [lying(5), rr("hip", 12, cue="Lift")], shown="Face the camera")
    feed(0.7, State.INCORRECT, [lying(5), rr("hip", 13, cue="Lift")])  # the first frame showing its cue
    assert list(keys.faults) == ["bridge:hip:None"]
    assert keys.faults["bridge:hip:None"]["t"] == 0.7 and keys.faults["bridge:hip:None"]["caption"] == "Lift"
    assert keys.best["t"] == 0.4 and keys.best["correct"]


def test_a_fault_still_whose_frame_never_shows_its_cue_is_captioned_with_the_cue_it_shows(tmp_path):
    from dataclasses import replace

    keys = KeyFrames()
    img = np.full((8, 8, 3), 128, np.uint8)
    keys.observe(img, Frame(img, 0.0, 0), result(0.0, State.CORRECT, [rr("hip", 5)]))
    fr = replace(result(0.5, State.INCORRECT, [rr("hip", 12, cue="Lift")]), cue="Face the camera")
    keys.observe(img, Frame(img, 0.5, 5), fr)
    stills = keys.write(tmp_path, {"bridge": get_exercise("bridge")})
    fault = next(s for s in stills if s["kind"] == "fault")
    assert (fault["t"], fault["caption"]) == (0.5, "Face the camera")


def test_side_faults_split_by_side_leave_out_getting_into_position_and_blips():
    from dataclasses import replace

    from posecheck.judge.series import LEAD_IN_MAX_S, side_faults

    frames = []

    def add(t, state, side, results):
        fr = result(t, state, results, exercise="side_torso_stretch")
        frames.append(replace(fr, assessment=replace(fr.assessment, side=side)))

    t = 0.0
    for _ in range(20):  # left: 2 s into position with the arm down, then correct
        add(t, State.INCORRECT, "left", [rr("arm_overhead", 20, cue="Raise your arm")])
        t += 0.1
    for _ in range(10):
        add(t, State.CORRECT, "left", [rr("arm_overhead", 5)])
        t += 0.1
    for _ in range(15):  # then the arm drops for 1.5 s: a fault of the left side
        add(t, State.INCORRECT, "left", [rr("arm_overhead", 20, cue="Raise your arm")])
        t += 0.1
    add(t, State.INCORRECT, "left", [rr("side_bend", 20, cue="Lean more")])  # one frame: a blip
    t += 0.1
    add(t, State.CORRECT, "left", [rr("arm_overhead", 5)])
    t += 0.1
    start_right = t
    while t < start_right + LEAD_IN_MAX_S + 1.0:  # right: never correct, so after the lead-in it is a fault
        add(t, State.INCORRECT, "right", [rr("arm_overhead", 20, cue="Raise your arm")])
        t += 0.1
    faults = side_faults(frames)
    assert [(f.rule, f.side) for f in faults] == [("arm_overhead", "left"), ("arm_overhead", "right")]
    left, right = faults
    assert abs(left.seconds - 1.5) < 1e-6 and abs(left.first_s - 3.0) < 1e-6
    assert abs(right.first_s - (start_right + LEAD_IN_MAX_S)) < 0.11 and 0.8 < right.seconds < 1.2
    assert all(f.seconds >= 0.2 for f in faults)


def _results_at(exercise, margins: dict[str, float]) -> list[RuleResult]:
    """Every rule of the exercise passing, each at the given share inside its range (default: centred)."""
    out = []
    for rule in exercise.rules:
        value = rule.low + margins.get(rule.name, 0.5) * (rule.high - rule.low)
        out.append(RuleResult(rule.name, True, value, rule.low, rule.high, gate=rule.gate))
    return out


def test_knee_to_chest_best_form_counts_the_knee_bent_margin():
    # knee_bent is a starting-position gate of lumbar_spine_stretch but an ordinary rule of
    # knee_to_chest: there, a knee barely bent enough is not the best form.
    knee_to_chest = get_exercise("knee_to_chest")
    assert not knee_to_chest.rule("knee_bent").gate and get_exercise("lumbar_spine_stretch").rule("knee_bent").gate
    edge = _results_at(knee_to_chest, {"knee_bent": 0.98})  # knee_bent 2% inside its range
    assert [r.name for r in edge if r.gate] == ["lying"]
    assert min(r.margin for r in edge if not r.gate) == pytest.approx(0.02)
    inside = _results_at(knee_to_chest, {name: 0.4 for name in ("knee_to_chest", "knee_up", "knee_bent",
                                                                 "hands_at_knee", "other_leg_down")})
    keys = KeyFrames()
    img = np.zeros((4, 4, 3), np.uint8)
    for t, results in ((1.0, edge), (2.0, inside)):
        keys.observe(img, Frame(img, t, int(t)), result(t, State.CORRECT, results, exercise="knee_to_chest"))
    assert keys.best["t"] == 2.0  # every rule 40% inside beats one rule 2% inside


def test_rule_results_carry_their_rule_gate():
    from posecheck.judge.exercises import judge

    pose = Pose(xyz=np.random.default_rng(3).uniform(0.2, 0.8, (33, 3)), visibility=np.ones(33),
                presence=np.ones(33), world=np.zeros((33, 3)), timestamp_s=0.0, image_wh=(640, 480))
    body = compute_features(pose)
    for name in ("knee_to_chest", "lumbar_spine_stretch"):
        exercise = get_exercise(name)
        results = judge(exercise, body).results
        assert results and {r.name: r.gate for r in results} == {r.name: r.gate for r in exercise.rules
                                                                 if r.name in {x.name for x in results}}


def test_rule_margin():
    assert RuleResult("a", True, 5.0, 0.0, 10.0).margin == pytest.approx(0.5)
    assert RuleResult("a", True, 0.0, 0.0, 10.0).margin == 0.0
    assert RuleResult("a", False, 12.0, 0.0, 10.0).margin == pytest.approx(-0.2)
    assert RuleResult("a", None, math.nan, 0.0, 10.0).margin == -1.0


def test_expand_inputs(tmp_path):
    (tmp_path / "b.mp4").write_bytes(b"x")
    (tmp_path / "a.MOV").write_bytes(b"x")
    (tmp_path / ".hidden.mp4").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "photo.jpg").write_bytes(b"x")
    assert [p.name for p in expand_inputs([tmp_path])] == ["a.MOV", "b.mp4"]
    assert [p.name for p in expand_inputs([tmp_path / "photo.jpg"])] == ["photo.jpg"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PosecheckError, match="no video files"):
        expand_inputs([empty])
    with pytest.raises(PosecheckError, match="no such file"):
        expand_inputs([tmp_path / "missing.mp4"])
    with pytest.raises(PosecheckError, match="not a video or image"):
        expand_inputs([tmp_path / "notes.txt"])


def test_render_escapes_everything_user_supplied():
    ok = ClipReport(index=1, path=f"/clips/{HOSTILE}.mp4", name=f"{HOSTILE}.mp4", folder="01-img-src-x",
                    date="<b>2024</b>", exercise="bridge", title="Bridge", instructions="Lie <down>",
                    score=40, video="video.mp4",
                    summary=Summary.from_json({
                        "verdict": "correct", "target_s": 20.0, "hold_s": 5.0, "duration_s": 3.0, "frames": 72,
                        "fps": 24.0, "state_seconds": {"correct": 1.0}, "warnings": ["<script>alert(2)</script>"]}),
                    stills=[{"file": "fault-1.jpg", "t": 1.5, "kind": "fault", "caption": "<i>cue</i>"}],
                    faults=[{"rule": "hip<", "cue": "Lift </li><script>x()</script>", "seconds": 1.0,
                             "first_s": 1.5, "spells": [[1.5, 2.0], [2.5, 2.6]], "more": 0}])
    bad = ClipReport(index=2, path="/clips/x.mp4", name="x\".mp4", folder="02-x",
                     error="<svg onload=alert(3)> cannot be opened")
    page = render_index([ok, bad])
    assert_offline(page)
    tags = parse(page)
    assert [t for t, _ in tags].count("script") == 1  # only the report's own inline script
    assert not any(t == "img" and a.get("src") == "x" for t, a in tags)
    assert not any(t == "svg" and "onload" in a for t, a in tags)
    assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in page
    assert "&lt;svg onload=alert(3)&gt; cannot be opened" in page
    assert "&lt;i&gt;cue&lt;/i&gt;" in page and "Lie &lt;down&gt;" in page
    assert SAFETY_NOTE in page
    # Seekable fault links: data-t in seconds and the clip's video id.
    video = [a for t, a in tags if t == "video"]
    assert [v["id"] for v in video] == ["video-01"]
    assert video[0]["src"] == "01-img-src-x/video.mp4"
    links = [a for t, a in tags if t == "a" and "data-t" in a]
    assert {a["data-video"] for a in links} == {"video-01"}
    assert [float(a["data-t"]) for a in links] == [1.5, 2.5]
    # The index table sorts by date, exercise and score.
    heads = [a for t, a in tags if t == "th" and "sortable" in a.get("class", "")]
    assert len(heads) >= 5


# -- end to end on real footage --------------------------------------------------

def _slice(src: Path, dst: Path, start_s: float, end_s: float) -> int:
    """Frames of ``src`` between two times, re-encoded with our writer (timestamps from 0)."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    n = 0
    with VideoWriter(dst, fps=fps) as writer:
        while True:
            ok, image = cap.read()
            if not ok:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if t >= end_s:
                break
            if t >= start_s:
                writer.write(image, t)
                n += 1
    cap.release()
    return n


@pytest.fixture(scope="module")
def real_clip(tmp_path_factory) -> tuple[Path, int]:
    source = SHARED_CLIPS / "bridge_02.mp4"
    if not source.is_file():
        pytest.skip(f"real clips not present at {SHARED_CLIPS} (they live beside the checkout)")
    folder = tmp_path_factory.mktemp("clip")
    path = folder / "bridge_slice.mp4"
    n = _slice(source, path, 0.0, 2.5)  # hips rising (a fault) then held (correct)
    return path, n


@pytest.fixture(scope="module")
def batch(real_clip, tmp_path_factory):
    """A folder with a good clip, the same clip under a hostile name, and a corrupt file; reported at 2 jobs."""
    clip, n = real_clip
    clips = tmp_path_factory.mktemp("batch")
    shutil.copy(clip, clips / "good.mp4")
    shutil.copy(clip, clips / f"{HOSTILE}.mp4")
    (clips / "broken.mp4").write_bytes(np.random.default_rng(0).integers(0, 256, 20000, np.uint8).tobytes())
    (clips / "notes.txt").write_text("not a video")
    out = tmp_path_factory.mktemp("report") / "out"
    code = main(["report", str(clips), "--out", str(out), "--exercise", "bridge", "--jobs", "2"])
    return out, code, n


@pytest.mark.shared
def test_report_index_is_offline_escaped_and_lists_the_broken_clip(batch):
    out, code, _ = batch
    assert code == 1  # one clip failed, the others were reported
    index = out / "index.html"
    page = index.read_text(encoding="utf-8")
    assert_offline(page)
    assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in page
    tags = parse(page)
    assert not any(t == "img" and a.get("src") == "x" for t, a in tags)
    assert [t for t, _ in tags].count("script") == 1
    # Three clips in folder order (sorted names); the broken one with its one-line error.
    rows = re.findall(r'<tr(?: class="failed")?><td class="num" data-sort="(\d)">', page)
    assert rows == ["1", "2", "3"]
    assert re.search(r'class="error">error: [^<]*broken\.mp4[^<]*cannot be opened', page)
    assert SAFETY_NOTE in page
    assert not [p for p in out.rglob(".*")], "temporary files left behind"


@pytest.mark.shared
def test_report_clip_files(batch):
    out, _, n = batch
    page = (out / "index.html").read_text(encoding="utf-8")
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    # Sorted names: "<img..." < "broken" < "good"; the broken clip leaves no folder.
    assert folders == ["01-img-src-x-onerror-alert-1", "03-good"]
    for folder in folders:
        clip = out / folder
        summary = json.loads((clip / "summary.json").read_text())
        assert summary["exercise"] == "bridge" and summary["frames"] == n
        for key in ("hold_s", "target_s", "segments", "faults", "state_seconds", "verdict"):
            assert key in summary
        rows = list(csv.DictReader(io.StringIO((clip / "frames.csv").read_text())))
        assert len(rows) == n and {"timestamp_s", "state", "rule:hip_lift"} <= set(rows[0])
        with av.open(str(clip / "video.mp4")) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert sum(1 for _ in container.decode(stream)) == n
        stills = sorted(p.name for p in clip.glob("*.jpg"))
        assert stills and all(cv2.imread(str(clip / s)) is not None for s in stills)
        for still in stills:
            assert f'src="{folder}/{still}"' in page
    # Each clip card: its video, fault links that seek it, rule plots, the timeline.
    tags = parse(page)
    videos = {a["id"]: a["src"] for t, a in tags if t == "video"}
    assert videos == {"video-01": "01-img-src-x-onerror-alert-1/video.mp4", "video-03": "03-good/video.mp4"}
    links = [a for t, a in tags if t == "a" and "data-t" in a]
    assert all(a["data-video"] in videos for a in links)
    # The hips rising in the first second is the person getting into position: no fault of it.
    assert all(float(a["data-t"]) > 1.0 for a in links)
    assert all(0.0 <= float(a["data-t"]) <= 2.5 for a in links)
    from posecheck.judge.exercises import get_exercise

    assert page.count('<svg class="plot"') == 2 * len(get_exercise("bridge").rules)  # each rule, each clip
    assert page.count('<svg class="timeline"') == 2


@pytest.mark.shared
def test_analyze_writes_the_annotated_video(real_clip, tmp_path):
    clip, n = real_clip
    out = tmp_path / "annotated.mp4"
    code = main(["analyze", str(clip), "--exercise", "bridge", "--video", str(out), "--no-history",
                 "--json", str(tmp_path / "s.jsonl")])
    assert code == 0
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
        assert float(stream.average_rate) == pytest.approx(24.0, abs=0.05)
    assert len(frames) == n
    cap = cv2.VideoCapture(str(clip))
    ok, first = cap.read()
    cap.release()
    assert frames[0].shape == first.shape
    # The overlay changed the picture (banner, skeleton), but not everywhere.
    diff = np.abs(frames[0].astype(int) - first.astype(int)).max(axis=2)
    assert 0.01 < (diff > 40).mean() < 0.5
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_video_option_needs_one_video(tmp_path):
    img = tmp_path / "a.png"
    cv2.imwrite(str(img), np.zeros((8, 8, 3), np.uint8))
    assert main(["analyze", str(img), "--exercise", "bridge", "--video", str(tmp_path / "o.mp4"),
                 "--no-history"]) == 2
    assert not (tmp_path / "o.mp4").exists()


def test_faults_are_listed_per_side_and_per_exercise_of_a_routine():
    def fault(exercise, rule, side, t):
        return {"exercise": exercise, "rule": rule, "side": side, "cue": f"fix {rule}", "seconds": 1.0,
                "first_s": t, "spells": [[t, t + 1.0]], "more": 0}

    summary = Summary.from_json({"exercise": "side_torso_stretch", "verdict": "incorrect", "target_s": 20.0,
                                 "hold_s": 5.0, "sides": {"left": 5.0, "right": 0.0}, "duration_s": 30.0})
    sided = ClipReport(index=1, path="/c/a.mp4", name="a.mp4", folder="01-a", exercise="side_torso_stretch",
                       title="Standing side stretch", score=20, summary=summary,
                       faults=[fault("side_torso_stretch", "side_bend", "right", 9.0),
                               fault("side_torso_stretch", "arm_overhead", "left", 3.0),
                               fault("side_torso_stretch", "side_bend", "left", 4.0)])
    routine = ClipReport(index=2, path="/c/r.mp4", name="r.mp4", folder="02-r", exercise="bridge", title="Bridge",
                         score=20, summary=Summary.from_json({"exercise": "bridge", "verdict": "incorrect",
                                                              "target_s": 20.0, "duration_s": 60.0}),
                         faults=[fault("bridge", "hips_up", None, 30.0), fault("cobra", "chest_lift", None, 50.0)])
    page = render_index([sided, routine])
    card = page[page.index('id="clip-01"'):page.index('id="clip-02"')]
    left, right = card.index("<h4>Left side</h4>"), card.index("<h4>Right side</h4>")
    assert left < card.index("fix arm_overhead") < card.index("fix side_bend") < right
    assert card.count("fix side_bend") == 2  # one fault on each side, each under its side
    card = page[page.index('id="clip-02"'):]
    assert card.index("<h4>bridge</h4>") < card.index("fix hips_up") < card.index("<h4>cobra</h4>")
    assert "goal not met" in page and "correct</span>" not in page.split("</table>")[0]


def test_in_position_from_the_first_correct_frame_on_or_after_the_lead_in():
    from posecheck.judge.series import LEAD_IN_MAX_S, FaultSpells

    spells = FaultSpells()
    seen = []
    for i in range(80):
        t = i * 0.1
        correct = 1.0 <= t < 1.5
        fr = result(t, State.CORRECT if correct else State.INCORRECT, [rr("hip", 5.0 if correct else 20.0)])
        spells.add(fr)
        seen.append(spells.in_position(fr))
    assert seen.index(True) == 10 and all(seen[10:])  # from the first correct frame, and it stays
    never = FaultSpells()
    flags = []
    for i in range(80):
        fr = result(i * 0.1, State.INCORRECT, [rr("hip", 20.0)])
        never.add(fr)
        flags.append(never.in_position(fr))
    assert flags.index(True) == round(LEAD_IN_MAX_S / 0.1)  # never correct: at most the lead-in
