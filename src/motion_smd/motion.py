"""The `Motion` container: a validated joint-position sequence, plus canonicalisation and resampling.

Canonical convention (DESIGN.md, "Canonical motion", the HumanML3D convention): joints `(T, 22, 3)`,
metres, Y up, SMPL-22 order, floor at y = 0, pelvis XZ at the origin in frame 0, facing +Z in frame 0
(the subject's left is +X).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import DegenerateSkeletonError, MotionFormatError, MotionValueError, where
from motion_smd.geometry import across_vector, face_z, facing_yaw_rad
from motion_smd.skeleton import (
    HEAD,
    L_ANKLE,
    L_HIP,
    L_KNEE,
    N_JOINTS,
    NECK,
    PELVIS,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    SKELETON_NAME,
    SMPL22_BONES,
    SMPL22_JOINTS,
    SMPL22_MIRROR,
    SPINE1,
    SPINE2,
    SPINE3,
)

FloatArray = NDArray[np.float64]

MIN_BONE_LENGTH_M = 1e-4
"""Bones shorter than this (metres) in any frame make the skeleton degenerate."""

PLAUSIBLE_CHAIN_HEIGHT_M = (0.3, 3.0)
"""Accepted range of `chain_height_m` (leg + trunk + neck chain). An adult reads about 1.3–1.6 m."""


_BONE_PARENTS = np.array([b[0] for b in SMPL22_BONES])
_BONE_CHILDREN = np.array([b[1] for b in SMPL22_BONES])
_BONE_COLUMN = {bone: i for i, bone in enumerate(SMPL22_BONES)}
_LEG_BONES = [_BONE_COLUMN[b] for b in ((L_HIP, L_KNEE), (L_KNEE, L_ANKLE), (R_HIP, R_KNEE), (R_KNEE, R_ANKLE))]
_TRUNK_BONES = [
    _BONE_COLUMN[b] for b in ((PELVIS, SPINE1), (SPINE1, SPINE2), (SPINE2, SPINE3), (SPINE3, NECK), (NECK, HEAD))
]


def bone_lengths(joints: FloatArray) -> FloatArray:
    """Length of each of the 21 SMPL-22 bones per frame.

    Args:
        joints: (T, 22, 3) float array, SMPL-22 order, any units.

    Returns:
        (T, 21) float64 in the units of `joints`, columns in the order of `SMPL22_BONES`.
    """
    j = np.asarray(joints, dtype=np.float64)
    d = np.take(j, _BONE_CHILDREN, axis=1) - np.take(j, _BONE_PARENTS, axis=1)  # np.take: faster than j[:, idx]
    d *= d
    sq = d[..., 0] + d[..., 1]
    sq += d[..., 2]
    return np.sqrt(sq, out=sq)


def chain_height_m(joints: FloatArray, lengths: FloatArray | None = None) -> float:
    """Size of the skeleton: median over frames of leg length plus pelvis-to-head chain length.

    Args:
        joints: (T, 22, 3) float array, SMPL-22 order, any units.
        lengths: `bone_lengths(joints)` if already computed.

    Returns:
        A length in the units of `joints` (metres for canonical motion); about 1.3–1.6 m for an adult,
        since it omits the foot and the top of the head. Invariant to pose and orientation.
    """
    bl = bone_lengths(joints) if lengths is None else lengths
    leg = 0.5 * np.take(bl, _LEG_BONES, axis=1).sum(axis=1)
    trunk = np.take(bl, _TRUNK_BONES, axis=1).sum(axis=1)
    return float(np.median(leg + trunk))


def z_up_to_y_up(joints: FloatArray) -> FloatArray:
    """Convert Z-up joints to Y-up with the BABEL/AMASS convention map (x, y, z) → (−x, z, y).

    Args:
        joints: (T, J, 3) float array, Z up.

    Returns:
        (T, J, 3) float64 array, Y up, right-handed (DESIGN.md, "Canonical motion").
    """
    out = np.empty(joints.shape, dtype=np.float64)
    out[..., 0] = -joints[..., 0]
    out[..., 1] = joints[..., 2]
    out[..., 2] = joints[..., 1]
    return out


MAX_COORDINATE_M = 1e5
"""No joint may lie farther than this from the origin (100 km): beyond it a position is corruption or another
unit, and distances computed from it overflow."""


def validate_joints(joints: np.ndarray, source: str | None = None) -> FloatArray:
    """Check a joint array and return it as a C-contiguous float64 copy.

    Args:
        joints: array expected to be (T, 22, 3), finite, metres.
        source: file or id named in error messages.

    Returns:
        (T, 22, 3) float64 array.

    Raises:
        MotionFormatError: wrong dtype or shape, or empty.
        MotionValueError: fewer than 2 frames, NaN/inf values, a joint beyond MAX_COORDINATE_M, or
            implausible scale (not metres).
        DegenerateSkeletonError: a bone of (near) zero length in some frame.
    """
    w = where(source)
    arr = np.asarray(joints)
    if arr.size == 0:
        raise MotionFormatError(f"{w}the motion is empty (shape {arr.shape}); expected (T, 22, 3) joint positions.")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise MotionFormatError(f"{w}joint array has dtype {arr.dtype}; expected a real float array (T, 22, 3).")
    if arr.ndim != 3 or arr.shape[1:] != (N_JOINTS, 3):
        hint = ""
        if arr.ndim == 2 and arr.shape[1] == 263:
            hint = " This looks like HumanML3D feature vectors (new_joint_vecs): use --input-format humanml3d-vecs."
        elif arr.ndim == 3 and arr.shape[2] == 3:
            hint = f" It has {arr.shape[1]} joints; SMD needs the 22 SMPL body joints in HumanML3D order."
        raise MotionFormatError(f"{w}joint array has shape {arr.shape}; expected (T, 22, 3).{hint}")
    if arr.shape[0] < 2:
        raise MotionValueError(f"{w}the motion has {arr.shape[0]} frame; at least 2 frames are needed.")
    out = np.ascontiguousarray(arr, dtype=np.float64)
    finite = np.isfinite(out)
    if not finite.all():
        bad_frames = np.flatnonzero(~finite.all(axis=(1, 2)))
        raise MotionValueError(
            f"{w}{bad_frames.size} of {out.shape[0]} frames contain NaN or inf (first: frame {bad_frames[0]}); "
            "fill or drop those frames before describing."
        )
    far = np.abs(out).max(axis=(1, 2)) > MAX_COORDINATE_M
    if far.any():
        first = int(np.flatnonzero(far)[0])
        raise MotionValueError(
            f"{w}{int(far.sum())} of {out.shape[0]} frames place a joint more than {MAX_COORDINATE_M:g} m from "
            f"the origin (first: frame {first}, {np.abs(out[first]).max():.3g}); positions must be metres of a "
            "real capture volume: the file is corrupt or in another unit."
        )
    lengths = bone_lengths(out)  # (T, 21)
    height = chain_height_m(out, lengths)
    lo, hi = PLAUSIBLE_CHAIN_HEIGHT_M
    if not lo <= height <= hi:
        unit = ""
        if 30 <= height <= 300:
            unit = " It looks like centimetres: divide by 100 (or pass --unit cm)."
        elif 300 <= height <= 3000:
            unit = " It looks like millimetres: divide by 1000 (or pass --unit mm)."
        raise MotionValueError(
            f"{w}implausible skeleton size: leg+trunk chain is {height:.3g} units, expected "
            f"{lo}–{hi} m for joints in metres.{unit}"
        )
    short = lengths < MIN_BONE_LENGTH_M * max(height, 1e-9) / 1.5
    if short.any():
        t, b = np.argwhere(short)[0]
        parent, child = SMPL22_BONES[b]
        raise DegenerateSkeletonError(
            f"{w}bone {SMPL22_JOINTS[parent]}→{SMPL22_JOINTS[child]} has zero length in "
            f"{int(short[:, b].sum())} frame(s) (first: frame {t}); the joints are collapsed or the rig "
            "mapping sends two SMPL joints to the same rig joint."
        )
    return out


@dataclass(frozen=True)
class Motion:
    """A validated joint-position sequence.

    Attributes:
        joints: (T, 22, 3) float64, metres, Y up, SMPL-22 order (read-only view).
        fps: frames per second (> 0).
        skeleton: joint-set name; always "smpl22" for a Motion that the describer accepts.
        source: file path or id, used in messages and output ids.

    Raises (on construction):
        MotionFormatError, MotionValueError, DegenerateSkeletonError: see `validate_joints`.
        MotionValueError: non-positive or non-finite fps.
    """

    joints: FloatArray
    fps: float
    skeleton: str = SKELETON_NAME
    source: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise MotionValueError(f"{where(self.source)}fps must be a positive number, got {self.fps!r}.")
        arr = validate_joints(self.joints, self.source)
        arr.setflags(write=False)
        object.__setattr__(self, "joints", arr)
        object.__setattr__(self, "fps", float(self.fps))

    def _rigidly_moved(self, joints: FloatArray) -> Motion:
        """A copy with joints that are a rigid transform (or reflection) of this motion's: they are valid
        by construction, so validation is not repeated."""
        out = object.__new__(Motion)
        joints.setflags(write=False)
        for name, value in (("joints", joints), ("fps", self.fps), ("skeleton", self.skeleton)):
            object.__setattr__(out, name, value)
        for name in ("source", "meta"):
            object.__setattr__(out, name, getattr(self, name))
        return out

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.joints.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds, T / fps (the convention of the original SMD header)."""
        return self.n_frames / self.fps

    def canonicalize(self, floor_m: float | None = None) -> Motion:
        """Return the motion in the canonical HumanML3D frame.

        Floor at y = 0 (lowest joint over the whole clip), pelvis XZ at the origin in frame 0, rotated
        about Y so the body faces +Z in frame 0 (`motion_smd.geometry`: forward = up × (r_hip − l_hip +
        r_shoulder − l_shoulder) as in HumanML3D's `motion_process.py`).

        Args:
            floor_m: the height (y, metres) to move to y = 0; None = the lowest joint over the clip. A part of
                a canonical motion keeps the whole motion's floor with 0.0 (`motion_smd.windows`).

        Raises:
            DegenerateSkeletonError: when the hips and shoulders give no horizontal across-direction.
        """
        j = np.array(self.joints, dtype=np.float64)
        j[..., 1] -= j[..., 1].min() if floor_m is None else floor_m
        j[..., 0] -= j[0, PELVIS, 0]
        j[..., 2] -= j[0, PELVIS, 2]
        across = across_vector(j[0])
        if float(np.hypot(across[0], across[2])) < 1e-9:
            raise DegenerateSkeletonError(
                f"{where(self.source)}cannot find the facing direction in frame 0: hips and shoulders "
                "give no horizontal left-right axis."
            )
        j[..., 0], j[..., 2] = face_z(j[..., 0].copy(), j[..., 2].copy(), float(facing_yaw_rad(j[0])))
        return self._rigidly_moved(j)

    def resample(self, fps: float) -> Motion:
        """Linearly interpolate to a new frame rate.

        Frames are placed at t_k = k / fps for k = 0 .. floor((T − 1) · fps / self.fps), so the first
        frame is kept and the clip never extends past its last sample.

        Raises:
            MotionValueError: non-positive fps, or fewer than 2 frames at the new rate.
        """
        if not (np.isfinite(fps) and fps > 0):
            raise MotionValueError(f"{where(self.source)}target fps must be positive, got {fps!r}.")
        if abs(fps - self.fps) < 1e-9:
            return self
        t_old = np.arange(self.n_frames) / self.fps
        n_new = int(np.floor((self.n_frames - 1) * fps / self.fps + 1e-9)) + 1
        t_new = np.arange(n_new) / fps
        pos = np.clip(np.searchsorted(t_old, t_new, side="right") - 1, 0, self.n_frames - 2)
        w = ((t_new - t_old[pos]) * self.fps)[:, None, None]
        j = (1.0 - w) * self.joints[pos] + w * self.joints[pos + 1]
        return replace(self, joints=j, fps=float(fps))

    def mirrored(self) -> Motion:
        """Reflect across the sagittal plane (x → −x) and swap left/right joints."""
        j = np.array(self.joints[:, list(SMPL22_MIRROR)], dtype=np.float64)
        j[..., 0] *= -1.0
        return self._rigidly_moved(j)

    def window(self, start_s: float, end_s: float) -> Motion:
        """The sub-motion between two times (seconds from the clip start, end inclusive of its frame).

        Raises:
            MotionValueError: if the window holds fewer than 2 frames (the message names the source, the
                window and the clip's duration).
        """
        a, b = window_frames(start_s, end_s, self.fps, self.n_frames)
        if b - a < 2:
            raise MotionValueError(
                f"{where(self.source)}the window {start_s:g}–{end_s:g} s holds {max(b - a, 0)} frame(s) of a "
                f"{self.duration_s:.2f} s motion at {self.fps:g} fps; choose a window of at least 2 frames inside it."
            )
        return replace(self, joints=self.joints[a:b])


