"""Bridge: lying on the back, knees bent, feet flat, hips lifted.

Seen from the side. The hips are lifted when shoulder, hip and knee are close to
a straight line; the angle is unfolded past 180 when the hips rise above that
line, so over-arching is told apart from sagging.
"""

from ..features import Body
from .base import Exercise, Goal, Rule, register


def _side_view(body: Body) -> bool:
    # Lying on the back seen from the side, the shoulders overlap in the image.
    ratio = body.features["shoulder_width_ratio"]
    return not ratio == ratio or ratio < 0.65  # NaN: let the rules' trust checks decide


BRIDGE = register(Exercise(
    id="bridge",
    title="Bridge",
    instructions="Lie on your back, knees bent, feet flat. Lift your hips until shoulders, hips and knees line up.",
    view="side",
    goal=Goal("hold", 20.0),
    view_ok=_side_view,
    view_cue="Turn so the camera sees you from the side",
    rules=(
        Rule(
            name="lying",
            description="shoulders and hips low: the upper back rests on the floor (trunk angle from horizontal)",
            measure="trunk_from_horizontal",
            low=0.0, high=45.0,
            cue_low="", cue_high="Lie on your back with your knees bent",
            landmarks=("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
            gate=True,
        ),
        Rule(
            name="hip_lift",
            description="shoulder-hip-knee angle (180 = straight line, >180 over-arched)",
            measure="hip_extension_{side}",
            low=155.0, high=200.0,
            cue_low="Lift your hips higher", cue_high="Lower your hips a little, don't arch your back",
            landmarks=("{side}_SHOULDER", "{side}_HIP", "{side}_KNEE"),
            joint="{side}_HIP",
        ),
        Rule(
            name="knee_bend",
            description="hip-knee-ankle angle: knees bent about 90 degrees",
            measure="knee_angle_{side}",
            low=60.0, high=120.0,
            cue_low="Move your feet a little further from your hips",
            cue_high="Bring your feet closer to your hips",
            landmarks=("{side}_HIP", "{side}_KNEE", "{side}_ANKLE"),
            joint="{side}_KNEE",
        ),
    ),
))
