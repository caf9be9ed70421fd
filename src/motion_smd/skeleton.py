"""Joint sets: the SMPL-22 / HumanML3D skeleton (names, order, kinematic chain, mirror map).

Source: SMPL (Loper et al. 2015) joint order as used by HumanML3D (Guo et al. 2022) `new_joints`.
Other rigs are mapped onto this skeleton by `motion_smd.io` (see `rigs.py`).
"""

from __future__ import annotations

from typing import Final

SMPL22_JOINTS: Final[tuple[str, ...]] = (
    "pelvis",
    "left_hip",
    "right_hip",
    "spine1",
    "left_knee",
    "right_knee",
    "spine2",
    "left_ankle",
    "right_ankle",
    "spine3",
    "left_foot",
    "right_foot",
    "neck",
    "left_collar",
    "right_collar",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
)
"""The 22 SMPL body joints in HumanML3D order (index = position in this tuple)."""

N_JOINTS: Final[int] = len(SMPL22_JOINTS)
JOINT_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(SMPL22_JOINTS)}

# Named indices (used by the math modules; plain ints keep NumPy indexing fast).
PELVIS, L_HIP, R_HIP, SPINE1, L_KNEE, R_KNEE, SPINE2, L_ANKLE, R_ANKLE, SPINE3 = range(10)
L_FOOT, R_FOOT, NECK, L_COLLAR, R_COLLAR, HEAD = range(10, 16)
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = range(16, 22)

SMPL22_PARENTS: Final[tuple[int, ...]] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
"""Parent index of each joint (-1 for the root); the kinematic chain of SMPL-22."""

SMPL22_BONES: Final[tuple[tuple[int, int], ...]] = tuple(
    (parent, child) for child, parent in enumerate(SMPL22_PARENTS) if parent >= 0
)
"""(parent, child) pairs: the 21 bones of SMPL-22."""


def _mirror_index() -> tuple[int, ...]:
    out = []
    for name in SMPL22_JOINTS:
        if name.startswith("left_"):
            out.append(JOINT_INDEX["right_" + name[5:]])
        elif name.startswith("right_"):
            out.append(JOINT_INDEX["left_" + name[6:]])
        else:
            out.append(JOINT_INDEX[name])
    return tuple(out)


SMPL22_MIRROR: Final[tuple[int, ...]] = _mirror_index()
"""Index permutation swapping left and right joints (for mirroring a motion)."""

SKELETON_NAME: Final[str] = "smpl22"
