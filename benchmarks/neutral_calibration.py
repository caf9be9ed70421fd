"""Recompute the neutral standing readings of `motion_smd.neutral` from the shared data (run on demand).

Prints, per skeleton:
- the foot floor geometry: for every foot of every clip, the ankle joint's height above the toe-base joint
  with both on the floor (the lowest ankle height minus the lowest toe-base height of the clip) over the
  ankle→toe-base length (its median over the clip): the ankle reading of a flat foot under a vertical shank
  is −asin(h / L); the median over all feet is the rig's constant (BVH rigs);
- the rest-pose knee inclination of the BVH rigs (all rotation channels zero, position channels of frame 0);
- the static standing trial of SMPL joint centres: median hip, knee, ankle and neck flexion over HumanML3D
  M010968 (a person standing), and the neck flexion of the first second of M010655.

All angles are read uncalibrated (`compute_angles(joints)` without a skeleton).

    python benchmarks/neutral_calibration.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from motion_smd import load_motion
from motion_smd.angles import ANGLE_INDEX, compute_angles
from motion_smd.io import ReadOptions
from motion_smd.io.bvh import BvhData, _choose_rig, bvh_to_smpl22, parse_bvh
from motion_smd.skeleton import L_ANKLE, L_FOOT, R_ANKLE, R_FOOT


def floor_geometry_deg(joints: np.ndarray) -> list[float]:
    """asin(h / L) in degrees for both feet of a canonical (floor at 0) clip (see the module docstring)."""
    out = []
    for ankle, toe in ((L_ANKLE, L_FOOT), (R_ANKLE, R_FOOT)):
        length = float(np.median(np.linalg.norm(joints[:, toe] - joints[:, ankle], axis=-1)))
        h = float(joints[:, ankle, 1].min() - joints[:, toe, 1].min())
        out.append(float(np.degrees(np.arcsin(np.clip(h / length, -1.0, 1.0)))))
    return out


def rest_knee_deg(path: Path) -> float:
    """Knee inclination of a BVH file's rest pose (rotations zero), mean of both sides, degrees."""
    bvh = parse_bvh(path)
    rig = _choose_rig(bvh, ReadOptions())
    motion = bvh.motion[:1].copy()
    for joint in bvh.joints:
        for k, channel in enumerate(joint.channels):
            if channel.lower().endswith("rotation"):
                motion[:, joint.first_column + k] = 0.0
    joints = bvh_to_smpl22(BvhData(bvh.joints, bvh.frame_time, np.repeat(motion, 2, axis=0), bvh.source), rig, 0)
    thigh = joints[0, [4, 5]] - joints[0, [1, 2]]
    shank = joints[0, [7, 8]] - joints[0, [4, 5]]
    cos = (thigh * shank).sum(-1) / np.linalg.norm(thigh, axis=-1) / np.linalg.norm(shank, axis=-1)
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("SMD_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--data-dir", type=Path, default=default)
    data = ap.parse_args().data_dir
    manifest = json.loads((data / "bandai_namco" / "manifest.json").read_text())
    rigs = {
        "bandai-namco": [data / "bandai_namco" / e["file"] for e in manifest],
        "cmu-cc-base": sorted((data / "cmu" / "bvh").glob("*.bvh")),
    }
    for rig, paths in rigs.items():
        paths = [p for p in paths if p.is_file()]
        feet = [v for p in paths for v in floor_geometry_deg(load_motion(p).joints)]
        print(
            f"{rig}: ankle neutral -asin(h/L) = {-np.median(feet):.1f}° (median of {len(feet)} feet, "
            f"IQR {np.percentile(feet, 25):.1f}–{np.percentile(feet, 75):.1f}°); "
            f"rest-pose knee {rest_knee_deg(paths[0]):.1f}°"
        )
    standing = load_motion(data / "humanml3d" / "new_joints" / "M010968.npy")
    a = compute_angles(standing.joints)
    names = ("hip_flexion_r", "hip_flexion_l", "knee_flexion_r", "knee_flexion_l", "ankle_dorsiflexion_r",
             "ankle_dorsiflexion_l", "neck_flexion")  # fmt: skip
    print("smpl (M010968, standing):", {n: round(float(np.median(a[:, ANGLE_INDEX[n]])), 1) for n in names})
    lifting = load_motion(data / "humanml3d" / "new_joints" / "M010655.npy")
    first = compute_angles(lifting.joints[: int(lifting.fps)])
    print(f"smpl (M010655, first second): neck_flexion {np.median(first[:, ANGLE_INDEX['neck_flexion']]):.1f}°")


if __name__ == "__main__":
    main()
