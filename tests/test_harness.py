"""The measuring harness on synthetic data: the labels reader, the agreement figures and the range fitter.

Pure: no model, no shared data. The fitter is checked against ``judge`` itself on
stub bodies, so "accepted under these ranges" means what the judge would say.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from dataclasses import dataclass

import pytest
from conftest import REPO

from posecheck.core.types import State
from posecheck.errors import PosecheckError
from posecheck.io.labels import (
    parse_segments,
    read_clip_labels,
    read_photo_labels,
    source_folds,
)
from posecheck.judge import agreement as ag
from posecheck.judge.exercises import Exercise, Goal, Rule, judge, registry
from posecheck.judge.exercises.base import coded_registry, with_fitted_ranges
from posecheck.judge.fitting import (
    ACCEPT,
    OTHER_POSE,
    REJECT,
    FitSettings,
    Sample,
    accepted,
    coded_ranges,
    fit_ranges,
    sample_of,
    with_ranges,
)

# --- a toy exercise whose rules read named values off a stub body ----------------


@dataclass
class StubBody:
    features: dict[str, float]
    near_side: str = "left"


def _reader(name: str):
    return lambda body, side: body.features[name]


TOY = Exercise(
    id="toy", title="Toy", instructions="", view="side", goal=Goal("hold", 10.0),
    rules=(
        Rule("gate", "a gate", _reader("g"), 0.0, 10.0, "lie down", "lie down", (), gate=True),
        Rule("angle", "an angle", _reader("a"), 20.0, 60.0, "more", "less", ()),
        Rule("reach", "a distance", _reader("r"), 0.0, 1.0, "", "closer", (), unit="torso"),
    ),
)


def sample(kind: str, a: float, g: float = 5.0, r: float = 0.5, file: str | None = None) -> Sample:
    return Sample(file or f"{kind}-{a}-{g}-{r}", kind, True, {"gate": g, "angle": a, "reach": r})


def test_accepted_is_what_judge_says():
    rng = random.Random(3)
    for i in range(300):
        values = {"g": rng.uniform(-2, 12), "a": rng.uniform(0, 80), "r": rng.uniform(-0.2, 1.4)}
        if i % 17 == 0:
            values["a"] = math.nan  # a rule that cannot be judged: uncertain
        body = StubBody(values)
        ranges = {"gate": (0.0, rng.uniform(5, 11)), "angle": (rng.uniform(10, 30), rng.uniform(40, 70)),
                  "reach": (0.0, 1.0)}
        toy = with_ranges(TOY, ranges)
        expected = judge(toy, body).state is State.CORRECT
        assert accepted(sample_of(toy, body, "x", ACCEPT), ranges) == expected


def test_bound_moves_to_the_middle_between_correct_and_faulty_photos():
    # Correct photos at 30-48, faults (head cranked back, say) at 52-58: the coded
    # high of 60 accepts the faults; the fitted one lies halfway between 48 and 52.
    samples = [sample(ACCEPT, a) for a in (30, 35, 40, 44, 48)] + [sample(REJECT, a) for a in (52, 55, 58)]
    fit = fit_ranges(TOY, samples)
    assert fit.ranges["angle"] == (20.0, 50.0)
    assert [(m.rule, m.bound, m.gain, m.between) for m in fit.moves] == [("angle", "high", 3, (48.0, 52.0))]
    assert fit.agreement == {"before": 5 / 8, "after": 1.0, "false_acceptances_before": 0,
                             "false_acceptances_after": 0}


def test_a_bound_never_moves_for_one_photo():
    samples = [sample(ACCEPT, a) for a in (30, 40, 48)] + [sample(REJECT, 55)]
    fit = fit_ranges(TOY, samples)
    assert fit.ranges == coded_ranges(TOY) and fit.moves == ()
    # Two photos are enough (the default min_gain), and a stricter setting keeps it.
    samples.append(sample(REJECT, 57))
    assert fit_ranges(TOY, samples).ranges["angle"] == (20.0, 51.5)
    assert fit_ranges(TOY, samples, FitSettings(min_gain=3)).ranges["angle"] == (20.0, 60.0)


def test_widening_past_the_last_photo_keeps_a_margin():
    # Three correct photos at 62-66 are rejected by the coded high of 60 and no fault
    # lies above them: the bound goes past the last one by 10% of the accepted spread.
    samples = [sample(ACCEPT, a) for a in (30, 40, 50, 62, 64, 66)] + [sample(REJECT, 10)]
    fit = fit_ranges(TOY, samples)
    low, high = fit.ranges["angle"]
    assert low == 20.0 and high == pytest.approx(66 + 0.1 * (66 - 30))
    # A narrow spread still keeps the unit's smallest margin (2 degrees).
    narrow = [sample(ACCEPT, a) for a in (61.0, 61.5, 62.0)]
    assert fit_ranges(TOY, narrow).ranges["angle"][1] == pytest.approx(64.0)


def test_photos_that_cannot_be_judged_do_not_move_a_bound():
    # Faulty photos beyond the range, but seen from a view the exercise cannot judge.
    samples = [sample(ACCEPT, a) for a in (30, 40, 50)] + [
        Sample(f"v{a}", REJECT, False, {"gate": 5.0, "angle": a, "reach": 0.5}) for a in (52, 55, 58)]
    assert fit_ranges(TOY, samples).moves == ()


def test_a_gate_takes_in_faulty_photos_and_keeps_out_other_poses():
    # The starting position: faulty photos are in it (their cue must be about the
    # fault), other poses are not. Correct photos at 11-12 and faulty ones at 13
    # are outside the coded gate (0-10); other poses lie at 19-21.
    samples = ([sample(ACCEPT, 30, g=g) for g in (2, 4, 6, 11, 11.5, 12)]
               + [sample(REJECT, 70, g=13), sample(REJECT, 72, g=13.2)]
               + [sample(OTHER_POSE, 30, g=g) for g in (19, 20, 21)])
    fit = fit_ranges(TOY, samples)
    assert fit.ranges["gate"] == (0.0, pytest.approx(16.1))
    assert fit.ranges["angle"] == (20.0, 60.0)  # the faults fail on the angle now, with its cue
    assert fit.agreement["false_acceptances_after"] == 0
    # Pooled agreement would not have moved the gate for the faults; balanced keeps both classes in view.
    assert fit.agreement["after"] == 1.0


def test_no_move_raises_false_acceptance_above_the_cap():
    # Widening would put three correct photos right but accept the two photos of other
    # poses among them (of 20 other poses): allowed up to 10%, not at 0%.
    samples = ([sample(ACCEPT, a) for a in (30, 40, 62, 64, 66)]
               + [sample(OTHER_POSE, a) for a in (63, 65)]
               + [sample(OTHER_POSE, 5, file=f"far{i}") for i in range(18)])
    fit = fit_ranges(TOY, samples, FitSettings(max_false_acceptance=0.1))
    assert fit.ranges["angle"][1] == pytest.approx(69.6) and fit.agreement["false_acceptances_after"] == 2
    assert fit_ranges(TOY, samples, FitSettings(max_false_acceptance=0.0)).ranges["angle"] == (20.0, 60.0)


def test_a_bound_keeps_a_margin_from_every_photo():
    # Correct and faulty photos 1 degree apart: no bound fits between them with a
    # 2-degree margin on each side, so the coded bound stays.
    samples = [sample(ACCEPT, a) for a in (45, 48, 50)] + [sample(REJECT, a) for a in (51, 52, 53)]
    assert fit_ranges(TOY, samples).moves == ()


def test_low_bounds_and_unjudgeable_photos():
    samples = ([sample(ACCEPT, a) for a in (12, 14, 16, 30, 40)] + [sample(REJECT, a) for a in (5, 6, 7)]
               + [Sample("nan", ACCEPT, True, {"gate": 5.0, "angle": math.nan, "reach": 0.5}),
                  Sample("view", ACCEPT, False, {"gate": 5.0, "angle": 30.0, "reach": 0.5})])
    fit = fit_ranges(TOY, samples)
    assert fit.ranges["angle"] == (9.5, 60.0)
    assert fit.counts == {ACCEPT: 7, REJECT: 3, OTHER_POSE: 0}


# --- fitted-range files -----------------------------------------------------------


def _write(folder, exercise_id, rules):
    (folder / f"{exercise_id}.json").write_text(json.dumps({"exercise": exercise_id, "rules": rules}))


def test_rules_read_their_ranges_from_a_fitted_file(tmp_path):
    cobra = coded_registry()["cobra"]
    assert with_fitted_ranges(cobra, tmp_path) is cobra  # no file: the coded ranges
    _write(tmp_path, "cobra", {"head": {"low": -30, "high": 41.5}, "chest_lift": {"low": 12, "high": "inf"}})
    fitted = with_fitted_ranges(cobra, tmp_path)
    assert (fitted.rule("head").low, fitted.rule("head").high) == (-30.0, 41.5)
    assert fitted.rule("chest_lift").high == math.inf
    assert fitted.rule("pelvis_down") == cobra.rule("pelvis_down")


@pytest.mark.parametrize("rules, needle", [
    ({"no_such_rule": {"low": 0, "high": 1}}, "no rule 'no_such_rule'"),
    ({"head": {"low": "ten", "high": 1}}, "not a number"),
    ({"head": {"low": 5, "high": 1}}, "above high"),
    ({"head": [0, 1]}, "needs"),
])
def test_a_bad_fitted_file_is_a_one_line_error(tmp_path, rules, needle):
    _write(tmp_path, "cobra", rules)
    with pytest.raises(PosecheckError, match="cobra.json") as info:
        with_fitted_ranges(coded_registry()["cobra"], tmp_path)
    assert needle in str(info.value)


def test_shipped_exercises_are_their_coded_ranges_unless_fitted():
    for ex_id, coded in coded_registry().items():
        if not (REPO / "posecheck" / "judge" / "exercises" / "fitted" / f"{ex_id}.json").is_file():
            assert registry()[ex_id] == coded


def test_every_rule_named_for_a_fault_exists():
    for ex_id, table in ag.FAULT_RULES.items():
        names = {r.name for r in registry()[ex_id].rules}
        for _pattern, rules in table:
            assert set(rules) <= names, (ex_id, rules)


# --- agreement figures ------------------------------------------------------------

EXS = ["cobra", "bridge"]


def verdict(file, exercise, form, cobra, bridge="incorrect", fault="", failing=None, recognized=None):
    return ag.PhotoVerdict(file=file, exercise=exercise, form=form, fault=fault, person=True,
                           states={"cobra": cobra, "bridge": bridge}, failing=failing or {},
                           recognized=recognized)


def test_photo_figures_per_exercise():
    verdicts = [
        verdict("c1", "cobra", "correct", "correct", recognized="cobra"),
        verdict("c2", "cobra", "correct", "correct", recognized="cobra"),
        verdict("c3", "cobra", "correct", "uncertain"),
        verdict("f1", "cobra", "fault", "incorrect", fault="head cranked back", failing={"cobra": "head"}),
        verdict("f2", "cobra", "fault", "incorrect", fault="head thrown back", failing={"cobra": "chest_lift"}),
        verdict("f3", "cobra", "fault", "correct", fault="hips lifted"),
        verdict("f4", "cobra", "fault", "incorrect", fault="elbows flared", failing={"cobra": "head"}),
        verdict("v1", "cobra", "variant", "correct", recognized="cobra"),  # counted nowhere
        verdict("u1", None, "unclear", "correct"),
        verdict("o1", None, "other", "correct", recognized="cobra"),
        verdict("o2", None, "other", "incorrect"),
        verdict("b1", "bridge", "correct", "incorrect", bridge="correct", recognized="bridge"),
    ]
    figures = ag.photo_figures(verdicts, EXS)
    cobra = figures["exercises"]["cobra"]
    assert (cobra["correct_photos"], cobra["fault_photos"]) == (3, 4)
    assert cobra["acceptance"] == round(2 / 3, 4)
    assert cobra["rejection"] == 0.75
    assert cobra["agreement"] == round(5 / 7, 4)
    assert cobra["fault_named"] == 0.25  # only f1: f2's cue is another rule's, f3 was accepted, f4 unmapped
    assert cobra["unmapped_faults"] == ["f4: elbows flared"]
    assert cobra["false_acceptance"] == round(1 / 3, 4)  # o1 of o1, o2, b1
    assert cobra["falsely_accepted"] == ["o1"]
    assert cobra["not_accepted"] == ["c3: uncertain"] and cobra["not_rejected"] == ["f3"]
    bridge = figures["exercises"]["bridge"]
    assert bridge["acceptance"] == 1.0 and bridge["rejection"] is None and bridge["false_acceptance"] == 0.0
    rec = figures["recognition"]
    # Counted: c1-c3, o1, o2, b1 (faults, variants and unclear photos are not).
    assert rec["photos"] == 6 and rec["top1_accuracy"] == round(4 / 6, 4)
    assert rec["wrong"] == ["c3: other", "o1: cobra"]


def test_fault_rules_match_the_labelled_wording():
    assert ag.fault_rules("cobra", "legs and pelvis on the mat, head thrown back: cobra") == ("head",)
    assert ag.fault_rules("cobra", "knees on mat, visible gap under pelvis: cobra, fault hips lifted") == (
        "pelvis_down", "thighs_down")
    assert ag.fault_rules("cat_cow", "hands and knees with flat back: cat_cow fault 'neutral back'") == (
        "back_curve",)
    assert ag.fault_rules("lumbar_spine_stretch", "not hugging the knee; little twist") == ("twist", "hold_knee")
    assert ag.fault_rules("bridge", "elbows flared") is None


def test_first_failing_rule_is_the_cue_judge_gives():
    cobra = registry()["cobra"]
    gates = [r.name for r in cobra.rules if r.gate]
    from posecheck.core.types import Assessment, RuleResult
    results = (RuleResult("head", False, 70, -30, 60, "head"), RuleResult("prone", False, 0, 0.5, 1, "lie"))
    assert ag.first_failing_rule(Assessment(State.INCORRECT, results, "lie"), gates) == "prone"
    assert ag.first_failing_rule(Assessment(State.UNCERTAIN, results, "turn"), gates) is None


def test_clip_frame_figures():
    times = [i * 0.5 for i in range(20)]  # 0.0 .. 9.5
    labelled = [(2.0, 6.0)]
    judged = [(3.0, 8.0)]
    frames = ag.frame_agreement(times, judged, labelled)
    # Judged frames 3.0..7.5 (10), labelled 2.0..5.5 (8), both 3.0..5.5 (6).
    assert frames == {"judged_frames": 10, "labelled_frames": 8, "both_frames": 6,
                      "precision": 0.6, "recall": 0.75}
    hold = ag.hold_figures(judged, 5.0, labelled)
    assert hold["error_s"] == 1.0 and hold["tolerance_s"] == 1.5 and hold["within_tolerance"]
    assert hold["false_s"] == 2.0 and hold["holds"] == [{"labelled": [2.0, 6.0], "judged_s": 3.0, "error_s": -1.0}]
    assert ag.hold_tolerance_s(20.0) == 3.0  # 15% once the hold is over 10 s
    assert ag.frame_agreement(times, [], labelled)["precision"] is None


def test_clip_sides_reps_and_totals():
    sides = ag.side_figures([(1.0, 3.0, "left"), (3.0, 3.5, "right"), (6.0, 9.0, "right")],
                            [(0.0, 4.0), (5.0, 10.0), (10.0, 12.0)], ["left", "left", None])
    assert [(s["judged_side"], s["ok"]) for s in sides] == [("left", True), ("right", False)]
    assert ag.rep_figures(2, 3) == {"reps": 2, "labelled_reps": 3, "rep_error": -1, "reps_ok": True}
    assert not ag.rep_figures(0, 3)["reps_ok"]
    frames = {"judged_frames": 4, "labelled_frames": 5, "both_frames": 4, "precision": 1.0, "recall": 0.8}
    none = {"judged_frames": 0, "labelled_frames": 5, "both_frames": 0, "precision": None, "recall": 0.0}
    clips = [
        {"file": "a", "within_tolerance": True, "error_s": 1.0, "frames_vs_labels": frames, **ag.rep_figures(3, 3)},
        {"file": "b", "within_tolerance": False, "error_s": -3.0, "frames_vs_labels": none},
        {"file": "n", "false_hold_s": 2.0},
        {"file": "m", "false_hold_s": 0.5},
    ]
    totals = ag.clip_totals(clips)
    assert totals["within_tolerance"] == 1 and totals["mean_abs_error_s"] == 2.0
    assert totals["mean_frame_precision"] == 1.0 and totals["mean_frame_recall"] == 0.4
    assert totals["clips_without_judged_frames"] == ["b"]
    assert totals["pooled_frame_precision"] == 1.0 and totals["pooled_frame_recall"] == 0.4
    assert totals["reps_within_1"] == 1 and totals["negatives_over_tolerance"] == ["n"]
    assert totals["worst_false_hold_s"] == 2.0


# --- the labels reader ------------------------------------------------------------

MANIFEST = """file,label,source_repo,source_commit,source_path,people_detected,note
cobra/cobra_001.jpg,cobra,repo/a,c,p,1,same_person_group:blue
cobra/cobra_002.jpg,cobra,repo/b,c,p,1,same_person_group:blue
upward_dog/upward_dog_001.jpg,upward_dog,repo/b,c,p,1,
upward_dog/upward_dog_002.jpg,upward_dog,repo/b,c,p,1,
cat/cat_001.jpg,cat,repo/c,c,p,1,
sphinx/sphinx_001.jpg,sphinx,repo/a,c,p,1,negative
"""
STRICT = """file,label,form,fault,view,side,note
cobra/cobra_001.jpg,cobra,correct,,side,,
cobra/cobra_002.jpg,cobra,fault,head cranked back,side,,
upward_dog/upward_dog_001.jpg,upward_dog,fault,cobra,side,,"thighs on mat, head thrown back: cobra"
upward_dog/upward_dog_002.jpg,upward_dog,other,,side,,true upward dog
cat/cat_001.jpg,cat,correct,,side,,
sphinx/sphinx_001.jpg,sphinx,variant,cobra on forearms,side,,
"""


def test_strict_labels_and_folds(tmp_path):
    (tmp_path / "manifest.csv").write_text(MANIFEST)
    (tmp_path / "strict.csv").write_text(STRICT)
    photos = {p.file: p for p in read_photo_labels(tmp_path).photos}
    dog = photos["upward_dog/upward_dog_001.jpg"]
    assert (dog.exercise, dog.form, dog.fault) == ("cobra", "fault", "thighs on mat, head thrown back: cobra")
    assert photos["upward_dog/upward_dog_002.jpg"].exercise is None
    assert photos["cat/cat_001.jpg"].exercise == "cat_cow"
    assert not photos["sphinx/sphinx_001.jpg"].other_pose
    folds = source_folds(list(photos.values()))
    # The blue group is in two repositories: it goes whole to the first of the tie (repo/a).
    assert folds["cobra/cobra_001.jpg"] == folds["cobra/cobra_002.jpg"] == "repo/a"
    assert folds["upward_dog/upward_dog_001.jpg"] == "repo/b"


def test_without_strict_labels_the_folders_are_taken(tmp_path):
    (tmp_path / "manifest.csv").write_text(MANIFEST)
    photo_set = read_photo_labels(tmp_path / "manifest.csv")
    assert photo_set.strict is None
    forms = {p.file: (p.exercise, p.form) for p in photo_set.photos}
    assert forms["cobra/cobra_002.jpg"] == ("cobra", "correct")
    assert forms["sphinx/sphinx_001.jpg"] == (None, "other")


@pytest.mark.parametrize("strict, needle", [
    (STRICT.replace("cat/cat_001.jpg,cat,correct", "cat/cat_001.jpg,cat,good"), "form 'good'"),
    ("\n".join(STRICT.splitlines()[:-1]) + "\n", "no row for sphinx/sphinx_001.jpg"),
    (STRICT + "cat/cat_001.jpg,cat,correct,,side,,\n", "labelled twice"),
    (STRICT.replace("cat/cat_001.jpg,cat,correct,,side,", "cat/cat_001.jpg,cat,correct,,side,X"), "side 'X'"),
    ("file,label\n", "needs the column(s) form,fault"),
])
def test_bad_strict_labels_are_one_line_errors(tmp_path, strict, needle):
    (tmp_path / "manifest.csv").write_text(MANIFEST)
    (tmp_path / "strict.csv").write_text(strict)
    with pytest.raises(PosecheckError) as info:
        read_photo_labels(tmp_path)
    assert needle in str(info.value) and "strict.csv" in str(info.value)


def test_clip_labels(tmp_path):
    (tmp_path / "labels.csv").write_text(
        "file,exercise,segments,cycles,side,source_repo\n"
        "k.mp4,knee_to_chest,1.4-6.3;9.8-14.5,,L;R,repo/k\n"
        "c.mp4,cat_cow,0.0-10.0,2,,repo/c\n"
        "n.mp4,squat,,6,,repo/n\n")
    clips = read_clip_labels(tmp_path).clips
    assert clips[0].segments == ((1.4, 6.3), (9.8, 14.5)) and clips[0].sides == ("left", "right")
    assert clips[0].labelled_s == pytest.approx(9.6)
    assert (clips[1].exercise, clips[1].cycles, clips[1].sides) == ("cat_cow", 2, (None,))
    assert clips[2].exercise == "other" and clips[2].segments == ()
    with pytest.raises(PosecheckError, match="ends before it starts"):
        parse_segments("5-2")
    (tmp_path / "labels.csv").write_text("file,exercise,segments,side\nk.mp4,bridge,1-2;3-4,L\n")
    with pytest.raises(PosecheckError, match="one of L, R, both per segment"):
        read_clip_labels(tmp_path)


def test_calibrate_needs_strict_labels(tmp_path):
    (tmp_path / "manifest.csv").write_text(MANIFEST)
    for args in (["calibrate", "--photos", str(tmp_path), "--out", str(tmp_path)],
                 ["eval", "--clips", str(tmp_path), "--cv", "source"]):
        proc = subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                              cwd=REPO, timeout=120, check=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "strict.csv" in subprocess.run(
        [sys.executable, "-m", "posecheck", "calibrate", "--photos", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False).stderr
