"""What the coach says, wherever it is said: the safety note and the priorities of spoken cues.

The routine emits cues with a priority, the voice (``posecheck.io.voice``)
schedules them by it, and the live window, the session summary and the report
show the same safety note: one copy of each here.
"""

from __future__ import annotations

SAFETY_NOTE = ("This is not medical advice. Consult a qualified professional for chronic or severe "
               "back issues.")

# Priorities of spoken cues. LOW and NORMAL cues may be dropped (a newer, at least as important cue
# replaces a waiting one; a cue goes stale); HIGH and URGENT cues are always said, in order. URGENT
# also cuts short whatever is being said, so it is heard when the screen shows it.
LOW = 0  # encouragement, counts
NORMAL = 1  # form corrections
HIGH = 2  # what the person must hear: the exercise, the side, "hold complete", the end
URGENT = 3  # in step with the screen: the countdown, "Paused"
