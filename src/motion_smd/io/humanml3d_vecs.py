"""Reader for HumanML3D feature vectors (`new_joint_vecs/*.npy`, shape (T, 263)): recover joints.

Feature layout of one frame (Guo et al. 2022, "Generating Diverse and Natural 3D Human Motions from
Text", HumanML3D `motion_representation.ipynb` / `motion_process.py`, 22 joints):

| columns | size | content |
|---|---|---|
| 0 | 1 | root angular velocity about Y (rad per frame, as the *half* angle of the per-frame quaternion) |
| 1:3 | 2 | root linear velocity in the XZ plane, in the root's own (facing) frame, metres per frame |
| 3 | 1 | root height (pelvis y), metres |
| 4:67 | 21 × 3 | rotation-invariant positions ("ric") of joints 1..21: relative to the root's XZ |
| | | position and rotated into the root's facing frame |
| 67:193 | 21 × 6 | local joint rotations (6-D) — not needed for positions |
| 193:259 | 22 × 3 | local joint velocities — not needed |
| 259:263 | 4 | foot contacts — not needed |

Recovery (`recover_joints`) is HumanML3D's `recover_from_ric` in NumPy: integrate the root rotation
(r_ang[0] = 0, r_ang[t] = Σ_{k<t} vel[k]; quaternion (cos r, 0, sin r, 0)), rotate the root velocity
back to the world frame and integrate it (root XZ starts at the origin), then rotate each frame's
ric positions back to the world and add the root XZ. The recovered motion faces +Z at frame 0 with the
floor at y = 0, i.e. it is already in the canonical frame; `canonicalize` leaves it unchanged up to
rounding.

The file must hold the raw features as HumanML3D stores them, *not* the mean/std-normalised tensors a
model sees; normalised input gives a collapsed skeleton, which `Motion` rejects with a size error.
The file has no frame rate: 20 fps (HumanML3D) unless `ReadOptions.source_fps` is given (that is the file's
rate here; `target_fps` resamples). A `.npy` suffix cannot tell features from joints, so this reader is
only chosen explicitly (`--input-format humanml3d-vecs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import MotionFormatError, MotionValueError, where
from motion_smd.io.npy import HUMANML3D_FPS, read_joints_npy
from motion_smd.io.registry import ReadOptions, postprocess, register_reader
from motion_smd.motion import Motion
from motion_smd.skeleton import N_JOINTS

FloatArray = NDArray[np.float64]

N_FEATURES: Final[int] = 263
"""Feature size of HumanML3D (22 joints): 4 + 21·3 + 21·6 + 22·3 + 4."""

RIC_START: Final[int] = 4
RIC_END: Final[int] = RIC_START + (N_JOINTS - 1) * 3


def _rotate_y(vectors: FloatArray, angle: FloatArray) -> FloatArray:
    """Rotate (T, ..., 3) vectors about +Y by `angle` (T,) radians (right-handed: +Z → +X for +90°)."""
    c = np.cos(angle).reshape(angle.shape + (1,) * (vectors.ndim - 2))
    s = np.sin(angle).reshape(angle.shape + (1,) * (vectors.ndim - 2))
    out = vectors.copy()
    x, z = vectors[..., 0], vectors[..., 2]
    out[..., 0] = c * x + s * z
    out[..., 2] = -s * x + c * z
    return out


def root_yaw(features: FloatArray) -> FloatArray:
    """Root yaw per frame recovered from the features (HumanML3D `recover_root_rot_pos`).

    Args:
        features: (T, 263) float array of raw HumanML3D features.

    Returns:
        (T,) float64, radians: the half-angle r_t of the root quaternion (cos r_t, 0, sin r_t, 0), so the
        body has turned by 2·r_t about +Y since frame 0 (r_0 = 0).
    """
    r = np.zeros(features.shape[0], dtype=np.float64)
    r[1:] = np.cumsum(features[:-1, 0])
    return r


def recover_joints(features: NDArray[np.floating], source: str | None = None) -> FloatArray:
    """Joint positions from HumanML3D feature vectors (HumanML3D `recover_from_ric`, in NumPy).

    Args:
        features: (T, 263) float array, raw (un-normalised) HumanML3D features.
        source: file named in error messages.

    Returns:
        (T, 22, 3) float64 joint positions, metres, Y up, SMPL-22 order; facing +Z at frame 0, pelvis
        XZ at the origin at frame 0, floor as encoded (y = 0).

    Raises:
        MotionFormatError: wrong shape (e.g. KIT-ML's 251 features, or a joint array).
        MotionValueError: NaN or inf in the features.
    """
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[1] != N_FEATURES:
        hint = ""
        if f.ndim == 2 and f.shape[1] == 251:
            hint = " KIT-ML features (251, 21 joints) are not supported."
        if f.ndim == 3 and f.shape[1:] == (N_JOINTS, 3):
            hint = " This is a joint array: read it with --input-format npy."
        raise MotionFormatError(
            f"{where(source)}HumanML3D feature vectors have shape (T, {N_FEATURES}); got {f.shape}.{hint}"
        )
    if not np.isfinite(f).all():
        bad = np.flatnonzero(~np.isfinite(f).all(axis=1))
        raise MotionValueError(
            f"{where(source)}{bad.size} feature frame(s) contain NaN or inf (first: frame {bad[0]}); fill or drop them."
        )
    angle = 2.0 * root_yaw(f)  # full yaw (the features hold quaternion half-angles)
    # Root velocity is stored in the facing frame of the *next* frame; undo with qinv(r_rot[t + 1]).
    vel = np.zeros((f.shape[0], 3), dtype=np.float64)
    vel[1:, 0] = f[:-1, 1]
    vel[1:, 2] = f[:-1, 2]
    root = np.cumsum(_rotate_y(vel, -angle), axis=0)
    root[:, 1] = f[:, 3]
    ric = f[:, RIC_START:RIC_END].reshape(-1, N_JOINTS - 1, 3)
    joints = _rotate_y(ric, -angle)
    joints[..., 0] += root[:, None, 0]
    joints[..., 2] += root[:, None, 2]
    return np.concatenate([root[:, None, :], joints], axis=1)


def read_humanml3d_vecs(path: Path, options: ReadOptions) -> Motion:
    """Read a (T, 263) HumanML3D feature file and return a canonical Motion.

    Args:
        path: `.npy` file of raw features (no pickle).
        options: `fps` = the file's rate (default 20), `target_fps` resamples, `skip_frames` drops
            leading frames, `canonicalize` (the recovered motion is already canonical).

    Raises:
        MotionFormatError: unreadable file or wrong shape.
        MotionValueError: NaN/inf, or a skeleton of implausible size (normalised features).
    """
    arr = read_joints_npy(path)
    if options.skip_frames:
        arr = arr[options.skip_frames :]
    joints = recover_joints(arr, str(path))
    meta = {"format": "humanml3d-vecs", "rig": "smpl"}  # SMPL joint centres (see motion_smd.neutral)
    motion = Motion(joints, options.source_fps or HUMANML3D_FPS, source=str(path), meta=meta)
    return postprocess(motion, options)


register_reader(
    "humanml3d-vecs",
    (),
    read_humanml3d_vecs,
    "HumanML3D new_joint_vecs (T, 263) features; choose with --input-format humanml3d-vecs; 20 fps",
)
