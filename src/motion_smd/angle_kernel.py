"""Compiled kernel of the 26 SMD joint angles (docs/angles.md): one pass over the frames of a clip.

The maths is that of `motion_smd.angles` (whose docstrings give the definitions and sources), written per
frame in scalar form and compiled with numba (`njit(cache=True)`; see `motion_smd.segment_kernel` for the
interpreted fallback). Every angle is float64 degrees; the column of each angle is read from the angle table
(`motion_smd.angle_table`, declared once).

Conventions (spec/angles.md, "Frames"): body frame per frame: right = normalize(right_hip − left_hip),
up = pelvis − mid_hips made orthogonal to right, forward = up × right; thorax frame: up = normalize(neck −
pelvis), right = the shoulder line made orthogonal to up, forward = up × right. A world vector v is
expressed as (v·forward, v·up, v·right).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from motion_smd.angle_table import ANGLE_INDEX, ANGLES, EPS, POLE_HOLD_DEG, ROTATION_MIN_FLEXION_DEG
from motion_smd.compiled import jit, jit_noalloc
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

_COS_POLE = math.cos(math.radians(POLE_HOLD_DEG))
_SIN_POLE = math.sin(math.radians(POLE_HOLD_DEG))
_DEG = 180.0 / math.pi
_RAD = math.pi / 180.0

SAGITTAL_WRAP_DEG = (-150.0, -120.0)
"""Lower end of the range of hip and of shoulder flexion, (low, low + 360]: a thigh reaches −110° back in
an arabesque and 180° forward in a front split; an arm −60° back (−90° with the trunk) and 180°–200° overhead."""

DEGENERATE_AXES = (
    "the hip line (left_hip→right_hip)",
    "the pelvis up axis",
    "the trunk (pelvis→neck)",
    "the shoulder line",
)
"""What a non-zero status code of `angles_into` names (code k → DEGENERATE_AXES[k − 1])."""

# Column numbers, read from the angle table (motion_smd.angle_table, the order of docs/angles.md).
PELVIS_TILT, PELVIS_LIST, PELVIS_ROTATION = (ANGLE_INDEX[a] for a in ("pelvis_tilt", "pelvis_list", "pelvis_rotation"))
HIP_FLEXION_R, HIP_ADDUCTION_R, HIP_ROTATION_R = (
    ANGLE_INDEX[a] for a in ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r")
)
KNEE_FLEXION_R, ANKLE_DORSIFLEXION_R = ANGLE_INDEX["knee_flexion_r"], ANGLE_INDEX["ankle_dorsiflexion_r"]
HIP_FLEXION_L, HIP_ADDUCTION_L, HIP_ROTATION_L = (
    ANGLE_INDEX[a] for a in ("hip_flexion_l", "hip_adduction_l", "hip_rotation_l")
)
KNEE_FLEXION_L, ANKLE_DORSIFLEXION_L = ANGLE_INDEX["knee_flexion_l"], ANGLE_INDEX["ankle_dorsiflexion_l"]
LUMBAR_EXTENSION, LUMBAR_BENDING, LUMBAR_ROTATION = (
    ANGLE_INDEX[a] for a in ("lumbar_extension", "lumbar_bending", "lumbar_rotation")
)
SHOULDER_FLEXION_R, SHOULDER_ADDUCTION_R, SHOULDER_ROTATION_R = (
    ANGLE_INDEX[a] for a in ("shoulder_flexion_r", "shoulder_adduction_r", "shoulder_rotation_r")
)
SHOULDER_FLEXION_L, SHOULDER_ADDUCTION_L, SHOULDER_ROTATION_L = (
    ANGLE_INDEX[a] for a in ("shoulder_flexion_l", "shoulder_adduction_l", "shoulder_rotation_l")
)
ELBOW_FLEXION_R, ELBOW_FLEXION_L = ANGLE_INDEX["elbow_flexion_r"], ANGLE_INDEX["elbow_flexion_l"]
NECK_FLEXION, NECK_LATERAL_BENDING = ANGLE_INDEX["neck_flexion"], ANGLE_INDEX["neck_lateral_bending"]
N_ANGLES = len(ANGLES)
_ROTATION_COLUMNS = (HIP_ROTATION_R, HIP_ROTATION_L, SHOULDER_ROTATION_R, SHOULDER_ROTATION_L)
"""The axial rotations in the order of the knee/elbow flexion that gates each."""


@jit_noalloc
def _sub(j: FloatArray, a: int, b: int) -> tuple[float, float, float]:
    """joints[a] − joints[b] of one frame (22, 3)."""
    return j[a, 0] - j[b, 0], j[a, 1] - j[b, 1], j[a, 2] - j[b, 2]


@jit_noalloc
def _dot(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


@jit_noalloc
def _cross(a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, float, float]:
    return a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]


@jit_noalloc
def _div(a: tuple[float, float, float], s: float) -> tuple[float, float, float]:
    return a[0] / s, a[1] / s, a[2] / s


@jit_noalloc
def _normalized(
    v: tuple[float, float, float], axis: int, t: int, bad: NDArray[np.int64], first: NDArray[np.int64]
) -> tuple[tuple[float, float, float], bool]:
    """(v / |v|, True); or (v, False) when |v| < EPS, counting frame t as degenerate for `axis` (an index
    into DEGENERATE_AXES) in `bad` and `first`."""
    n = math.sqrt(_dot(v, v))
    if n < EPS:
        bad[axis] += 1
        if first[axis] < 0:
            first[axis] = t
        return v, False
    return _div(v, n), True


@jit_noalloc
def _orthogonalize(v: tuple[float, float, float], axis: tuple[float, float, float]) -> tuple[float, float, float]:
    """v minus its component along the unit `axis`."""
    d = _dot(v, axis)
    return v[0] - d * axis[0], v[1] - d * axis[1], v[2] - d * axis[2]


@jit_noalloc
def _express(
    v: tuple[float, float, float],
    fwd: tuple[float, float, float],
    up: tuple[float, float, float],
    right: tuple[float, float, float],
) -> tuple[float, float, float]:
    """(v·forward, v·up, v·right)."""
    return _dot(v, fwd), _dot(v, up), _dot(v, right)


@jit_noalloc
def _inclination_deg(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """Angle between a and b, degrees in [0, 180] (atan2 form: accurate near 0 and 180)."""
    c = _cross(a, b)
    return math.atan2(math.sqrt(_dot(c, c)), _dot(a, b)) * _DEG


@jit_noalloc
def _sagittal_deg(v: tuple[float, float, float]) -> float:
    """atan2(v_forward, −v_up) of frame components: 0 = pointing down, +90 = forward; wrapped to (−90, 270]."""
    a = math.atan2(v[0], -v[1]) * _DEG
    return a + 360.0 if a <= -90.0 else a


@jit_noalloc
def _frontal_deg(v: tuple[float, float, float]) -> float:
    """asin(v_right / |v|) of frame components: + toward the subject's right."""
    n = max(math.sqrt(_dot(v, v)), EPS)
    return math.asin(min(max(v[2] / n, -1.0), 1.0)) * _DEG


