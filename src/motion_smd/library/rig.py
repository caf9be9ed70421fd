"""Rotation-space operations on BVH channel data, for composition and editing of rig motions.

A `RigPose` holds one BVH clip as per-joint local rotations (unit quaternions, scipy's (x, y, z, w) order)
and local translations (file units), the form in which clips can be moved rigidly, resampled (slerp),
mirrored, blended and scaled. `to_bvh` turns it back into channel values with each joint's own Euler order.

Conventions are those of `motion_smd.io.bvh` (intrinsic Euler angles in channel order; a position channel
replaces the matching OFFSET component; world_rot(child) = world_rot(parent) · local_rot(child)). Y is up
(the reader's convention for BVH files; Z-up files are refused by `RigPose.from_bvh`'s callers).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from motion_smd.errors import ConfigError
from motion_smd.io.bvh import _AXES, BvhData, forward_kinematics

FloatArray = NDArray[np.float64]

_SIDE_TOKENS = (("Left", "Right"), ("left", "right"), ("LEFT", "RIGHT"), ("L", "R"), ("l", "r"))
_MIRROR_QUAT = np.array([1.0, -1.0, -1.0, 1.0])
"""Reflection x → −x applied to a rotation: (x, y, z, w) → (x, −y, −z, w) (a rotation about an axis a maps
to the rotation about the mirrored axis with the opposite sense)."""


@dataclass(frozen=True)
class RigPose:
    """One BVH clip in rotation space.

    Attributes:
        template: the parsed file (joints, channel layout, frame time); its motion block is not used.
        quats: (T, J, 4) float64 local rotations, scipy (x, y, z, w), identity for joints without rotation
            channels.
        trans: (T, J, 3) float64 local translations, file units (position channels where present, else the
            joint's OFFSET).
    """

    template: BvhData
    quats: FloatArray
    trans: FloatArray

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.quats.shape[0])

    @staticmethod
    def from_bvh(bvh: BvhData) -> RigPose:
        """The clip's local rotations and translations (conventions in the module docstring)."""
        t, n = bvh.n_frames, len(bvh.joints)
        quats = np.zeros((t, n, 4))
        quats[..., 3] = 1.0
        trans = np.zeros((t, n, 3))
        for i, j in enumerate(bvh.joints):
            trans[:, i] = j.offset
            rot_cols = []
            for k, ch in enumerate(j.channels):
                if ch.lower().endswith("position"):
                    trans[:, i, _AXES.index(ch[0].upper())] = bvh.motion[:, j.first_column + k]
                else:
                    rot_cols.append(j.first_column + k)
            if rot_cols:
                quats[:, i] = Rotation.from_euler(j.rotation_order, bvh.motion[:, rot_cols], degrees=True).as_quat()
        return RigPose(bvh, _continuous(quats), trans)

    def to_bvh(self, frame_time: float | None = None) -> BvhData:
        """Channel values of this pose: Euler angles (degrees, each joint's order) and position channels."""
        t = self.n_frames
        motion = np.zeros((t, self.template.motion.shape[1]))
        for i, j in enumerate(self.template.joints):
            rot_cols = []
            for k, ch in enumerate(j.channels):
                if ch.lower().endswith("position"):
                    motion[:, j.first_column + k] = self.trans[:, i, _AXES.index(ch[0].upper())]
                else:
                    rot_cols.append(j.first_column + k)
            if rot_cols:
                with warnings.catch_warnings():  # at gimbal lock scipy picks one of the equivalent Euler triples
                    warnings.simplefilter("ignore", UserWarning)
                    euler = Rotation.from_quat(self.quats[:, i]).as_euler(j.rotation_order, degrees=True)
                motion[:, rot_cols] = euler
        ft = self.template.frame_time if frame_time is None else frame_time
        return BvhData(self.template.joints, ft, motion, self.template.source)

    def frames(self, index: NDArray[np.intp] | slice) -> RigPose:
        """The pose at the given frames (a slice or an index array)."""
        return RigPose(self.template, self.quats[index], self.trans[index])

    def world_positions(self) -> FloatArray:
        """(T, J, 3) world positions of all joints, file units (forward kinematics of `to_bvh`)."""
        return forward_kinematics(self.to_bvh())


def _continuous(quats: FloatArray) -> FloatArray:
    """Flip quaternion signs so consecutive frames lie in the same hemisphere (q and −q are one rotation);
    keeps slerp and blending on the short arc. (T, J, 4) → (T, J, 4)."""
    q = np.array(quats, dtype=np.float64)
    if q.shape[0] < 2:
        return q
    dots = np.einsum("tjc,tjc->tj", q[1:], q[:-1])
    flips = np.cumprod(np.where(dots < 0.0, -1.0, 1.0), axis=0)
    q[1:] *= flips[..., None]
    return q


def concat(poses: Sequence[RigPose]) -> RigPose:
    """Frames of several poses of one skeleton, one after the other.

    Raises:
        ConfigError: the poses come from skeletons with different joints.
    """
    names = {p.template.names for p in poses}
    if len(names) != 1:
        raise ConfigError("cannot join BVH clips of different skeletons into one BVH; write .npy joints instead.")
    quats = _continuous(np.concatenate([p.quats for p in poses]))
    return RigPose(poses[0].template, quats, np.concatenate([p.trans for p in poses]))


def moved(pose: RigPose, yaw_rad: float, shift: FloatArray) -> RigPose:
    """The clip turned by `yaw_rad` about world +Y through the origin, then shifted by `shift` ((3,), file
    units): every world position x becomes R_y · x + shift. Only the root joint's channels change."""
    ry = Rotation.from_rotvec([0.0, yaw_rad, 0.0])
    quats = np.array(pose.quats)
    trans = np.array(pose.trans)
    quats[:, 0] = (ry * Rotation.from_quat(quats[:, 0])).as_quat()
    trans[:, 0] = ry.apply(trans[:, 0]) + np.asarray(shift, dtype=np.float64)
    return RigPose(pose.template, _continuous(quats), trans)


def resample(pose: RigPose, times_frames: FloatArray) -> RigPose:
    """The pose at fractional frame times (slerp of rotations, linear translations).

    Args:
        pose: the clip.
        times_frames: (N,) float frame times in [0, T − 1].
    """
    t = np.clip(np.asarray(times_frames, dtype=np.float64), 0.0, pose.n_frames - 1)
    lo = np.minimum(np.floor(t).astype(np.intp), pose.n_frames - 2) if pose.n_frames > 1 else np.zeros(len(t), np.intp)
    w = t - lo
    hi = np.minimum(lo + 1, pose.n_frames - 1)
    trans = (1.0 - w)[:, None, None] * pose.trans[lo] + w[:, None, None] * pose.trans[hi]
    return RigPose(pose.template, slerp(pose.quats[lo], pose.quats[hi], w[:, None]), trans)


def slerp(q0: FloatArray, q1: FloatArray, w: FloatArray) -> FloatArray:
    """Spherical interpolation between unit quaternions (…, 4) with weights broadcast to (…) (0 → q0, 1 → q1),
    on the short arc."""
    r0 = Rotation.from_quat(q0.reshape(-1, 4))
    delta = (r0.inv() * Rotation.from_quat(q1.reshape(-1, 4))).as_rotvec()
    ww = np.broadcast_to(w, q0.shape[:-1]).reshape(-1, 1)
    out = (r0 * Rotation.from_rotvec(delta * ww)).as_quat()
    return _continuous(out.reshape(q0.shape))


def _swapper(a: str, b: str) -> Callable[[re.Match[str]], str]:
    return lambda m: b if m.group() == a else a


def side_swap(name: str) -> str:
    """The mirror joint's name: Left ↔ Right, L ↔ R as a whole token (e.g. "CC_Base_L_Thigh" ↔
    "CC_Base_R_Thigh", "UpperLeg_L" ↔ "UpperLeg_R", "LeftArm" ↔ "RightArm"); unchanged for a centre joint."""
    for a, b in _SIDE_TOKENS:
        one = len(a) == 1  # a one-letter side must stand alone: "L" in "CC_Base_L_Thigh", not in "Leg"
        pattern = rf"(?<![A-Za-z]){a}(?![A-Za-z])|(?<![A-Za-z]){b}(?![A-Za-z])" if one else rf"{a}|{b}"
        swapped = re.sub(pattern, _swapper(a, b), name)
        if swapped != name:
            return swapped
    return name


def mirrored(pose: RigPose) -> RigPose:
    """Reflect the clip across the world YZ plane (x → −x) and swap left and right joints' channels.

    Exact when the rest skeleton is left-right symmetric (each left joint's OFFSET mirrors its right
    partner's); otherwise the limbs keep their own lengths and the result is the mirrored motion on this
    skeleton.

    A joint whose mirror name (`side_swap`) is not in the skeleton is treated as a centre joint.
    """
    names = pose.template.names
    index = {n: i for i, n in enumerate(names)}
    partner = [index.get(side_swap(n), i) for i, n in enumerate(names)]  # no partner: mirrored in place
    quats = pose.quats[:, partner] * _MIRROR_QUAT
    trans = np.array(pose.trans[:, partner])
    # a translation channel is the joint's position in its parent's (mirrored) frame: x → −x as well, but the
    # rest OFFSETs of non-root joints stay those of the skeleton (only channel values can change)
    trans[..., 0] *= -1.0
    for i, j in enumerate(pose.template.joints):
        if not any(ch.lower().endswith("position") for ch in j.channels):
            trans[:, i] = j.offset
    return RigPose(pose.template, _continuous(quats), trans)


def scaled_joint(pose: RigPose, joint: str, factor: float) -> RigPose:
    """The clip with one joint's local rotation scaled: its rotation vector (axis · angle from the rest pose)
    times `factor`, every frame.

    Raises:
        ConfigError: the joint is not in the skeleton, or the factor is not a positive finite number.
    """
    names = pose.template.names
    if joint not in names:
        raise ConfigError(f"{pose.template.source}: no joint {joint!r} in this skeleton.")
    if not (np.isfinite(factor) and factor > 0):
        raise ConfigError(f"scale factor must be a positive number, got {factor!r}.")
    i = names.index(joint)
    quats = np.array(pose.quats)
    rv = Rotation.from_quat(quats[:, i]).as_rotvec()
    quats[:, i] = Rotation.from_rotvec(rv * factor).as_quat()
    return RigPose(pose.template, _continuous(quats), pose.trans)


def _chain_rotation(pose: RigPose, joint: int) -> Rotation:
    """World rotation of `joint`'s parent frame (product of its ancestors' local rotations), per frame."""
    chain = []
    i = pose.template.joints[joint].parent
    while i >= 0:
        chain.append(i)
        i = pose.template.joints[i].parent
    out = Rotation.from_quat(np.tile([0.0, 0.0, 0.0, 1.0], (pose.n_frames, 1)))
    for i in reversed(chain):
        out = out * Rotation.from_quat(pose.quats[:, i])
    return out


def descendants(pose: RigPose, joint: int) -> list[int]:
    """Indices of the joints below `joint` (not itself), in file order."""
    below: set[int] = {joint}
    out = []
    for i, j in enumerate(pose.template.joints):
        if j.parent in below:
            below.add(i)
            out.append(i)
    return out


def inertialize_pose(prev: RigPose, new: RigPose, pelvis: str, blend_frames: int) -> RigPose:
    """Blend `new` (already moved onto `prev`'s end) into `prev` by inertialization (`stitch`), on a skeleton
    whose ancestors of the pelvis joint carry each clip's placement.

    The pelvis joint's *world* rotation and *world* position get the decaying offset (the position through the
    root joint's translation, which is world), and every joint below the pelvis its *local* rotation and
    translation (bone vector) offset: so
    two clips placed by different root transforms blend as one body, never joint by joint across the split.

    Args:
        prev: the output so far (≥ 2 frames); new: the next part (≥ 2 frames); same skeleton.
        pelvis: the name of the rig joint that carries the SMPL pelvis (e.g. "Hips").
        blend_frames: decay length, frames.
    """
    from motion_smd.library.stitch import hermite_decay, inertialize_positions, inertialize_rotations

    names = new.template.names
    p = names.index(pelvis)
    below = descendants(new, p)
    quats = np.array(new.quats)
    trans = np.array(new.trans)
    if below:
        quats[:, below] = inertialize_rotations(prev.quats[-2:, below], new.quats[:, below], blend_frames)
        # bone vectors too: clips of one skeleton may carry different lengths in their position channels
        trans[:, below] = inertialize_positions(prev.trans[-2:, below], new.trans[:, below], blend_frames)
    # the pelvis's world rotation
    prev_tail, new_chain = prev.frames(slice(-2, None)), _chain_rotation(new, p)
    prev_world = (_chain_rotation(prev_tail, p) * Rotation.from_quat(prev_tail.quats[:, p])).as_quat()
    new_world = (new_chain * Rotation.from_quat(new.quats[:, p])).as_quat()
    blended = inertialize_rotations(prev_world[:, None], new_world[:, None], blend_frames)[:, 0]
    quats[:, p] = (new_chain.inv() * Rotation.from_quat(blended)).as_quat()
    # the pelvis's world position, through the root's translation
    prev_pos = forward_kinematics(prev_tail.to_bvh(), [names[p]])[:, 0]
    new_pos = forward_kinematics(new.frames(slice(0, 2)).to_bvh(), [names[p]])[:, 0]
    h_value, h_slope = hermite_decay(new.n_frames, blend_frames)
    v_prev = prev_pos[-1] - prev_pos[-2]
    x0 = prev_pos[-1] + v_prev - new_pos[0]
    v0 = v_prev - (new_pos[1] - new_pos[0])
    trans[:, 0] += h_value[:, None] * x0 + h_slope[:, None] * v0
    return RigPose(new.template, _continuous(quats), trans)
