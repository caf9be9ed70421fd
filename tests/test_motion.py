"""Motion validation, canonicalisation, resampling and the npy reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motion_smd import synthetic
from motion_smd.errors import ConfigError, DegenerateSkeletonError, MotionFormatError, MotionValueError
from motion_smd.io import ReadOptions, detect_format, load_motion
from motion_smd.motion import Motion, as_motion, chain_height_m, z_up_to_y_up
from motion_smd.skeleton import L_HIP, L_KNEE, PELVIS, R_HIP, SMPL22_MIRROR


@pytest.fixture(scope="module")
def walk() -> Motion:
    return synthetic.walk_forward()


def test_validation_errors_name_the_problem() -> None:
    good = synthetic.standing().joints
    with pytest.raises(MotionFormatError, match=r"src\.npy: .*shape \(10, 21, 3\)"):
        Motion(np.zeros((10, 21, 3)), 20, source="src.npy")
    with pytest.raises(MotionFormatError, match="empty"):
        Motion(np.zeros((0, 22, 3)), 20)
    with pytest.raises(MotionValueError, match="1 frame"):
        Motion(good[:1], 20)
    bad = good.copy()
    bad[3, 4, 1] = np.nan
    with pytest.raises(MotionValueError, match=r"NaN or inf.*frame 3"):
        Motion(bad, 20)
    with pytest.raises(MotionValueError, match="centimetres"):
        Motion(good * 100, 20)
    collapsed = good.copy()
    collapsed[:, L_KNEE] = collapsed[:, L_HIP]
    with pytest.raises(DegenerateSkeletonError, match="left_hip→left_knee"):
        Motion(collapsed, 20)
    with pytest.raises(MotionValueError, match="fps"):
        Motion(good, 0)
    with pytest.raises(MotionFormatError, match="new_joint_vecs"):
        Motion(np.zeros((10, 263)), 20)


def test_canonicalize_floor_origin_facing(walk: Motion) -> None:
    rng = np.random.default_rng(0)
    a = np.radians(rng.uniform(-180, 180))
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    moved = walk.joints @ rot.T + np.array([3.0, 1.5, -2.0])
    canon = Motion(moved, walk.fps).canonicalize()
    j = canon.joints
    assert j[..., 1].min() == pytest.approx(0.0, abs=1e-12)
    assert j[0, PELVIS, [0, 2]] == pytest.approx([0.0, 0.0], abs=1e-12)
    right = j[0, R_HIP] - j[0, L_HIP]
    assert right[0] < 0 and abs(right[2]) < 1e-9  # facing +Z: the right hip is at −X
    np.testing.assert_allclose(j, walk.joints, atol=1e-9)  # walk was already canonical


def test_resample_keeps_ends_and_rate(walk: Motion) -> None:
    r = walk.resample(30)
    assert r.fps == 30
    assert r.n_frames == int((walk.n_frames - 1) * 1.5) + 1
    np.testing.assert_allclose(r.joints[0], walk.joints[0])
    np.testing.assert_allclose(r.joints[::3], walk.joints[::2][: len(r.joints[::3])], atol=1e-12)
    assert walk.resample(20) is walk


def test_mirror_and_window(walk: Motion) -> None:
    m = walk.mirrored()
    np.testing.assert_allclose(m.joints[:, :, 0], -walk.joints[:, list(SMPL22_MIRROR), 0])
    w = walk.window(1.0, 2.0)
    assert w.n_frames == 21
    assert chain_height_m(walk.joints) == pytest.approx(1.42, abs=0.05)


def test_z_up_conversion_round_trip(walk: Motion) -> None:
    y_up = walk.joints
    z_up = np.stack([-y_up[..., 0], y_up[..., 2], y_up[..., 1]], axis=-1)
    np.testing.assert_allclose(z_up_to_y_up(z_up), y_up)
    m = as_motion(z_up, 20, up="z")
    np.testing.assert_allclose(m.joints, walk.joints, atol=1e-9)


def test_npy_reader(tmp_path: Path, walk: Motion) -> None:
    p = tmp_path / "000021.npy"
    np.save(p, walk.joints.astype(np.float32))
    assert detect_format(p) == "npy"
    m = load_motion(p)
    assert m.fps == 20 and m.n_frames == walk.n_frames and m.source == str(p)
    m30 = load_motion(p, options=ReadOptions(source_fps=30))
    assert m30.fps == 30
    cm = tmp_path / "cm.npy"
    np.save(cm, walk.joints * 100)
    np.testing.assert_allclose(load_motion(cm, options=ReadOptions(unit="cm")).joints, walk.joints, atol=1e-6)
    pickled = tmp_path / "obj.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(MotionFormatError, match="pickled"):
        load_motion(pickled)
    with pytest.raises(MotionFormatError, match="no such file"):
        load_motion(tmp_path / "missing.npy")
    odd = tmp_path / "motion.xyz"
    odd.write_text("1 2 3")
    with pytest.raises(MotionFormatError, match=r"unknown motion format.*Supported: .*npy \(\.npy\)"):
        load_motion(odd)


def test_npy_files_are_diagnosed_by_cause(tmp_path: Path, walk: Motion) -> None:
    """Issue #14: each broken .npy gets its own reason (not "pickled" for everything), before NumPy allocates."""
    good = tmp_path / "good.npy"
    np.save(good, walk.joints.astype(np.float32))
    data = good.read_bytes()
    shape = b"(%d, 22, 3)" % walk.n_frames
    assert shape in data
    cases = {
        "truncated.npy": (data[: len(data) - 100], "truncated or corrupt"),
        "huge.npy": (data.replace(shape, b"(99999999999, 22, 3)", 1), "truncated or corrupt"),
        "bvh.npy": (b"HIERARCHY\nROOT Hips\n{\n", "rename it to .bvh"),
        "text.npy": (b"hello world\n", "not a NumPy .npy file"),
        "header.npy": (data.replace(shape, b"(((((", 1), "header is corrupt"),
    }
    for name, (content, reason) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(MotionFormatError, match=reason):
            load_motion(tmp_path / name)
    strings = tmp_path / "strings.npy"
    np.save(strings, np.array([["a"] * 3] * 22))
    with pytest.raises(MotionFormatError, match="not numbers"):
        load_motion(strings)


