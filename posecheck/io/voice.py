"""Spoken cues from an offline speech engine, on a background thread that never blocks the caller.

``Voice.say(text, priority)`` returns at once (priorities: ``posecheck.judge.speech``). Behind it:

* at most ``max_pending`` droppable cues (LOW, NORMAL) wait (default 1): a
  newer cue at least as important as the weakest waiting one replaces it, a
  less important one is dropped; those never make the queue grow;
* HIGH and URGENT cues (the exercise, the side, "hold complete", the end, the
  countdown) are never dropped and wait ahead of the others; a HIGH cue cuts
  a droppable one short, an URGENT cue cuts anything short;
* one utterance at a time, at least ``min_gap_s`` before a droppable cue, and
  the same droppable text is not said again within ``repeat_s`` of the last
  time it finished; a droppable cue that waited longer than ``max_age_s`` is
  stale and dropped;
* the engine is, in order of preference, the ``espeak-ng`` (or ``espeak``)
  command, ``pyttsx3`` if importable, or a terminal bell with a one-time note
  on stderr.

The scheduling rules live in ``CueScheduler``, a plain object driven by
explicit times, so they can be tested exactly; ``Voice`` adds the thread and
the engine. Its clock (default ``time.monotonic``) may be injected: the live
coach passes a ``FrameClock``, so speech runs on the screen's clock.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from posecheck.errors import PosecheckError
from posecheck.judge.speech import HIGH, NORMAL, URGENT

Clock = Callable[[], float]

_notes_lock = threading.Lock()
_notes_given: set[str] = set()


def _note_once(key: str, message: str, stream=None) -> None:
    """Print a one-line note on stderr once per process per key."""
    with _notes_lock:
        if key in _notes_given:
            return
        _notes_given.add(key)
    stream = stream if stream is not None else sys.stderr
    with contextlib.suppress(Exception):
        stream.write(message.rstrip("\n") + "\n")
        stream.flush()


# --------------------------------------------------------------------------- scheduling

@dataclass
class _Item:
    text: str
    priority: int
    offered_at: float


class CueScheduler:
    """Which cue to say next, and when; no threads, no clock of its own.

    Call ``offer`` when a cue arrives, ``take`` when the speaker is free (it
    returns the text to say now, or None), and ``done`` when the utterance has
    finished. ``wait_s`` tells how long until ``take`` could return something.

    Times are whatever clock the caller uses; the live coach passes frame
    timestamps, the screen's clock. LOW and NORMAL cues follow the dropping
    rules of the module docstring. HIGH and URGENT cues (``judge.speech``) are
    never dropped: they wait in order, ahead of the others, with no gap before
    them; an URGENT cue goes first. ``offer`` sets ``interrupt`` when the
    caller should cut the current utterance short: for an URGENT cue always,
    for a HIGH one when a droppable cue is being said (a HIGH one cut short is
    said again afterwards, a droppable one is not).
    """

    def __init__(self, min_gap_s: float = 0.8, repeat_s: float = 6.0, max_pending: int = 1,
                 max_age_s: float | None = 4.0):
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self.min_gap_s = float(min_gap_s)
        self.repeat_s = float(repeat_s)
        self.max_pending = int(max_pending)
        self.max_age_s = None if max_age_s is None else float(max_age_s)
        self.pending: list[_Item] = []  # droppable: LOW and NORMAL
        self.must: list[_Item] = []  # never dropped: HIGH and URGENT, in the order to say them
        self.speaking: str | None = None
        self.speaking_priority: int | None = None
        self.interrupt = False  # the current utterance should be cut short (an URGENT cue waits)
        self.last_end: float | None = None
        self._last_said: dict[str, float] = {}

    def _recently_said(self, text: str, now: float) -> bool:
        said = self._last_said.get(text)
        return said is not None and now - said < self.repeat_s

    def offer(self, text: str, priority: int = NORMAL, now: float = 0.0) -> bool:
        """Queue a cue; returns whether it was kept."""
        text = " ".join(str(text).split())
        if not text:
            return False
        if priority >= HIGH:
            if any(it.text == text for it in self.must) or (text == self.speaking and priority < URGENT):
                return False
            self.pending = [it for it in self.pending if it.text != text]
            item = _Item(text, priority, now)
            if priority >= URGENT:
                # After the URGENT cues already waiting, before every HIGH one.
                k = next((i for i, it in enumerate(self.must) if it.priority < URGENT), len(self.must))
                self.must.insert(k, item)
            else:
                self.must.append(item)
            if self.speaking is not None and (priority >= URGENT or (self.speaking_priority or 0) < HIGH):
                self.interrupt = True  # URGENT cuts anything short, HIGH a droppable cue
            return True
        if text == self.speaking or self._recently_said(text, now) or any(it.text == text for it in self.must):
            return False
        for item in self.pending:
            if item.text == text:  # already waiting: refresh it
                item.priority = max(item.priority, priority)
                item.offered_at = now
                return True
        if len(self.pending) < self.max_pending:
            self.pending.append(_Item(text, priority, now))
            return True
        # Full: the newcomer replaces the weakest (lowest priority, then oldest) if at least as important.
        weakest = min(self.pending, key=lambda it: (it.priority, it.offered_at))
        if priority < weakest.priority:
            return False
        self.pending.remove(weakest)
        self.pending.append(_Item(text, priority, now))
        return True

    def _prune(self, now: float) -> None:
        self.pending = [
            it for it in self.pending
            if (self.max_age_s is None or now - it.offered_at <= self.max_age_s)
            and not self._recently_said(it.text, now)]

    def wait_s(self, now: float) -> float | None:
        """Seconds until ``take`` may give a cue; None when there is nothing to wait for."""
        if self.speaking is not None:
            return None
        if self.must:
            return 0.0
        self._prune(now)
        if not self.pending:
            return None
        if self.last_end is None:
            return 0.0
        return max(0.0, self.last_end + self.min_gap_s - now)

    def take(self, now: float) -> str | None:
        """The cue to start saying now (never-dropped ones first, then most important, newest), or None."""
        wait = self.wait_s(now)
        if wait is None or wait > 0:
            return None
        if self.must:
            item = self.must.pop(0)
        else:
            item = max(self.pending, key=lambda it: (it.priority, it.offered_at))
            self.pending.remove(item)
        self.speaking, self.speaking_priority = item.text, item.priority
        self._speaking_item = item
        self.interrupt = False
        return item.text

    def done(self, now: float, cut_short: bool = False) -> None:
        """The current utterance has finished (``cut_short``: stopped by an URGENT cue)."""
        if self.speaking is not None:
            if cut_short and self.speaking_priority is not None and HIGH <= self.speaking_priority < URGENT:
                k = next((i for i, it in enumerate(self.must) if it.priority < URGENT), len(self.must))
                self.must.insert(k, self._speaking_item)  # said again once the urgent cue is out
            else:
                self._last_said[self.speaking] = now
        self.speaking = self.speaking_priority = None
        self.interrupt = False
        self.last_end = now
        # Forget texts whose repeat window has passed, so the table stays small.
        self._last_said = {t: s for t, s in self._last_said.items() if now - s < self.repeat_s}

    def clear(self) -> None:
        self.pending.clear()
        self.must.clear()

    @property
    def idle(self) -> bool:
        return self.speaking is None and not self.pending and not self.must


# --------------------------------------------------------------------------- engines

class Engine(Protocol):
    name: str

    def speak(self, text: str) -> None:
        """Say ``text``; return when it has been said."""

    def stop(self) -> None:
        """Cut the current utterance short (called from another thread)."""


class EngineFailed(Exception):
    pass


def espeak_path() -> str | None:
    """The espeak-ng (or espeak) command, if installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


