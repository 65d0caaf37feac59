"""The annotated-video writer: H.264 MP4 round trip, timing, atomic replacement, clear errors."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from posecheck.errors import PosecheckError
from posecheck.io.video import VideoWriter, find_encoder, frame_rate, time_base_for


def picture(i: int, w: int = 160, h: int = 120) -> np.ndarray:
    """A smooth gradient with a moving square: easy to compare after lossy coding."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([(x * 255 // w), (y * 255 // h), np.full_like(x, 90)], axis=2).astype(np.uint8)
    cv2.rectangle(img, (10 + 4 * i, 30), (40 + 4 * i, 60), (255, 255, 255), -1)
    return img


def read_back(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [(f.to_ndarray(format="bgr24"), float(f.pts * f.time_base)) for f in container.decode(stream)]
        return frames, stream.average_rate, stream.codec_context.name, (stream.width, stream.height)


def test_round_trip_h264_mp4(tmp_path):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, fps=25.0) as writer:
        for i in range(20):
            writer.write(picture(i), i / 25.0)
    frames, rate, codec, size = read_back(path)
    assert codec == "h264"
    assert len(frames) == 20
    assert float(rate) == pytest.approx(25.0, abs=0.01)
    assert size == (160, 120)
    for i, (image, t) in enumerate(frames):
        assert t == pytest.approx(i / 25.0, abs=1e-3)
        diff = np.abs(image.astype(int) - picture(i).astype(int)).mean()
        assert diff < 6, f"frame {i} differs by {diff:.1f}"
    # OpenCV sees the same count and rate.
    cap = cv2.VideoCapture(str(path))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(25.0, abs=0.01)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    cap.release()
    # +faststart: the index comes before the media data, so browsers can seek at once.
    data = path.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_ntsc_rate_and_variable_timestamps(tmp_path):
    path = tmp_path / "vfr.mp4"
    stamps = [0.0, 0.04, 0.09, 0.2, 0.21, 0.5, 0.533, 0.6]
    with VideoWriter(path, fps=24000 / 1001) as writer:
        for i, t in enumerate(stamps):
            writer.write(picture(i), t)
    frames, _, _, _ = read_back(path)
    assert [t for _, t in frames] == pytest.approx(stamps, abs=1.5e-3)
    assert frame_rate(23.976023976) == frame_rate(24000 / 1001)
    tb = time_base_for(frame_rate(24000 / 1001))
    assert (1 / (frame_rate(24000 / 1001) * tb)).denominator == 1  # a frame is whole ticks


def test_first_timestamp_is_time_zero(tmp_path):
    path = tmp_path / "late.mp4"
    with VideoWriter(path, fps=10) as writer:
        for i in range(5):
            writer.write(picture(i), 3.0 + i / 10)
    assert writer.start_s == pytest.approx(3.0)
    frames, _, _, _ = read_back(path)
    assert frames[0][1] == pytest.approx(0.0)


def test_odd_sizes_are_padded_and_other_sizes_resized(tmp_path):
    path = tmp_path / "odd.mp4"
    with VideoWriter(path, fps=10) as writer:
        writer.write(picture(0, 161, 121), 0.0)
        writer.write(picture(1, 320, 240), 0.1)  # resized to the first frame's size
    frames, _, _, size = read_back(path)
    assert size == (162, 122)
    assert len(frames) == 2


def test_error_leaves_existing_file_and_no_temp(tmp_path):
    path = tmp_path / "keep.mp4"
    path.write_bytes(b"old video")
    with pytest.raises(RuntimeError):
        with VideoWriter(path, fps=10) as writer:
            writer.write(picture(0), 0.0)
            raise RuntimeError("analysis failed")
    assert path.read_bytes() == b"old video"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.mp4"]


def test_abort_and_empty_close(tmp_path):
    path = tmp_path / "none.mp4"
    writer = VideoWriter(path, fps=10)
    writer.write(picture(0), 0.0)
    writer.abort()
    assert not path.exists()
    writer = VideoWriter(path, fps=10)
    with pytest.raises(PosecheckError, match="no frames"):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def test_unavailable_encoder_is_a_clear_error(tmp_path):
    with pytest.raises(PosecheckError, match="no video encoder"):
        find_encoder(("no_such_encoder_x",))
    with pytest.raises(PosecheckError, match="no_such_encoder_x"):
        VideoWriter(tmp_path / "x.mp4", fps=10, codec="no_such_encoder_x")
    with pytest.raises(PosecheckError, match="unknown video ending"):
        VideoWriter(tmp_path / "x.gifv", fps=10)
    assert list(tmp_path.iterdir()) == []


def test_bad_frames_are_refused(tmp_path):
    with VideoWriter(tmp_path / "g.mp4", fps=10) as writer:
        writer.write(picture(0), 0.0)
        with pytest.raises(PosecheckError, match="BGR uint8"):
            writer.write(np.zeros((120, 160), np.uint8), 0.1)
