"""2-D keypoints (issue #16, item 2): the common detector layouts and the image-plane angles of a 2-D SMD.

Pure functions of arrays; files are read in `motion_smd.io.keypoints2d`, the description made in
`motion_smd.describe2d`.

Layouts (`LAYOUTS`): COCO-17 (Lin et al. 2014; MMPose, YOLO-pose, RTMPose), OpenPose BODY-25 (Cao et al. 2019),
Human3.6M-17 (Ionescu et al. 2014, in the order of VideoPose3D), MediaPipe Pose 33 (BlazePose). Each is mapped
to the named points the angles need (`COMMON_POINTS`); a layout without toes (COCO, Human3.6M) has no ankle
angle.

Angles (`ANGLES_2D`), after the Sports2D conventions (Pagnon et al. 2023, "Sports2D", JOSS 9:6849): joint
angles in the image plane, with the image flipped so the person faces +x (right) and y up, and signed like the
3-D sagittal angles of spec/angles.md so a side view reads the same numbers:
- hip flexion: thigh (hip → knee) against the trunk pointing down (mid-shoulder → mid-hip), + knee forward;
- knee flexion: − the turn from thigh to shank (knee → ankle), + bent;
- ankle dorsiflexion: the turn from shank to foot (heel → big toe in frames with a heel, else ankle → big toe)
  − 90°, + toes up (ankle → toe reads the foot's own slope: on mocap rigs −14° to −40° standing, see
  `motion_smd.neutral`; heel → toe reads 0° flat);
- shoulder flexion: upper arm (shoulder → elbow) against the trunk pointing down, + arm forward;
- elbow flexion: the angle between upper arm and forearm (elbow → wrist), unsigned (the side the forearm
  shows in the image depends on the upper arm's rotation, which 2-D cannot see);
- trunk lean: the trunk (mid-hip → mid-shoulder) against the image vertical, + forward.
The person's facing is taken per clip from the feet (toes ahead of the ankles) or, without toes, from the nose
ahead of the mid-shoulder point; a clip where that changes sign often (a person turning) keeps the median.
A 2-D angle is exact only for motion in a plane parallel to the image (a side view for flexion); the 2-D SMD
header says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import MotionValueError

FloatArray = NDArray[np.float64]

LAYOUTS: dict[str, tuple[str, ...]] = {
    "coco17": (
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
        "left_ankle", "right_ankle",
    ),
    "body25": (
        "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
        "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "right_eye",
        "left_eye", "right_ear", "left_ear", "left_big_toe", "left_small_toe", "left_heel", "right_big_toe",
        "right_small_toe", "right_heel",
    ),
    "h36m17": (
        "pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "spine",
        "thorax", "nose", "head", "left_shoulder", "left_elbow", "left_wrist", "right_shoulder", "right_elbow",
        "right_wrist",
    ),
    "mediapipe33": (
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
        "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
        "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
        "right_ankle", "left_heel", "right_heel", "left_big_toe", "right_big_toe",
    ),
}  # fmt: skip
"""Keypoint names of each layout in index order (MediaPipe's foot index is named big_toe here)."""

LAYOUT_BY_COUNT = {25: "body25", 33: "mediapipe33", 17: "coco17"}
"""The layout assumed from the keypoint count (17 is also Human3.6M: pass the layout for it)."""

COMMON_POINTS = (
    *(
        f"{side}_{part}"
        for side in ("left", "right")
        for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "big_toe")
    ),
    "nose",
)
"""The points the 2-D angles use; a layout may lack heels, toes (then no ankle angle) or the nose."""

