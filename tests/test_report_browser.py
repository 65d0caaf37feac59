"""The HTML report in a real browser: headless Chromium opens ``index.html`` from a file:// URL.

One report is built for the module, over two shipped samples (bridge, cobra) judged
at 10 fps, plus clips made here:

- a portrait phone clip: upright 360x480 frames of the side stretch, stored on
  their side (480x360) with rotation metadata (-90), as phones record,
- two clips whose names hold HTML (``<img src=x onerror=alert(1)>.mp4`` and
  ``"'><svg onload=alert(1)>.mp4``),
- a clip whose tail is cut off (it decodes part way: reported with a warning),
- and two that cannot be analysed: a text file named ``.mp4`` and an mp4 cut in
  half before its index (both listed with their error while the rest succeed).

The browser is driven over the Chrome DevTools Protocol on a pipe
(``--remote-debugging-pipe``: NUL-separated JSON on file descriptors 3 and 4),
so no port, no websocket library and no browser download are needed; the tests
skip with the reason when no Chromium is installed (``apt-get install chromium``).

The portrait checks read the report's files back and need no browser.
"""

from __future__ import annotations

import base64
import csv
import fcntl
import functools
import html
import json
import math
import os
import re
import select
import shutil
import signal
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from html.parser import HTMLParser

from posecheck.apps.cli import main
from posecheck.draw.report_svg import svg_rule_plot
from posecheck.judge.series import Series

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

HOSTILE_NAMES = ["<img src=x onerror=alert(1)>.mp4", "\"'><svg onload=alert(1)>.mp4"]
PORTRAIT_NAME = "phone portrait.mp4"
CUT_TAIL_NAME = "cut tail.mp4"
BAD_NAMES = ["letter.mp4", "truncated.mp4"]  # a text file, and an mp4 cut before its index
SAMPLE_NAMES = ["bridge.mp4", "cobra.mp4"]
PORTRAIT_CROP = (140, 500)  # columns of the 640x480 side stretch kept: 360x480, the person whole
SCREENSHOT = Path(tempfile.gettempdir()) / "posecheck-report.png"
SCREENSHOT_FULL = Path(tempfile.gettempdir()) / "posecheck-report-full.png"

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--mute-audio", "--hide-scrollbars"]
VIEWPORT = (1280, 900)


# -- clips made at test time -------------------------------------------------------

def read_frames(path: Path, start_s: float = 0.0, end_s: float = math.inf) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames, index = [], 0
    while True:
        ok, image = cap.read()
        if not ok:
            break
        t = index / fps
        index += 1
        if t >= end_s:
            break
        if t >= start_s:
            frames.append(image)
    cap.release()
    return frames


