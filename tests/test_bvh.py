"""BVH reader: parsing, forward kinematics (checked against bvhio's own), units, frames, errors."""

from __future__ import annotations

import os
import time
from pathlib import Path

import bvhio
import numpy as np
import pytest

from bvh_synth import REST_M, random_motion, write_bvh
from motion_smd.errors import ConfigError, MotionFormatError, MotionValueError
from motion_smd.io import ReadOptions, detect_format, load_motion, supported_formats_text
from motion_smd.io.bvh import forward_kinematics, parse_bvh
from motion_smd.skeleton import L_HIP, PELVIS, R_HIP, SMPL22_JOINTS

DATA = Path(os.environ.get("SMD_DATA_DIR", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))


def bvhio_positions(path: Path, frames: list[int]) -> np.ndarray:
    """World positions (len(frames), J, 3) from bvhio's own hierarchy and FK, joints in file order."""
    root = bvhio.readAsHierarchy(str(path))
    out = []
    for f in frames:
        root.loadPose(f)
        out.append([list(j.PositionWorld) for j, _, _ in root.layout()])
    return np.array(out, dtype=np.float64)


@pytest.mark.parametrize("order", ["ZXY", "XYZ", "ZYX", "YXZ"])
@pytest.mark.parametrize("all_pos", [False, True])
def test_fk_matches_bvhio(tmp_path: Path, order: str, all_pos: bool) -> None:
    rot, root = random_motion(12, seed=len(order) + all_pos, amplitude=40.0)
    path = tmp_path / "synth.bvh"
    write_bvh(path, rot, root, order=order, all_position_channels=all_pos)
    bvh = parse_bvh(path)
    assert sorted(bvh.names) == sorted(SMPL22_JOINTS)
    assert bvh.joints[0].rotation_order == order
    leaf = bvh.names.index("left_foot")
    assert bvh.joints[leaf].end_site is not None and bvh.joints[0].end_site is None
    ours = forward_kinematics(bvh)
    ref = bvhio_positions(path, [0, 5, 11])
    # bvhio works in float32 (glm): agreement to ~1e-4 cm on a 170 cm body
    np.testing.assert_allclose(ours[[0, 5, 11]], ref, atol=2e-3)


def test_fk_hand_computed(tmp_path: Path) -> None:
    """Root turned 90° about Z: a child offset (1, 0, 0) lands at (0, 1, 0) from the root."""
    text = """HIERARCHY
ROOT a
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT b
  {
    OFFSET 1 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 2 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
5 6 7 90 0 0 0 0 0
5 6 7 0 90 0 0 0 0
"""
    path = tmp_path / "tiny.bvh"
    path.write_text(text)
    bvh = parse_bvh(path)
    assert bvh.fps == 2.0
    pos = forward_kinematics(bvh)
    np.testing.assert_allclose(pos[0], [[5, 6, 7], [5, 7, 7]], atol=1e-12)
    np.testing.assert_allclose(pos[1], [[5, 6, 7], [6, 6, 7]], atol=1e-12)  # X rotation keeps the x axis
    np.testing.assert_allclose(forward_kinematics(bvh, ["b"])[:, 0], pos[:, 1])


def test_read_standing_cm_to_canonical_metres(tmp_path: Path) -> None:
    t = 20
    rot = np.zeros((t, 22, 3))
    rot[:, 0, 1] = 90.0  # ZXY order: rotate the whole body 90° about Y → faces +X in the file
    root = np.tile([[300.0, 95.0, -200.0]], (t, 1))
    path = tmp_path / "standing.bvh"
    write_bvh(path, rot, root, order="ZYX")
    m = load_motion(path)
    assert m.meta["rig"] == "smpl22" and m.meta["unit"] == "cm" and m.fps == 30.0
    j = m.joints
    assert abs(j[..., 1].min()) < 1e-12  # floor at 0
    np.testing.assert_allclose(j[0, PELVIS, [0, 2]], 0.0, atol=1e-12)
    assert j[0, L_HIP, 0] > j[0, R_HIP, 0]  # facing +Z: the subject's left is +X
    # geometry preserved: the body is the rest pose, grounded
    expected = REST_M - [0.0, REST_M[:, 1].min(), 0.0]
    np.testing.assert_allclose(j[0], expected - [expected[0, 0], 0, expected[0, 2]], atol=1e-6)


