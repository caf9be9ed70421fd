"""The 26 angles: the properties spec/angles.md requires, and sign conventions on posed skeletons."""

from __future__ import annotations

import numpy as np
import pytest

from motion_smd import synthetic
from motion_smd.angles import ANGLE_IDS, ANGLE_INDEX, ANGLES, TEXT_ORDER, compute_angles, mirror_angle_index
from motion_smd.errors import DegenerateSkeletonError
from motion_smd.motion import Motion
from motion_smd.skeleton import L_HIP, R_HIP
from motion_smd.synthetic import Pose, forward_kinematics

N = 10


def posed(**rotations: tuple[str, int, float]) -> np.ndarray:
    """A static pose of N frames: each kwarg is (joint, axis, degrees)."""
    pose = Pose(N)
    for joint, axis, deg in rotations.values():
        pose.rotate(joint, axis, np.full(N, deg))
    return Motion(forward_kinematics(pose), 20).canonicalize().joints


def angle(joints: np.ndarray, name: str) -> float:
    return float(compute_angles(joints)[:, ANGLE_INDEX[name]].mean())


def random_motion(seed: int) -> np.ndarray:
    """A motion with smooth random rotations at many joints (knees and elbows flexed)."""
    rng = np.random.default_rng(seed)
    pose = Pose(60)
    t = np.linspace(0, 1, 60)
    for joint in ("left_hip", "right_hip", "spine1", "spine3", "neck", "left_shoulder", "right_shoulder"):
        for axis in range(3):
            pose.rotate(joint, axis, rng.uniform(-30, 30) * np.sin(2 * np.pi * (t + rng.uniform())))
    for joint in ("left_knee", "right_knee", "left_elbow", "right_elbow"):
        pose.rotate(joint, 0, (1 if "knee" in joint else -1) * (40 + 30 * np.sin(2 * np.pi * t)))
    pose.heading_deg = 120 * t
    pose.root[:, 0] = t
    return Motion(forward_kinematics(pose), 20).canonicalize().joints


def test_angle_table_matches_spec() -> None:
    assert len(ANGLES) == 26 and len(set(ANGLE_IDS)) == 26
    assert sorted(TEXT_ORDER) == list(range(26))
    assert {a.id for a in ANGLES if a.lateral} == {
        "pelvis_list",
        "pelvis_rotation",
        "lumbar_bending",
        "lumbar_rotation",
        "neck_lateral_bending",
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_invariant_to_yaw_translation_and_scale(seed: int) -> None:
    j = random_motion(seed)
    base = compute_angles(j)
    a = np.radians(73.0 + seed)
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    moved = 1.7 * (j @ rot.T) + np.array([5.0, -2.0, 3.0])
    np.testing.assert_allclose(compute_angles(moved), base, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 3])
def test_mirror_symmetry(seed: int) -> None:
    j = random_motion(seed)
    base = compute_angles(j)
    mirrored = Motion(j, 20).mirrored().joints
    expected = base[:, list(mirror_angle_index())].copy()
    for i, spec in enumerate(ANGLES):
        if spec.lateral:
            expected[:, i] *= -1
    np.testing.assert_allclose(compute_angles(mirrored), expected, atol=1e-7)


def test_standing_is_near_zero_except_ankles() -> None:
    a = compute_angles(synthetic.standing().joints).mean(axis=0)
    for i, name in enumerate(ANGLE_IDS):
        if name.startswith("ankle"):  # an uncalibrated skeleton: the toe base lies below the ankle
            assert -30 <= a[i] <= -15, name
        elif name.startswith(("hip_rotation", "shoulder_rotation")):  # straight knees and elbows
            assert np.isnan(a[i]), name
        else:
            assert abs(a[i]) < 6, (name, a[i])


def test_neutral_calibration_subtracts_the_skeletons_standing_reading() -> None:
    from motion_smd.neutral import NEUTRAL_POSES

    j = synthetic.standing().joints
    raw = compute_angles(j)
    for rig, pose in NEUTRAL_POSES.items():
        calibrated = compute_angles(j, skeleton=rig)
        for name, offset in pose.offsets().items():
            i = ANGLE_INDEX[name]
            np.testing.assert_allclose(calibrated[:, i], raw[:, i] - offset, atol=1e-9, err_msg=f"{rig} {name}")
    assert np.array_equal(compute_angles(j, skeleton="unknown-rig"), raw, equal_nan=True)


