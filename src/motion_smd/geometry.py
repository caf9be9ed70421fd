"""The body's facing and turns about the vertical: one definition for the whole package.

The body faces `forward = up × across` with `across = (right_hip − left_hip) + (right_shoulder −
left_shoulder)` and up = +Y, as in HumanML3D's `motion_process.py`; so forward = (across_z, 0, −across_x)
and its yaw about +Y is atan2(across_z, −across_x): 0 when facing +Z, positive toward +X (the canonical
subject's left). Used by `Motion.canonicalize` (frame 0 faces +Z), the trajectory channels (Forward, Lateral,
Heading) and the Bandai-QA direction labels. Pure NumPy functions.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from motion_smd.skeleton import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER

FloatArray = NDArray[np.float64]


def across_vector(joints: FloatArray) -> FloatArray:
    """(right_hip − left_hip) + (right_shoulder − left_shoulder).

    Args:
        joints: (..., 22, 3) float, SMPL-22 order.

    Returns:
        (..., 3) float64, the body's left-to-right direction (not normalised).
    """
    j = np.asarray(joints, dtype=np.float64)
    return (j[..., R_HIP, :] - j[..., L_HIP, :]) + (j[..., R_SHOULDER, :] - j[..., L_SHOULDER, :])


def facing_yaw_rad(joints: FloatArray) -> FloatArray:
    """Yaw of the body's facing direction about +Y, radians in (−π, π] (not unwrapped).

    Args:
        joints: (..., 22, 3) float, Y up.

    Returns:
        (...) float64: 0 facing +Z, + toward +X (see the module docstring).
    """
    across = across_vector(joints)
    return np.asarray(np.arctan2(across[..., 2], -across[..., 0]), dtype=np.float64)


def face_z(x: FloatArray, z: FloatArray, yaw_rad: float) -> tuple[FloatArray, FloatArray]:
    """Turn horizontal coordinates about +Y so that the direction at `yaw_rad` becomes +Z.

    Args:
        x, z: arrays of the same shape, the horizontal coordinates (metres).
        yaw_rad: yaw of the direction to bring onto +Z (`facing_yaw_rad`).

    Returns:
        (x', z'): x' = cos·x − sin·z (along the new left, +X), z' = sin·x + cos·z (along the new forward).
    """
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    return c * x - s * z, s * x + c * z
