"""HumanML3D feature vectors (T, 263) → joints: round trip through an independent encoder.

The encoder below follows HumanML3D's `process_file` (Guo et al. 2022, `motion_representation.ipynb`)
with quaternions, as the original does; the reader decodes with its own yaw-angle code. Agreement of the
two on synthetic motions that walk, turn and bob checks the documented feature layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motion_smd.errors import MotionFormatError, MotionValueError
from motion_smd.io import ReadOptions, formats, load_motion
from motion_smd.io.humanml3d_vecs import N_FEATURES, recover_joints
from motion_smd.skeleton import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER

# --- quaternion helpers (w, x, y, z), as in HumanML3D's common/quaternion.py ----------------------


def _qmul(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = np.moveaxis(q, -1, 0)
    w2, x2, y2, z2 = np.moveaxis(r, -1, 0)
    return np.stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ],
        axis=-1,
    )


def _qinv(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def _qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    u = q[..., 1:]
    w = q[..., :1]
    uv = np.cross(u, v)
    return v + 2.0 * (w * uv + np.cross(u, uv))


def _qbetween(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Quaternion rotating unit vectors a onto b (HumanML3D qbetween_np)."""
    v = np.cross(a, b)
    w = np.sqrt((a**2).sum(-1) * (b**2).sum(-1)) + (a * b).sum(-1)
    q = np.concatenate([w[..., None], v], axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def encode_features(joints: np.ndarray) -> np.ndarray:
    """HumanML3D features (T − 1, 263) of canonical joints (facing +Z at frame 0), positions part only.

    Columns 67: (rotations, local velocities, foot contacts) are filled with zeros: the reader does not
    use them.
    """
    pos = joints.copy()
    across = (pos[:, R_HIP] - pos[:, L_HIP]) + (pos[:, R_SHOULDER] - pos[:, L_SHOULDER])
    across /= np.linalg.norm(across, axis=-1, keepdims=True)
    forward = np.cross(np.array([0.0, 1.0, 0.0]), across)
    forward /= np.linalg.norm(forward, axis=-1, keepdims=True)
    target = np.broadcast_to(np.array([0.0, 0.0, 1.0]), forward.shape)
    r_rot = _qbetween(forward, target)  # (T, 4): turns the facing onto +Z
    velocity = _qrot(r_rot[1:], pos[1:, 0] - pos[:-1, 0])
    r_velocity = np.arcsin(_qmul(r_rot[1:], _qinv(r_rot[:-1]))[:, 2])
    root_y = pos[:, 0, 1]
    ric = pos.copy()
    ric[..., 0] -= pos[:, 0:1, 0]
    ric[..., 2] -= pos[:, 0:1, 2]
    ric = _qrot(np.repeat(r_rot[:, None], 22, axis=1), ric)
    t = joints.shape[0] - 1
    feats = np.zeros((t, N_FEATURES))
    feats[:, 0] = r_velocity
    feats[:, 1] = velocity[:, 0]
    feats[:, 2] = velocity[:, 2]
    feats[:, 3] = root_y[:-1]
    feats[:, 4:67] = ric[:-1, 1:].reshape(t, -1)
    return feats


def _walking_turn(n: int = 80) -> np.ndarray:
    """A synthetic body that walks a curve, turns 120° to the left and bobs; canonical at frame 0."""
    t = np.linspace(0.0, 1.0, n)
    yaw = np.deg2rad(120.0) * t**2  # turning left = toward +X from +Z
    rest = np.array(
        [
            [0, 0.95, 0], [0.09, 0.9, 0], [-0.09, 0.9, 0], [0, 1.05, 0], [0.1, 0.5, 0.02], [-0.1, 0.5, 0.02],
            [0, 1.18, 0], [0.1, 0.08, -0.02], [-0.1, 0.08, -0.02], [0, 1.3, 0], [0.11, 0.02, 0.12],
            [-0.11, 0.02, 0.12], [0, 1.5, 0], [0.07, 1.42, 0], [-0.07, 1.42, 0], [0, 1.62, 0.03],
            [0.17, 1.42, 0], [-0.17, 1.42, 0], [0.2, 1.15, 0], [-0.2, 1.15, 0], [0.22, 0.9, 0.05],
            [-0.22, 0.9, 0.05],
        ]
    )  # left is +X when facing +Z
    swing = 0.15 * np.sin(2 * np.pi * 3 * t)
    local = np.repeat(rest[None], n, axis=0)
    local[:, [4, 7, 10], 2] += swing[:, None]
    local[:, [5, 8, 11], 2] -= swing[:, None]
    local[:, :, 1] += 0.02 * np.sin(2 * np.pi * 6 * t)[:, None]
    c, s = np.cos(yaw)[:, None], np.sin(yaw)[:, None]
    x, z = local[..., 0].copy(), local[..., 2].copy()
    world = local.copy()
    world[..., 0] = c * x + s * z
    world[..., 2] = -s * x + c * z
    # travel along the facing direction
    step = 0.02
    fwd = np.stack([np.sin(yaw), np.zeros(n), np.cos(yaw)], axis=1) * step
    path = np.cumsum(fwd, axis=0) - fwd[0]
    return world + path[:, None, :]


def test_round_trip_recovers_joints() -> None:
    joints = _walking_turn()
    feats = encode_features(joints)
    rec = recover_joints(feats)
    assert rec.shape == (feats.shape[0], 22, 3)
    np.testing.assert_allclose(rec, joints[:-1], atol=1e-9)


def test_reader_loads_and_is_canonical(tmp_path: Path) -> None:
    joints = _walking_turn()
    path = tmp_path / "000001.npy"
    np.save(path, encode_features(joints).astype(np.float32))
    m = load_motion(path, format="humanml3d-vecs")
    assert m.fps == 20.0
    assert m.meta["format"] == "humanml3d-vecs"
    assert m.n_frames == joints.shape[0] - 1
    # already canonical: the reader's canonicalisation changes it only by float32 rounding
    ref = joints[:-1].copy()
    ref[..., 1] -= ref[..., 1].min()
    np.testing.assert_allclose(m.joints, ref, atol=1e-5)


def test_reader_fps_and_resample(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, encode_features(_walking_turn(81)))
    m = load_motion(path, format="humanml3d-vecs", options=ReadOptions(source_fps=30.0, target_fps=20.0))
    assert m.fps == 20.0
    assert m.n_frames == 53  # 80 frames at 30 fps → t = 0 .. 79/30 s → floor(79 · 20/30) + 1 = 53


def test_not_chosen_by_suffix_but_listed() -> None:
    spec = formats()["humanml3d-vecs"]
    assert spec.suffixes == ()


def test_joint_array_gives_hint(tmp_path: Path) -> None:
    path = tmp_path / "j.npy"
    np.save(path, _walking_turn())
    with pytest.raises(MotionFormatError, match="--input-format npy"):
        load_motion(path, format="humanml3d-vecs")


def test_features_given_as_joints_gives_hint(tmp_path: Path) -> None:
    path = tmp_path / "f.npy"
    np.save(path, encode_features(_walking_turn()))
    with pytest.raises(MotionFormatError, match="humanml3d-vecs"):
        load_motion(path)


def test_kit_features_rejected() -> None:
    with pytest.raises(MotionFormatError, match="KIT"):
        recover_joints(np.zeros((10, 251)))


def test_nan_rejected() -> None:
    feats = encode_features(_walking_turn())
    feats[5, 10] = np.nan
    with pytest.raises(MotionValueError, match="frame 5"):
        recover_joints(feats)


def test_normalised_features_rejected(tmp_path: Path) -> None:
    feats = encode_features(_walking_turn())
    normed = (feats - feats.mean(0)) / (feats.std(0) + 1e-8)
    path = tmp_path / "n.npy"
    np.save(path, normed)
    with pytest.raises(MotionValueError):
        load_motion(path, format="humanml3d-vecs")


def test_round_trip_on_real_walk_turn(smd_data_dir: Path) -> None:
    """A real clip (Bandai-Namco walk-turn-left, resampled to 20 fps) survives encode → recover."""
    clip = smd_data_dir / "bandai_namco" / "dataset-2" / "data" / "dataset-2_walk-turn-left_normal_001.bvh"
    joints = load_motion(clip, options=ReadOptions(target_fps=20.0)).joints
    rec = recover_joints(encode_features(np.array(joints)))
    np.testing.assert_allclose(rec, joints[:-1], atol=1e-9)
