"""Acceptance on real motion capture (issue #3): every Bandai-Namco and CMU clip reads, canonicalises and
describes; angles and segments agree with the clips' labels.

The checks themselves live in `examples/real_mocap_report.py` (one definition for the report and the
tests); each clip is read and described once per module (about 6 s for all 340 clips). Skipped when
the shared data folder is absent.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from motion_smd import describe, load_motion
from motion_smd.angles import ANGLE_INDEX, compute_angles
from motion_smd.io import ReadOptions

ROOT = Path(__file__).resolve().parents[1]

N_BANDAI = 314
N_CMU = 26
SHORT_WALK = "dataset-1_walk_normal_002.bvh"
"""The one walk clip that is only 1.0 s long (31 frames): one step per leg, so one hip cycle each."""


def _report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_mocap_report", ROOT / "examples" / "real_mocap_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


report = _report()


@pytest.fixture(scope="module")
def clips(smd_data_dir: Path) -> list:
    """All 340 clips, read with default options and described once."""
    return report.load_clips(smd_data_dir)


@pytest.fixture(scope="module")
def checks(clips: list) -> dict:
    """Check name → Check."""
    return {c.name: c for c in report.run_checks(clips)}


def _check(checks: dict, prefix: str):
    (match,) = [c for name, c in checks.items() if name.startswith(prefix)]
    return match


def test_all_clips_read_with_the_right_rig(clips: list, smd_data_dir: Path) -> None:
    bandai = [c for c in clips if c.dataset == "bandai"]
    cmu = [c for c in clips if c.dataset == "cmu"]
    assert len(bandai) == N_BANDAI and len(cmu) == N_CMU
    assert {c.motion.meta["rig"] for c in bandai} == {"bandai-namco"}
    assert {c.motion.meta["rig"] for c in cmu} == {"cmu-cc-base"}
    assert {c.motion.meta["unit"] for c in clips} == {"cm"}
    manifest = {e["file"]: e for e in json.loads((smd_data_dir / "cmu" / "manifest.json").read_text())}
    for c in cmu:
        entry = manifest[f"bvh/{c.name}"]
        assert c.motion.n_frames == entry["frames_incl_tpose"] - 1  # T-pose frame 0 dropped
        assert c.motion.fps == 60.0
    bandai_manifest = json.loads((smd_data_dir / "bandai_namco" / "manifest.json").read_text())
    frames = {Path(e["file"]).name: e["frames"] for e in bandai_manifest}
    assert all(c.motion.n_frames == frames[c.name] and c.motion.fps == 30.0 for c in bandai)


@pytest.mark.parametrize("dataset", ["bandai", "cmu"])
def test_canonical_finite_and_described(checks: dict, dataset: str) -> None:
    check = _check(checks, f"{dataset}: load")
    assert check.total == (N_BANDAI if dataset == "bandai" else N_CMU)
    assert not check.failed, check.failed


def test_standing_pelvis_height(checks: dict, clips: list) -> None:
    check = _check(checks, "bandai: standing pelvis height")
    assert check.total >= 150  # clips with standing frames (runs and dashes have none)
    assert not check.failed, check.failed
    cmu_heights = [report.standing_pelvis_height(c) for c in clips if c.dataset == "cmu"]
    measured = [h for h in cmu_heights if h is not None]
    assert len(measured) >= 5 and all(0.8 <= h <= 1.15 for h in measured), measured


@pytest.mark.parametrize(
    ("prefix", "n"),
    [
        ("raise-up-right-hand", 14),
        ("wave-left-hand", 14),
        ("walk-turn-left", 14),
        ("walk-turn-right", 14),
        ("walk-back", 15),
        ("walk-left/right", 30),
        ("cmu walk trials", 8),
        ("cmu jump trial", 1),
    ],
)
def test_label_grounded(checks: dict, prefix: str, n: int) -> None:
    check = _check(checks, prefix)
    assert check.total == n
    assert not check.failed, check.failed


def test_walks_alternate_and_travel(checks: dict, clips: list) -> None:
    check = _check(checks, "walk:")
    assert check.total == 30 + 14 + 7  # Bandai set 1, Bandai set 2, CMU trials labelled "walk"
    failed = {name for name, _ in check.failed}
    assert failed <= {SHORT_WALK}, check.failed
    short = next(c for c in clips if c.name == SHORT_WALK)
    assert short.motion.duration_s < 1.1
    d = short.desc
    corr = np.corrcoef(d.angle("hip_flexion_r").values, d.angle("hip_flexion_l").values)[0, 1]
    assert corr < 0 and short.motion.joints[-1, 0, 2] > 1.0  # still alternating and travelling


def test_cmu_frame0_is_a_tpose_when_present(smd_data_dir: Path) -> None:
    path = smd_data_dir / "cmu" / "bvh" / "007_06.bvh"
    raw = load_motion(path, options=ReadOptions(skip_frames=0))
    a = compute_angles(raw.joints[:2])
    add = a[:, [ANGLE_INDEX["shoulder_adduction_r"], ANGLE_INDEX["shoulder_adduction_l"]]]
    assert np.all(add[0] < -80) and np.all(add[1] > -30)  # arms out at frame 0 only
    assert load_motion(path).n_frames == raw.n_frames - 1


def test_resample_to_humanml3d_rate(smd_data_dir: Path) -> None:
    path = smd_data_dir / "cmu" / "bvh" / "007_01.bvh"
    native = load_motion(path)
    at20 = load_motion(path, options=ReadOptions(target_fps=20))
    assert at20.fps == 20.0
    assert at20.n_frames == int((native.n_frames - 1) * 20 / 60) + 1
    # 60 → 20 fps keeps every third frame exactly (linear interpolation at the samples)
    np.testing.assert_allclose(at20.joints, native.joints[:: 3][: at20.n_frames], atol=1e-9)
    assert describe(at20).summary.travels


def test_walk_gait_cycle_angles_are_physiological(smd_data_dir: Path) -> None:
    """Sagittal ranges over one gait cycle (normal gait: Perry & Burnfield 2010; Winter 2009):
    knee ~0–70°, hip ~−10…+30°, arm swing present, trunk nearly upright."""
    path = smd_data_dir / "bandai_namco" / "dataset-2" / "data" / "dataset-2_walk_normal_001.bvh"
    motion = load_motion(path)
    a, b = report.gait_cycle(motion)
    assert 0.8 <= (b - a) / motion.fps <= 1.4  # stride time of a normal walk
    ang = compute_angles(motion.joints[a : b + 1])

    def rng(name: str) -> tuple[float, float]:
        col = ang[:, ANGLE_INDEX[name]]
        return float(col.min()), float(col.max())

    for side in ("r", "l"):
        knee_lo, knee_hi = rng(f"knee_flexion_{side}")
        assert knee_lo < 10 and 55 < knee_hi < 80
        hip_lo, hip_hi = rng(f"hip_flexion_{side}")
        assert -25 < hip_lo < 0 and 20 < hip_hi < 40
        sh_lo, sh_hi = rng(f"shoulder_flexion_{side}")
        assert sh_hi - sh_lo > 15
    lumbar_lo, lumbar_hi = rng("lumbar_extension")
    assert lumbar_lo > -15 and lumbar_hi < 15
    assert "| knee_flexion_r |" in report.angle_table(motion)


def test_bandai_read_time(clips: list) -> None:
    ms = [1000 * c.read_s for c in clips if c.dataset == "bandai"]
    assert statistics.median(ms) < 60, f"median read time {statistics.median(ms):.1f} ms per Bandai clip"