ANGLES_2D: tuple[tuple[str, str, str, str], ...] = (
    ("hip_flexion_r", "Right Hip", "Right Hip Flexion (2-D)", "raising thigh forward"),
    ("knee_flexion_r", "Right Knee", "Right Knee Flexion (2-D)", "bending knee"),
    ("ankle_dorsiflexion_r", "Right Ankle", "Right Ankle Dorsiflexion (2-D)", "lifting toes"),
    ("hip_flexion_l", "Left Hip", "Left Hip Flexion (2-D)", "raising thigh forward"),
    ("knee_flexion_l", "Left Knee", "Left Knee Flexion (2-D)", "bending knee"),
    ("ankle_dorsiflexion_l", "Left Ankle", "Left Ankle Dorsiflexion (2-D)", "lifting toes"),
    ("trunk_lean", "Trunk", "Trunk Lean (2-D)", "leaning trunk forward"),
    ("shoulder_flexion_r", "Right Shoulder", "Right Shoulder Flexion (2-D)", "raising arm forward"),
    ("shoulder_flexion_l", "Left Shoulder", "Left Shoulder Flexion (2-D)", "raising arm forward"),
    ("elbow_flexion_r", "Right Elbow", "Right Elbow Flexion (2-D)", "bending elbow"),
    ("elbow_flexion_l", "Left Elbow", "Left Elbow Flexion (2-D)", "bending elbow"),
)
"""(id, body part, name, gloss) of the 2-D angles, in text order; ids match the 3-D angles they approximate
(trunk_lean approximates −lumbar_extension of an upright pelvis)."""


@dataclass(frozen=True)
class Keypoints2D:
    """One person's 2-D keypoints over time.

    Attributes:
        xy: (T, K, 2) float64 image coordinates (pixels or normalised; x right, y down); NaN where missing.
        confidence: (T, K) float64 in [0, 1] (1 where the file has none).
        layout: a key of LAYOUTS.
        fps: frame rate.
    """

    xy: FloatArray
    confidence: FloatArray
    layout: str
    fps: float

    def point(self, name: str) -> FloatArray | None:
        """(T, 2) of a named point, None when the layout lacks it."""
        names = LAYOUTS[self.layout]
        return self.xy[:, names.index(name)] if name in names else None


