"""The 26 biomechanical joint angles of SMD, vectorised over frames.

Source: `shared/spec/angles.md` (OpenSim gait-model names, Delp et al. 2007 / Rajagopal et al. 2016),
computed from canonical SMPL-22 joints (metres, Y up) in the pelvis (body) frame and, for the arms and
neck, in the thorax frame. All functions are pure; all angles are float64 degrees.

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
from motion_smd.skeleton import (
    HEAD,
    L_ANKLE,
    L_ELBOW,
    L_FOOT,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    L_WRIST,
    NECK,
    PELVIS,
    R_ANKLE,
    R_ELBOW,
    R_FOOT,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    R_WRIST,
)

FloatArray = NDArray[np.float64]
Side = Literal["r", "l"]

POLE_HOLD_DEG: Final[float] = 30.0
"""A limb within this angle of the left-right axis has no well-defined sagittal angle: the last one is held."""

ROTATION_MIN_FLEXION_DEG: Final[float] = 15.0
"""Hip/shoulder rotation is reported only where the knee/elbow is flexed more than this (spec/angles.md #6, #19)."""

_EPS = 1e-9


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


# ----------------------------------------------------------------------------------------------
# Vector helpers (all (T, 3) → (T,) or (T, 3), float64)


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise dot product over the last axis: (..., 3) × (..., 3) → (...)."""
    return np.einsum("...i,...i->...", a, b)


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise cross product of (T, 3) arrays: the same products and differences as `np.cross`
    (bit-identical results) without its axis-handling overhead."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out[..., 0] = a1 * b2 - a2 * b1
    out[..., 1] = a2 * b0 - a0 * b2
    out[..., 2] = a0 * b1 - a1 * b0
    return out


def _norm(v: FloatArray) -> FloatArray:
    return np.sqrt(_dot(v, v))


def _unit(v: FloatArray, what: str, source: str | None) -> FloatArray:
    n = _norm(v)
    bad = n < _EPS
    if bad.any():
        raise DegenerateSkeletonError(
            f"{where(source)}{what} has zero length in {int(bad.sum())} frame(s) (first: frame "
            f"{int(np.argmax(bad))}); the joints are collapsed, so the body frame is undefined."
        )
    return v / n[:, None]


def _orthogonalize(v: FloatArray, axis_unit: FloatArray) -> FloatArray:
    return v - _dot(v, axis_unit)[..., None] * axis_unit


def _inclination_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Angle between two vector series, degrees in [0, 180] (atan2 form: accurate near 0 and 180)."""
    cross = np.linalg.norm(_cross(a, b), axis=-1)
    return np.degrees(np.arctan2(cross, _dot(a, b)))


def _signed_angle_deg(a: FloatArray, b: FloatArray, axis: FloatArray) -> FloatArray:
    """Signed angle from a to b about `axis` (right-hand rule), degrees in (−180, 180]."""
    return np.degrees(np.arctan2(_dot(_cross(a, b), axis), _dot(a, b)))


@dataclass(frozen=True)
class Frame:
    """An orthonormal frame per time step: (T, 3) unit axes in world coordinates."""

    forward: FloatArray
    up: FloatArray
    right: FloatArray

    def express(self, v: FloatArray) -> FloatArray:
        """World vectors (T, K, 3) → (T, K, 3) components (forward, up, right)."""
        return np.stack([np.einsum("tki,ti->tk", v, axis) for axis in (self.forward, self.up, self.right)], axis=-1)


def body_frame(joints: FloatArray, source: str | None = None) -> Frame:
    """Pelvis (body) frame per frame (spec/angles.md, "Frames").

    Args:
        joints: (T, 22, 3) float64, canonical SMPL-22, metres, Y up.

    Raises:
        DegenerateSkeletonError: coincident hips, or pelvis on the hip line.
    """
    right = _unit(joints[:, R_HIP] - joints[:, L_HIP], "the hip line (left_hip→right_hip)", source)
    mid_hips = 0.5 * (joints[:, R_HIP] + joints[:, L_HIP])
    up = _unit(_orthogonalize(joints[:, PELVIS] - mid_hips, right), "the pelvis up axis", source)
    return Frame(_cross(up, right), up, right)


def thorax_frame(joints: FloatArray, source: str | None = None) -> Frame:
    """Thorax frame per frame: up along the trunk (pelvis→neck), right along the shoulder line.

    This is the body frame carried through the lumbar extension, bending and rotation
    (spec/angles.md, "Frames"), built directly from the trunk axis and the shoulder line.
    """
    up = _unit(joints[:, NECK] - joints[:, PELVIS], "the trunk (pelvis→neck)", source)
    right = _unit(_orthogonalize(joints[:, R_SHOULDER] - joints[:, L_SHOULDER], up), "the shoulder line", source)
    return Frame(_cross(up, right), up, right)


def sagittal_angle_deg(v: FloatArray) -> FloatArray:
    """atan2(v_forward, −v_up) of frame components (T, 3): 0 = pointing down, +90 = forward.

    Wrapped to (−90, 270] so that raising a limb overhead reads ~180 without flipping sign.
    """
    a = np.degrees(np.arctan2(v[..., 0], -v[..., 1]))
    return np.where(a <= -90.0, a + 360.0, a)


def continuous_deg(a: FloatArray, low: float) -> FloatArray:
    """Remove ±360° jumps along time (axis 0) and place each series so that its first frame lies in
    (low, low + 360]. A series without jumps inside that range is returned bit-identical.

    Args:
        a: (T,) or (T, K) degrees.
        low: lower end of the canonical range, e.g. −180 for signed angles, −90 for sagittal angles.
    """
    u = np.unwrap(a, period=360.0, axis=0)
    shift = 360.0 * np.floor((low + 360.0 - u[:1]) / 360.0)
    return np.asarray(np.where(shift != 0.0, u + shift, u), dtype=np.float64)


def limb_sagittal_deg(v: FloatArray) -> FloatArray:
    """Sagittal angle of limb vectors over time, made well-conditioned and continuous.

    Where a limb points within `POLE_HOLD_DEG` of the body's left-right axis (arm raised sideways, T-pose)
    its sagittal projection is tiny and its direction arbitrary, so the last well-conditioned value is held
    (0 before any, the limb hanging). Values stay in (−90, 270] (`sagittal_angle_deg`): a limb crossing the
    pole (arm swept sideways from down to overhead) then shows one clean jump instead of flickering.

    Args:
        v: (T, K, 3) limb vectors in a body/thorax frame (forward, up, right).

    Returns:
        (T, K) degrees.
    """
    n = np.maximum(_norm(v), _EPS)
    valid = np.abs(v[..., 2]) / n < np.cos(np.radians(POLE_HOLD_DEG))
    return _forward_fill(sagittal_angle_deg(v), valid)


def frontal_angle_deg(v: FloatArray) -> FloatArray:
    """asin(v_right / |v|) of frame components (T, 3): + toward the subject's right."""
    n = np.maximum(_norm(v), _EPS)
    return np.degrees(np.arcsin(np.clip(v[..., 2] / n, -1.0, 1.0)))


def _forward_fill(values: FloatArray, valid: NDArray[np.bool_]) -> FloatArray:
    """Along axis 0, replace invalid entries by the last valid value (0 before the first valid one)."""
    frames = np.arange(values.shape[0]).reshape((-1,) + (1,) * (values.ndim - 1))
    idx = np.maximum.accumulate(np.where(valid, frames, -1), axis=0)
    return np.where(idx >= 0, np.take_along_axis(values, np.maximum(idx, 0), axis=0), 0.0)


def _axial_rotation_deg(
    proximal: FloatArray, distal: FloatArray, reference: FloatArray, flexion_deg: FloatArray
) -> FloatArray:
    """Rotation of a limb about its own axis, from the plane of its two segments.

    The normal n = proximal × distal of the plane of the two segments is compared, about the proximal
    axis, with `reference` (the normal in the neutral, unrotated pose). Where the distal joint is
    nearly straight (flexion < ROTATION_MIN_FLEXION_DEG) the plane is undefined, and where the limb points
    within POLE_HOLD_DEG of the reference axis the reference is; there the last well-defined value is held
    (0 before any), as spec/angles.md #6/#19 allows.

    Returns:
        (T,) or (T, K) degrees: the signed angle from `reference` to n about the proximal axis.
    """
    axis = proximal / np.maximum(_norm(proximal), _EPS)[..., None]
    n = _cross(proximal, distal)
    ref = _orthogonalize(reference, axis)
    raw = _signed_angle_deg(ref, n, axis)
    # |ref| = |reference|·sin(angle between the limb and the reference axis)
    away_from_pole = _norm(ref) > np.sin(np.radians(POLE_HOLD_DEG)) * _norm(reference)
    return _forward_fill(raw, (flexion_deg > ROTATION_MIN_FLEXION_DEG) & away_from_pole)


def heading_deg(joints: FloatArray, source: str | None = None) -> FloatArray:
    """Yaw of the body (hip line) about world up relative to frame 0, unwrapped; + = turned left.

    Args:
        joints: (T, 22, 3) canonical joints (Y up).

    Returns:
        (T,) degrees, continuous over time (turns accumulate past ±180).
    """
    right = joints[:, R_HIP] - joints[:, L_HIP]
    yaw = np.arctan2(right[:, 2], -right[:, 0])  # 0 when right = −X (facing +Z); + when turned left
    yaw = np.unwrap(yaw)
    return np.degrees(yaw - yaw[0])


_LIMBS: Final[tuple[tuple[int, int], ...]] = (
    (R_HIP, R_KNEE),  # 0 thigh r
    (L_HIP, L_KNEE),  # 1 thigh l
    (R_KNEE, R_ANKLE),  # 2 shank r
    (L_KNEE, L_ANKLE),  # 3 shank l
    (R_ANKLE, R_FOOT),  # 4 foot r
    (L_ANKLE, L_FOOT),  # 5 foot l
    (R_SHOULDER, R_ELBOW),  # 6 upper arm r
    (L_SHOULDER, L_ELBOW),  # 7 upper arm l
    (R_ELBOW, R_WRIST),  # 8 forearm r
    (L_ELBOW, L_WRIST),  # 9 forearm l
    (PELVIS, NECK),  # 10 trunk
    (NECK, HEAD),  # 11 head
)
"""(parent, child) joints of the limb vectors used by the angles (spec/angles.md, "Frames")."""
_LIMB_PARENT = np.array([a for a, _ in _LIMBS])
_LIMB_CHILD = np.array([b for _, b in _LIMBS])


def compute_angles(joints: FloatArray, source: str | None = None) -> FloatArray:
    """All 26 SMD angles per frame.

    Args:
        joints: (T, 22, 3) float64, canonical SMPL-22 (metres, Y up, facing +Z in frame 0).
        source: name used in error messages.

    Returns:
        (T, 26) float64 degrees, columns in the order of `ANGLES` (spec/angles.md numbering).

    Raises:
        DegenerateSkeletonError: a frame in which a body/thorax axis or limb has zero length.

    Source: spec/angles.md, table and "Frames".
    """
    j = np.asarray(joints, dtype=np.float64)
    T = j.shape[0]
    out = np.empty((T, len(ANGLES)), dtype=np.float64)
    col = ANGLE_INDEX
    body = body_frame(j, source)
    thorax = thorax_frame(j, source)
    world_up = np.broadcast_to(np.array([0.0, 1.0, 0.0]), (T, 3))

    # Pelvis: heading, then tilt/list of the pelvis up axis in the heading-aligned frame.
    heading = heading_deg(j, source)
    yaw = np.radians(heading)
    right0 = j[0, R_HIP] - j[0, L_HIP]
    yaw_abs = yaw + np.arctan2(right0[2], -right0[0])
    fwd_h = np.stack([np.sin(yaw_abs), np.zeros(T), np.cos(yaw_abs)], axis=-1)
    right_h = _cross(fwd_h, world_up)
    u = body.up
    out[:, col["pelvis_rotation"]] = heading
    out[:, col["pelvis_tilt"]] = continuous_deg(np.degrees(np.arctan2(-_dot(u, fwd_h), u[:, 1])), -180.0)
    out[:, col["pelvis_list"]] = continuous_deg(np.degrees(np.arctan2(_dot(u, right_h), u[:, 1])), -180.0)

    # All limb vectors at once: (T, 12, 3) in the order of _LIMBS.
    v = j[:, _LIMB_CHILD] - j[:, _LIMB_PARENT]
    # Inclinations: knees, ankles, elbows (right, left each).
    incl = _inclination_deg(v[:, [0, 1, 2, 3, 6, 7]], v[:, [2, 3, 4, 5, 8, 9]])
    knee, elbow = incl[:, 0:2], incl[:, 4:6]
    out[:, [col["knee_flexion_r"], col["knee_flexion_l"]]] = knee
    out[:, [col["ankle_dorsiflexion_r"], col["ankle_dorsiflexion_l"]]] = incl[:, 2:4] - 90.0
    out[:, [col["elbow_flexion_r"], col["elbow_flexion_l"]]] = elbow
    # Thighs and trunk in the body frame; upper arms and head in the thorax frame.
    tb = body.express(v[:, [0, 1, 10]])
    ua = thorax.express(v[:, [6, 7, 11]])
    sign = np.array([-1.0, 1.0])  # right, left: + = adduction / internal rotation on both sides
    out[:, [col["hip_flexion_r"], col["hip_flexion_l"]]] = limb_sagittal_deg(tb[:, 0:2])
    out[:, [col["hip_adduction_r"], col["hip_adduction_l"]]] = sign * frontal_angle_deg(tb[:, 0:2])
    out[:, [col["shoulder_flexion_r"], col["shoulder_flexion_l"]]] = limb_sagittal_deg(ua[:, 0:2])
    out[:, [col["shoulder_adduction_r"], col["shoulder_adduction_l"]]] = sign * frontal_angle_deg(ua[:, 0:2])
    # Axial rotations of hips (reference: the flexion axis of a neutral knee, −right) and shoulders (+right).
    reference = np.stack([-body.right, -body.right, thorax.right, thorax.right], axis=1)
    rot = continuous_deg(
        _axial_rotation_deg(v[:, [0, 1, 6, 7]], v[:, [2, 3, 8, 9]], reference, np.concatenate([knee, elbow], 1)),
        -180.0,
    )
    out[:, [col["hip_rotation_r"], col["hip_rotation_l"]]] = sign * rot[:, 0:2]
    out[:, [col["shoulder_rotation_r"], col["shoulder_rotation_l"]]] = sign * rot[:, 2:4]

    # Trunk, in the body frame.
    trunk = v[:, 10]
    tr = tb[:, 2]
    out[:, col["lumbar_extension"]] = continuous_deg(np.degrees(np.arctan2(-tr[:, 0], tr[:, 1])), -180.0)
    out[:, col["lumbar_bending"]] = frontal_angle_deg(tr)
    trunk_u = trunk / np.maximum(_norm(trunk), _EPS)[:, None]
    lumbar_rotation = _signed_angle_deg(
        _orthogonalize(body.right, trunk_u), _orthogonalize(j[:, R_SHOULDER] - j[:, L_SHOULDER], trunk_u), trunk_u
    )
    out[:, col["lumbar_rotation"]] = continuous_deg(lumbar_rotation, -180.0)

    # Neck, in the thorax frame.
    hv = ua[:, 2]
    out[:, col["neck_flexion"]] = continuous_deg(np.degrees(np.arctan2(hv[:, 0], hv[:, 1])), -180.0)
    out[:, col["neck_lateral_bending"]] = frontal_angle_deg(hv)
    return out