def test_neutral_standing_reads_zero_on_smpl_joint_centres(smd_data_dir: object) -> None:
    """HumanML3D M010968 is a person standing (SMPL joint centres): hip, knee and ankle flexion read ≈ 0."""
    from pathlib import Path

    from motion_smd import load_motion

    path = Path(str(smd_data_dir)) / "humanml3d" / "new_joints" / "M010968.npy"
    if not path.is_file():
        pytest.skip("HumanML3D M010968 absent")
    m = load_motion(path)
    assert m.meta["rig"] == "smpl"
    a = compute_angles(m.joints, skeleton=m.meta["rig"])
    for name in ("hip_flexion", "knee_flexion", "ankle_dorsiflexion"):
        for side in "rl":
            assert abs(np.median(a[:, ANGLE_INDEX[f"{name}_{side}"]])) < 5, (name, side)
    raw = compute_angles(m.joints)  # uncalibrated, the SMPL knee centre reads a bent knee
    assert np.median(raw[:, ANGLE_INDEX["knee_flexion_r"]]) > 5


def test_thigh_swinging_backward_does_not_wrap() -> None:
    """An arabesque: the thigh swings back past horizontal; hip flexion goes below −90° without a jump."""
    t = np.linspace(0, 1, 60)
    pose = Pose(60)
    pose.rotate("right_hip", 0, 110 * t)  # extension: thigh swings backward and up
    a = compute_angles(Motion(forward_kinematics(pose), 20).canonicalize().joints)[:, ANGLE_INDEX["hip_flexion_r"]]
    assert np.abs(np.diff(a)).max() < 10
    assert a[-1] == pytest.approx(-110, abs=5)


def test_known_poses() -> None:
    tpose = posed(l=("left_shoulder", 2, 90.0), r=("right_shoulder", 2, -90.0))
    assert angle(tpose, "shoulder_adduction_l") == pytest.approx(-90, abs=2)
    assert angle(tpose, "shoulder_adduction_r") == pytest.approx(-90, abs=2)
    forward = posed(l=("left_shoulder", 0, -90.0), r=("right_shoulder", 0, -90.0))
    assert angle(forward, "shoulder_flexion_l") == pytest.approx(90, abs=2)
    assert angle(forward, "shoulder_flexion_r") == pytest.approx(90, abs=2)
    overhead = posed(r=("right_shoulder", 0, -175.0))
    assert angle(overhead, "shoulder_flexion_r") == pytest.approx(175, abs=2)
    squat = posed(
        hl=("left_hip", 0, -100.0), hr=("right_hip", 0, -100.0), kl=("left_knee", 0, 120.0), kr=("right_knee", 0, 120.0)
    )
    for s in "lr":
        assert angle(squat, f"knee_flexion_{s}") > 90
        assert angle(squat, f"hip_flexion_{s}") > 70


SIGN_CASES = [
    # (name, rotations, expected angle, value)
    ("pelvis tilt posterior", {"a": ("pelvis", 0, -20.0)}, "pelvis_tilt", 20.0),
    ("pelvis list", {"a": ("pelvis", 2, 15.0)}, "pelvis_list", 15.0),
    ("hip flexion", {"a": ("right_hip", 0, -40.0)}, "hip_flexion_r", 40.0),
    ("hip extension", {"a": ("left_hip", 0, 20.0)}, "hip_flexion_l", -20.0),
    ("hip adduction r", {"a": ("right_hip", 2, 15.0)}, "hip_adduction_r", 15.0),
    ("hip abduction l", {"a": ("left_hip", 2, 25.0)}, "hip_adduction_l", -25.0),
    ("hip internal r", {"a": ("right_hip", 1, 30.0), "k": ("right_knee", 0, 90.0)}, "hip_rotation_r", 30.0),
    ("hip internal l", {"a": ("left_hip", 1, -30.0), "k": ("left_knee", 0, 90.0)}, "hip_rotation_l", 30.0),
    ("knee flexion", {"a": ("left_knee", 0, 60.0)}, "knee_flexion_l", 60.0),
    ("lumbar extension", {"a": ("spine1", 0, -20.0)}, "lumbar_extension", 17.0),
    ("lumbar bending right", {"a": ("spine1", 2, 20.0)}, "lumbar_bending", 17.0),
    ("lumbar rotation left", {"a": ("spine1", 1, 30.0)}, "lumbar_rotation", 30.0),
    (
        "shoulder internal r",
        {"a": ("right_shoulder", 1, 40.0), "e": ("right_elbow", 0, -90.0)},
        "shoulder_rotation_r",
        40.0,
    ),
    (
        "shoulder internal l",
        {"a": ("left_shoulder", 1, -40.0), "e": ("left_elbow", 0, -90.0)},
        "shoulder_rotation_l",
        40.0,
    ),
    ("elbow flexion", {"a": ("right_elbow", 0, -100.0)}, "elbow_flexion_r", 100.0),
    ("neck flexion", {"a": ("neck", 0, 30.0)}, "neck_flexion", 36.0),
    ("neck lateral right", {"a": ("neck", 2, 20.0)}, "neck_lateral_bending", 20.0),
]


