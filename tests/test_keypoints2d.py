"""2-D keypoints (issue #16, item 2): layouts and files, image-plane angles against the 3-D angles of real
mocap seen by a simulated side camera, and the 2-D SMD text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from motion_smd.angles import ANGLE_IDS, compute_angles
from motion_smd.describe2d import describe_keypoints
from motion_smd.errors import MotionFormatError
from motion_smd.io import load_motion
from motion_smd.io.keypoints2d import read_keypoints
from motion_smd.io.registry import ReadOptions
from motion_smd.keypoints2d import LAYOUTS, Keypoints2D, facing_sign, image_angles, unwrap_deg
from motion_smd.projection import Camera, add_detector_noise, project
from motion_smd.render import render_smd


def _bandai(smd_data_dir: Path, name: str, dataset: str = "dataset-2") -> tuple[np.ndarray, object]:
    path = smd_data_dir / "bandai_namco" / dataset / "data" / f"{dataset}_{name}.bvh"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    motion = load_motion(path).resample(30.0)
    return np.asarray(motion.joints), motion


@pytest.fixture(scope="module")
def walk(smd_data_dir: Path) -> tuple[np.ndarray, object]:
    return _bandai(smd_data_dir, "walk_active_001")


def test_side_view_angles_match_the_3d_angles(walk: tuple[np.ndarray, object]) -> None:
    """Real mocap filmed from the side: the 2-D knee, shoulder and ankle flexion follow the 3-D ones (the
    reference: the 3-D angles of the same joints, not the 2-D code); the front view cannot show flexion."""
    joints, motion = walk
    ref = compute_angles(joints, motion.source, motion.meta.get("rig"))  # type: ignore[attr-defined]
    side, ids = image_angles(project(joints, 30.0, Camera(view="side")))
    front, _ = image_angles(project(joints, 30.0, Camera(view="front")))
    for angle, limit in (("knee_flexion_r", 3.0), ("knee_flexion_l", 3.0), ("shoulder_flexion_r", 8.0)):
        k = ids.index(angle)
        err = np.abs(side[:, k] - ref[:, ANGLE_IDS.index(angle)])
        assert np.median(err) < limit, (angle, np.median(err))
    k = ids.index("knee_flexion_r")
    assert np.median(np.abs(front[:, k] - ref[:, ANGLE_IDS.index("knee_flexion_r")])) > 5.0  # a front view cannot


def test_facing_from_toes_or_nose(walk: tuple[np.ndarray, object]) -> None:
    """Filmed from its right, a person walking ahead faces image-left, with toes (BODY-25) or without (COCO-17:
    the nose)."""
    joints, _ = walk
    assert facing_sign(project(joints, 30.0, Camera(view="side"), "body25")) == -1.0
    assert facing_sign(project(joints, 30.0, Camera(view="side"), "coco17")) == -1.0


def test_bow_leans_forward(smd_data_dir: Path) -> None:
    joints, _ = _bandai(smd_data_dir, "bow_active_001", "dataset-1")
    angles, ids = image_angles(project(joints, 30.0, Camera(view="side")))
    lean = angles[:, ids.index("trunk_lean")]
    assert lean.max() > 30.0 and abs(lean[0]) < 10.0  # upright, then bowing forward


def test_unwrap_keeps_an_arm_overhead_continuous() -> None:
    a = np.array([170.0, 178.0, -176.0, -170.0, np.nan, 10.0, 20.0])
    out = unwrap_deg(a)
    np.testing.assert_allclose(out[:4], [170.0, 178.0, 184.0, 190.0])
    np.testing.assert_allclose(out[5:], [10.0, 20.0])


def test_2d_text_of_a_noisy_walk(walk: tuple[np.ndarray, object]) -> None:
    """The 2-D SMD of a noisy side-view walk: labelled 2-D, walks forward about the distance the mocap walked
    (scale from an assumed 1.70 m height), knees oscillating at the stride period; deterministic."""
    joints, _ = walk
    kp = add_detector_noise(project(joints, 30.0, Camera()), np.random.default_rng(0))
    text = render_smd(describe_keypoints(kp))
    assert text == render_smd(describe_keypoints(kp))
    assert "Input: 2-D keypoints (body25)" in text and "Right Knee Flexion (2-D)" in text
    walked = float(np.linalg.norm(joints[-1, 0, [0, 2]] - joints[0, 0, [0, 2]]))
    shown = float(text.split("displacement ")[1].split("m")[0])
    assert abs(shown - walked) < 0.2 * walked, (shown, walked)
    knee = text.split("Right Knee Flexion (2-D) (bending knee):\n")[1]
    assert knee.startswith("oscillates") or "\noscillates" in knee.split("\n[")[0]


def test_files_layouts_and_errors(tmp_path: Path, walk: tuple[np.ndarray, object]) -> None:
    joints, _ = walk
    kp = project(joints[:60], 30.0, Camera(), "coco17")
    arr = np.concatenate([kp.xy, kp.confidence[..., None]], axis=-1)
    npy = tmp_path / "walk.kp2d.npy"
    np.save(npy, arr)
    js = tmp_path / "walk.kp2d.json"
    js.write_text(json.dumps({"layout": "coco17", "fps": 30, "keypoints": arr.tolist()}))
    openpose = tmp_path / "frames.kp2d.json"
    body = project(joints[:60], 30.0, Camera(), "body25")
    frames = [{"people": [{"pose_keypoints_2d": np.column_stack([x, c]).ravel().tolist()}]} for x, c in
              zip(np.nan_to_num(body.xy), body.confidence, strict=True)]  # fmt: skip
    frames[10] = {"people": []}
    openpose.write_text(json.dumps(frames))
    a = read_keypoints(npy, ReadOptions())
    b = read_keypoints(js, ReadOptions())
    c = read_keypoints(openpose, ReadOptions())
    assert a.layout == b.layout == "coco17" and c.layout == "body25"
    assert np.isnan(c.xy[10]).all()
    np.testing.assert_allclose(a.xy, b.xy)
    h36 = read_keypoints(npy, ReadOptions(layout="h36m17"))
    assert h36.layout == "h36m17"
    bad = tmp_path / "bad.kp2d.npy"
    np.save(bad, np.zeros((20, 18, 3)))
    with pytest.raises(MotionFormatError, match=r"bad\.kp2d\.npy: 18 keypoints per frame matches no known layout"):
        read_keypoints(bad, ReadOptions())
    with pytest.raises(MotionFormatError, match=r"25 keypoints per frame, but the coco17 layout has 17"):
        read_keypoints(openpose, ReadOptions(layout="coco17"))
    from motion_smd.cli import app

    res = CliRunner().invoke(app, ["describe", str(npy)])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Motion: 2.0s (60 frames at 30 FPS)\nInput: 2-D keypoints (coco17)")
    res = CliRunner().invoke(app, ["plot", str(npy), "-o", str(tmp_path / "p.png")])
    assert res.exit_code != 0 and "2-D keypoints are not 3-D joints" in res.output


def test_every_layout_names_the_points_the_angles_need() -> None:
    for name, points in LAYOUTS.items():
        for needed in ("left_hip", "right_knee", "left_ankle", "right_shoulder", "left_elbow", "right_wrist"):
            assert needed in points, (name, needed)
        kp = Keypoints2D(np.zeros((3, len(points), 2)), np.ones((3, len(points))), name, 30.0)
        assert image_angles(kp)[0].shape[0] == 3


def test_unusable_keypoints_fail_clearly(tmp_path: Path) -> None:
    """No person seen (all NaN, or every confidence 0): one line naming the file, the problem and what to check."""
    from motion_smd.cli import app

    nan = tmp_path / "nan.kp2d.npy"
    np.save(nan, np.full((30, 17, 3), np.nan))
    low = tmp_path / "low.kp2d.npy"
    np.save(low, np.concatenate([np.random.default_rng(0).random((30, 17, 2)) * 500, np.zeros((30, 17, 1))], -1))
    for path, extra, problem in (
        (nan, [], "the person's size cannot be measured"),
        (nan, ["--m-per-px", "0.01"], "the hips and ankles are seen in 0 of 30 frames"),
        (low, [], "the person's size cannot be measured"),
    ):
        res = CliRunner().invoke(app, ["describe", str(path), *extra])
        assert res.exit_code == 1
        assert f"{path}: {problem}" in res.output and "Check the layout (--layout)" in res.output


def test_a_folder_describes_a_video_not_its_pose_cache(tmp_path: Path) -> None:
    from motion_smd.batch import expand_paths

    (tmp_path / "clip.mp4").write_bytes(b"x")
    (tmp_path / "clip.mp4.pose.npz").write_bytes(b"x")
    (tmp_path / "other.pose.npz").write_bytes(b"x")  # a track without its video is described
    assert sorted(p.name for p in expand_paths([str(tmp_path)])) == ["clip.mp4", "other.pose.npz"]
