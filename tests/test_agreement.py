"""The agreement figures of posecheck eval (judge/agreement) on made-up verdicts and clip timings."""

from __future__ import annotations

from posecheck.core.types import Assessment, RuleResult, State
from posecheck.judge import agreement as ag
from posecheck.judge.exercises import registry


def test_every_rule_named_for_a_fault_exists():
    for ex_id, table in ag.FAULT_RULES.items():
        names = {r.name for r in registry()[ex_id].rules}
        for _pattern, rules in table:
            assert set(rules) <= names, (ex_id, rules)



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
    results = (RuleResult("head", False, 70, -30, 60, "head"), RuleResult("prone", False, 0, 0.5, 1, "lie", gate=True))
    assert ag.first_failing_rule(Assessment(State.INCORRECT, results, "lie")) == "prone"
    assert ag.first_failing_rule(Assessment(State.UNCERTAIN, results, "turn")) is None


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
