"""Synthetic BVH files for the reader tests (no real data): an SMPL-22-shaped rig in centimetres.

`write_bvh` writes a hierarchy whose joints follow `motion_smd.skeleton.SMPL22_PARENTS`, named by
`names` (default: the SMPL-22 names), with a chosen rotation channel order, optional position channels
on every joint (like the Bandai-Namco files) and End Sites on the leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.skeleton import SMPL22_JOINTS, SMPL22_PARENTS

REST_M = np.array(
    [
        [0.0, 0.95, 0.0],
        [0.09, 0.9, 0.0],
        [-0.09, 0.9, 0.0],
        [0.0, 1.05, -0.01],
        [0.1, 0.5, 0.02],
        [-0.1, 0.5, 0.02],
        [0.0, 1.18, -0.01],
        [0.1, 0.08, -0.02],
        [-0.1, 0.08, -0.02],
        [0.0, 1.3, 0.0],
        [0.11, 0.02, 0.12],
        [-0.11, 0.02, 0.12],
        [0.0, 1.5, 0.0],
        [0.07, 1.42, 0.0],
        [-0.07, 1.42, 0.0],
        [0.0, 1.62, 0.03],
        [0.17, 1.42, 0.0],
        [-0.17, 1.42, 0.0],
        [0.2, 1.15, 0.0],
        [-0.2, 1.15, 0.0],
        [0.22, 0.9, 0.05],
        [-0.22, 0.9, 0.05],
    ]
)
"""Standing rest pose (22, 3), metres, facing +Z (the subject's left is +X), feet on y ≈ 0."""


def _children(j: int) -> list[int]:
    return [c for c, p in enumerate(SMPL22_PARENTS) if p == j]


def write_bvh(path: Path, rotations_deg: np.ndarray, root_pos_cm: np.ndarray, **options: Any) -> None:
    """Write `bvh_text(rotations_deg, root_pos_cm, **options)` to `path`."""
    path.write_text(bvh_text(rotations_deg, root_pos_cm, **options))


def bvh_text(
    rotations_deg: np.ndarray,
    root_pos_cm: np.ndarray,
    *,
    order: str = "ZXY",
    names: Sequence[str] = SMPL22_JOINTS,
    all_position_channels: bool = False,
    frame_time: float = 1 / 30,
    scale: float = 100.0,
) -> str:
    """The text of a BVH file of the SMPL-22-shaped rig.

    Args:
        rotations_deg: (T, 22, 3) Euler angles in degrees, in the order of `order`, per joint.
        root_pos_cm: (T, 3) root position in file units.
        order: rotation channel order, e.g. "ZXY".
        names: the 22 joint names to write.
        all_position_channels: give every joint 6 channels (position channels = its offset).
        frame_time: seconds per frame.
        scale: file units per metre (100 = centimetres).
    """
    offsets = np.zeros((22, 3))
    for j, p in enumerate(SMPL22_PARENTS):
        offsets[j] = REST_M[j] * scale if p < 0 else (REST_M[j] - REST_M[p]) * scale
    lines = ["HIERARCHY"]
    columns: list[tuple[int, str]] = []  # (joint, channel)

    def emit(j: int, depth: int) -> None:
        pad = "  " * depth
        kind = "ROOT" if depth == 0 else "JOINT"
        lines.append(f"{pad}{kind} {names[j]}")
        lines.append(pad + "{")
        lines.append(f"{pad}  OFFSET {offsets[j, 0]:.6f} {offsets[j, 1]:.6f} {offsets[j, 2]:.6f}")
        chans = [f"{a}rotation" for a in order]
        if depth == 0 or all_position_channels:
            chans = ["Xposition", "Yposition", "Zposition", *chans]
        lines.append(f"{pad}  CHANNELS {len(chans)} {' '.join(chans)}")
        columns.extend((j, c) for c in chans)
        kids = _children(j)
        for c in kids:
            emit(c, depth + 1)
        if not kids:
            lines.append(f"{pad}  End Site")
            lines.append(pad + "  {")
            lines.append(f"{pad}    OFFSET 0.000000 {0.05 * scale:.6f} 0.000000")
            lines.append(pad + "  }")
        lines.append(pad + "}")

    emit(0, 0)
    t = rotations_deg.shape[0]
    lines += ["MOTION", f"Frames: {t}", f"Frame Time: {frame_time:.7f}"]
    for f in range(t):
        row = []
        for j, ch in columns:
            if ch.endswith("position"):
                axis = "XYZ".index(ch[0])
                row.append(root_pos_cm[f, axis] if j == 0 else offsets[j, axis])
            else:
                row.append(rotations_deg[f, j, order.index(ch[0])])
        lines.append(" ".join(f"{v:.6f}" for v in row))
    return "\n".join(lines) + "\n"


def random_motion(t: int, seed: int = 0, amplitude: float = 25.0) -> tuple[np.ndarray, np.ndarray]:
    """Smooth random joint rotations (T, 22, 3) degrees and a root path (T, 3) cm walking along +Z."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(22, 3))
    freq = rng.uniform(0.5, 2.0, size=(22, 3))
    time = np.arange(t)[:, None, None] / 30.0
    rot = amplitude * np.sin(2 * np.pi * freq * time + phase)
    root = np.zeros((t, 3))
    root[:, 1] = REST_M[0, 1] * 100
    root[:, 2] = np.arange(t) * 2.0
    return rot, root
