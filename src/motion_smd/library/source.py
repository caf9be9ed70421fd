"""A motion opened for composition or editing: its joints in metres and, for BVH input, its rotations.

BVH files keep their own world frame (file axes, Y up; joints scaled to metres), so the rotations written
back stay valid; other inputs use the canonical joints of the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError
from motion_smd.io import ReadOptions, detect_format, load_motion
from motion_smd.io.bvh import BvhData, _choose_rig, bvh_to_smpl22, parse_bvh
from motion_smd.io.bvh_write import hierarchy_text
from motion_smd.io.rigs import RigMap, resolve_joint_names
from motion_smd.io.units import UNIT_SCALE, to_metres
from motion_smd.library.rig import RigPose, resample
from motion_smd.motion import Motion

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SourceClip:
    """One opened motion.

    Attributes:
        path: the file.
        joints: (T, 22, 3) float64 SMPL-22 joints, metres, Y up (BVH: the file's world frame; else canonical).
        fps: frame rate.
        pose: the BVH rotations (`RigPose`), None for joint-only input.
        rig: the BVH rig mapping, None for joint-only input.
        scale_m: metres per BVH file unit (1.0 for joint-only input).
        hierarchy: the BVH HIERARCHY text, "" for joint-only input.
        rig_name: the skeleton's name as the readers give it (`Motion.meta["rig"]`, which selects the
            neutral-pose calibration of the angles), "" when unknown.
    """

    path: Path
    joints: FloatArray
    fps: float
    pose: RigPose | None = None
    rig: RigMap | None = None
    scale_m: float = 1.0
    hierarchy: str = ""
    rig_name: str = ""

    def motion(self) -> Motion:
        """The joints as a canonical `Motion` with the skeleton's name in its meta (described like the input)."""
        meta = {"rig": self.rig_name} if self.rig_name else {}
        return Motion(self.joints, self.fps, source=str(self.path), meta=meta).canonicalize()

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.joints.shape[0])

    def rig_joint(self, smpl_joint: str) -> str:
        """The BVH joint that carries an SMPL joint (its largest-weight rig joint, as named in the file).

        Raises:
            ConfigError: joint-only input (no rotations).
        """
        if self.pose is None or self.rig is None:
            raise ConfigError(f"{self.path}: has joint positions only, no rotations; this edit needs a BVH file.")
        name = max(self.rig.joints[smpl_joint], key=lambda nw: nw[1])[0]
        return resolve_joint_names([name], self.pose.template.names)[name]

    def played(self, start: int, stop: int, speed: float, with_pose: bool = True) -> tuple[FloatArray, RigPose | None]:
        """Frames [start, stop) played at `speed` (> 1 faster): joints linearly interpolated at the fractional
        frame times start, start + speed, … ≤ stop − 1, and the rotations slerped there (None without a pose
        or when `with_pose` is False). Returns ((N, 22, 3) joints in metres, the pose or None)."""
        times = np.arange(start, stop - 1 + 1e-9, speed, dtype=np.float64)
        lo = np.clip(np.floor(times).astype(np.intp), 0, self.n_frames - 2)
        w = (times - lo)[:, None, None]
        joints = (1.0 - w) * self.joints[lo] + w * self.joints[lo + 1]
        pose = resample(self.pose, times) if with_pose and self.pose is not None else None
        return joints, pose

    def same_skeleton(self, other: SourceClip) -> bool:
        """True when both are BVH clips of one skeleton at one frame rate (their rotations can be joined)."""
        return (
            self.pose is not None
            and other.pose is not None
            and self.pose.template.names == other.pose.template.names
            and abs(self.fps - other.fps) < 1e-6
        )


def open_clip(path: str | Path) -> SourceClip:
    """Open a motion file (any joint format; BVH with its rotations).

    Raises:
        MotionSMDError: the file cannot be read (see `motion_smd.io.load_motion`); ConfigError for a Z-up BVH.
    """
    p = Path(path)
    if detect_format(p) != "bvh":
        motion = load_motion(p)
        return SourceClip(p, np.array(motion.joints), motion.fps, rig_name=motion.meta.get("rig", ""))
    bvh = parse_bvh(p)
    rig = _choose_rig(bvh, ReadOptions())
    skip = rig.skip_frames
    if skip:
        bvh = BvhData(bvh.joints, bvh.frame_time, bvh.motion[skip:], bvh.source)
    joints, unit = to_metres(bvh_to_smpl22(bvh, rig), rig.unit, str(p))
    return SourceClip(p, joints, bvh.fps, RigPose.from_bvh(bvh), rig, UNIT_SCALE[unit], hierarchy_text(p), rig.name)


def pose_joints(pose: RigPose, rig: RigMap, scale_m: float) -> FloatArray:
    """SMPL-22 joints (T, 22, 3) metres of a BVH pose (forward kinematics through the rig mapping)."""
    return bvh_to_smpl22(pose.to_bvh(), rig) * scale_m
