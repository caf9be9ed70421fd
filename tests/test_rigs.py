"""Rig mappings: built-in rigs, detection by joint names, weighted mixes, mapping files (JSON/YAML)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bvh_synth import random_motion, write_bvh
from motion_smd.errors import ConfigError, MotionFormatError
from motion_smd.io import ReadOptions, load_motion
from motion_smd.io.rigs import (
    BANDAI_NAMCO,
    BUILTIN_RIGS,
    CMU_CC_BASE,
    MIXAMO,
    RigMap,
    builtin_rig,
    detect_rig,
    load_mapping,
    resolve_joint_names,
)
from motion_smd.skeleton import SMPL22_JOINTS, SPINE1, SPINE2, SPINE3

BANDAI_NAMES = [
    "joint_Root", "Hips", "Spine", "Chest", "Neck", "Head", "Shoulder_L", "UpperArm_L", "LowerArm_L",
    "Hand_L", "Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R", "UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L",
    "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R",
]


def test_builtin_rigs_cover_all_smpl_joints() -> None:
    for rig in BUILTIN_RIGS.values():
        assert tuple(rig.joints) == SMPL22_JOINTS
        for mix in rig.joints.values():
            assert abs(sum(w for _, w in mix) - 1.0) < 1e-12
    assert CMU_CC_BASE.skip_frames == 1 and BANDAI_NAMCO.skip_frames == 0


def test_detect_rig_by_names() -> None:
    assert detect_rig(BANDAI_NAMES).name == "bandai-namco"
    cmu = ["RL_BoneRoot", "CC_Base_Hip", *CMU_CC_BASE.rig_joints, "CC_Base_L_Thumb1"]
    assert detect_rig(cmu).name == "cmu-cc-base"
    mixamo = ["mixamorig:" + n for n in MIXAMO.rig_joints]
    assert detect_rig(mixamo).name == "mixamo"
    assert detect_rig(list(SMPL22_JOINTS)).name == "smpl22"
    with pytest.raises(MotionFormatError, match="bandai-namco lacks"):
        detect_rig(["a", "b", "c"], source="x.bvh")


def test_resolve_names_case_and_namespace() -> None:
    got = resolve_joint_names(["Hips", "LeftArm", "spine"], ["mixamorig:Hips", "LEFTARM", "Spine"])
    assert got == {"Hips": "mixamorig:Hips", "LeftArm": "LEFTARM", "spine": "Spine"}


def test_bandai_spine2_is_mix_of_spine_and_chest() -> None:
    rng = np.random.default_rng(1)
    pos = rng.normal(size=(4, len(BANDAI_NAMES), 3))
    out = BANDAI_NAMCO.apply(pos, BANDAI_NAMES)
    spine, chest = BANDAI_NAMES.index("Spine"), BANDAI_NAMES.index("Chest")
    np.testing.assert_allclose(out[:, SPINE1], pos[:, spine])
    np.testing.assert_allclose(out[:, SPINE3], pos[:, chest])
    np.testing.assert_allclose(out[:, SPINE2], 0.5 * (pos[:, spine] + pos[:, chest]))
    assert BANDAI_NAMCO.weight_matrix(BANDAI_NAMES)[:, BANDAI_NAMES.index("joint_Root")].sum() == 0


def test_rigmap_validation() -> None:
    full = {j: ((j, 1.0),) for j in SMPL22_JOINTS}
    with pytest.raises(ConfigError, match="no rig joint given"):
        RigMap("r", {k: v for k, v in full.items() if k != "neck"})
    with pytest.raises(ConfigError, match="unknown SMPL joint"):
        RigMap("r", {**full, "tail": (("t", 1.0),)})
    with pytest.raises(ConfigError, match="sum to 0"):
        RigMap("r", {**full, "spine2": (("a", 1.0), ("b", -1.0))})
    rig = RigMap("r", {**full, "spine2": (("a", 2.0), ("b", 2.0))})
    assert rig.joints["spine2"] == (("a", 0.5), ("b", 0.5))
    with pytest.raises(ConfigError, match="unknown rig"):
        builtin_rig("blender")


def _custom_names() -> list[str]:
    return [f"Bone_{n.title().replace('_', '')}" for n in SMPL22_JOINTS]


def _custom_mapping() -> dict[str, object]:
    names = _custom_names()
    joints: dict[str, object] = dict(zip(SMPL22_JOINTS, names, strict=True))
    joints["spine2"] = {names[SPINE1]: 1, names[SPINE3]: 1}  # weights normalised to 0.5 / 0.5
    return {"name": "studio-rig", "unit": "cm", "skip_frames": 2, "joints": joints}


def test_mapping_file_json_drives_the_reader(tmp_path: Path) -> None:
    rot, root = random_motion(30)
    clip = tmp_path / "studio.bvh"
    write_bvh(clip, rot, root, names=_custom_names())
    ref_clip = tmp_path / "ref.bvh"
    write_bvh(ref_clip, rot, root)
    mapping = tmp_path / "studio.json"
    mapping.write_text(json.dumps(_custom_mapping()))
    m = load_motion(clip, options=ReadOptions(mapping=str(mapping), canonicalize=False))
    ref = load_motion(ref_clip, options=ReadOptions(skip_frames=2, canonicalize=False))
    assert m.meta["rig"] == "studio-rig" and m.meta["skip_frames"] == "2" and m.n_frames == 28
    expected = np.array(ref.joints)
    expected[:, SPINE2] = 0.5 * (ref.joints[:, SPINE1] + ref.joints[:, SPINE3])
    np.testing.assert_allclose(m.joints, expected, atol=1e-12)


def test_mapping_file_flat_and_yaml(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps(dict(zip(SMPL22_JOINTS, _custom_names(), strict=True))))
    rig = load_mapping(flat)
    assert rig.name == "flat" and rig.skip_frames == 0 and rig.unit is None
    lines = ["name: yaml-rig", "unit: mm", "joints:"]
    for smpl, bone in zip(SMPL22_JOINTS, _custom_names(), strict=True):
        lines.append(f"  {smpl}: {bone}")
    yml = tmp_path / "rig.yaml"
    yml.write_text("\n".join(lines) + "\n")
    rig = load_mapping(yml)
    assert rig.name == "yaml-rig" and rig.unit == "mm" and rig.joints["pelvis"] == (("Bone_Pelvis", 1.0),)


def test_yaml_without_pyyaml_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    yml = tmp_path / "rig.yml"
    yml.write_text("pelvis: Hips\n")
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` raise ImportError
    with pytest.raises(ConfigError, match="PyYAML"):
        load_mapping(yml)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "'joints' table"),
        ('{"joints": {"pelvis": "Hips"}}', "no rig joint given"),
        ('{"joints": {"pelvis": 3}}', "weighted mix"),
        ('{"joints": {"pelvis": {"Hips": "a lot"}}}', "rig-joint-name: weight"),
        ('{"skip_frames": 1.5, "joints": {"pelvis": "Hips"}}', "whole number"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_mapping(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping file not found"):
        load_mapping(tmp_path / "nope.json")


def test_mapping_naming_absent_joints(tmp_path: Path) -> None:
    rot, root = random_motion(5)
    clip = tmp_path / "c.bvh"
    write_bvh(clip, rot, root)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(_custom_mapping()))
    with pytest.raises(MotionFormatError, match=r"c\.bvh: the file has no joint\(s\) \['Bone_Pelvis'"):
        load_motion(clip, options=ReadOptions(mapping=str(mapping)))
