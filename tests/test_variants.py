"""Several SMD variants in one pass (issue #19): `describe_variants` and `smd describe --variants` give, for each
variant, exactly what describing with that variant alone gives, on real clips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from motion_smd import describe, load_motion, render_smd
from motion_smd.describer import describe_variants
from motion_smd.errors import ConfigError
from motion_smd.io import ReadOptions
from motion_smd.options import SMDOptions, parse_variants

ABLATION = "all-26,top-3,top-5,no-trajectory,delta-10,top-3+timeline,top-1+timeline+no-trajectory+no-angles"


def _clips(data: Path) -> list[Path]:
    bandai = sorted((data / "bandai_namco").rglob("*.bvh"))[::20]
    cmu = sorted((data / "cmu").rglob("*.bvh"))[::6]
    if not bandai or not cmu:
        pytest.skip("no Bandai-Namco or CMU clips")
    return bandai + cmu


def test_parse_variants_names_round_trip() -> None:
    opts = parse_variants(ABLATION, SMDOptions(delta_m=0.1))
    assert [o.variant for o in opts] == [
        "all-26", "top-3", "top-5", "all-26+no-trajectory", "all-26+delta-10", "top-3+timeline",
        "top-1+no-trajectory+timeline+no-angles",
    ]  # fmt: skip
    assert all(o.delta_m == 0.1 for o in opts)  # other fields from the base
    assert [o.variant for o in parse_variants(",".join(o.variant for o in opts))] == [o.variant for o in opts]
    for bad, why in (("top-x", "unknown part"), ("all-26,all-26", "named twice"), ("fast", "unknown part")):
        with pytest.raises(ConfigError, match=why):
            parse_variants(bad)


def test_no_angles_is_the_text_before_the_joint_angles_section(smd_data_dir: Path) -> None:
    """`joint_angles=False` cuts exactly the "Joint Angles:" section, and its Timeline does not depend on top-K."""
    with pytest.raises(ConfigError, match="only the header"):
        SMDOptions(joint_angles=False, trajectory=False)
    for path in _clips(smd_data_dir)[:6]:
        motion = load_motion(path, options=ReadOptions(target_fps=20.0))
        full = render_smd(describe(motion, SMDOptions(timeline=True)))
        for top_k in (1, None):
            cut = render_smd(describe(motion, SMDOptions(timeline=True, top_k=top_k, joint_angles=False)))
            assert cut == full.split("\nJoint Angles:")[0], (path.name, top_k)
            assert "Timeline:" in cut and "Joint Angles" not in cut


def test_one_pass_equals_separate_descriptions(smd_data_dir: Path) -> None:
    variants = parse_variants(ABLATION)
    for path in _clips(smd_data_dir):
        motion = load_motion(path, options=ReadOptions(target_fps=20.0))
        for opts, desc in zip(variants, describe_variants(motion, variants), strict=True):
            alone = describe(motion, opts)
            assert render_smd(desc) == render_smd(alone), (path.name, opts.variant)
            assert desc.to_dict() == alone.to_dict(), (path.name, opts.variant)


def test_cli_variants_records_equal_single_runs(smd_data_dir: Path, tmp_path: Path) -> None:
    clips = [str(p) for p in _clips(smd_data_dir)[:4]]
    smd = [sys.executable, "-m", "motion_smd.cli", "describe", *clips, "--format", "jsonl", "--resample-fps", "20"]
    both = tmp_path / "both.jsonl"
    subprocess.run([*smd, "--variants", "all-26,top-3,delta-10", "-o", str(both)], check=True, capture_output=True)
    got = {(r["id"], r["variant"]): r for r in map(json.loads, both.read_text(encoding="utf-8").splitlines())}
    assert len(got) == 3 * len(clips)
    for flags in ([], ["--top-k", "3"], ["--delta", "10"]):
        single = tmp_path / "single.jsonl"
        subprocess.run([*smd, *flags, "-o", str(single)], check=True, capture_output=True)
        for r in map(json.loads, single.read_text(encoding="utf-8").splitlines()):
            assert got[(r["id"], r["variant"])] == r
    text = subprocess.run([*smd[:-4], "--variants", "top-3"], capture_output=True, text=True)
    assert text.returncode == 2 and "--format jsonl" in text.stderr
