"""The 26 biomechanical joint angles of SMD, vectorised over frames.

Source: `shared/spec/angles.md` (OpenSim gait-model names, Delp et al. 2007 / Rajagopal et al. 2016),
computed from canonical SMPL-22 joints (metres, Y up) in the pelvis (body) frame and, for the arms and
neck, in the thorax frame. All functions are pure; all angles are float64 degrees. The per-frame maths is
the compiled kernel `motion_smd.angle_kernel` (imported on first use); the angles themselves are declared
once in `motion_smd.angle_table` (re-exported here); this module holds the public entry point
`compute_angles`.

Frame conventions (spec/angles.md, "Frames"): body frame axes per frame are `forward`, `up`, `right`
with `right = normalize(right_hip − left_hip)`, `up = pelvis − mid_hips` made orthogonal to `right`,
`forward = up × right`. A world vector v is expressed as (v·forward, v·up, v·right).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from motion_smd.angle_table import (
    ANGLE_IDS,
    ANGLE_INDEX,
    ANGLES,
    BODY_PARTS,
    EPS,
    POLE_HOLD_DEG,
    ROTATION_MIN_FLEXION_DEG,
    TEXT_ORDER,
    AngleSpec,
)
from motion_smd.errors import DegenerateSkeletonError, where
from motion_smd.neutral import neutral_offsets

__all__ = [
    "ANGLES",
    "ANGLE_IDS",
    "ANGLE_INDEX",
    "BODY_PARTS",
    "EPS",
    "POLE_HOLD_DEG",
    "ROTATION_MIN_FLEXION_DEG",
    "TEXT_ORDER",
    "AngleSpec",
    "compute_angles",
    "mirror_angle_index",
]

FloatArray = NDArray[np.float64]
Side = Literal["r", "l"]


def mirror_angle_index() -> tuple[int, ...]:
    """Permutation mapping each angle to its left/right twin (itself for midline angles)."""
    out = []
    for a in ANGLE_IDS:
        twin = a[:-2] + ("_l" if a.endswith("_r") else "_r") if a.endswith(("_r", "_l")) else a
        out.append(ANGLE_INDEX[twin])
    return tuple(out)


def compute_angles(joints: FloatArray, source: str | None = None, skeleton: str | None = None) -> FloatArray:
    """All 26 SMD angles per frame.

    Definitions (spec/angles.md): pelvis tilt/list = the pelvis up axis in the heading-aligned frame,
    pelvis rotation = yaw of the hip line relative to frame 0; hip/shoulder flexion = sagittal angle of the
    thigh/upper arm in the body/thorax frame (0 = hanging, + = forward; continuous where defined, each
    defined stretch starting in (low, low + 360] with low = −150° for hips and −120° for shoulders;
    interpolated across the frames where the limb lies within POLE_HOLD_DEG of the left-right axis);
    hip/shoulder adduction = asin of the lateral component (+ = toward the midline on both sides);
    hip/shoulder rotation = rotation of the plane of the two limb segments about the proximal segment
    against its neutral reference (−right for hips, +right for shoulders; + = internal on both sides), NaN
    (undefined, not reported) where the knee/elbow is flexed ≤ ROTATION_MIN_FLEXION_DEG beyond its neutral;
    knee/elbow flexion = angle between the segments; ankle dorsiflexion = shank–foot angle − 90; lumbar
    extension/bending and neck flexion/lateral bending = trunk/head vector in the body/thorax frame; lumbar
    rotation = shoulder line against the hip line about the trunk. Other signed angles are unwrapped along
    time (no ±360° jumps) and start in (−180, 180]. Hip, knee and ankle flexion (and SMPL's neck flexion)
    are relative to the skeleton's neutral standing pose (`motion_smd.neutral`).

    Args:
        joints: (T, 22, 3) float, canonical SMPL-22 (metres, Y up, facing +Z in frame 0).
        source: name used in error messages.
        skeleton: the input skeleton (`Motion.meta["rig"]`): hip, knee and ankle flexion are reported
            relative to its neutral standing pose (`motion_smd.neutral`); None = uncalibrated.

    Returns:
        (T, 26) float64 degrees, columns in the order of `ANGLES` (spec/angles.md numbering); the four axial
        rotations are NaN in the frames where they are undefined, every other value is finite.

    Raises:
        DegenerateSkeletonError: a frame in which the hip line, the pelvis up axis, the trunk or the
            shoulder line has zero length (the body or thorax frame is undefined).

    Source: spec/angles.md, table and "Frames".
    """
    from motion_smd import angle_kernel

    j = np.ascontiguousarray(joints, dtype=np.float64)
    out = np.empty((j.shape[0], len(ANGLES)), dtype=np.float64)
    status, n_bad, first_bad = angle_kernel.angles_into(j, out, neutral_offsets(skeleton, ANGLE_IDS))
    if status:
        what = angle_kernel.DEGENERATE_AXES[status - 1]
        raise DegenerateSkeletonError(
            f"{where(source)}{what} has zero length in {n_bad} frame(s) (first: frame {first_bad}); the joints "
            "are collapsed, so the body frame is undefined."
        )
    return out
