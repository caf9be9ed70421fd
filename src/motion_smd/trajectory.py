"""Global trajectory channels and summary from canonical joints.

Source: spec/smd_format.md, sections 2–3. Channels (canonical frame: Y up, facing +Z in frame 0, the
subject's left is +X): Height = pelvis y (m), Forward Position = pelvis z (m), Lateral Position = pelvis x
(m, + = left), Heading = body yaw relative to frame 0 (degrees, + = turned left).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.angles import heading_deg
from motion_smd.skeleton import PELVIS

FloatArray = NDArray[np.float64]

PATH_SMOOTH_S = 0.1
"""Gaussian σ (s) applied to the horizontal pelvis path before measuring its length (removes jitter)."""


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


def trajectory_series(joints: FloatArray, source: str | None = None, heading: FloatArray | None = None) -> FloatArray:
    """The four trajectory channels per frame.

    Args:
        joints: (T, 22, 3) float64 canonical joints (metres, Y up, facing +Z in frame 0).
        heading: `heading_deg(joints)` if already computed (the pelvis_rotation angle), else computed here.

    Returns:
        (T, 4) float64: height (m), forward (m), lateral (m, + = left), heading (deg, + = left).
    """
    pelvis = joints[:, PELVIS]
    return np.stack(
        [pelvis[:, 1], pelvis[:, 2], pelvis[:, 0], heading_deg(joints, source) if heading is None else heading], axis=-1
    )


def path_length_m(xz: FloatArray) -> float:
    """Length of a horizontal path (T, 2), metres: sum of the step lengths."""
    if xz.shape[0] < 2:
        return 0.0
    return float(np.sqrt((np.diff(xz, axis=0) ** 2).sum(axis=1)).sum())
