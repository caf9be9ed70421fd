"""2-D SMD against 3-D SMD on the shared mocap (issue #16, item 2; run on demand, ~1 min).

Every Bandai-Namco clip of `$SMD_DATA_DIR` (or ../shared/data) is filmed by a simulated level pinhole camera
(`motion_smd.projection`: side view from the subject's right, front view from ahead; 6 m away, 60° field of view,
1920×1080), as BODY-25 keypoints, clean and with detector-like errors (jitter σ = 1 % of the person's image
height, 5 % of keypoints dropped, one 0.3 s wrist occlusion; seed 0). The 2-D angles (`keypoints2d`) are compared
frame by frame with the same clip's 3-D angles (`angles.compute_angles`, the 3-D SMD's series), over the frames
where the body faces within 20° of its frame-0 facing (the camera keeps its view); the ankle after removing each
clip's median difference (the 3-D ankle carries the rig's neutral calibration, the 2-D foot line does not);
the trunk lean against the trunk's forward lean computed from the joints (the 3-D SMD has no such angle).

Per angle, view and noise: the median and 95th percentile of |2-D − 3-D| (degrees) over all those frames, and the
median over clips of |printed range 2-D − printed range 3-D| (the extremes the two texts print). Prints one
Markdown table (docs/input-formats.md records it).

    python benchmarks/validity_2d.py [--data-dir DIR] [--max-clips N]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from motion_smd.angles import ANGLE_IDS, compute_angles
from motion_smd.describe2d import clean_keypoints, describe_keypoints
from motion_smd.describer import describe
from motion_smd.io import load_motion
from motion_smd.keypoints2d import image_angles
from motion_smd.projection import Camera, add_detector_noise, project

FPS = 30.0
FACING_TOLERANCE_DEG = 20.0


def facing_deviation_deg(joints: np.ndarray) -> np.ndarray:
    """(T,) |yaw of the hip line against frame 0|, degrees, from the joints (not from the SMD)."""
    right = joints[:, 2] - joints[:, 1]
    yaw = np.unwrap(np.arctan2(right[:, 2], right[:, 0]))
    return np.asarray(np.abs(np.degrees(yaw - yaw[0])))


def trunk_lean_deg(joints: np.ndarray) -> np.ndarray:
    """(T,) the trunk's (mid-hip → mid-shoulder) forward lean from vertical in the body's sagittal plane,
    degrees, from the joints (the 3-D SMD has no such angle: its trunk angles are relative to the pelvis)."""
    trunk = (joints[:, 16] + joints[:, 17]) / 2.0 - (joints[:, 1] + joints[:, 2]) / 2.0
    right = joints[:, 2] - joints[:, 1]
    forward = np.cross([0.0, 1.0, 0.0], right)  # up × right points ahead
    forward /= np.linalg.norm(forward, axis=1, keepdims=True)
    return np.asarray(np.degrees(np.arctan2((trunk * forward).sum(axis=1), trunk[:, 1])))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("SMD_DATA_DIR", "../shared/data")))
    ap.add_argument("--max-clips", type=int, default=None)
    args = ap.parse_args(argv)
    clips = sorted((args.data_dir / "bandai_namco").rglob("*.bvh"))[: args.max_clips]
    if not clips:
        raise SystemExit(f"no Bandai-Namco clips under {args.data_dir}; set SMD_DATA_DIR")
    errors: dict[tuple[str, str, str], list[np.ndarray]] = {}
    ranges: dict[tuple[str, str, str], list[float]] = {}
    names: list[str] = []
    rng = np.random.default_rng(0)
    used_frames = 0
    for path in clips:
        motion = load_motion(path).resample(FPS)
        joints = np.asarray(motion.joints)
        ref = compute_angles(joints, motion.source, motion.meta.get("rig"))
        ok = facing_deviation_deg(joints) <= FACING_TOLERANCE_DEG
        used_frames += int(ok.sum())
        desc3 = describe(motion)
        for view in ("side", "front"):
            clean = project(joints, FPS, Camera(view=view))
            for noise, kp in (("clean", clean), ("noisy", add_detector_noise(clean, rng))):
                got, ids = image_angles(clean_keypoints(kp)[0])
                desc2 = describe_keypoints(kp)
                names = ids
                for k, angle in enumerate(ids):
                    truth = trunk_lean_deg(joints) if angle == "trunk_lean" else ref[:, ANGLE_IDS.index(angle)]
                    diff = got[:, k] - truth
                    if angle.startswith("ankle"):
                        diff = diff - np.nanmedian(diff[ok]) if np.isfinite(diff[ok]).any() else diff
                    errors.setdefault((angle, view, noise), []).append(np.abs(diff[ok]))
                    r2 = desc2.angle(angle).range_value
                    r3 = float(np.ptp(truth)) if angle == "trunk_lean" else desc3.angle(angle).range_value
                    ranges.setdefault((angle, view, noise), []).append(abs(r2 - r3))
    print(f"{len(clips)} Bandai-Namco clips at {FPS:g} fps, {used_frames} frames facing within "
          f"{FACING_TOLERANCE_DEG:g}° of frame 0; |2-D − 3-D| in degrees\n")  # fmt: skip
    print(
        "| angle | side clean: median / p95 | side noisy | front clean | front noisy | range error side clean / noisy |"
    )
    print("|---|---|---|---|---|---|")
    for angle in names:
        cells = []
        for view in ("side", "front"):
            for noise in ("clean", "noisy"):
                e = np.concatenate(errors[(angle, view, noise)])
                e = e[np.isfinite(e)]
                cells.append(f"{np.median(e):.1f} / {np.percentile(e, 95):.1f}")
        rerr = [float(np.median(ranges[(angle, "side", n)])) for n in ("clean", "noisy")]
        print(f"| {angle} | {' | '.join(cells)} | {rerr[0]:.1f} / {rerr[1]:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
