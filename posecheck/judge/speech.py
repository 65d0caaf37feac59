"""What the coach says, wherever it is said: the safety note and the priorities of spoken cues.

The routine emits cues with a priority, the voice (``posecheck.io.voice``)
schedules them by it, and the live window, the session summary and the report
show the same safety note: one copy of each here.
"""

from __future__ import annotations

SAFETY_NOTE = ("This is not medical advice. Consult a qualified professional for chronic or severe "
               "back issues.")

# Priorities of spoken cues: a more important cue replaces a waiting less important one.
LOW = 0  # encouragement, counts
NORMAL = 1  # form corrections
HIGH = 2  # safety: stop, camera lost, ...
