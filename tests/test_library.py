"""Unit tests of the motion library's parts that need no real data (issue #17): request plans, seam maths
(transition cost, inertialization), rotation-space edits on a synthetic BVH, the BVH writer and edit
parsing. Real-data tests are in test_library_real.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from bvh_synth import write_bvh as write_synthetic_bvh
from motion_smd.errors import ConfigError
from motion_smd.io.bvh import forward_kinematics, parse_bvh
from motion_smd.io.bvh_write import hierarchy_text, write_bvh
from motion_smd.library import rig as rigops
from motion_smd.library.edit import angle_id, driving_joint, parse_steps
from motion_smd.library.plan import parse_request
from motion_smd.library.seams import root_jump_cm
from motion_smd.library.stitch import best_transition, inertialize_positions, inertialize_rotations, pose_features


def test_request_is_split_into_ordered_actions_with_quantities() -> None:
    walk, turn, wave = parse_request("walk forward 3 m, turn left, then wave with the right hand")
    assert (walk.family, walk.direction, walk.distance_m) == ("travel", "forward", 3.0)
    assert (turn.family, turn.side, turn.angle_deg) == ("turn", "left", 90.0)
    assert (wave.family, wave.side, wave.count) == ("arm", "right", None)
    back, bow = parse_request("walk backward 1.5 metres and then bow")
    assert (back.direction, back.distance_m, bow.family) == ("backward", 1.5, "other")
    (twice,) = parse_request("wave with both hands twice")
    assert (twice.side, twice.count) == ("both", 2)
    around, slow, timed = parse_request("turn around; walk slowly forward; raise the left hand for 2 s")
    assert around.angle_deg == 180.0 and slow.speed == 0.7 and timed.duration_s == 2.0
    assert parse_request("turn right 45 degrees")[0].angle_deg == 45.0
    with pytest.raises(ConfigError, match="names no action"):
        parse_request("  ,  ")


def test_side_swap_handles_the_rig_spellings() -> None:
    assert rigops.side_swap("UpperLeg_L") == "UpperLeg_R"
    assert rigops.side_swap("CC_Base_R_Thigh") == "CC_Base_L_Thigh"
    assert rigops.side_swap("LeftForeArm") == "RightForeArm"
    assert rigops.side_swap("left_knee") == "right_knee"
    assert rigops.side_swap("Hips") == "Hips"  # centre joint
    assert rigops.side_swap("RL_BoneRoot") == "RL_BoneRoot"  # "R" inside a token is not a side


def test_position_inertialization_continues_value_and_velocity_then_hands_over() -> None:
    t = np.arange(40, dtype=np.float64)[:, None]
    prev = 0.01 * t[:10]  # moving at 0.01 m per frame, ending at 0.09
    new = 0.3 + 0.05 * t  # 0.2 m away, moving 5× faster
    out = inertialize_positions(prev, new, 20)
    assert out[0, 0] == pytest.approx(0.10)  # the old motion's next position
    assert out[1, 0] - out[0, 0] == pytest.approx(0.01)  # its velocity, not the new one's 0.05
    np.testing.assert_allclose(out[20:], new[20:])  # the offset has decayed: the new clip itself


def test_rotation_inertialization_keeps_angular_velocity_under_a_large_offset() -> None:
    # the case of a real seam: the old joint turns slowly about x, the new one fast about y, 80° away
    t = np.arange(30, dtype=np.float64)
    prev = Rotation.from_rotvec(np.stack([0.01 * t[:10], 0 * t[:10], 0 * t[:10]], 1)).as_quat()[:, None]
    base = Rotation.from_rotvec([0.0, 0.0, np.radians(80)])
    new = (base * Rotation.from_rotvec(np.stack([0 * t, 0.05 * t, 0 * t], 1))).as_quat()[:, None]
    out = inertialize_rotations(prev, new, 25)[:, 0]
    last = Rotation.from_quat(prev[-1, 0])
    step0 = (Rotation.from_quat(out[0]) * last.inv()).magnitude()
    step1 = (Rotation.from_quat(out[1]) * Rotation.from_quat(out[0]).inv()).magnitude()
    assert step0 == pytest.approx(0.01, abs=1e-6)  # the first frame continues the old rotation
    assert step1 == pytest.approx(0.01, abs=1e-6)  # and so does the next step (the new clip turns 0.05/frame)
    np.testing.assert_allclose(np.abs(np.sum(out[25:] * new[25:, 0], axis=1)), 1.0, atol=1e-9)


def test_transition_search_finds_the_matching_pose() -> None:
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0, 0.01, (60, 22, 3)), axis=0) + rng.normal(0, 0.1, (1, 22, 3))
    a, b = walk[:40], walk[25:]  # B starts 25 frames into the same motion: frame 35 of A is frame 10 of B
    tr = best_transition(pose_features(a, 30.0), pose_features(b, 30.0), range(30, 40), range(0, 15))
    assert (tr.end_a - 25, tr.cost) == (tr.start_b, pytest.approx(0.0, abs=1e-9))


def test_root_jump_is_zero_on_a_steady_path_and_sees_a_step() -> None:
    j = np.zeros((20, 22, 3))
    j[:, :, 2] = 0.05 * np.arange(20)[:, None]  # 5 cm per frame
    assert root_jump_cm(j, 10) == pytest.approx(0.0)
    j[10:, :, 2] += 0.02
    assert root_jump_cm(j, 10) == pytest.approx(2.0, abs=0.01)


@pytest.fixture
def synthetic_bvh(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    t = 24
    rot = np.cumsum(rng.normal(0, 2.0, (t, 22, 3)), axis=0)
    root = np.stack([np.linspace(0, 100, t), np.full(t, 95.0), np.linspace(0, 40, t)], 1)
    path = tmp_path / "synth.bvh"
    write_synthetic_bvh(path, rot, root, all_position_channels=True)
    return path


def test_rig_pose_round_trip_and_edits_keep_the_skeleton(synthetic_bvh: Path) -> None:
    bvh = parse_bvh(synthetic_bvh)
    pose = rigops.RigPose.from_bvh(bvh)
    np.testing.assert_allclose(forward_kinematics(pose.to_bvh()), forward_kinematics(bvh), atol=1e-6)
    twice = rigops.mirrored(rigops.mirrored(pose))
    np.testing.assert_allclose(twice.world_positions(), pose.world_positions(), atol=1e-6)
    same = rigops.scaled_joint(pose, pose.template.names[4], 1.0)
    np.testing.assert_allclose(same.world_positions(), pose.world_positions(), atol=1e-6)
    moved = rigops.moved(pose, np.pi / 2, np.array([10.0, 0.0, -5.0]))
    expected = Rotation.from_rotvec([0, np.pi / 2, 0]).apply(pose.world_positions().reshape(-1, 3))
    np.testing.assert_allclose(
        moved.world_positions().reshape(-1, 3), expected + np.array([10.0, 0.0, -5.0]), atol=1e-6
    )
    half = rigops.resample(pose, np.arange(0, pose.n_frames - 1 + 1e-9, 0.5))
    assert half.n_frames == 2 * pose.n_frames - 1
    np.testing.assert_allclose(half.world_positions()[::2], pose.world_positions(), atol=1e-6)


def test_bvh_writer_round_trips_through_both_readers(synthetic_bvh: Path, tmp_path: Path) -> None:
    import bvhio

    bvh = parse_bvh(synthetic_bvh)
    out = write_bvh(tmp_path / "out.bvh", hierarchy_text(synthetic_bvh), bvh)
    again = parse_bvh(out)
    np.testing.assert_allclose(again.motion, bvh.motion, atol=1e-6)
    root = bvhio.readAsHierarchy(str(out))
    root.loadPose(5)
    theirs = np.array([list(j.PositionWorld) for j, _, _ in root.layout()])
    np.testing.assert_allclose(theirs, forward_kinematics(again)[5], atol=1e-3)
    with pytest.raises(Exception, match="does not belong to this skeleton"):
        write_bvh(tmp_path / "bad.bvh", hierarchy_text(synthetic_bvh), type(bvh)(bvh.joints, 0.03, bvh.motion[:, :5]))


def test_edit_arguments_are_parsed_in_order_and_bad_ones_refused() -> None:
    steps = parse_steps(
        trim="1:4", reverse=True, mirror=True, scale_joint=["right_knee_flexion=1.3"], speed=0.5, repeat=2
    )
    assert [s.op for s in steps] == ["trim", "reverse", "mirror", "scale-joint", "speed", "repeat"]
    assert steps[3].value == ("knee_flexion_r", 1.3)
    for kwargs, message in (
        ({"trim": "4:1"}, "END > START"),
        ({"trim": "a:b"}, "START:END"),
        ({"scale_joint": ["knee=2"]}, "unknown angle"),
        ({"scale_joint": ["knee_flexion_r"]}, "ANGLE=FACTOR"),
        ({"speed": 0.0}, "positive"),
        ({"repeat": 0}, "1 or more"),
        ({}, "no edit given"),
    ):
        base = {"trim": None, "reverse": False, "mirror": False, "scale_joint": [], "speed": None, "repeat": None}
        with pytest.raises(ConfigError, match=message):
            parse_steps(**(base | kwargs))  # type: ignore[arg-type]
    assert angle_id("left_elbow_flexion") == "elbow_flexion_l" == angle_id("elbow_flexion_l")
    assert driving_joint("knee_flexion_r") == "right_knee"
    assert driving_joint("shoulder_flexion_l") == "left_shoulder"
    with pytest.raises(ConfigError, match="no single joint"):
        driving_joint("lumbar_extension")


def test_labels_come_from_manifests_file_names_and_user_captions(tmp_path: Path) -> None:
    import json

    from motion_smd.library.labels import clip_labels

    (tmp_path / "dataset-1_wave-left-hand_happy_002.bvh").write_text("x")
    assert clip_labels(tmp_path / "dataset-1_wave-left-hand_happy_002.bvh").text() == "wave left hand"
    own = tmp_path / "mine"
    own.mkdir()
    (own / "jump_07.npy").write_bytes(b"")
    assert clip_labels(own / "jump_07.npy").content == "jump"  # the file name's words
    (own / "captions.json").write_text(json.dumps({"jump_07.npy": "a person jumps twice on the spot"}))
    assert clip_labels(own / "jump_07.npy").text() == "jump; a person jumps twice on the spot"
    (own / "jump_07.txt").write_text("a high jump\n")  # a caption beside the file wins
    assert clip_labels(own / "jump_07.npy").caption == "a high jump"
    (tmp_path / "manifest.json").write_text(
        json.dumps([{"file": "mine/jump_07.npy", "content": "jump", "style": "tired", "description": "hops"}])
    )
    got = clip_labels(own / "jump_07.npy")
    assert (got.content, got.style, got.caption) == ("jump", "tired", "a high jump")