def test_units_override_and_detection(tmp_path: Path) -> None:
    rot, root = random_motion(10)
    cm = tmp_path / "cm.bvh"
    write_bvh(cm, rot, root)
    mm = tmp_path / "mm.bvh"
    write_bvh(mm, rot, root * 10, scale=1000.0)
    m_cm = load_motion(cm)
    m_mm = load_motion(mm)
    assert m_mm.meta["unit"] == "mm"
    np.testing.assert_allclose(m_cm.joints, m_mm.joints, atol=1e-6)
    np.testing.assert_allclose(load_motion(cm, options=ReadOptions(unit="cm")).joints, m_cm.joints)
    with pytest.raises(MotionValueError, match="centimetres"):
        load_motion(cm, options=ReadOptions(unit="m"))


def test_skip_frames_fps_resample_and_up(tmp_path: Path) -> None:
    rot, root = random_motion(61)
    path = tmp_path / "a.bvh"
    write_bvh(path, rot, root)
    full = load_motion(path, options=ReadOptions(canonicalize=False))
    skipped = load_motion(path, options=ReadOptions(skip_frames=1, canonicalize=False))
    assert skipped.n_frames == 60 and skipped.meta["skip_frames"] == "1"
    np.testing.assert_allclose(skipped.joints, full.joints[1:])
    at20 = load_motion(path, options=ReadOptions(target_fps=20.0))
    assert at20.fps == 20.0 and at20.n_frames == 41  # 2 s at 20 fps, both ends included
    assert load_motion(path, options=ReadOptions(target_fps=10.0, source_fps=20.0)).fps == 10.0
    # a BVH stores its own rate: the rate for files that store none does not apply (no resampling)
    native = load_motion(path, options=ReadOptions(source_fps=20.0))
    assert native.fps == full.fps and native.n_frames == full.n_frames
    zup = load_motion(path, options=ReadOptions(up="z", canonicalize=False))
    np.testing.assert_allclose(zup.joints[..., 1], full.joints[..., 2])
    with pytest.raises(MotionValueError, match="skip-frames"):
        load_motion(path, options=ReadOptions(skip_frames=60))


def test_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(MotionFormatError, match="no such file"):
        load_motion(tmp_path / "missing.bvh")
    junk = tmp_path / "junk.bvh"
    junk.write_text("hello\nworld\n")
    with pytest.raises(MotionFormatError, match="not a valid BVH"):
        load_motion(junk)
    rot, root = random_motion(5)
    good = tmp_path / "good.bvh"
    write_bvh(good, rot, root)
    text = good.read_text()
    cut = tmp_path / "cut.bvh"
    cut.write_text(text[: len(text) - 40])
    with pytest.raises(MotionFormatError, match="truncated"):
        load_motion(cut)
    bad = tmp_path / "bad.bvh"
    bad.write_text(text.replace("Frame Time: 0.0333333\n", "Frame Time: 0.0333333\nabc "))
    with pytest.raises(MotionFormatError, match="non-number 'abc'"):
        load_motion(bad)
    renamed = tmp_path / "renamed.bvh"
    write_bvh(renamed, rot, root, names=[f"bone{i}" for i in range(22)])
    with pytest.raises(MotionFormatError, match="--mapping"):
        load_motion(renamed)
    with pytest.raises(ConfigError, match="bandai-namco"):
        load_motion(good, options=ReadOptions(rig="no-such-rig"))
    with pytest.raises(MotionFormatError, match="needed by rig 'cmu-cc-base'"):
        load_motion(good, options=ReadOptions(rig="cmu-cc-base"))


def test_format_detection_lists_supported(tmp_path: Path) -> None:
    assert detect_format(Path("x/clip.BVH")) == "bvh"
    assert "bvh (.bvh)" in supported_formats_text()
    odd = tmp_path / "clip.fbx"
    odd.write_text("x")
    with pytest.raises(MotionFormatError, match=r"Supported: .*bvh \(\.bvh\).*--input-format"):
        load_motion(odd)


# --- real files (skipped when the shared data is absent) ----------------------------------------

BANDAI_WALK = DATA / "bandai_namco" / "dataset-1" / "data" / "dataset-1_walk_normal_001.bvh"
CMU_WALK = DATA / "cmu" / "bvh" / "002_01.bvh"


NO_REAL = not BANDAI_WALK.exists() or not CMU_WALK.exists()


