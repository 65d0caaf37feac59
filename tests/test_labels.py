"""Reading the labelled photos (manifest.csv + strict.csv) and clips (labels.csv): io/labels."""

from __future__ import annotations

import pytest

from posecheck.errors import PosecheckError
from posecheck.io.labels import (
    parse_segments,
    read_clip_labels,
    read_photo_labels,
    source_folds,
)

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