@jit_noalloc
def _sagittal_valid(v: tuple[float, float, float]) -> bool:
    """The limb is farther than POLE_HOLD_DEG from the left-right axis (its sagittal angle is defined)."""
    n = max(math.sqrt(_dot(v, v)), EPS)
    return abs(v[2]) / n < _COS_POLE


@jit_noalloc
def _axial_rotation(
    proximal: tuple[float, float, float],
    distal: tuple[float, float, float],
    reference: tuple[float, float, float],
) -> tuple[float, bool]:
    """Rotation of a limb about its own axis (degrees) and whether the reference is defined.

    The normal n = proximal × distal of the plane of the two segments is compared, about the proximal axis,
    with `reference` (the normal in the neutral pose) made orthogonal to that axis; the reference is
    undefined where the limb points within POLE_HOLD_DEG of it.
    """
    axis = _div(proximal, max(math.sqrt(_dot(proximal, proximal)), EPS))
    n = _cross(proximal, distal)
    ref = _orthogonalize(reference, axis)
    raw = math.atan2(_dot(_cross(ref, n), axis), _dot(ref, n)) * _DEG
    away = math.sqrt(_dot(ref, ref)) > _SIN_POLE * math.sqrt(_dot(reference, reference))
    return raw, away


@jit_noalloc
def _unwrap(x: FloatArray, period: float) -> None:
    """In place, `np.unwrap(x, period=period)`: jumps larger than period/2 are removed by adding multiples
    of the period (ties at exactly ±period/2 resolved as NumPy does)."""
    half = period / 2.0
    cum = 0.0
    prev = x[0]
    for t in range(1, x.shape[0]):
        cur = x[t]
        dd = cur - prev
        prev = cur
        if not abs(dd) < half:  # a shorter step is left alone (its correction would be set to 0)
            ddmod = (dd + half) % period - half  # Python's (and NumPy's) float modulo: sign of the divisor
            if ddmod == -half and dd > 0.0:
                ddmod = half
            cum += ddmod - dd
        x[t] = cur + cum


