"""Neutral standing pose of each input skeleton: the angle readings of an upright, neutral stance.

Joint centres are not anatomical landmarks, so a neutral stance (legs straight, feet flat, trunk upright)
does not read 0° on every skeleton: SMPL's knee centre lies ahead of the hip–ankle line, and every rig's
toe-base joint lies below its ankle joint by a rig-specific angle. Clinical gait analysis removes such
offsets with a static calibration trial (Kadaba et al. 1990, J Orthop Res 8:383; Baker 2006, "Gait
analysis methods in rehabilitation", J NeuroEng Rehabil 3:4): the angles of a neutral standing pose are
subtracted from every frame. SMD does the same with one constant table per skeleton (`NEUTRAL_POSES`),
so that 0° means "as in neutral standing" on every input and the text of different skeletons is
comparable. Unknown skeletons (user mappings, synthetic motions) are not calibrated (all offsets 0).

Where the constants come from (reproduce with `benchmarks/neutral_calibration.py`):
- knee and hip flexion of BVH rigs: the rig's rest pose (all rotations zero) has straight legs, so the
  BVH knee rotation equals the knee flexion and no offset is needed (measured rest-pose inclination:
  Bandai-Namco 0.0°, CMU CC_Base 0.8°);
- ankle of BVH rigs: the foot's floor geometry. With the shank vertical and the foot flat, the ankle
  reads −asin(h / L) where h is the height of the ankle joint above the toe-base joint with both on the
  floor and L the ankle→toe-base length; h is the lowest ankle height minus the lowest toe-base height of
  a clip, L its median bone length; the constant is the median over every foot of the shared clips
  (Bandai-Namco 628 feet: 39.6°; CMU 52 feet: 13.4°);
- SMPL joint centres (HumanML3D / AMASS `.npy`, BVH in SMPL naming): a static standing trial, the median
  over the frames of HumanML3D M010968 (a person standing, BMLmovi subject 88): hip flexion 6°, knee
  flexion 9°, ankle −17°, consistent with the HumanML3D note that a straight SMPL knee reads 10–15°; and
  neck flexion 49° (SMPL's head joint lies ahead of its neck joint: an upright head reads 49° on this
  clip and 51° at the start of M010655, while BVH rigs read 5–9°);
- MediaPipe Pose from video (`motion_smd.pose_map`): no offsets, by construction (see its entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class NeutralPose:
    """The readings (degrees, uncalibrated) of a neutral standing pose on one skeleton.

    Attributes:
        skeleton: the skeleton's name: a built-in rig name of `motion_smd.io.rigs` or "smpl".
        readings_deg: angle id without its side ("knee_flexion") or midline angle id ("neck_flexion") →
            the reading of the neutral pose, subtracted from that angle (both sides).
        source: where the numbers come from.
    """

    skeleton: str
    readings_deg: Mapping[str, float]
    source: str

    def offsets(self) -> dict[str, float]:
        """Angle id → the reading subtracted from that angle."""
        out: dict[str, float] = {}
        for name, value in self.readings_deg.items():
            if name in ("hip_flexion", "knee_flexion", "ankle_dorsiflexion"):
                out[f"{name}_r"] = out[f"{name}_l"] = value
            else:
                out[name] = value
        return out


_SMPL = NeutralPose(
    "smpl",
    {"hip_flexion": 6.0, "knee_flexion": 9.0, "ankle_dorsiflexion": -17.0, "neck_flexion": 49.0},
    "static standing trial: HumanML3D M010968, median of its frames (neck also 51° at the start of M010655)",
)

NEUTRAL_POSES: Final[dict[str, NeutralPose]] = {
    "smpl": _SMPL,
    "smpl22": _SMPL,
    "bandai-namco": NeutralPose(
        "bandai-namco",
        {"ankle_dorsiflexion": -39.6},
        "rest pose (knee, hip: 0); foot floor geometry, median of 628 feet (ankle)",
    ),
    "cmu-cc-base": NeutralPose(
        "cmu-cc-base",
        {"ankle_dorsiflexion": -13.4},
        "rest pose (knee, hip: 0); foot floor geometry, median of 52 feet (ankle)",
    ),
    "mediapipe": NeutralPose(
        "mediapipe",
        {},
        "by construction (motion_smd.pose_map): MediaPipe's hip, knee and ankle landmarks are joint centres on the "
        "leg's line, the trunk joints lie on the hip–shoulder line and the foot along the sole, so an upright "
        "stance reads 0° of hip, knee and ankle flexion; not measured on a standing trial (the demo video has "
        "no one standing still)",
    ),
}
"""Neutral standing readings per skeleton name (`Motion.meta["rig"]`)."""


def neutral_offsets(skeleton: str | None, angle_ids: tuple[str, ...]) -> NDArray[np.float64]:
    """Per-angle offsets (degrees) subtracted from the raw readings of a skeleton.

    Args:
        skeleton: `Motion.meta["rig"]` (None or an unknown name: no calibration).
        angle_ids: the angle ids in column order.

    Returns:
        (len(angle_ids),) float64, zero for every angle without a neutral reading.
    """
    pose = NEUTRAL_POSES.get(skeleton or "")
    table = pose.offsets() if pose else {}
    return np.array([table.get(a, 0.0) for a in angle_ids], dtype=np.float64)
