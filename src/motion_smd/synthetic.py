"""Synthetic motions with known ground truth, for the demo and unit tests.

A rest skeleton with SMPL-like proportions (adult, ~1.75 m; facing +Z, left = +X, Y up) is posed by
forward kinematics from joint-angle curves, so each motion's true angles, repetitions, distances and
turns are known by construction. All functions return a canonical `Motion` at 20 fps (HumanML3D rate).

Rotation conventions of the posing (local rotations about the rest-pose axes): flexion of hip,
shoulder, elbow and ankle dorsiflexion = rotation about X by −angle; knee flexion = about X by +angle;
trunk forward flexion = about X by +angle; abduction of a left limb = about Z by +angle (right: −angle);
heading (turning left) = root rotation about Y by +angle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from motion_smd.motion import Motion
from motion_smd.skeleton import JOINT_INDEX, N_JOINTS, SMPL22_PARENTS

FloatArray = NDArray[np.float64]

FPS: Final[float] = 20.0

REST_OFFSETS: Final[dict[str, tuple[float, float, float]]] = {
    "pelvis": (0.0, 0.95, 0.0),
    "left_hip": (0.09, -0.08, 0.0),
    "right_hip": (-0.09, -0.08, 0.0),
    "spine1": (0.0, 0.11, 0.0),
    "left_knee": (0.0, -0.40, 0.0),
    "right_knee": (0.0, -0.40, 0.0),
    "spine2": (0.0, 0.13, 0.0),
    "left_ankle": (0.0, -0.41, 0.0),
    "right_ankle": (0.0, -0.41, 0.0),
    "spine3": (0.0, 0.06, 0.0),
    "left_foot": (0.0, -0.05, 0.13),
    "right_foot": (0.0, -0.05, 0.13),
    "neck": (0.0, 0.21, 0.0),
    "left_collar": (0.07, 0.11, 0.0),
    "right_collar": (-0.07, 0.11, 0.0),
    "head": (0.0, 0.10, 0.01),
    "left_shoulder": (0.12, 0.02, 0.0),
    "right_shoulder": (-0.12, 0.02, 0.0),
    "left_elbow": (0.0, -0.27, 0.0),
    "right_elbow": (0.0, -0.27, 0.0),
    "left_wrist": (0.0, -0.25, 0.0),
    "right_wrist": (0.0, -0.25, 0.0),
}
"""Offset of each joint from its parent in the rest pose (pelvis: absolute), metres."""


def _rot(axis: int, angle_deg: FloatArray) -> FloatArray:
    """(T,) degrees → (T, 3, 3) rotation matrices about world axis 0 (X), 1 (Y) or 2 (Z)."""
    a = np.radians(np.asarray(angle_deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    R = np.zeros((a.shape[0], 3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    R[:, axis, axis] = 1.0
    R[:, i, i] = c
    R[:, j, j] = c
    R[:, i, j] = -s
    R[:, j, i] = s
    return R


class Pose:
    """Joint-angle curves for `forward_kinematics`: local rotations per joint, root translation, heading."""

    def __init__(self, n_frames: int) -> None:
        self.n = n_frames
        self.local = np.tile(np.eye(3), (n_frames, N_JOINTS, 1, 1))
        self.root = np.zeros((n_frames, 3))
        self.heading_deg = np.zeros(n_frames)

    def rotate(self, joint: str, axis: int, angle_deg: FloatArray) -> None:
        """Post-multiply joint's local rotation by a rotation about `axis` (0=X, 1=Y, 2=Z)."""
        j = JOINT_INDEX[joint]
        self.local[:, j] = self.local[:, j] @ _rot(axis, np.broadcast_to(angle_deg, (self.n,)))


def forward_kinematics(pose: Pose) -> FloatArray:
    """World joint positions (T, 22, 3) of the rest skeleton posed by `pose`."""
    T = pose.n
    glob = np.empty((T, N_JOINTS, 3, 3))
    pos = np.empty((T, N_JOINTS, 3))
    yaw = _rot(1, pose.heading_deg)
    offsets = np.array([REST_OFFSETS[name] for name in JOINT_INDEX])
    for j, parent in enumerate(SMPL22_PARENTS):
        if parent < 0:
            glob[:, j] = yaw @ pose.local[:, j]
            pos[:, j] = offsets[j] + pose.root
        else:
            glob[:, j] = glob[:, parent] @ pose.local[:, j]
            pos[:, j] = pos[:, parent] + np.einsum("tij,j->ti", glob[:, parent], offsets[j])
    return pos


def _t(duration_s: float) -> FloatArray:
    return np.arange(round(duration_s * FPS)) / FPS


def _smoothstep(t: FloatArray, t0: float, t1: float) -> FloatArray:
    u = np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _motion(joints: FloatArray, name: str) -> Motion:
    return Motion(joints, FPS, source=f"synthetic:{name}").canonicalize()


