"""The 26 biomechanical joint angles of SMD, vectorised over frames.

Source: `shared/spec/angles.md` (OpenSim gait-model names, Delp et al. 2007 / Rajagopal et al. 2016),
computed from canonical SMPL-22 joints (metres, Y up) in the pelvis (body) frame and, for the arms and
neck, in the thorax frame. All functions are pure; all angles are float64 degrees. The per-frame maths is
the compiled kernel `motion_smd.angle_kernel` (imported on first use); this module holds the angle
metadata and the public entry point `compute_angles`.

Frame conventions (spec/angles.md, "Frames"): body frame axes per frame are `forward`, `up`, `right`
with `right = normalize(right_hip − left_hip)`, `up = pelvis − mid_hips` made orthogonal to `right`,
`forward = up × right`. A world vector v is expressed as (v·forward, v·up, v·right).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import DegenerateSkeletonError, where
from motion_smd.neutral import neutral_offsets

FloatArray = NDArray[np.float64]
Side = Literal["r", "l"]

POLE_HOLD_DEG: Final[float] = 30.0
"""A limb within this angle of the left-right axis has no well-defined sagittal angle: the last one is held."""

ROTATION_MIN_FLEXION_DEG: Final[float] = 15.0
"""Hip/shoulder rotation is reported only where the knee/elbow is flexed more than this (spec/angles.md #6, #19)."""

EPS: Final[float] = 1e-9
"""Shortest vector (metres) treated as having a direction."""


@dataclass(frozen=True)
class AngleSpec:
    """Metadata of one SMD angle.

    Attributes:
        id: OpenSim-style identifier, e.g. "knee_flexion_r".
        group: body-part header, e.g. "Right Knee".
        name: display name, e.g. "Right Knee Flexion".
        gloss: plain-language meaning of a positive change, e.g. "bending knee".
        lateral: True for the angles whose sign flips under mirroring (pelvis list/rotation, lumbar
            bending/rotation, neck lateral bending).
    """

    id: str
    group: str
    name: str
    gloss: str
    lateral: bool = False


def _leg(side: str, s: str) -> tuple[AngleSpec, ...]:
    return (
        AngleSpec(f"hip_flexion_{s}", f"{side} Hip", f"{side} Hip Flexion", "swinging thigh forward"),
        AngleSpec(f"hip_adduction_{s}", f"{side} Hip", f"{side} Hip Adduction", "moving thigh toward the midline"),
        AngleSpec(f"hip_rotation_{s}", f"{side} Hip", f"{side} Hip Rotation", "turning thigh inward"),
        AngleSpec(f"knee_flexion_{s}", f"{side} Knee", f"{side} Knee Flexion", "bending knee"),
        AngleSpec(f"ankle_dorsiflexion_{s}", f"{side} Ankle", f"{side} Ankle Dorsiflexion", "lifting toes toward shin"),
    )


def _arm(side: str, s: str) -> tuple[AngleSpec, ...]:
    return (
        AngleSpec(f"shoulder_flexion_{s}", f"{side} Shoulder", f"{side} Shoulder Flexion", "raising arm forward"),
        AngleSpec(
            f"shoulder_adduction_{s}",
            f"{side} Shoulder",
            f"{side} Shoulder Adduction",
            "bringing arm toward the body; negative = raising arm sideways",
        ),
        AngleSpec(f"shoulder_rotation_{s}", f"{side} Shoulder", f"{side} Shoulder Rotation", "turning arm inward"),
    )


ANGLES: Final[tuple[AngleSpec, ...]] = (
    AngleSpec("pelvis_tilt", "Pelvis", "Pelvis Tilt", "tilting pelvis backward"),
    AngleSpec("pelvis_list", "Pelvis", "Pelvis List", "pelvis dropping toward the left", lateral=True),
    AngleSpec("pelvis_rotation", "Pelvis", "Pelvis Rotation", "turning body to the left", lateral=True),
    *_leg("Right", "r"),
    *_leg("Left", "l"),
    AngleSpec("lumbar_extension", "Trunk", "Lumbar Extension", "leaning trunk backward"),
    AngleSpec("lumbar_bending", "Trunk", "Lumbar Bending", "bending trunk to the right", lateral=True),
    AngleSpec("lumbar_rotation", "Trunk", "Lumbar Rotation", "twisting shoulders to the left", lateral=True),
    *_arm("Right", "r"),
    *_arm("Left", "l"),
    AngleSpec("elbow_flexion_r", "Right Elbow", "Right Elbow Flexion", "bending elbow"),
    AngleSpec("elbow_flexion_l", "Left Elbow", "Left Elbow Flexion", "bending elbow"),
    AngleSpec("neck_flexion", "Neck", "Neck Flexion", "tilting head forward"),
    AngleSpec("neck_lateral_bending", "Neck", "Neck Lateral Bending", "tilting head to the right", lateral=True),
)
"""The 26 angles in the numbering of spec/angles.md (column order of `compute_angles`)."""

ANGLE_IDS: Final[tuple[str, ...]] = tuple(a.id for a in ANGLES)
ANGLE_INDEX: Final[dict[str, int]] = {a: i for i, a in enumerate(ANGLE_IDS)}

BODY_PARTS: Final[tuple[str, ...]] = (
    "Pelvis",
    "Right Hip",
    "Left Hip",
    "Right Knee",
    "Left Knee",
    "Right Ankle",
    "Left Ankle",
    "Trunk",
    "Neck",
    "Right Shoulder",
    "Left Shoulder",
    "Right Elbow",
    "Left Elbow",
)
"""The 13 body-part headers in the fixed order of the SMD text (spec/angles.md)."""

TEXT_ORDER: Final[tuple[int, ...]] = tuple(i for part in BODY_PARTS for i, a in enumerate(ANGLES) if a.group == part)
"""Column indices of `ANGLES` in the order the SMD text lists them (body part, then numbering)."""


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
