"""Seams between clips: the motion-matching transition cost, root alignment and inertialization.

Sources:
- Transition choice by pose and velocity similarity, the motion-matching cost (Clavet, "Motion Matching and
  The Road to Next-Gen Animation", GDC 2016; Holden et al., "Learned Motion Matching", SIGGRAPH 2020, §3):
  features are the joints relative to the pelvis in the body's facing frame and their velocities; the cost is
  the mean joint distance plus VELOCITY_WEIGHT_S times the mean velocity difference.
- Inertialization (Bollo, "Inertialization: High-Performance Animation Transitions in Gears of War",
  GDC 2016): at the seam the new clip is played at once, and the offset between where the old clip was going
  (its last frame moved on by its own velocity) and the new clip's first frame, with the velocity difference,
  is added to the new clip and decays to zero over a blend time (`blend_frames`: long enough that the
  blend stays calmer than the clips themselves). Bollo decays with a quintic polynomial; here a
  cubic Hermite (value x0 and slope v0 at the seam, zero value and zero slope at the end), which needs no
  acceleration estimate from noisy capture.

Arrays: joints (T, 22, 3) float64 metres, Y up, SMPL-22 order; rotations as scipy (x, y, z, w) quaternions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist
from scipy.spatial.transform import Rotation

from motion_smd.geometry import face_z
from motion_smd.skeleton import PELVIS
from motion_smd.trajectory import body_facing_yaw_rad, facing_yaw_rad

FloatArray = NDArray[np.float64]

VELOCITY_WEIGHT_S = 0.1
"""Weight of the velocity term of the transition cost, seconds (a 1 m/s difference costs as much as 0.1 m)."""
SEARCH_S = 0.3
"""How far either side of a planned cut the transition search looks, seconds."""
BLEND_S = 0.4
"""Shortest decay time of the inertialization offset, seconds (`blend_frames`)."""
MAX_BLEND_S = 1.5
"""Longest decay time, seconds (never past the new part's end)."""
BLEND_ACCELERATION_SHARE = 0.5
"""The blend may add at most this share of the calmer part's own peak joint acceleration (`blend_frames`)."""
FOOT_JOINTS = (7, 8, 10, 11)
"""left_ankle, right_ankle, left_foot, right_foot: the joints that define a clip's floor."""


def pose_features(joints: FloatArray, fps: float) -> FloatArray:
    """Motion-matching features per frame: joints relative to the pelvis, turned into the body's facing frame
    (so the cost ignores where the body is and which way it faces), then their velocities × VELOCITY_WEIGHT_S.

    Args:
        joints: (T, 22, 3) float64, metres, Y up.
        fps: frame rate.

    Returns:
        (T, 132) float64: 66 position values (m) then 66 weighted velocity values (m/s · s).
    """
    rel = joints - joints[:, PELVIS : PELVIS + 1]
    yaw = facing_yaw_rad(joints)[:, None]
    x, z = face_z(rel[..., 0], rel[..., 2], yaw)  # type: ignore[arg-type]  # (T, 1) yaws broadcast
    local = np.stack([x, rel[..., 1], z], axis=-1)
    vel = np.gradient(local, axis=0) * fps if joints.shape[0] > 1 else np.zeros_like(local)
    t = joints.shape[0]
    return np.concatenate([local.reshape(t, -1), VELOCITY_WEIGHT_S * vel.reshape(t, -1)], axis=1)


@dataclass(frozen=True)
class Transition:
    """The chosen cut: the old clip's last frame `end_a`, the new clip's first frame `start_b` (frames of each
    clip) and the cost there (mean per-joint distance in metres, velocity term included)."""

    end_a: int
    start_b: int
    cost: float


def best_transition(feat_a: FloatArray, feat_b: FloatArray, ends_a: range, starts_b: range) -> Transition:
    """The (end of A, start of B) pair of least motion-matching cost.

    Args:
        feat_a, feat_b: (Ta, 132) and (Tb, 132) `pose_features` of the two clips.
        ends_a: candidate last frames of A; starts_b: candidate first frames of B (non-empty ranges).

    Returns:
        The best pair; ties go to the earliest pair (deterministic).
    """
    n = 22 * 3
    a = feat_a[list(ends_a)].reshape(len(ends_a), 2, 22, 3)
    b = feat_b[list(starts_b)].reshape(len(starts_b), 2, 22, 3)
    # mean over joints of the Euclidean distance, positions and velocities separately
    pos = cdist(a[:, 0].reshape(len(ends_a), n), b[:, 0].reshape(len(starts_b), n), _mean_joint_distance)
    vel = cdist(a[:, 1].reshape(len(ends_a), n), b[:, 1].reshape(len(starts_b), n), _mean_joint_distance)
    cost = pos + vel
    i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return Transition(ends_a[int(i)], starts_b[int(j)], float(cost[i, j]))


def _mean_joint_distance(u: FloatArray, v: FloatArray) -> float:
    return float(np.linalg.norm((u - v).reshape(-1, 3), axis=1).mean())


def floor_height_m(joints: FloatArray) -> float:
    """The clip's floor: the lowest foot-joint height over the clip, metres."""
    return float(joints[:, FOOT_JOINTS, 1].min())


@dataclass(frozen=True)
class Alignment:
    """A rigid move of the new clip: turn by `yaw_rad` about +Y through the origin, then shift by `shift_m`
    ((3,) metres), x → R_y · x + shift."""

    yaw_rad: float
    shift_m: FloatArray

    def apply(self, joints: FloatArray) -> FloatArray:
        """The moved joints, (…, 3) float64 metres."""
        rot = Rotation.from_rotvec([0.0, self.yaw_rad, 0.0])
        flat = joints.reshape(-1, 3)
        return (rot.apply(flat) + self.shift_m).reshape(joints.shape)


def align(prev: FloatArray, new: FloatArray, fps: float, floor_prev_m: float, floor_new_m: float) -> Alignment:
    """The move that continues `prev` (the output so far, ending at the seam) with `new` (starting at it).

    The new clip's body facing at its first frame is turned onto the old clip's facing at its last frame
    (`body_facing_yaw_rad`, the gait-filtered facing of the heading channel), its pelvis is placed where the
    old pelvis would be one frame later at the old clip's horizontal velocity, and its floor onto the old
    floor.

    Args:
        prev: (Ta, 22, 3) joints of the output up to the seam (at least 2 frames), metres.
        new: (Tb, 22, 3) joints of the new clip from its first frame, metres, its own coordinates.
        fps: frame rate of both.
        floor_prev_m, floor_new_m: the floors (`floor_height_m`) of the clips the two parts come from.
    """
    tail = prev[-min(len(prev), int(fps)) :]
    head = new[: min(len(new), int(fps))]
    yaw = float(body_facing_yaw_rad(tail, fps)[-1] - body_facing_yaw_rad(head, fps)[0])
    rot = Rotation.from_rotvec([0.0, yaw, 0.0])
    velocity = prev[-1, PELVIS] - prev[-2, PELVIS]
    target = prev[-1, PELVIS] + velocity
    start = rot.apply(new[0, PELVIS])
    shift = np.array([target[0] - start[0], floor_prev_m - floor_new_m, target[2] - start[2]])
    return Alignment(yaw, shift)


def blend_frames(prev: FloatArray, new: FloatArray, fps: float, peak_acceleration_m_s2: float) -> int:
    """Decay length of the inertialization at a seam, frames: long enough that the decaying offset adds at most
    BLEND_ACCELERATION_SHARE of `peak_acceleration_m_s2` (the calmer part's own peak), between BLEND_S and
    MAX_BLEND_S and within the new part.

    The cubic Hermite decay of an offset x0 with slope v0 over T seconds accelerates by at most
    6|x0|/T² + 4|v0|/T; T solves α·A·T² − 4|v0|·T − 6|x0| = 0 with the largest joint offsets |x0| (m) and
    |v0| (m/s) at the seam.

    Args:
        prev: (≥ 2, 22, 3) the output's last frames, metres; new: (Tb, 22, 3) the aligned new part.
        fps: frame rate; peak_acceleration_m_s2: the reference peak.
    """
    v_prev = prev[-1] - prev[-2]
    x0 = float(np.linalg.norm(prev[-1] + v_prev - new[0], axis=-1).max())
    v0 = float(np.linalg.norm(v_prev - (new[1] - new[0]), axis=-1).max()) * fps
    a = BLEND_ACCELERATION_SHARE * max(peak_acceleration_m_s2, 1e-6)
    t = (4 * v0 + np.sqrt(16 * v0**2 + 24 * a * x0)) / (2 * a)
    t = float(np.clip(t, BLEND_S, MAX_BLEND_S))
    return int(max(1, min(round(t * fps), len(new) - 1)))


def hermite_decay(n_frames: int, blend_frames: int) -> tuple[FloatArray, FloatArray]:
    """Weights (h_value, h_slope) of the cubic Hermite decay over `blend_frames` frames, for frames 0 … n−1 of
    the new clip: offset(t) = x0 · h_value(t) + v0 · h_slope(t) (v0 per frame), 0 from blend_frames on. The
    slope basis is scaled so that its step from frame 0 to 1 is exactly 1 (the sampled cubic's is 1 − 2/T + 1/T²).
    """
    t = np.arange(n_frames, dtype=np.float64)
    if blend_frames <= 0:
        return np.zeros(n_frames), np.zeros(n_frames)
    tau = np.clip(t / blend_frames, 0.0, 1.0)
    h_value = 2 * tau**3 - 3 * tau**2 + 1
    h_slope = (tau**3 - 2 * tau**2 + tau) * blend_frames
    if n_frames > 1 and h_slope[1] > 0:  # sampled: make the first frame-to-frame step carry exactly v0
        h_slope = h_slope / h_slope[1]
    return h_value, h_slope


def inertialize_positions(prev: FloatArray, new: FloatArray, blend_frames: int) -> FloatArray:
    """Add the decaying offset to `new` so that it continues `prev` (both (T, …) arrays; ≥ 2 frames each).

    x0 = (prev[−1] + (prev[−1] − prev[−2])) − new[0]; v0 = (prev[−1] − prev[−2]) − (new[1] − new[0]).
    """
    v_prev = prev[-1] - prev[-2]
    x0 = prev[-1] + v_prev - new[0]
    h_value, h_slope = hermite_decay(len(new), blend_frames)
    # the offset's first step makes the new clip's first step the old velocity exactly
    v0 = v_prev - (new[1] - new[0]) - x0 * (h_value[1] - 1.0 if len(new) > 1 else 0.0)
    shape = (-1,) + (1,) * (new.ndim - 1)
    return new + h_value.reshape(shape) * x0 + h_slope.reshape(shape) * v0


def inertialize_rotations(prev: FloatArray, new: FloatArray, blend_frames: int) -> FloatArray:
    """Rotation version of `inertialize_positions` for (T, J, 4) local quaternions: the offset is a rotation
    vector, applied on the left (q' = exp(offset) · q). The slope v0 is taken from the offset x1 that frame 1
    needs to continue the old rotation's last step (rotation vectors do not add like angular velocities when
    the offset is large, so it is not ω_old − ω_new)."""
    j = new.shape[1]
    last = Rotation.from_quat(prev[-1])
    step = Rotation.from_rotvec((last * Rotation.from_quat(prev[-2]).inv()).as_rotvec())
    goal = step * last  # the old rotation moved on by its last step
    x0 = (goal * Rotation.from_quat(new[0]).inv()).as_rotvec()
    h_value, h_slope = hermite_decay(len(new), blend_frames)
    v0 = np.zeros_like(x0)
    if len(new) > 1:  # the offset at frame 1 that makes the first step the old step exactly, in offset space
        x1 = (step * goal * Rotation.from_quat(new[1]).inv()).as_rotvec()
        v0 = x1 - x0 * h_value[1]
    offset = h_value[:, None, None] * x0 + h_slope[:, None, None] * v0
    out = Rotation.from_rotvec(offset.reshape(-1, 3)) * Rotation.from_quat(new.reshape(-1, 4))
    return out.as_quat().reshape(len(new), j, 4)