@jit_noalloc
def _continuous(out: FloatArray, col: int, low: float) -> None:
    """In place on out[:, col]: remove ±360° jumps along time and place the series so that its first frame
    lies in (low, low + 360]."""
    x = out[:, col]
    _unwrap(x, 360.0)
    shift = 360.0 * math.floor((low + 360.0 - x[0]) / 360.0)
    if shift != 0.0:
        for t in range(x.shape[0]):
            x[t] += shift


@jit_noalloc
def _continuous_where_defined(out: FloatArray, col: int) -> None:
    """In place on out[:, col], which is NaN where the angle is undefined: each defined stretch starts in
    (−180, 180] and is continuous (steps beyond 180° unwrapped); NaN stays NaN."""
    for t in range(out.shape[0]):
        v = out[t, col]
        if math.isnan(v):
            continue
        if t > 0 and not math.isnan(out[t - 1, col]):
            out[t, col] = v - 360.0 * math.floor((v - out[t - 1, col] + 180.0) / 360.0)
        else:
            out[t, col] = v - 360.0 * math.floor((v + 180.0) / 360.0)
            if out[t, col] <= -180.0:
                out[t, col] += 360.0


@jit_noalloc
def _sagittal_series(out: FloatArray, col: int, valid: NDArray[np.bool_], low: float) -> None:
    """In place on out[:, col] (raw sagittal angles): a series without jumps.

    Where the angle is defined (`valid`), it is continuous (steps beyond 180° unwrapped) and each defined
    stretch starts in (low, low + 360] (`SAGITTAL_WRAP_DEG`: a thigh swinging back in an arabesque reads
    −100°, not 260°; an arm raised to overhead reads 180°). Where it is not (the limb within POLE_HOLD_DEG
    of the left-right axis, e.g. an arm passing through the side on its way overhead), the angle is
    interpolated linearly between the stretches around it, or held at the clip's ends (0 if never defined).
    """
    T = out.shape[0]
    for t in range(T):
        if not valid[t]:
            continue
        if t > 0 and valid[t - 1]:
            out[t, col] -= 360.0 * math.floor((out[t, col] - out[t - 1, col] + 180.0) / 360.0)
        else:
            out[t, col] -= 360.0 * math.floor((out[t, col] - low) / 360.0)
            if out[t, col] <= low:
                out[t, col] += 360.0
    t = 0
    while t < T:
        if valid[t]:
            t += 1
            continue
        u = t
        while t < T and not valid[t]:
            t += 1
        before = out[u - 1, col] if u > 0 else (out[t, col] if t < T else 0.0)
        after = out[t, col] if t < T else before
        for k in range(u, t):
            out[k, col] = before + (after - before) * (k - u + 1) / (t - u + 1)


