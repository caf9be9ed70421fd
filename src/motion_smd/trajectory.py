"""Global trajectory channels and summary from canonical joints.

Source: spec/smd_format.md, sections 2–3. Channels (canonical frame: Y up, facing +Z in frame 0, the
subject's left is +X): Height = pelvis y (m), Forward Position and Lateral Position = the pelvis position
along the body's initial facing direction and its left (m, + = left), Heading = the body's yaw relative
to its initial facing (degrees, + = turned left).

One facing definition serves all three: the body faces `forward = up × across` with
`across = (right_hip − left_hip) + (right_shoulder − left_shoulder)`, as in HumanML3D's
`motion_process.py` and `Motion.canonicalize`. Its yaw swings with every stride (the pelvis and the
shoulders counter-rotate in gait, ±5–10°), which is not a turn: the heading is the yaw low-pass filtered
with a Gaussian of σ = `HEADING_SMOOTH_S`, which removes the stride-frequency swing (≈ 1 Hz, gain
exp(−2π²σ²f²) ≈ 0.17 at σ = 0.3 s) and keeps turns (a 90° turn in 1 s is widened by about ±0.3 s).
The initial facing, the axes of Forward/Lateral and the zero of Heading, is the filtered yaw at frame 0:
frame 0's own facing is off the walking direction by the gait's swing, the filtered one a little less
(shared walks: median 4.2°, at most 11°, against 4.6° and 12.3°); a mean over the first second would be
closer still on straight walks, but it turns the axes with a walker who turns in that second (a diagonal
"walk-left" then reads as much less lateral than the actor walked). The heading is the body's yaw: a
walker who turns the whole body while keeping a straight path (walking on while looking aside with
the trunk and pelvis turned) turns by that much; the gait's swing is not a turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd import compiled, geometry
from motion_smd.geometry import face_z
from motion_smd.skeleton import PELVIS
from motion_smd.smoothing import gaussian_smooth

FloatArray = NDArray[np.float64]

PATH_SMOOTH_S = 0.1
"""Gaussian σ (s) applied to the horizontal pelvis path before measuring its length (removes jitter)."""

HEADING_SMOOTH_S = 0.3
"""Gaussian σ (s) of the gait filter on the body's yaw (see the module docstring)."""


@dataclass(frozen=True)
class TrajectoryChannelSpec:
    """Metadata of a trajectory channel (id, display name, gloss, unit)."""

    id: str
    name: str
    gloss: str
    unit: str


TRAJECTORY_CHANNELS = (
    TrajectoryChannelSpec("height", "Height", "pelvis height above the floor", "m"),
    TrajectoryChannelSpec("forward", "Forward Position", "distance along the initial facing direction", "m"),
    TrajectoryChannelSpec("lateral", "Lateral Position", "+ = toward the initial left", "m"),
    TrajectoryChannelSpec("heading", "Heading", "+ = turned left", "deg"),
)
"""The four Global Trajectory channels in text order."""


def facing_yaw_rad(joints: FloatArray) -> FloatArray:
    """Yaw of the body's facing direction about world up, per frame, unwrapped over time.

    Args:
        joints: (T, 22, 3) float joints, Y up.

    Returns:
        (T,) float64 radians: 0 when facing +Z, + when turned toward +X (the canonical left); continuous
        over time (turns accumulate past ±π).

    Source: `motion_smd.geometry.facing_yaw_rad` (HumanML3D's facing), unwrapped.
    """
    yaw = geometry.facing_yaw_rad(joints)
    if yaw.ndim == 1 and compiled.compiling():
        from motion_smd.signal_kernel import unwrap  # numpy.unwrap bit for bit, without its per-call overhead

        return unwrap(np.ascontiguousarray(yaw))
    return np.asarray(np.unwrap(yaw), dtype=np.float64)


def _gait_filtered(x: FloatArray, fps: float) -> FloatArray:
    """Gaussian low-pass along axis 0 with σ = HEADING_SMOOTH_S (edges held; `smoothing.gaussian_smooth`)."""
    sigma = HEADING_SMOOTH_S * fps
    if x.shape[0] < 2 or sigma < 1.0 / 3.0:
        return np.asarray(x, dtype=np.float64)
    return gaussian_smooth(x, sigma)


def body_facing_yaw_rad(joints: FloatArray, fps: float) -> FloatArray:
    """The body's facing yaw without the gait's swing: `facing_yaw_rad` (unwrapped) through the gait filter
    (Gaussian σ = HEADING_SMOOTH_S). (T,) float64 radians, 0 facing +Z, + toward +X. The heading channel and
    the facing of `motion_smd.together` both read it."""
    return _gait_filtered(facing_yaw_rad(joints), fps)


def trajectory_series(joints: FloatArray, fps: float) -> FloatArray:
    """The four trajectory channels per frame.

    Args:
        joints: (T, 22, 3) float64 canonical joints (metres, Y up, pelvis XZ at the origin in frame 0).
        fps: frame rate.

    Returns:
        (T, 4) float64: height (m), forward (m, along the initial facing), lateral (m, + = toward the
        initial left), heading (deg, the gait-filtered facing yaw relative to the initial facing, + = left,
        continuous: turns accumulate past ±180).
    """
    pelvis = joints[:, PELVIS]
    facing = body_facing_yaw_rad(joints, fps)
    y0 = float(facing[0])  # the initial facing (see the module docstring)
    lateral, forward = face_z(pelvis[:, 0] - pelvis[0, 0], pelvis[:, 2] - pelvis[0, 2], y0)
    return np.stack([pelvis[:, 1], forward, lateral, np.degrees(facing - y0)], axis=-1)


def path_length_m(xz: FloatArray) -> float:
    """Length of a horizontal path (T, 2), metres: sum of the step lengths."""
    if xz.shape[0] < 2:
        return 0.0
    return float(np.sqrt((np.diff(xz, axis=0) ** 2).sum(axis=1)).sum())