def write_h264(path: Path, frames: list[np.ndarray], fps: int = 30, rotation: int | None = None) -> None:
    """H.264 with the index first (faststart); ``rotation`` goes into the container's display matrix."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        h, w = frames[0].shape[:2]
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@functools.lru_cache(maxsize=1)
def portrait_frames() -> list[np.ndarray]:
    """Upright portrait frames: the side stretch's left side (correct, then the fault), cropped to 360x480."""
    a, b = PORTRAIT_CROP
    return [np.ascontiguousarray(f[:, a:b]) for f in read_frames(SAMPLES / "side_torso_stretch.mp4", 5.5, 9.5)]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    for name in SAMPLE_NAMES:
        if not (SAMPLES / name).is_file():
            pytest.fail(f"missing shipped sample {SAMPLES / name}; run python samples/make_samples.py")
        shutil.copy(SAMPLES / name, folder / name)
    # A phone held upright: stored on its side with the rotation in the container.
    upright = portrait_frames()
    stored = [cv2.rotate(f, cv2.ROTATE_90_COUNTERCLOCKWISE) for f in upright]
    write_h264(folder / PORTRAIT_NAME, stored, rotation=-90)
    # Hostile names over a short slice of the bridge: the hips sag, then are corrected.
    bridge_slice = read_frames(SAMPLES / "bridge.mp4", 7.0, 10.5)
    for name in HOSTILE_NAMES:
        write_h264(folder / name, bridge_slice)
    # Decodes part way: the index is first, the tail is gone.
    write_h264(folder / "whole.tmp", read_frames(SAMPLES / "cobra.mp4", 7.0, 10.0))
    data = (folder / "whole.tmp").read_bytes()
    (folder / CUT_TAIL_NAME).write_bytes(data[: int(len(data) * 0.6)])
    (folder / "whole.tmp").unlink()
    # Cannot be analysed at all.
    (folder / BAD_NAMES[0]).write_text("Dear coach,\nthis is not a video.\n" * 50)
    data = (SAMPLES / "bridge.mp4").read_bytes()  # OpenCV's mp4: the index is at the end
    (folder / BAD_NAMES[1]).write_bytes(data[: len(data) // 2])
    return folder


@pytest.fixture(scope="module")
def report(clips, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    code = main(["report", str(clips), "--out", str(out), "--fps", "10", "--jobs", "2"])
    assert code == 1  # two clips failed, the others were reported
    assert (out / "index.html").is_file()
    return out


def folder_of(out: Path, clip_name: str) -> Path:
    """The asset folder of a clip, found through its summary's input (the folder names are slugs)."""
    for summary in out.glob("*/summary.json"):
        if Path(json.loads(summary.read_text())["input"]).name == clip_name:
            return summary.parent
    raise AssertionError(f"no folder for {clip_name!r} in {sorted(p.name for p in out.iterdir())}")


# -- the report's files (no browser) ---------------------------------------------------

def test_the_bad_clips_are_listed_and_the_rest_succeed(report, clips):
    page = (report / "index.html").read_text(encoding="utf-8")
    names = sorted(p.name for p in clips.iterdir())
    assert len(names) == 8
    rows = re.findall(r'<tr( class="failed")?><td class="num" data-sort="(\d+)">', page)
    assert [int(n) for _, n in rows] == list(range(1, 9))
    failed = [names[int(n) - 1] for cls, n in rows if cls]
    assert sorted(failed) == sorted(BAD_NAMES)
    for name in BAD_NAMES:
        assert re.search(rf'class="error">error: [^<]*{re.escape(name)}', page), name
    assert "2 failed" in page
    good = [n for n in names if n not in BAD_NAMES]
    for name in good:
        folder = folder_of(report, name)
        assert (folder / "video.mp4").stat().st_size > 0 and (folder / "frames.csv").is_file()
    # The clip cut short is judged on what decodes, and says so on its card.
    cut = json.loads((folder_of(report, CUT_TAIL_NAME) / "summary.json").read_text())
    assert cut["frames"] > 0 and cut.get("warnings")
    assert all(html.escape(w) in page for w in cut["warnings"])
    assert not [p for p in report.rglob(".*")], "temporary files left behind"


def _match(image: np.ndarray, reference: np.ndarray) -> float:
    """Share of pixels within 40 grey levels of the reference (the overlay changes the rest)."""
    diff = np.abs(image.astype(np.int16) - reference.astype(np.int16)).max(axis=2)
    return float((diff < 40).mean())


def test_portrait_clip_comes_out_upright_in_the_video_and_key_frames(report):
    upright = portrait_frames()
    h, w = upright[0].shape[:2]
    assert h > w
    folder = folder_of(report, PORTRAIT_NAME)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["height"] > summary["width"]
    # Raw decoded frames (PyAV applies no rotation): upright portrait pictures, and no rotation tag
    # left for a player to apply a second time.
    with av.open(str(folder / "video.mp4")) as container:
        decoded = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    cap = cv2.VideoCapture(str(folder / "video.mp4"))
    assert cap.get(cv2.CAP_PROP_ORIENTATION_META) == 0
    cap.release()
    assert len(decoded) == len(upright)
    assert decoded[0].shape[:2] == (h, w)
    for i in (0, len(upright) // 2, len(upright) - 1):
        same = _match(decoded[i], upright[i])
        flipped = _match(decoded[i], cv2.rotate(upright[i], cv2.ROTATE_180))
        assert same > 0.75 and same > flipped + 0.2, (i, same, flipped)
    stills = sorted(folder.glob("*.jpg"))
    assert stills
    for still in stills:
        image = cv2.imread(str(still))
        assert image.shape[:2] == (h, w), still.name
        best = max(_match(image, f) for f in upright[::3])
        flipped = max(_match(image, cv2.rotate(f, cv2.ROTATE_180)) for f in upright[::3])
        assert best > 0.75 and best > flipped + 0.2, (still.name, best, flipped)


def test_a_one_sided_range_is_shaded_to_the_plot_edge():
    # "at least 1.2 torso lengths": the accepted band runs from 1.2 to the top, labelled at 1.2.
    n = 5
    series = Series("standing", "torso", [i * 0.1 for i in range(n)], [1.5, 1.4, 1.0, 1.3, 1.6],
                    [True, True, False, True, True], [1.2] * n, [math.inf] * n)
    svg = svg_rule_plot(series, 0.0, 0.4, "video-01", 0.0)
    assert "<polygon" in svg and "inf" not in svg.replace("data-", "")
    assert ">1.2 torso</text>" in svg
    opened_below = Series("twist", "deg", [0.0, 0.1], [10.0, 30.0], [True, False], [-math.inf] * 2, [20.0] * 2)
    assert "<polygon" in svg_rule_plot(opened_below, 0.0, 0.1, None, 0.0)


# -- Chromium over the DevTools protocol -------------------------------------------------

def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Headless Chromium with the DevTools protocol on a pipe: one page, its events kept.

    Console errors, uncaught exceptions, error log entries (a resource that did not
    load) and JavaScript dialogs are recorded as they arrive; a dialog is dismissed
    at once so that the page never hangs on it.
    """

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="posecheck-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        # Chromium reads the protocol on fd 3 and writes on fd 4: posix_spawn's dup2 actions put the
        # child's ends there (from numbers >= 10, close-on-exec, so that neither overwrites the other).
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_child_r, from_child_w)]
        os.close(to_child_r)
        os.close(from_child_w)
        args = [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
                f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "about:blank"]
        try:
            self.pid = os.posix_spawn(executable, args, os.environ, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, ends[0], 3),
                (os.POSIX_SPAWN_DUP2, ends[1], 4)])
        finally:
            for fd in ends:
                os.close(fd)
        self._buf = b""
        self._id = 0
        self.session: str | None = None
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.events: list[dict] = []

    # protocol
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        return self._id

    def _recv(self, timeout: float) -> dict | None:
        end = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe (did it crash?)")
                self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        message = json.loads(msg)
        if "method" in message:
            self._on_event(message)
        return message

    def _on_event(self, message: dict) -> None:
        method, params = message["method"], message.get("params", {})
        self.events.append(message)
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            self._send("Page.handleJavaScriptDialog", {"accept": False}, message.get("sessionId"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.console_errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.console_errors.append(f"{entry.get('text')} {entry.get('url', '')}".strip())

    def call(self, method: str, params: dict | None = None, timeout: float = 15.0, page: bool = True) -> dict:
        wanted = self._send(method, params, self.session if page else None)
        end = time.monotonic() + timeout
        while True:
            message = self._recv(max(0.0, end - time.monotonic()))
            if message is None:
                raise TimeoutError(f"{method}: no answer in {timeout} s")
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def pump(self, seconds: float) -> None:
        """Handles events for a while."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._recv(max(0.0, end - time.monotonic()))

    def js(self, expression: str, timeout: float = 15.0):
        """The value of an expression in the page (promises awaited); a page exception fails the test."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True, "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    # the page
    def open(self, url: str, timeout: float = 20.0) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 page=False)["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(domain)
        self.call("Emulation.setDeviceMetricsOverride", {"width": VIEWPORT[0], "height": VIEWPORT[1],
                                                         "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": url})
        end = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > end:
                raise TimeoutError(f"{url} did not load in {timeout} s")
            self._recv(max(0.0, end - time.monotonic()))

    def click(self, x: float, y: float) -> None:
        """A real left click (pressed and released) at viewport coordinates."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved" else "none"}
            if kind != "mouseMoved":
                params["clickCount"] = 1
            self.call("Input.dispatchMouseEvent", params)

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        params: dict = {"format": "png"}
        if full_page:
            width, height = self.js("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = self.call("Page.captureScreenshot", params, timeout=30)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Ends the browser this object started (by its pid) and removes its profile."""
        try:
            os.kill(self.pid, signal.SIGTERM)
            end = time.monotonic() + 10
            while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > end:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    break
                time.sleep(0.05)
        except ChildProcessError:
            pass
        finally:
            os.close(self._w)
            os.close(self._r)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium to open the report in (apt-get install chromium; .ci/run installs it)")
    return path


@pytest.fixture(scope="module")
def page(chromium, report):
    browser = Browser(chromium)
    try:
        browser.open((report / "index.html").resolve().as_uri())
        yield browser
    finally:
        browser.close()


# -- the page in the browser ------------------------------------------------------------

WAIT_FOR_IMAGES = """
(async () => {
  const out = [];
  for (const img of Array.from(document.images)) {
    img.scrollIntoView({block: 'center'});  // the key frames load lazily, as a reader scrolls
    if (!(img.complete && img.naturalWidth > 0)) {
      await new Promise(done => {
        img.addEventListener('load', done, {once: true});
        img.addEventListener('error', done, {once: true});
        setTimeout(done, 5000);
      });
    }
    out.push([img.getAttribute('src'), img.naturalWidth, img.naturalHeight]);
  }
  window.scrollTo(0, 0);
  return out;
})()
"""

WAIT_FOR_VIDEOS = """
(async () => {
  const out = [];
  for (const v of Array.from(document.querySelectorAll('video'))) {
    if (v.readyState < 1 && !v.error) {
      v.scrollIntoView({block: 'center'});
      await new Promise(done => {
        v.addEventListener('loadedmetadata', done, {once: true});
        v.addEventListener('error', done, {once: true});
        setTimeout(done, 10000);
      });
    }
    out.push({id: v.id, src: v.getAttribute('src'), duration: v.duration, width: v.videoWidth,
              height: v.videoHeight, error: v.error ? v.error.code + ' ' + v.error.message : null});
  }
  window.scrollTo(0, 0);
  return out;
})()
"""


def test_page_loads_without_console_errors_or_dialogs(page):
    page.pump(0.5)
    assert page.js("document.readyState") == "complete"
    assert page.js("document.title") == "posecheck report"
    assert page.console_errors == []
    assert page.dialogs == []


def test_every_image_loads(page, report):
    images = page.js(WAIT_FOR_IMAGES, timeout=60)
    expected = sorted(p.relative_to(report).as_posix() for p in report.glob("*/*.jpg"))
    assert sorted(src for src, _, _ in images) == expected
    broken = [src for src, w, h in images if not (w > 0 and h > 0)]
    assert broken == []
    assert page.console_errors == []


def test_every_video_reaches_a_duration(page, report):
    videos = page.js(WAIT_FOR_VIDEOS, timeout=90)
    expected = sorted(p.relative_to(report).as_posix() for p in report.glob("*/video.mp4"))
    assert sorted(v["src"] for v in videos) == expected
    for v in videos:
        assert v["error"] is None and v["duration"] > 0, v
        summary = json.loads((report / Path(v["src"]).parent / "summary.json").read_text())
        assert v["duration"] == pytest.approx(summary["duration_s"], abs=0.2), v
        assert (v["height"] > v["width"]) == (summary["height"] > summary["width"]), v
    assert page.console_errors == []


SEEKED = """
(async () => {
  const v = document.getElementById(%s), t = %r;
  if (v.seeking || Math.abs(v.currentTime - t) > 1e-3) {
    await new Promise(done => { v.addEventListener('seeked', done, {once: true}); setTimeout(done, 5000); });
  }
  return [v.currentTime, v.paused];
})()
"""


def test_clicking_a_fault_time_seeks_its_video(page, report):
    page.js(WAIT_FOR_VIDEOS, timeout=90)
    links = page.js("""Array.from(document.querySelectorAll('ul.faults a.seek')).map((a, i) => {
        a.setAttribute('data-test-link', i);
        return [i, a.getAttribute('data-video'), parseFloat(a.getAttribute('data-t')), a.textContent,
                a.closest('section').id];
    })""")
    assert len(links) >= 3, "the samples' faults give several links"
    clicked_videos = set()
    for i, video_id, t, text, card in links:
        # The video starts elsewhere, so that a seek to t is a change.
        page.js(f"document.getElementById({json.dumps(video_id)}).currentTime = {t + 1.234:.3f}")
        x, y = page.js(f"""(() => {{
            const a = document.querySelector('[data-test-link="{i}"]');
            a.scrollIntoView({{block: 'center'}});
            const r = a.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2];
        }})()""")
        page.click(x, y)
        now, paused = page.js(SEEKED % (json.dumps(video_id), t))
        folder = report / page.js(f"document.getElementById({json.dumps(video_id)}).getAttribute('src')").split("/")[0]
        fps = json.loads((folder / "summary.json").read_text())["fps"]
        assert abs(now - t) <= 2.0 / fps, (card, text, t, now)
        assert paused
        # The link's time is the fault's own: the clip's clock shown as m:ss.s, the fault in the CSV there.
        minutes, seconds = text.split(":")
        assert t == pytest.approx(int(minutes) * 60 + float(seconds), abs=0.06)
        clicked_videos.add(video_id)
        # The fault starts there: the frame judged at that moment (frames.csv) is incorrect.
        clip_t = int(minutes) * 60 + float(seconds)
        rows = list(csv.DictReader((folder / "frames.csv").open(encoding="utf-8")))
        nearest = min(rows, key=lambda row: abs(float(row["timestamp_s"]) - clip_t))
        assert abs(float(nearest["timestamp_s"]) - clip_t) <= 0.06 and nearest["raw_state"] == "incorrect", (
            card, text, nearest["timestamp_s"], nearest["raw_state"])
    assert len(clicked_videos) >= 2
    assert page.console_errors == [] and page.dialogs == []


def test_hostile_names_are_text_and_nothing_injected_runs(page):
    page.pump(0.3)
    text = page.js("document.body.textContent")
    for name in HOSTILE_NAMES:
        assert name in text
    injected = page.js("""[
        document.querySelectorAll('img[src="x"], [onerror], [onload], svg[onload]').length,
        document.querySelectorAll('script').length,
        Array.from(document.querySelectorAll('svg')).filter(s => !s.matches('svg.timeline, svg.plot')).length
    ]""")
    assert injected == [0, 1, 0]
    assert page.dialogs == []
    assert page.console_errors == []


def test_screenshot(page):
    page.js(WAIT_FOR_IMAGES, timeout=60)
    page.screenshot(SCREENSHOT)
    page.screenshot(SCREENSHOT_FULL, full_page=True)
    image = cv2.imread(str(SCREENSHOT))
    assert image is not None and image.shape[:2] == (VIEWPORT[1], VIEWPORT[0])
    assert image.std() > 10  # not a blank page


def test_the_harness_sees_dialogs_console_errors_and_broken_images(chromium, tmp_path):
    """The checks above can fail: a page that misbehaves in every way they look for is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><title>bad</title><img src=x onerror=alert(1)>"
                   "<script>console.error('oops'); undefined_function();</script>", encoding="utf-8")
    browser = Browser(chromium)
    try:
        browser.open(bad.as_uri())
        browser.pump(0.5)
        assert browser.dialogs == ["alert: 1"]
        assert any("oops" in e for e in browser.console_errors)
        assert any("undefined_function" in e for e in browser.console_errors)
        assert any("ERR_FILE_NOT_FOUND" in e or "Failed to load" in e for e in browser.console_errors)
    finally:
        browser.close()


# -- printing and the one file to attach -----------------------------------------------------

class _Text(HTMLParser):
    """The words a page shows: its text outside scripts and styles."""

    def __init__(self):
        super().__init__()
        self.words: set[str] = set()
        self.ticks: list[str] = []  # the texts drawn in plots
        self._skip = 0

    svg = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.svg += tag == "svg"

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")
        self.svg -= tag == "svg"

    def handle_data(self, data):
        if not self._skip:
            self.words.update(_tokens(data))
            if self.svg:  # a plot's small tick labels come out of the PDF cut or joined ("5 s", "1 0.5°")
                self.ticks.append("".join(data.split()))


def split_words(printed: list[str], words: set[str], ticks: list[str] = ()) -> list[str]:
    """Printed tokens that are no word of the page; a path broken at a slash is no split word, nor
    a piece of a plot's tick label (drawn in an SVG: PDF readers cut and join those by position)."""
    def joined_at_slash(a: str, b: str) -> bool:
        return (a.endswith("/") or b.startswith("/")) and any((a + b) in x for x in words)

    out = []
    for i, w in enumerate(printed):
        if w in words or (any(c.isdigit() for c in w) and any(w in t for t in ticks)):
            continue
        if i + 1 < len(printed) and joined_at_slash(w, printed[i + 1]):
            continue
        if i > 0 and joined_at_slash(printed[i - 1], w):
            continue
        out.append(w)
    return sorted(set(out))


def _tokens(text: str) -> list[str]:
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    return [w for w in (t.strip(".,;:()[]\"'·") for t in text.split()) if w]


def print_pdf(chromium: str, page: Path, pdf: Path) -> None:
    import subprocess

    subprocess.run([chromium, *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    page.resolve().as_uri()], check=True, timeout=120, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"


def pdf_pages(pdf: Path) -> list[str]:
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout for n in range(1, pages + 1)]


def needs_poppler():
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext") and shutil.which("pdfimages")):
        pytest.skip("no poppler-utils to read the printed PDF (apt-get install poppler-utils)")


@pytest.mark.parametrize("name", ["index.html", "report.html"])
def test_print_puts_each_clip_on_its_own_page_with_key_frames_and_no_word_split(chromium, report, name,
                                                                                  tmp_path):
    needs_poppler()
    import subprocess

    page = report / name
    pdf = tmp_path / "report.pdf"
    print_pdf(chromium, page, pdf)
    texts = pdf_pages(pdf)
    cards = re.findall(r'<section class="clip([^"]*)" id="clip-(\d+)"[^>]*><h2>\d+ &middot; ([^<]*?)(?: <span|</h2>)',
                       page.read_text(encoding="utf-8"))
    assert len(cards) == 8
    assert len(texts) == 1 + len(cards)  # the index and the session's notes, then one page per clip
    for (failed, number, escaped), text in zip(cards, texts[1:]):
        assert f"{number} · {html.unescape(escaped)}" in " ".join(text.split())  # this clip, whole
        assert ("Coach's notes" in text) == (not failed)  # a place for notes on every clip analysed
    shown = _Text()
    shown.feed(page.read_text(encoding="utf-8"))
    printed = [w for text in texts for w in _tokens(text)]
    split = split_words(printed, shown.words, shown.ticks)
    assert split == []  # every printed word is a word of the page: none was broken across lines
    assert "Coach's notes on the session" in texts[0]
    # Key frames, not videos, are printed: every still is an image of the PDF.
    images = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert len(images) == len(list(report.glob("*/*.jpg")))


def test_the_harness_sees_a_split_word():
    """The split-word check can fail: a name broken across lines is not a word of the page."""
    shown = _Text()
    shown.feed("<p>side_torso_stretch.mp4 <b>bridge</b></p><style>.x{}</style>")
    assert split_words(_tokens("side_torso_str\netch.mp4 bridge"), shown.words) == ["etch.mp4", "side_torso_str"]


def test_the_one_file_to_attach_holds_its_key_frames_and_says_the_videos_are_not_in_it(chromium, report):
    one = report / "report.html"
    text = one.read_text(encoding="utf-8")
    tags = [(t, a) for t, a in _tags(text)]
    srcs = [a.get("src") for t, a in tags if t == "img"]
    assert srcs and all(s.startswith("data:image/jpeg;base64,") for s in srcs)
    assert len(srcs) == len(list(report.glob("*/*.jpg")))
    assert not [t for t, _ in tags if t == "video"]
    assert not [a["href"] for t, a in tags if t == "a" and not a.get("href", "#").startswith("#")]
    assert "the annotated videos are not in it" in text
    assert text.count("The annotated video is not in this file") == len(list(report.glob("*/video.mp4")))
    size = one.stat().st_size
    folder = sum(p.stat().st_size for p in report.rglob("*") if p.is_file())
    assert size < 0.5 * folder and size < 3_000_000  # small enough to attach to an email
    # Opened alone (copied away from its folder), every key frame still shows.
    browser = Browser(chromium)
    try:
        alone = Path(tempfile.mkdtemp(prefix="posecheck-one-")) / "report.html"
        shutil.copy(one, alone)
        browser.open(alone.as_uri())
        images = browser.js(WAIT_FOR_IMAGES, timeout=60)
        assert images and all(w > 0 and h > 0 for _, w, h in images)
        assert browser.console_errors == []
    finally:
        browser.close()


def _tags(text: str):
    from html.parser import HTMLParser

    tags = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collect().feed(text)
    return tags


def test_the_coachs_notes_are_typed_kept_and_printed(chromium, report):
    needs_poppler()
    browser = Browser(chromium)
    try:
        url = (report / "index.html").resolve().as_uri()
        browser.open(url)
        x, y = browser.js("""(() => {
            const el = document.querySelector('#clip-01 [data-notes]');
            el.scrollIntoView({block: 'center'});
            const r = el.getBoundingClientRect();
            return [r.left + 20, r.top + r.height / 2];
        })()""")
        browser.click(x, y)
        browser.call("Input.insertText", {"text": "Hips sag after 10 s: shorter holds."})
        assert browser.js("document.querySelector('#clip-01 [data-notes]').innerText").strip() == (
            "Hips sag after 10 s: shorter holds.")
        pdf = base64.b64decode(browser.call("Page.printToPDF", {"printBackground": True}, timeout=60)["data"])
        browser.events.clear()
        browser.open(url)  # opened again: the notes are still there
        kept = browser.js("document.querySelector('#clip-01 [data-notes]').innerText")
        assert kept.strip() == "Hips sag after 10 s: shorter holds."
        assert browser.console_errors == []
    finally:
        browser.close()
    out = Path(tempfile.mkdtemp(prefix="posecheck-notes-")) / "notes.pdf"
    out.write_bytes(pdf)
    pages = pdf_pages(out)
    clip_page = next(p for p in pages if "01 ·" in p)
    assert "Hips sag after 10 s: shorter holds." in " ".join(clip_page.split())