def _plant_feet(joints: FloatArray) -> FloatArray:
    """Translate every frame so the mean ankle position stays where it is in frame 0 (feet planted)."""
    ankles = joints[:, [JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"]]].mean(axis=1)
    return joints - (ankles - ankles[0])[:, None, :]


def standing(duration_s: float = 3.0) -> Motion:
    """Quiet standing: every angle static. Ground truth: all channels static, no travel."""
    return _motion(forward_kinematics(Pose(len(_t(duration_s)))), "standing")


def squats(n_reps: int = 5, rep_s: float = 2.0, knee_deg: float = 100.0) -> Motion:
    """`n_reps` squats from standing (0.5 s standing before and after), feet planted.

    Ground truth: knee flexion oscillates n_reps cycles between ~0° and `knee_deg`; hip flexion peaks
    ~0.95·knee_deg; pelvis height drops and recovers n_reps times; no travel.
    """
    t = _t(n_reps * rep_s + 1.0)
    u = np.clip((t - 0.5) / rep_s, 0.0, n_reps)
    depth = 0.5 * (1.0 - np.cos(2.0 * np.pi * u))  # 0 → 1 → 0 per rep
    pose = Pose(len(t))
    for side in ("left", "right"):
        pose.rotate(f"{side}_hip", 0, -0.95 * knee_deg * depth)
        pose.rotate(f"{side}_knee", 0, knee_deg * depth)
        pose.rotate(f"{side}_ankle", 0, -0.3 * knee_deg * depth)
    pose.rotate("spine1", 0, 15.0 * depth)
    pose.rotate("left_shoulder", 0, -80.0 * depth)
    pose.rotate("right_shoulder", 0, -80.0 * depth)
    return _motion(_plant_feet(forward_kinematics(pose)), "squat")


def walk_forward(n_steps: int = 6, step_length_m: float = 0.65, step_s: float = 0.55) -> Motion:
    """Walking straight ahead for `n_steps` steps (0.5 s standing before and after).

    Ground truth: forward position increases by n_steps·step_length_m; hip flexion alternates between
    the legs (one gait cycle = two steps); heading stays 0.
    """
    walk_s = n_steps * step_s
    t = _t(walk_s + 1.0)
    env = _smoothstep(t, 0.5, 0.8) * (1.0 - _smoothstep(t, 0.5 + walk_s - 0.3, 0.5 + walk_s))
    phase = 2.0 * np.pi * np.clip(t - 0.5, 0.0, walk_s) / (2.0 * step_s)
    pose = Pose(len(t))
    for side, sgn in (("left", 1.0), ("right", -1.0)):
        swing = sgn * np.sin(phase)
        pose.rotate(f"{side}_hip", 0, -25.0 * swing * env)
        pose.rotate(f"{side}_knee", 0, 55.0 * np.clip(np.sin(phase + sgn * np.pi / 2), 0, None) ** 2 * env + 5 * env)
        pose.rotate(f"{side}_ankle", 0, -10.0 * swing * env)
        arm = "right" if side == "left" else "left"
        pose.rotate(f"{arm}_shoulder", 0, -20.0 * swing * env)
        pose.rotate(f"{arm}_elbow", 0, -(15.0 + 10.0 * np.clip(swing, 0, None)) * env)
    pose.root[:, 2] = n_steps * step_length_m * _smoothstep(t, 0.5, 0.5 + walk_s) ** 1.0
    pose.root[:, 1] = -0.02 * env * (1.0 - np.cos(2.0 * phase)) / 2.0
    return _motion(forward_kinematics(pose), "walk")


def turn_in_place(angle_deg: float = 90.0, duration_s: float = 3.0) -> Motion:
    """Turning in place by `angle_deg` (+ = left) between 0.5 s and duration_s − 0.5 s.

    Ground truth: heading (and pelvis rotation) goes 0 → angle_deg; no travel.
    """
    t = _t(duration_s)
    pose = Pose(len(t))
    pose.heading_deg = angle_deg * _smoothstep(t, 0.5, duration_s - 0.5)
    return _motion(forward_kinematics(pose), f"turn-{'left' if angle_deg >= 0 else 'right'}")


def arm_raise(side: str = "right", peak_deg: float = 150.0, duration_s: float = 5.0) -> Motion:
    """Raising one straight arm forward to `peak_deg` shoulder flexion, holding 1 s, lowering it.

    Ground truth: that side's shoulder flexion goes 0 → peak_deg → 0; the other arm stays still.
    """
    t = _t(duration_s)
    up_end = (duration_s - 1.0) / 2.0
    lift = _smoothstep(t, 0.5, up_end) * (1.0 - _smoothstep(t, up_end + 1.0, duration_s - 0.5))
    pose = Pose(len(t))
    pose.rotate(f"{side}_shoulder", 0, -peak_deg * lift)
    return _motion(forward_kinematics(pose), f"{side}-arm-raise")


def jumping_jacks(n_reps: int = 5, rep_s: float = 1.2, arm_deg: float = 150.0) -> Motion:
    """`n_reps` jumping jacks (arms abduct overhead, legs apart, two hops per rep), 0.5 s still at each end.

    Ground truth: shoulder adduction of both arms and hip adduction of both legs oscillate n_reps cycles;
    pelvis height oscillates 2·n_reps times (hops).
    """
    t = _t(n_reps * rep_s + 1.0)
    u = np.clip((t - 0.5) / rep_s, 0.0, n_reps)
    open_ = 0.5 * (1.0 - np.cos(2.0 * np.pi * u))
    pose = Pose(len(t))
    pose.rotate("left_shoulder", 2, arm_deg * open_)
    pose.rotate("right_shoulder", 2, -arm_deg * open_)
    pose.rotate("left_hip", 2, 15.0 * open_)
    pose.rotate("right_hip", 2, -15.0 * open_)
    pose.root[:, 1] = 0.08 * np.abs(np.sin(2.0 * np.pi * u))
    return _motion(forward_kinematics(pose), "jumping-jacks")


DEMOS: Final[dict[str, Callable[[], Motion]]] = {
    "squat": squats,
    "walk": walk_forward,
    "turn-left": turn_in_place,
    "right-arm-raise": arm_raise,
    "jumping-jacks": jumping_jacks,
    "standing": standing,
}
"""Bundled demo motions by name (`smd demo NAME`)."""
