"""Frame sources on files the tests make themselves."""

import cv2
import numpy as np
import pytest

from posecheck.errors import PosecheckError
from posecheck.io.sources import ImageSource, VideoSource, kind_of, open_source, read_image


def _write_video(path, frames=12, fps=12.0, size=(64, 48)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        img = np.full((size[1], size[0], 3), i * 20, np.uint8)
        writer.write(img)
    writer.release()


def test_video_frames_and_container_timestamps(tmp_path):
    path = tmp_path / "clip.mp4"
    _write_video(path, frames=12, fps=12.0)
    source = VideoSource(path)
    frames = list(source)
    source.close()
    assert len(frames) == 12
    assert source.fps == pytest.approx(12.0)
    stamps = [f.timestamp_s for f in frames]
    np.testing.assert_allclose(stamps, np.arange(12) / 12.0, atol=1e-3)
    assert frames[5].image.shape == (48, 64, 3)


@pytest.mark.parametrize("make", [
    lambda: np.full((20, 30), 128, np.uint8),
    lambda: np.full((20, 30, 4), 200, np.uint8),
    lambda: np.full((20, 30, 3), 40000, np.uint16),
])
def test_images_of_any_depth_become_bgr8(tmp_path, make):
    path = tmp_path / "img.png"
    cv2.imwrite(str(path), make())
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30, 3)


def test_image_source_and_non_ascii_path(tmp_path):
    path = tmp_path / "ünïcode pose.jpg"
    ok, data = cv2.imencode(".jpg", np.zeros((10, 10, 3), np.uint8))
    data.tofile(str(path))
    frames = list(ImageSource([path]))
    assert len(frames) == 1 and frames[0].timestamp_s == 0.0


def test_huge_image_is_scaled_down(tmp_path):
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), np.zeros((4320, 7680, 3), np.uint8))
    assert max(read_image(path).shape[:2]) == 1920


@pytest.mark.parametrize("name,content,message", [
    ("missing.mp4", None, "no such file"),
    ("empty.mp4", b"", "empty"),
    ("text.mp4", b"this is not a video\n" * 10, "cannot be opened"),
    ("text.jpg", b"this is not an image\n", "not a readable image"),
])
def test_bad_files_give_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PosecheckError) as err:
        open_source([str(path)])
        if path.suffix == ".jpg":
            list(ImageSource([path]))
    text = str(err.value)
    assert message in text or "no decodable" in text
    assert "\n" not in text and str(path.name) in text


def test_unknown_suffix():
    with pytest.raises(PosecheckError, match="not a video or image"):
        kind_of("notes.txt")