@pytest.mark.parametrize("fps", [0.0, -20.0, float("nan"), float("inf"), 1e6, 1e-9])
def test_a_frame_rate_outside_its_range_is_refused(fps: float) -> None:
    with pytest.raises(ConfigError, match="--input-fps"):
        ReadOptions(source_fps=fps)
    with pytest.raises(ConfigError, match="--resample-fps"):
        ReadOptions(target_fps=fps)


def test_window_frames_round_to_the_nearest_frame_and_clip() -> None:
    """`window_frames` is the one rounding rule of `Motion.window` and `smd edit --trim`."""
    from motion_smd.motion import window_frames

    assert window_frames(1.0, 2.0, 20.0, 100) == (20, 41)  # the end's frame included
    assert window_frames(0.024, 0.026, 20.0, 100) == (0, 2)  # 0.48 → 0, 0.52 → 1
    assert window_frames(-1.0, 99.0, 20.0, 100) == (0, 100)
    assert window_frames(2.0, float("inf"), 20.0, 100) == (40, 100)


def test_a_window_under_two_frames_is_refused() -> None:
    std = synthetic.standing()
    m = Motion(std.joints, std.fps, source="clip.npy")
    assert m.window(0.5, 1.0).n_frames == round(0.5 * std.fps) + 1
    for start, end in ((0.5, 0.5), (m.duration_s + 1.0, m.duration_s + 2.0)):
        with pytest.raises(MotionValueError, match=r"clip\.npy: the window .* at least 2 frames"):
            m.window(start, end)
