"""A synthetic actor: a simple articulated human figure drawn with OpenCV.

``ActorPose`` holds joint angles, ``forward_kinematics`` turns them into a 3D
skeleton, a ``View`` projects it, ``render`` draws it and ``joint_positions``
gives the 33 BlazePose landmarks it should be detected at. ``animate`` eases
between keyframes; ``clips`` has the 8 exercises' choreography and truth.
"""

from posecheck.synthetic.animate import animate, ease, pose_at
from posecheck.synthetic.body import ActorPose, Skeleton, blend, forward_kinematics, mirror
from posecheck.synthetic.camera import VIEW_AZIMUTHS, View, fit_view
from posecheck.synthetic.clips import Clip, build_clip, join_clips, render_reference, write_clip
from posecheck.synthetic.render import joint_positions, render, render_room, render_skeleton

__all__ = ["VIEW_AZIMUTHS", "ActorPose", "Clip", "Skeleton", "View", "animate", "blend", "build_clip", "ease",
           "fit_view", "forward_kinematics", "join_clips", "joint_positions", "mirror", "pose_at", "render",
           "render_reference", "render_room", "render_skeleton", "write_clip"]