@jit
def angles_into(joints: FloatArray, out: FloatArray, neutral: FloatArray) -> tuple[int, int, int]:
    """All 26 SMD angles of every frame.

    Args:
        joints: (T, 22, 3) float64, canonical SMPL-22 (metres, Y up, facing +Z in frame 0).
        out: (T, 26) float64, written with the angles in degrees (columns in `angles.ANGLES` order).
        neutral: (26,) float64 readings of the skeleton's neutral standing pose (`motion_smd.neutral`),
            subtracted from every frame; the axial-rotation gate reads the calibrated knee/elbow flexion.

    Returns:
        (status, bad_frames, first_bad_frame): status 0 when every frame has a body and thorax frame, else
        k ≥ 1 for the first of `DEGENERATE_AXES` that has zero length somewhere (then `out` is undefined).

    Source: spec/angles.md, table and "Frames".
    """
    T = joints.shape[0]
    bad = np.zeros(4, dtype=np.int64)
    first = np.full(4, -1, dtype=np.int64)
    r0 = _sub(joints[0], R_HIP, L_HIP)
    yaw0 = math.atan2(r0[2], -r0[0])  # 0 when right = −X (facing +Z); + when turned left
    # frame 0: yaw = yaw0; the heading column first holds the raw yaw (radians), unwrapped below
    for t in range(T):
        r = _sub(joints[t], R_HIP, L_HIP)
        out[t, PELVIS_ROTATION] = math.atan2(r[2], -r[0])
    _unwrap(out[:, PELVIS_ROTATION], 2.0 * math.pi)
    u0 = out[0, PELVIS_ROTATION]
    sagittal_valid = np.zeros((T, 4), dtype=np.bool_)  # hip flexion r, l and shoulder flexion r, l defined
    for t in range(T):
        j = joints[t]
        heading = (out[t, PELVIS_ROTATION] - u0) * _DEG
        out[t, PELVIS_ROTATION] = heading
        # body frame
        right, ok = _normalized(_sub(j, R_HIP, L_HIP), 0, t, bad, first)
        if not ok:
            continue
        mid_x = 0.5 * (j[R_HIP, 0] + j[L_HIP, 0])
        mid_y = 0.5 * (j[R_HIP, 1] + j[L_HIP, 1])
        mid_z = 0.5 * (j[R_HIP, 2] + j[L_HIP, 2])
        pu = _orthogonalize((j[PELVIS, 0] - mid_x, j[PELVIS, 1] - mid_y, j[PELVIS, 2] - mid_z), right)
        up, ok = _normalized(pu, 1, t, bad, first)
        if not ok:
            continue
        fwd = _cross(up, right)
        # thorax frame
        trunk = _sub(j, NECK, PELVIS)
        t_up, ok = _normalized(trunk, 2, t, bad, first)
        if not ok:
            continue
        shoulders = _sub(j, R_SHOULDER, L_SHOULDER)
        t_right, ok = _normalized(_orthogonalize(shoulders, t_up), 3, t, bad, first)
        if not ok:
            continue
        t_fwd = _cross(t_up, t_right)

        # Pelvis: tilt and list of the pelvis up axis in the heading-aligned frame.
        yaw_abs = heading * _RAD + yaw0
        s, c = math.sin(yaw_abs), math.cos(yaw_abs)
        out[t, PELVIS_TILT] = math.atan2(-(up[0] * s + up[2] * c), up[1]) * _DEG  # forward_h = (s, 0, c)
        out[t, PELVIS_LIST] = math.atan2(-up[0] * c + up[2] * s, up[1]) * _DEG  # right_h = (−c, 0, s)

        # Limb vectors.
        thigh_r, thigh_l = _sub(j, R_KNEE, R_HIP), _sub(j, L_KNEE, L_HIP)
        shank_r, shank_l = _sub(j, R_ANKLE, R_KNEE), _sub(j, L_ANKLE, L_KNEE)
        foot_r, foot_l = _sub(j, R_FOOT, R_ANKLE), _sub(j, L_FOOT, L_ANKLE)
        uarm_r, uarm_l = _sub(j, R_ELBOW, R_SHOULDER), _sub(j, L_ELBOW, L_SHOULDER)
        farm_r, farm_l = _sub(j, R_WRIST, R_ELBOW), _sub(j, L_WRIST, L_ELBOW)
        head = _sub(j, HEAD, NECK)

        # Inclinations: knees, ankles, elbows.
        knee_r, knee_l = _inclination_deg(thigh_r, shank_r), _inclination_deg(thigh_l, shank_l)
        elbow_r, elbow_l = _inclination_deg(uarm_r, farm_r), _inclination_deg(uarm_l, farm_l)
        knee_r -= neutral[KNEE_FLEXION_R]
        knee_l -= neutral[KNEE_FLEXION_L]
        elbow_r -= neutral[ELBOW_FLEXION_R]
        elbow_l -= neutral[ELBOW_FLEXION_L]
        out[t, KNEE_FLEXION_R] = knee_r
        out[t, KNEE_FLEXION_L] = knee_l
        out[t, ANKLE_DORSIFLEXION_R] = _inclination_deg(shank_r, foot_r) - 90.0
        out[t, ANKLE_DORSIFLEXION_L] = _inclination_deg(shank_l, foot_l) - 90.0
        out[t, ELBOW_FLEXION_R] = elbow_r
        out[t, ELBOW_FLEXION_L] = elbow_l

        # Thighs and trunk in the body frame; upper arms and head in the thorax frame.
        th_r, th_l = _express(thigh_r, fwd, up, right), _express(thigh_l, fwd, up, right)
        tr = _express(trunk, fwd, up, right)
        ua_r, ua_l = _express(uarm_r, t_fwd, t_up, t_right), _express(uarm_l, t_fwd, t_up, t_right)
        hv = _express(head, t_fwd, t_up, t_right)
        # Sagittal angles are held where the limb points near the left-right axis.
        out[t, HIP_FLEXION_R] = _sagittal_deg(th_r)
        out[t, HIP_FLEXION_L] = _sagittal_deg(th_l)
        out[t, SHOULDER_FLEXION_R] = _sagittal_deg(ua_r)
        out[t, SHOULDER_FLEXION_L] = _sagittal_deg(ua_l)
        sagittal_valid[t, 0] = _sagittal_valid(th_r)
        sagittal_valid[t, 1] = _sagittal_valid(th_l)
        sagittal_valid[t, 2] = _sagittal_valid(ua_r)
        sagittal_valid[t, 3] = _sagittal_valid(ua_l)
        out[t, HIP_ADDUCTION_R] = -_frontal_deg(th_r)  # + = adduction on both sides
        out[t, HIP_ADDUCTION_L] = _frontal_deg(th_l)
        out[t, SHOULDER_ADDUCTION_R] = -_frontal_deg(ua_r)
        out[t, SHOULDER_ADDUCTION_L] = _frontal_deg(ua_l)

        # Axial rotations of hips (reference: −right, the flexion axis of a neutral knee) and shoulders
        # (+right of the thorax); undefined (NaN) where the knee/elbow is nearly straight or the reference is.
        # (computed only where the knee/elbow is flexed enough for it to be defined)
        neg_right = (-right[0], -right[1], -right[2])
        flexion = (knee_r, knee_l, elbow_r, elbow_l)
        for k in range(4):
            flex, col = flexion[k], _ROTATION_COLUMNS[k]
            if not flex > ROTATION_MIN_FLEXION_DEG:
                out[t, col] = math.nan
                continue
            if k == 0:
                raw, away = _axial_rotation(thigh_r, shank_r, neg_right)
            elif k == 1:
                raw, away = _axial_rotation(thigh_l, shank_l, neg_right)
            elif k == 2:
                raw, away = _axial_rotation(uarm_r, farm_r, t_right)
            else:
                raw, away = _axial_rotation(uarm_l, farm_l, t_right)
            out[t, col] = raw if away else math.nan

        # Trunk, in the body frame.
        out[t, LUMBAR_EXTENSION] = math.atan2(-tr[0], tr[1]) * _DEG
        out[t, LUMBAR_BENDING] = _frontal_deg(tr)
        trunk_u = _div(trunk, max(math.sqrt(_dot(trunk, trunk)), EPS))
        a = _orthogonalize(right, trunk_u)
        b = _orthogonalize(shoulders, trunk_u)
        out[t, LUMBAR_ROTATION] = math.atan2(_dot(_cross(a, b), trunk_u), _dot(a, b)) * _DEG

        # Neck, in the thorax frame.
        out[t, NECK_FLEXION] = math.atan2(hv[0], hv[1]) * _DEG
        out[t, NECK_LATERAL_BENDING] = _frontal_deg(hv)

    for k in range(4):
        if bad[k] > 0:
            return k + 1, bad[k], first[k]
    for col in (PELVIS_TILT, PELVIS_LIST, LUMBAR_EXTENSION, LUMBAR_ROTATION, NECK_FLEXION):
        _continuous(out, col, -180.0)
    for col in (HIP_ROTATION_R, HIP_ROTATION_L, SHOULDER_ROTATION_R, SHOULDER_ROTATION_L):
        _continuous_where_defined(out, col)
    for k, col in enumerate((HIP_FLEXION_R, HIP_FLEXION_L, SHOULDER_FLEXION_R, SHOULDER_FLEXION_L)):
        _sagittal_series(out, col, sagittal_valid[:, k], SAGITTAL_WRAP_DEG[k // 2])
        for t in range(T):
            out[t, col] -= neutral[col]
    # right side: + = internal rotation after the sign flip (applied after making the series continuous)
    for t in range(T):
        out[t, HIP_ROTATION_R] = -out[t, HIP_ROTATION_R]
        out[t, SHOULDER_ROTATION_R] = -out[t, SHOULDER_ROTATION_R]
    # the neutral reading of every other angle (knees and elbows above, sagittal angles with their series)
    for col in range(N_ANGLES):
        if col in (KNEE_FLEXION_R, KNEE_FLEXION_L, ELBOW_FLEXION_R, ELBOW_FLEXION_L) or neutral[col] == 0.0:
            continue
        if col in (HIP_FLEXION_R, HIP_FLEXION_L, SHOULDER_FLEXION_R, SHOULDER_FLEXION_L):
            continue
        for t in range(T):
            out[t, col] -= neutral[col]
    return 0, 0, -1