def _signed_turn_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Signed angle from vectors a to b (T, 2), degrees in (−180, 180], counter-clockwise positive (y up)."""
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    dot = (a * b).sum(axis=1)
    return np.asarray(np.degrees(np.arctan2(cross, dot)), dtype=np.float64)


def facing_sign(kp: Keypoints2D) -> float:
    """+1 when the person faces image-right (+x) over most of the clip, −1 when they face left: from the toes
    ahead of the ankles, else the nose ahead of the mid-shoulder point; +1 when neither is known."""
    votes = []
    for side in ("left", "right"):
        toe, ankle = kp.point(f"{side}_big_toe"), kp.point(f"{side}_ankle")
        if toe is not None and ankle is not None:
            votes.append(toe[:, 0] - ankle[:, 0])
    if not votes:
        nose, ls, rs = kp.point("nose"), kp.point("left_shoulder"), kp.point("right_shoulder")
        if nose is not None and ls is not None and rs is not None:
            votes.append(nose[:, 0] - (ls[:, 0] + rs[:, 0]) / 2.0)
    if not votes:
        return 1.0
    d = np.concatenate(votes)
    d = d[np.isfinite(d)]
    return -1.0 if d.size and np.median(d) < 0 else 1.0


def image_angles(kp: Keypoints2D) -> tuple[FloatArray, list[str]]:
    """The 2-D angles (module docstring) of every frame.

    Args:
        kp: the keypoints.

    Returns:
        (T, A) float64 degrees (NaN where a point is missing) and the A angle ids (`ANGLES_2D` without the
        ankle angles when the layout has no toes).

    Raises:
        MotionValueError: the layout lacks hips, knees, ankles, shoulders, elbows or wrists.
    """
    sign = facing_sign(kp)
    flip = np.array([sign, -1.0])  # faces +x, y up

    def p(name: str) -> FloatArray:
        v = kp.point(name)
        if v is None:
            raise MotionValueError(f"the {kp.layout} layout has no {name.replace('_', ' ')}; 2-D angles need it.")
        return v * flip

    mid_hip = (p("left_hip") + p("right_hip")) / 2.0
    mid_sh = (p("left_shoulder") + p("right_shoulder")) / 2.0
    down = mid_hip - mid_sh  # the trunk pointing down
    cols: dict[str, FloatArray] = {}
    for side, s in (("right", "r"), ("left", "l")):
        thigh = p(f"{side}_knee") - p(f"{side}_hip")
        shank = p(f"{side}_ankle") - p(f"{side}_knee")
        cols[f"hip_flexion_{s}"] = _signed_turn_deg(down, thigh)
        cols[f"knee_flexion_{s}"] = -_signed_turn_deg(thigh, shank)
        toe = kp.point(f"{side}_big_toe")
        if toe is not None:
            heel = kp.point(f"{side}_heel")
            back = p(f"{side}_ankle") if heel is None else np.where(np.isfinite(heel), heel * flip, p(f"{side}_ankle"))
            cols[f"ankle_dorsiflexion_{s}"] = _signed_turn_deg(shank, toe * flip - back) - 90.0
        arm = p(f"{side}_elbow") - p(f"{side}_shoulder")
        cols[f"shoulder_flexion_{s}"] = _signed_turn_deg(down, arm)
        cols[f"elbow_flexion_{s}"] = np.abs(_signed_turn_deg(arm, p(f"{side}_wrist") - p(f"{side}_elbow")))
    cols["trunk_lean"] = _signed_turn_deg(np.tile([0.0, 1.0], (down.shape[0], 1)), -down) * -1.0
    ids = [a[0] for a in ANGLES_2D if a[0] in cols]
    return np.stack([unwrap_deg(cols[i]) for i in ids], axis=1), ids


def unwrap_deg(angle: FloatArray) -> FloatArray:
    """A (T,) angle series in degrees without ±360° jumps: unwrapped over each finite stretch (NaN kept), then
    shifted by whole turns so the stretch's median lies in [−90°, 270°), the range the flexion angles live in
    (an arm passing overhead reads 170° → 190°, not −190° → −170°)."""
    from motion_smd.smoothing import runs

    out = angle.copy()
    for a, b in runs(np.asarray(np.isfinite(angle))):
        u = np.degrees(np.unwrap(np.radians(angle[a:b])))
        out[a:b] = u - 360.0 * np.floor((np.median(u) + 90.0) / 360.0)
    return out


def hip_path(kp: Keypoints2D) -> FloatArray:
    """(T, 2) the hip midpoint in the flipped image frame (x = the way the person faces, y up), image units."""
    sign = facing_sign(kp)
    mid = (kp.xy[:, LAYOUTS[kp.layout].index("left_hip")] + kp.xy[:, LAYOUTS[kp.layout].index("right_hip")]) / 2.0
    return mid * np.array([sign, -1.0])


BODY_HEIGHT_M = 1.70
"""Assumed body height when no scale is given (Sports2D's default is 1.70 m too)."""

LEG_TRUNK_TO_HEIGHT = 0.779
"""Thigh + shank + trunk (hip → shoulder) length as a fraction of body height: shoulder height 0.818 H minus
ankle height 0.039 H (Drillis & Contini 1966 segment proportions, as tabulated by Winter, "Biomechanics and
Motor Control of Human Movement", fig. 4.1)."""


def metres_per_unit(kp: Keypoints2D, body_height_m: float = BODY_HEIGHT_M) -> float:
    """Scale of the image units from the person's size: the median over frames of thigh + shank + trunk
    length (the longer side's leg) against LEG_TRUNK_TO_HEIGHT × body height.

    Raises:
        MotionValueError: the person's size cannot be measured (no frame with hips, knees, ankles and
            shoulders).
    """

    def seg(a: str, b: str) -> FloatArray:
        pa, pb = kp.point(a), kp.point(b)
        assert pa is not None and pb is not None
        return np.asarray(np.linalg.norm(pb - pa, axis=1))

    legs = [seg(f"{s}_hip", f"{s}_knee") + seg(f"{s}_knee", f"{s}_ankle") for s in ("left", "right")]
    leg = np.fmax(legs[0], legs[1])
    trunk = np.linalg.norm(
        (kp.xy[:, LAYOUTS[kp.layout].index("left_shoulder")] + kp.xy[:, LAYOUTS[kp.layout].index("right_shoulder")])
        / 2.0
        - (kp.xy[:, LAYOUTS[kp.layout].index("left_hip")] + kp.xy[:, LAYOUTS[kp.layout].index("right_hip")]) / 2.0,
        axis=1,
    )
    size = leg + trunk
    size = size[np.isfinite(size) & (size > 0)]
    if size.size == 0:
        raise MotionValueError(
            "the person's size cannot be measured: no frame shows hips, knees, ankles and shoulders."
        )
    return float(LEG_TRUNK_TO_HEIGHT * body_height_m / np.median(size))
