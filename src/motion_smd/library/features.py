"""The SMD feature vector of a motion, for `smd library search --like` and the closed-loop checks.

Every feature is read off the motion's `Description` (what the SMD text states): per angle its range of
motion (5th–95th percentile) and its mean (degrees), the trajectory's forward, lateral and heading change over
the clip, its mean speed and height range, and the largest repetition count. Search standardises each feature
by the library's mean and standard deviation and ranks by Euclidean distance.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from motion_smd.angle_table import ANGLE_IDS
from motion_smd.counting import count_repetitions
from motion_smd.description import Description

FEATURE_NAMES: Final[tuple[str, ...]] = (
    *(f"{a}_range_deg" for a in ANGLE_IDS),
    *(f"{a}_mean_deg" for a in ANGLE_IDS),
    "forward_change_m",
    "lateral_change_m",
    "heading_change_deg",
    "mean_speed_m_s",
    "height_range_m",
    "max_repetitions",
)
"""Feature order of `feature_vector`."""

ARM_ANGLES: Final[dict[str, tuple[str, ...]]] = {
    side: (f"shoulder_flexion_{side[0]}", f"shoulder_adduction_{side[0]}", f"elbow_flexion_{side[0]}")
    for side in ("left", "right")
}
"""The angles whose ranges make one arm's activity (`arm_activity_deg`)."""


def _finite(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0


def channel_change(desc: Description, channel_id: str) -> float:
    """Last minus first defined value of a trajectory channel (m, or degrees for the heading)."""
    v = desc.channel(channel_id).values
    v = v[np.isfinite(v)]
    return float(v[-1] - v[0]) if v.size else 0.0


def arm_activity_deg(desc: Description, side: str) -> float:
    """Sum of the ranges of one arm's shoulder flexion, shoulder adduction and elbow flexion, degrees."""
    return sum(_finite(desc.angle(a).range_value) for a in ARM_ANGLES[side])


def robust_range(values: NDArray[np.float64]) -> float:
    """95th minus 5th percentile of the defined values (0 when none is defined). A few frames near a
    singularity (the axial rotations, undefined with a straight knee or elbow) cannot dominate it."""
    v = values[np.isfinite(values)]
    return float(np.percentile(v, 95) - np.percentile(v, 5)) if v.size else 0.0


def feature_vector(desc: Description) -> NDArray[np.float64]:
    """(len(FEATURE_NAMES),) float64 features of one described motion (NaN-free); angle ranges are
    `robust_range`s of the channels' series."""
    ranges = [robust_range(desc.angle(a).values) for a in ANGLE_IDS]
    means = [_finite(desc.angle(a).mean_value) for a in ANGLE_IDS]
    height = desc.channel("height")
    reps = count_repetitions(desc)
    return np.array(
        [
            *ranges, *means, channel_change(desc, "forward"), channel_change(desc, "lateral"),
            channel_change(desc, "heading"), desc.summary.mean_speed_m_s, _finite(height.range_value),
            float(max((r.count for r in reps), default=0)),
        ],
        dtype=np.float64,
    )  # fmt: skip