def window_frames(start_s: float, end_s: float, fps: float, n_frames: int) -> tuple[int, int]:
    """The frame slice a:b of the window start_s … end_s (seconds from the clip start; the end's frame
    included; +inf = to the end), each time rounded to the nearest frame and clipped to the clip.

    Returns:
        (a, b) ints, 0 ≤ a, b ≤ n_frames (b − a may be below 2: the caller decides whether that is an error).
    """
    a = max(0, round(start_s * fps))
    b = min(n_frames, round(end_s * fps) + 1) if math.isfinite(end_s) else n_frames
    return a, b


def as_motion(
    joints: np.ndarray,
    fps: float,
    *,
    up: Literal["y", "z"] = "y",
    source: str | None = None,
    canonicalize: bool = True,
) -> Motion:
    """Build a (canonical) Motion from a raw (T, 22, 3) array.

    Args:
        joints: (T, 22, 3) float array, metres, SMPL-22 order.
        fps: frame rate of `joints`.
        up: the up axis of `joints`; "z" applies `z_up_to_y_up`.
        source: name used in errors.
        canonicalize: apply `Motion.canonicalize()`.
    """
    arr = np.asarray(joints)
    if up == "z":
        arr = z_up_to_y_up(validate_joints(arr, source))
    m = Motion(arr, fps, source=source)
    return m.canonicalize() if canonicalize else m
