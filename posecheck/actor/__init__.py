"""A synthetic actor: a simple articulated human figure drawn with OpenCV."""

from .body import ActorPose, Skeleton, blend, forward_kinematics, mirror
from .camera import View, fit_view
from .render import joint_positions, render, render_room, render_skeleton

__all__ = ["ActorPose", "Skeleton", "View", "blend", "fit_view", "forward_kinematics",
           "joint_positions", "mirror", "render", "render_room", "render_skeleton"]