@pytest.mark.parametrize(("case", "rotations", "name", "value"), SIGN_CASES, ids=[c[0] for c in SIGN_CASES])
def test_sign_conventions(case: str, rotations: dict[str, tuple[str, int, float]], name: str, value: float) -> None:
    got = angle(posed(**rotations), name)
    assert np.sign(got) == np.sign(value), (case, got)
    assert got == pytest.approx(value, abs=6), (case, got)


def test_rotation_undefined_when_limb_straight() -> None:
    j = posed(a=("right_hip", 1, 30.0))  # knee straight: rotation ill-defined, not reported
    assert np.isnan(angle(j, "hip_rotation_r"))
    bent = posed(a=("right_hip", 1, 30.0), k=("right_knee", 0, 60.0))
    assert np.isfinite(angle(bent, "hip_rotation_r"))


def test_ankle_dorsiflexion_sign() -> None:
    neutral = angle(posed(), "ankle_dorsiflexion_r")
    up = angle(posed(a=("right_ankle", 0, -20.0)), "ankle_dorsiflexion_r")
    assert up - neutral == pytest.approx(20, abs=1)


def test_pelvis_rotation_turning_left() -> None:
    a = compute_angles(synthetic.turn_in_place(90).joints)[:, ANGLE_INDEX["pelvis_rotation"]]
    assert a[-1] == pytest.approx(90, abs=1)
    b = compute_angles(synthetic.turn_in_place(-270).joints)[:, ANGLE_INDEX["pelvis_rotation"]]
    assert b[-1] == pytest.approx(-270, abs=1)  # unwrapped: turns accumulate past 180


def test_degenerate_frame_is_reported() -> None:
    j = synthetic.standing().joints.copy()
    j[4, R_HIP] = j[4, L_HIP]
    with pytest.raises(DegenerateSkeletonError, match="frame 4"):
        compute_angles(j)


def test_no_wraparound_jumps_near_the_pole() -> None:
    """An arm swept sideways up and overhead passes the left-right axis: flexion must not jump by ~360°."""
    t = np.linspace(0, 1, 80)
    pose = Pose(80)
    pose.rotate("right_shoulder", 2, -170 * t)  # abduction through horizontal to overhead
    pose.rotate("right_shoulder", 0, 6 * np.sin(2 * np.pi * 12 * t))  # wobble across the frontal plane
    pose.rotate("right_elbow", 0, -60 * np.ones(80))
    pose.rotate("right_shoulder", 1, 100 + 150 * t)  # axial rotation through ±180
    j = Motion(forward_kinematics(pose), 20).canonicalize().joints
    a = compute_angles(j)
    assert np.abs(np.diff(a[:, ANGLE_INDEX["shoulder_adduction_r"]])).max() < 30
    flexion = a[:, ANGLE_INDEX["shoulder_flexion_r"]]
    assert np.abs(np.diff(flexion)).max() < 30  # interpolated across the pole: no jump, no flicker
    rotation = np.abs(np.diff(a[:, ANGLE_INDEX["shoulder_rotation_r"]]))
    assert (rotation > 30).sum() <= 1 and np.nanmax(rotation) < 180  # unwrapped: no ±360° jump
    assert flexion[-1] == pytest.approx(180, abs=15)  # overhead reads ~180, not −180


def test_angle_table_is_the_single_source() -> None:
    """The kernel's columns, the text's order and docs/angles.md all come from motion_smd.angle_table."""
    from pathlib import Path

    from motion_smd import angle_kernel, angle_table

    for i, spec in enumerate(angle_table.ANGLES):
        assert getattr(angle_kernel, spec.id.upper()) == i == ANGLE_INDEX[spec.id]
    assert angle_kernel.N_ANGLES == len(ANGLES) == 26 and len(set(ANGLE_IDS)) == 26
    assert sorted(TEXT_ORDER) == list(range(26))
    docs = (Path(__file__).resolve().parents[1] / "docs" / "angles.md").read_text(encoding="utf-8")
    assert angle_table.angle_table_markdown() in docs, "regenerate the table of docs/angles.md"