class EspeakEngine:
    """Runs ``espeak-ng`` once per utterance, text on stdin (so no text is taken for an option)."""

    def __init__(self, exe: str, rate_wpm: int = 165, voice: str | None = None):
        self.exe = exe
        self.name = Path(exe).name
        self.rate_wpm = int(rate_wpm)
        self.voice = voice
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._closed = False

    def command(self, wav: str | None = None) -> list[str]:
        cmd = [self.exe, "-b", "1", "-s", str(self.rate_wpm)]
        if self.voice:
            cmd += ["-v", self.voice]
        if wav:
            cmd += ["-w", wav]
        return cmd + ["--stdin"]

    def speak(self, text: str) -> None:
        with self._lock:
            if self._closed:
                return
            # Its own process group, so that cutting it short stops whatever it started too.
            self._proc = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, start_new_session=os.name == "posix")
            proc = self._proc
        try:
            _, err = proc.communicate(text.encode("utf-8"), timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise EngineFailed(f"{self.name} took over a minute to say one cue") from None
        finally:
            with self._lock:
                self._proc = None
        if self._closed or proc.returncode < 0:  # cut short on purpose
            return
        # With no audio device espeak-ng still exits 0 but says "error: ..." on stderr.
        errors = [line for line in err.decode("utf-8", "replace").splitlines() if line.startswith("error")]
        if proc.returncode != 0 or errors:
            detail = errors[-1] if errors else f"exit code {proc.returncode}"
            raise EngineFailed(f"{self.name} could not play audio ({detail})")

    def stop(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                with contextlib.suppress(OSError):
                    if os.name == "posix":
                        os.killpg(self._proc.pid, signal.SIGKILL)
                    else:
                        self._proc.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.stop()


class Pyttsx3Engine:
    """pyttsx3's driver (SAPI5, NSSpeechSynthesizer or espeak); made in the thread that uses it."""

    name = "pyttsx3"

    def __init__(self) -> None:
        import pyttsx3  # noqa: PLC0415 - optional

        self._engine = pyttsx3.init()

    def speak(self, text: str) -> None:
        self._engine.say(text)
        self._engine.runAndWait()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._engine.stop()


class BeepEngine:
    """No speech engine: ring the terminal bell once per cue."""

    name = "beep"

    def __init__(self, stream=None):
        self.stream = stream

    def speak(self, text: str) -> None:
        stream = self.stream if self.stream is not None else (
            sys.stdout if sys.stdout is not None and sys.stdout.isatty() else sys.stderr)
        with contextlib.suppress(Exception):
            stream.write("\a")
            stream.flush()

    def stop(self) -> None:
        pass


class CallableEngine:
    """Any ``f(text)`` as an engine (tests pass a recording function)."""

    def __init__(self, func: Callable[[str], object], name: str = "custom"):
        self.func = func
        self.name = name

    def speak(self, text: str) -> None:
        self.func(text)

    def stop(self) -> None:
        stop = getattr(self.func, "stop", None)
        if callable(stop):
            stop()


NO_ENGINE_NOTE = "voice: no speech engine found (install espeak-ng); using beeps"


def engine_kind() -> str:
    """Which engine ``Voice`` would pick here: 'espeak' (either command), 'pyttsx3' or 'beep'."""
    if espeak_path():
        return "espeak"
    if importlib.util.find_spec("pyttsx3") is not None:
        return "pyttsx3"
    return "beep"


def make_engine(kind: str | None = None, stderr=None) -> Engine:
    """Build an engine of ``kind`` (default: the best available), falling back to beeps."""
    kind = kind or engine_kind()
    if kind == "espeak":
        exe = espeak_path()
        if exe:
            return EspeakEngine(exe)
    elif kind == "pyttsx3":
        try:
            return Pyttsx3Engine()
        except Exception as exc:  # a broken driver: beeps are better than nothing
            _note_once("pyttsx3", f"voice: pyttsx3 failed to start ({exc}); using beeps", stderr)
            return BeepEngine()
    if kind != "beep":
        raise ValueError(f"unknown speech engine {kind!r}")
    _note_once("no-engine", NO_ENGINE_NOTE, stderr)
    return BeepEngine()


# --------------------------------------------------------------------------- the voice

class FrameClock:
    """The screen's clock for the voice: the timestamp of the newest frame shown.

    ``set(t)`` per frame; between frames it runs on by the real time since the
    last one (at most ``hold_s``, so a stalled source does not run it away).
    The voice's gaps, ages and repeats are then measured in the same seconds
    as the countdown and the holds on screen.
    """

    def __init__(self, hold_s: float = 1.0, real: Clock = time.monotonic):
        self.hold_s = float(hold_s)
        self._real = real
        self._t: float | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def set(self, t: float) -> None:
        with self._lock:
            self._t, self._at = float(t), self._real()

    def __call__(self) -> float:
        with self._lock:
            if self._t is None:
                return 0.0
            return self._t + min(self.hold_s, max(0.0, self._real() - self._at))



class Voice:
    """Says cues in the background. ``say`` never blocks; ``close`` stops promptly.

    ``enabled=False`` makes a voice that does nothing (no thread, no engine);
    ``mute`` (also settable later) silences it, dropping what was waiting and
    cutting the current utterance short. ``engine`` may be an engine object or
    a plain ``f(text)`` callable; by default the best installed one is used.
    """

    def __init__(self, enabled: bool = True, *, mute: bool = False, engine: Engine | Callable | None = None,
                 clock: Clock = time.monotonic, min_gap_s: float = 0.8, repeat_s: float = 6.0,
                 max_pending: int = 1, max_age_s: float | None = 4.0, poll_s: float = 0.05, stderr=None):
        self.enabled = bool(enabled)
        self._clock = clock
        self._poll_s = float(poll_s)
        self._stderr = stderr
        self._scheduler = CueScheduler(min_gap_s, repeat_s, max_pending, max_age_s)
        self._cond = threading.Condition()
        self._muted = bool(mute)
        self._closed = False
        self._cutting = False  # the current utterance is being cut short for an URGENT cue
        self._engine: Engine | None = None
        self._engine_arg = engine
        self._engine_ready = threading.Event()
        self.spoken: int = 0  # utterances finished (or failed), for tests and statistics
        self._thread: threading.Thread | None = None
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="posecheck-voice", daemon=True)
            self._thread.start()

    # -- caller side (never blocks for long: only a short lock)

    def say(self, text: str, priority: int = NORMAL) -> bool:
        """Offer a cue; returns whether it was queued. Never waits for speech."""
        if not self.enabled or self._closed:
            return False
        with self._cond:
            if self._muted or self._closed:
                return False
            kept = self._scheduler.offer(text, int(priority), self._clock())
            cut = kept and self._scheduler.interrupt and not self._cutting
            if cut:
                self._cutting = True
            if kept:
                self._cond.notify_all()
        engine = self._engine
        if cut and engine is not None:
            with contextlib.suppress(Exception):
                engine.stop()  # an URGENT cue: cut the current utterance short
        return kept

    @property
    def clock(self) -> Clock:
        """The clock the cues are scheduled on (a ``FrameClock`` in the live coach)."""
        return self._clock

    @property
    def mute(self) -> bool:
        return self._muted

    @mute.setter
    def mute(self, value: bool) -> None:
        with self._cond:
            self._muted = bool(value)
            if self._muted:
                self._scheduler.clear()
            self._cond.notify_all()
        engine = self._engine
        if value and engine is not None:
            with contextlib.suppress(Exception):
                engine.stop()

    @property
    def engine_name(self) -> str | None:
        """The engine in use, once the thread has made it (None when disabled)."""
        if not self.enabled:
            return None
        self._engine_ready.wait(timeout=5.0)
        return getattr(self._engine, "name", None)

    @property
    def pending(self) -> list[str]:
        with self._cond:
            return [it.text for it in self._scheduler.must + self._scheduler.pending]

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait (real seconds) until nothing is being said or waiting; True if so."""
        if not self.enabled:
            return True
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._scheduler._prune(self._clock())
                if self._scheduler.idle or self._closed:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, self._poll_s))

    def close(self, timeout: float = 1.0) -> None:
        """Drop waiting cues, cut the current one short, and stop the thread."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._scheduler.clear()
            self._cond.notify_all()
        engine = self._engine
        if engine is not None:
            with contextlib.suppress(Exception):
                getattr(engine, "close", engine.stop)()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> "Voice":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the thread

    def _make_engine(self) -> Engine:
        arg = self._engine_arg
        if arg is None:
            return make_engine(stderr=self._stderr)
        if hasattr(arg, "speak"):
            return arg  # type: ignore[return-value]
        if callable(arg):
            return CallableEngine(arg)
        raise TypeError(f"engine must have speak(text) or be callable, not {type(arg).__name__}")

    def _run(self) -> None:
        try:
            self._engine = self._make_engine()
        except Exception as exc:
            _note_once("engine", f"voice: could not start the speech engine ({exc}); using beeps", self._stderr)
            self._engine = BeepEngine()
        finally:
            self._engine_ready.set()
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    now = self._clock()
                    text = None if self._muted else self._scheduler.take(now)
                    if text is not None:
                        break
                    wait = None if self._muted else self._scheduler.wait_s(now)
                    # An injected clock may jump: poll it while a cue waits out its gap.
                    self._cond.wait(None if wait is None else min(max(wait, 0.001), self._poll_s))
            try:
                if not self._muted and not self._closed:
                    self._engine.speak(text)
            except Exception as exc:  # the engine broke: say so once and ring bells instead
                name = getattr(self._engine, "name", "speech engine")
                _note_once(f"failed:{name}", f"voice: {exc if isinstance(exc, EngineFailed) else f'{name} failed ({exc})'}; "
                           "using beeps", self._stderr)
                self._engine = BeepEngine()
            finally:
                with self._cond:
                    self._scheduler.done(self._clock(), cut_short=self._cutting)
                    self._cutting = False
                    self.spoken += 1
                    self._cond.notify_all()


# --------------------------------------------------------------------------- files

def render_to_wav(text: str, path: str | os.PathLike, rate_wpm: int = 165, voice: str | None = None) -> Path:
    """Write ``text`` spoken by espeak-ng to a WAV file (atomically); for tests and offline cues."""
    from posecheck.io.outputs import atomic_path

    exe = espeak_path()
    if exe is None:
        raise PosecheckError("rendering speech needs espeak-ng (install espeak-ng)")
    engine = EspeakEngine(exe, rate_wpm=rate_wpm, voice=voice)
    target = Path(path)
    with atomic_path(target, suffix=".wav") as tmp:
        proc = subprocess.run(engine.command(wav=str(tmp)), input=str(text).encode("utf-8"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size <= 44:
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PosecheckError(f"{target}: {engine.name} could not render speech"
                                 + (f" ({detail[-1]})" if detail else ""))
    return target
