"""Seam quality of a composed motion: root continuity, joint acceleration and foot sliding at each seam,
compared with the same measures inside the source clips (issue #17's acceptance).

Definitions (all from joint positions, metres, Y up; frame rate fps):
- root jump at a seam s (the new clip's first frame): |Δp_s − (Δp_{s−1} + Δp_{s+1}) / 2| of the pelvis, cm,
  where Δp_k = p_k − p_{k−1}: how far the step across the seam departs from the steps beside it (a walking
  pelvis moves 4–5 cm a frame at 30 fps, so the raw step is not the measure of a jump).
- peak joint acceleration: max over joints and frames of |p_{k+1} − 2 p_k + p_{k−1}| · fps², m/s², within
  ±SEAM_WINDOW_S of the seam; the reference is the same peak over the frames of the source clips used,
  away from their cut ends.
- foot sliding: the mean horizontal speed (m/s) of ankle and foot joints while they are in contact (height
  within CONTACT_HEIGHT_M of the clip's floor and vertical speed below CONTACT_VSPEED_M_S), within the seam
  window; the reference is the same inside the source clips.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.library.stitch import FOOT_JOINTS, floor_height_m
from motion_smd.skeleton import PELVIS

FloatArray = NDArray[np.float64]

SEAM_WINDOW_S = 0.25
CONTACT_HEIGHT_M = 0.05
CONTACT_VSPEED_M_S = 0.15


def joint_acceleration(joints: FloatArray, fps: float) -> FloatArray:
    """(T,) peak joint acceleration per frame, m/s² (0 at the first and last frame)."""
    acc = np.zeros(joints.shape[0])
    if joints.shape[0] >= 3:
        acc[1:-1] = np.linalg.norm(joints[2:] - 2 * joints[1:-1] + joints[:-2], axis=-1).max(axis=1) * fps**2
    return acc


def foot_slide_speed(joints: FloatArray, fps: float) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Horizontal speed (T, 4) m/s of the ankle and foot joints and whether each is in contact (T, 4)."""
    feet = joints[:, FOOT_JOINTS]
    vel = np.gradient(feet, axis=0) * fps if joints.shape[0] > 1 else np.zeros_like(feet)
    speed = np.hypot(vel[..., 0], vel[..., 2])
    contact = (feet[..., 1] - floor_height_m(joints) < CONTACT_HEIGHT_M) & (np.abs(vel[..., 1]) < CONTACT_VSPEED_M_S)
    return speed, contact


def root_jump_cm(joints: FloatArray, seam: int) -> float:
    """Root jump at `seam` (definition in the module docstring), cm; 0 when the seam is too near an end."""
    if seam < 2 or seam + 1 >= joints.shape[0]:
        return 0.0
    p = joints[:, PELVIS]
    step = p[seam] - p[seam - 1]
    beside = (p[seam - 1] - p[seam - 2] + p[seam + 1] - p[seam]) / 2
    return float(np.linalg.norm(step - beside) * 100.0)


@dataclass(frozen=True)
class SeamReport:
    """Measures at one seam (frame index `frame` of the output, time `time_s`) and their references."""

    frame: int
    time_s: float
    transition_cost_m: float
    root_jump_cm: float
    peak_acceleration_m_s2: float
    reference_acceleration_m_s2: float
    foot_slide_m_s: float
    reference_foot_slide_m_s: float

    @property
    def acceleration_ratio(self) -> float:
        """Seam peak over the source clips' peak."""
        return self.peak_acceleration_m_s2 / max(self.reference_acceleration_m_s2, 1e-9)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, rounded, with the ratio."""
        out = {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}
        out["acceleration_ratio"] = round(self.acceleration_ratio, 3)
        return out


def _mean_contact_speed(speed: FloatArray, contact: NDArray[np.bool_]) -> float:
    return float(speed[contact].mean()) if contact.any() else 0.0


def seam_reports(
    joints: FloatArray, fps: float, seams: list[int], costs: list[float], sources: list[FloatArray]
) -> list[SeamReport]:
    """Measure every seam of a composed motion.

    Args:
        joints: (T, 22, 3) the composed motion, metres.
        fps: its frame rate.
        seams: output frame index of each new clip's first frame.
        costs: the transition cost chosen at each seam (`stitch.Transition.cost`).
        sources: the parts of the source clips that were used, each (Ti, 22, 3) metres in its own frame (the
            references: their peak acceleration, their feet's contact speed).
    """
    acc = joint_acceleration(joints, fps)
    speed, contact = foot_slide_speed(joints, fps)
    ref_acc = max((float(joint_acceleration(s, fps).max()) for s in sources), default=0.0)
    parts = [foot_slide_speed(s, fps) for s in sources]
    ref_slide = _mean_contact_speed(
        np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, 4)),
        np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, 4), dtype=bool),
    )
    half = max(1, round(SEAM_WINDOW_S * fps))
    out = []
    for seam, cost in zip(seams, costs):
        a, b = max(0, seam - half), min(joints.shape[0], seam + half + 1)
        out.append(
            SeamReport(
                seam, seam / fps, cost, root_jump_cm(joints, seam), float(acc[a:b].max()), ref_acc,
                _mean_contact_speed(speed[a:b], contact[a:b]), ref_slide,
            )
        )  # fmt: skip
    return out
