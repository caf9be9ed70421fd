"""Small synthetic motions for the visualisation tests (no real data), and checks that they are valid.

The other `test_viz_*` files import `rest_pose` / `walking_motion` / `waving_motion` from here.
"""

from __future__ import annotations

import numpy as np

from motion_smd.motion import Motion
from motion_smd.skeleton import (
    L_ELBOW,
    L_WRIST,
    N_JOINTS,
    PELVIS,
    R_ANKLE,
    R_FOOT,
    R_KNEE,
)

_REST = {
    # SMPL-22 order, metres, Y up, facing +Z, subject's left = +X
    0: (0.0, 0.95, 0.0),
    1: (0.09, 0.88, 0.0),
    2: (-0.09, 0.88, 0.0),
    3: (0.0, 1.05, 0.0),
    4: (0.10, 0.50, 0.0),
    5: (-0.10, 0.50, 0.0),
    6: (0.0, 1.18, 0.0),
    7: (0.10, 0.08, 0.0),
    8: (-0.10, 0.08, 0.0),
    9: (0.0, 1.30, 0.0),
    10: (0.10, 0.02, 0.12),
    11: (-0.10, 0.02, 0.12),
    12: (0.0, 1.50, 0.0),
    13: (0.08, 1.42, 0.0),
    14: (-0.08, 1.42, 0.0),
    15: (0.0, 1.62, 0.02),
    16: (0.18, 1.42, 0.0),
    17: (-0.18, 1.42, 0.0),
    18: (0.20, 1.15, 0.0),
    19: (-0.20, 1.15, 0.0),
    20: (0.21, 0.90, 0.03),
    21: (-0.21, 0.90, 0.03),
}


def rest_pose() -> np.ndarray:
    """(22, 3) float64 standing pose, metres, canonical frame."""
    return np.array([_REST[i] for i in range(N_JOINTS)], dtype=np.float64)


def walking_motion(seconds: float = 3.0, fps: float = 30.0, speed_m_s: float = 1.0) -> Motion:
    """A stiff 'walk': the body translates along +Z while the right leg swings (knee bends) at 1 Hz."""
    t = np.arange(round(seconds * fps)) / fps
    j = np.repeat(rest_pose()[None], t.size, axis=0)
    j[:, :, 2] += speed_m_s * t[:, None]
    swing = 0.15 * np.sin(2 * np.pi * t)
    j[:, [R_KNEE], 2] += swing[:, None]
    j[:, [R_ANKLE, R_FOOT], 2] += 2 * swing[:, None]
    j[:, [R_ANKLE, R_FOOT], 1] += np.abs(swing)[:, None] * 0.5
    return Motion(j, fps, source="synthetic_walk")


def waving_motion(seconds: float = 2.0, fps: float = 30.0) -> Motion:
    """Standing still, the left forearm raised and waving side to side at 1.5 Hz."""
    t = np.arange(round(seconds * fps)) / fps
    j = np.repeat(rest_pose()[None], t.size, axis=0)
    elbow = j[:, L_ELBOW].copy()
    elbow[:, 1] = 1.42
    elbow[:, 0] = 0.45
    j[:, L_ELBOW] = elbow
    phase = 0.5 * np.sin(2 * np.pi * 1.5 * t)
    j[:, L_WRIST, 0] = 0.45 + 0.25 * np.sin(phase)
    j[:, L_WRIST, 1] = 1.42 + 0.25 * np.cos(phase)
    j[:, L_WRIST, 2] = 0.0
    return Motion(j, fps, source="synthetic_wave")


def test_synthetic_motions_are_valid_and_move() -> None:
    walk = walking_motion()
    assert walk.joints.shape == (90, 22, 3)
    assert walk.joints[-1, PELVIS, 2] - walk.joints[0, PELVIS, 2] > 2.5
    wave = waving_motion()
    assert np.ptp(wave.joints[:, L_WRIST, 0]) > 0.1
    assert np.ptp(wave.joints[:, PELVIS], axis=0).max() < 1e-12