@pytest.mark.skipif(NO_REAL, reason=f"real mocap not found under {DATA}")
@pytest.mark.parametrize("path", [BANDAI_WALK, CMU_WALK], ids=["bandai", "cmu"])
def test_real_fk_matches_bvhio(path: Path) -> None:
    bvh = parse_bvh(path)
    ours = forward_kinematics(bvh)
    frames = [0, 1, bvh.n_frames // 2, bvh.n_frames - 1]
    ref = bvhio_positions(path, frames)
    np.testing.assert_allclose(ours[frames], ref, atol=2e-3)  # cm; bvhio is float32


@pytest.mark.skipif(not BANDAI_WALK.exists(), reason=f"real mocap not found under {DATA}")
def test_real_read_speed() -> None:
    load_motion(BANDAI_WALK)  # warm imports
    start = time.perf_counter()
    for _ in range(5):
        m = load_motion(BANDAI_WALK)
    per_clip = (time.perf_counter() - start) / 5
    assert m.n_frames == 195
    assert per_clip < 0.25, f"reading a 195-frame Bandai clip took {per_clip * 1000:.0f} ms"


_CUT_SCRIPT = """
import sys
from pathlib import Path
from motion_smd.errors import MotionSMDError
from motion_smd.io import load_motion

src, out = Path(sys.argv[1]).read_bytes(), Path(sys.argv[2])
ends = [i + 1 for i, b in enumerate(src) if b == 10]
loaded = refused = 0
for cut in [0, *ends[:-1]]:
    out.write_bytes(src[:cut])
    try:
        load_motion(out)
        loaded += 1
    except MotionSMDError:
        refused += 1
print(loaded, refused)
"""


def test_a_bvh_cut_at_any_line_end_is_refused_without_hanging(tmp_path: Path) -> None:
    """Issue #14: bvhio loops forever on an empty or truncated hierarchy. Every cut of a file at a line end
    (hierarchy and motion) must end in the project's error, quickly; run in a subprocess so that a hang fails
    this test instead of freezing the suite."""
    import subprocess
    import sys

    rot, root = random_motion(12)
    path = tmp_path / "whole.bvh"
    write_bvh(path, rot, root)
    n_lines = path.read_bytes().count(b"\n")
    res = subprocess.run(
        [sys.executable, "-c", _CUT_SCRIPT, str(path), str(tmp_path / "cut.bvh")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    loaded, refused = map(int, res.stdout.split())
    assert loaded == 0 and refused == n_lines  # every cut loses frames that 'Frames: N' declares


@pytest.mark.parametrize("frame_time", ["0", "1e-320", "1e308", "nan", "-0.03"])
def test_a_frame_time_outside_its_range_is_refused(tmp_path: Path, frame_time: str) -> None:
    rot, root = random_motion(5)
    path = tmp_path / "a.bvh"
    write_bvh(path, rot, root)
    text = path.read_text()
    head, tail = text.split("Frame Time:")
    path.write_text(head + "Frame Time: " + frame_time + "\n" + tail.split("\n", 1)[1])
    with pytest.raises(MotionFormatError, match=r"[Ff]rame [Tt]ime"):
        load_motion(path)


def test_a_structure_that_is_not_bvh_is_refused_with_its_reason(tmp_path: Path) -> None:
    cases = {
        "": "empty",
        "   \n\n": "empty",
        "MOTION\nFrames: 1\nFrame Time: 0.03\n0 0 0\n": "does not start with HIERARCHY",
        "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xrotation Yrotation Zrotation\n": "no MOTION line",
        "HIERARCHY\nJOINT A\n{\n}\nMOTION\nFrames: 1\nFrame Time: 0.03\n0\n": "no ROOT",
        "HIERARCHY\nROOT A\n{\n OFFSET 0 0 0\n CHANNELS 1 Xrotation\n{\nMOTION\nFrames: 1\nFrame Time: 0.03\n0\n": (
            "unclosed"
        ),
        "HIERARCHY\nROOT A\n{\n}\n}\nMOTION\nFrames: 1\nFrame Time: 0.03\n0\n": "never opened",
        "HIERARCHY\nROOT A\n{\n OFFSET 0 0 0\n CHANNELS 1 Xrotation\n}\nMOTION\nFrames: 1\n": "no 'Frame Time:'",
    }
    for i, (text, reason) in enumerate(cases.items()):
        path = tmp_path / f"bad{i}.bvh"
        path.write_text(text)
        with pytest.raises(MotionFormatError, match=reason):
            load_motion(path)
    deep = tmp_path / "deep.bvh"
    joints = "".join(f"JOINT J{k}\n{{\nOFFSET 0 1 0\nCHANNELS 3 Zrotation Xrotation Yrotation\n" for k in range(5000))
    deep.write_text("HIERARCHY\nROOT R\n{\nOFFSET 0 0 0\nCHANNELS 3 Zrotation Xrotation Yrotation\n" + joints
                    + "}\n" * 5001 + "MOTION\nFrames: 1\nFrame Time: 0.03\n" + "0 " * 15003 + "\n")
    with pytest.raises(MotionFormatError, match="nest more than"):
        load_motion(deep)
