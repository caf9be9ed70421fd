"""MediaPipe Pose landmarks → SMPL-22 joints in metres, with a camera-relative trajectory (issue #16).

Pure functions of arrays; reading a video and running the pose model live in `motion_smd.io.video`.

MediaPipe Pose (BlazePose GHUM, 33 landmarks; Bazarevsky et al. 2020, "BlazePose: On-device Real-time Body
Pose tracking", arXiv:2006.10204) returns per frame
- *world landmarks*: metres, origin midway between the hips, axes of the camera (x to the image's right, y
  down, z away from the camera);
- *image landmarks*: x, y normalised to the image width and height, and a visibility in [0, 1].

Mapping to SMPL-22 (the table in docs/input-formats.md): hips, knees, ankles, shoulders, elbows and wrists are
MediaPipe's landmarks of the same name (`DIRECT_JOINTS`). Joints MediaPipe does not have are built, and the SMD
header says so:
- pelvis, spine1, spine2, spine3 and neck lie on the line from the mid-hip to the mid-shoulder point, at the
  fractions of SMPL's own trunk (`TRUNK_FRACTIONS`: the median over HumanML3D M010968, a person standing,
  projected on that line; SMPL's small forward offsets are left out so an upright trunk reads 0° of hip
  flexion);
- each collar lies at 0.90 of the trunk line plus 0.43 of the way to its shoulder (the same clip);
- the head is the midpoint of the ears;
- the foot (SMPL's toe-base joint) lies from the ankle along the sole, heel → foot index, at the sole's
  length, so a flat foot on a vertical shank reads 0° of ankle dorsiflexion.

The trajectory: world landmarks carry no global position, so the pelvis's camera-space position is estimated
from the image (a pinhole camera with a horizontal field of view `hfov_deg`, level, principal point at the
image centre): depth Z = f · Σ|d_xy| / Σ|d_px| over the body's segments (d_xy: a segment's world vector
across the optical axis, d_px: the same segment in pixels, which makes it insensitive to a segment pointing
at the camera), X and Y from the hip midpoint's pixel offset × Z / f. It is an estimate: good for "walks
toward the camera for 3 m", not for centimetres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import MotionValueError
from motion_smd.skeleton import JOINT_INDEX, SMPL22_JOINTS
from motion_smd.smoothing import butterworth_low_pass, runs

FloatArray = NDArray[np.float64]

N_LANDMARKS = 33
"""MediaPipe Pose landmarks per frame."""

LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
"""MediaPipe Pose landmark names in index order (mediapipe.solutions.pose.PoseLandmark)."""

_L = {name: i for i, name in enumerate(LANDMARK_NAMES)}

DIRECT_JOINTS = (
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
)  # fmt: skip
"""SMPL-22 joints taken as the MediaPipe landmark of the same name; the others are built (module docstring)."""

TRUNK_FRACTIONS = {"pelvis": 0.143, "spine1": 0.368, "spine2": 0.613, "spine3": 0.704, "neck": 1.075}
"""SMPL joint → its place on the mid-hip → mid-shoulder line, as a fraction of that line (HumanML3D M010968,
median over its 70 frames)."""

COLLAR_ALONG, COLLAR_ACROSS = 0.90, 0.43
"""A collar: this fraction up the trunk line, then this fraction of the way from the mid-shoulder point to
its shoulder (M010968)."""

VISIBILITY_MIN = 0.5
"""A landmark with a lower visibility is treated as missing in that frame."""

DEFAULT_HFOV_DEG = 60.0
"""Horizontal field of view assumed for the camera (phone main cameras: 60–75°); only the trajectory's scale
depends on it."""

SCALE_SEGMENTS = (
    ("left_hip", "left_shoulder"), ("right_hip", "right_shoulder"), ("left_hip", "left_knee"),
    ("right_hip", "right_knee"), ("left_knee", "left_ankle"), ("right_knee", "right_ankle"),
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
)  # fmt: skip
"""Segments whose world length across the optical axis and pixel length give the depth (module docstring)."""

TRACK_JUMP_PER_FRAME = 0.04
"""The pose model lost one person and found another (MediaPipe tracks "the most prominent person", and a
lost track restarts on whoever is found) when the hip midpoint moved by more than this fraction of the image's
larger side per frame since the last frame with a pose (1.2 image widths per second at 30 fps: a person
filling the frame and running moves about a third of it); `track_breaks`."""

TRACK_SCALE_JUMP = 0.3
"""… or when the body's size in the image (the summed pixel length of SCALE_SEGMENTS) changed by more than
this in log ratio (35 %) since then."""

TRANSLATION_SMOOTH_S = 0.15
"""Gaussian standard deviation (seconds) of the smoothing of the camera-space trajectory (the depth estimate
varies by a few per cent from frame to frame)."""


@dataclass(frozen=True)
class PoseTrack:
    """One person's MediaPipe Pose track over a video.

    Attributes:
        world: (T, 33, 3) float64 world landmarks, metres, hip-centred, camera axes (x right, y down, z away
            from the camera); NaN in frames without a pose.
        image: (T, 33, 2) float64 image landmarks, x and y normalised to width and height; NaN without a pose.
        visibility: (T, 33) float64 in [0, 1]; 0 without a pose.
        fps: the video's frame rate.
        width, height: the video's frame size, pixels.
        model: the pose model's name and settings.
    """

    world: FloatArray
    image: FloatArray
    visibility: FloatArray
    fps: float
    width: int
    height: int
    model: str

    @property
    def n_frames(self) -> int:
        """T."""
        return int(self.world.shape[0])

    @property
    def detected(self) -> NDArray[np.bool_]:
        """(T,) whether the model found a pose in each frame."""
        return np.asarray(np.isfinite(self.world).all(axis=(1, 2)))


@dataclass(frozen=True)
class MappedPose:
    """SMPL-22 joints from a pose track, with what was missing.

    Attributes:
        joints: (T, 22, 3) float64, metres, Y up (camera axes turned: x right, y up, z toward the camera);
            NaN where a frame had no pose.
        missing: (T, 22) bool: the joint's landmark(s) were missing or below VISIBILITY_MIN.
        breaks: (T,) bool: the pose in this frame belongs to another person than the last one found
            (`track_breaks`).
    """

    joints: FloatArray
    missing: NDArray[np.bool_]
    breaks: NDArray[np.bool_]


def _lm(world: FloatArray, name: str) -> FloatArray:
    return world[:, _L[name]]


def body_joints(world: FloatArray) -> FloatArray:
    """SMPL-22 joints of MediaPipe world landmarks, body-centred (no trajectory).

    Args:
        world: (T, 33, 3) float64, metres, any axes (the output has the same axes).

    Returns:
        (T, 22, 3) float64 in SMPL-22 order (see the module docstring for the built joints).
    """
    out = np.empty((world.shape[0], 22, 3))
    for name in DIRECT_JOINTS:
        out[:, JOINT_INDEX[name]] = _lm(world, name)
    mid_hip = (_lm(world, "left_hip") + _lm(world, "right_hip")) / 2.0
    mid_sh = (_lm(world, "left_shoulder") + _lm(world, "right_shoulder")) / 2.0
    trunk = mid_sh - mid_hip
    for name, frac in TRUNK_FRACTIONS.items():
        out[:, JOINT_INDEX[name]] = mid_hip + frac * trunk
    for side in ("left", "right"):
        across = COLLAR_ACROSS * (_lm(world, f"{side}_shoulder") - mid_sh)
        out[:, JOINT_INDEX[f"{side}_collar"]] = mid_hip + COLLAR_ALONG * trunk + across
        sole = _lm(world, f"{side}_foot_index") - _lm(world, f"{side}_heel")
        out[:, JOINT_INDEX[f"{side}_foot"]] = _lm(world, f"{side}_ankle") + sole
    out[:, JOINT_INDEX["head"]] = (_lm(world, "left_ear") + _lm(world, "right_ear")) / 2.0
    return out


def _missing(visibility: FloatArray, detected: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(T, 22) bool: an SMPL joint is missing when a landmark it is made from is below VISIBILITY_MIN (the
    built trunk joints need both hips and both shoulders; the head both ears; a foot its ankle, heel and toe)."""
    low = visibility < VISIBILITY_MIN
    low[~detected] = True
    out = np.zeros((visibility.shape[0], 22), dtype=bool)
    for name in DIRECT_JOINTS:
        out[:, JOINT_INDEX[name]] = low[:, _L[name]]
    trunk = low[:, [_L["left_hip"], _L["right_hip"], _L["left_shoulder"], _L["right_shoulder"]]].any(axis=1)
    for name in (*TRUNK_FRACTIONS, "left_collar", "right_collar"):
        out[:, JOINT_INDEX[name]] = trunk
    out[:, JOINT_INDEX["head"]] = low[:, _L["left_ear"]] | low[:, _L["right_ear"]]
    for side in ("left", "right"):
        foot = [_L[f"{side}_ankle"], _L[f"{side}_heel"], _L[f"{side}_foot_index"]]
        out[:, JOINT_INDEX[f"{side}_foot"]] = low[:, foot].any(axis=1)
    return out


def _body_px(track: PoseTrack) -> tuple[FloatArray, FloatArray]:
    """(T, 33, 2) image landmarks in pixels and (T,) the body's size in pixels (summed SCALE_SEGMENTS)."""
    px = track.image * np.array([track.width, track.height], dtype=np.float64)
    size = np.zeros(track.n_frames)
    for a, b in SCALE_SEGMENTS:
        size += np.linalg.norm(px[:, _L[b]] - px[:, _L[a]], axis=1)
    return px, size


def track_breaks(track: PoseTrack) -> NDArray[np.bool_]:
    """Frames whose pose is of another person than the previous pose found (TRACK_JUMP_PER_FRAME,
    TRACK_SCALE_JUMP): the hip midpoint jumped across the image, or the body's image size changed abruptly.

    Returns:
        (T,) bool; False in frames without a pose and in the first frame with one.
    """
    px, size = _body_px(track)
    hip = (px[:, _L["left_hip"]] + px[:, _L["right_hip"]]) / 2.0
    posed = np.flatnonzero(track.detected)
    out = np.zeros(track.n_frames, dtype=bool)
    if posed.size < 2:
        return out
    a, b = posed[:-1], posed[1:]
    jump = np.linalg.norm(hip[b] - hip[a], axis=1) / (max(track.width, track.height) * (b - a))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.abs(np.log(size[b] / size[a]))
    out[b[(jump > TRACK_JUMP_PER_FRAME) | ~(scale <= TRACK_SCALE_JUMP)]] = True
    return out


def camera_translation(track: PoseTrack, hfov_deg: float = DEFAULT_HFOV_DEG) -> FloatArray:
    """The hip midpoint's camera-space position per frame (module docstring), metres, camera axes.

    Args:
        track: the pose track.
        hfov_deg: the camera's horizontal field of view, degrees, in (1, 179).

    Returns:
        (T, 3) float64 (x right, y down, z away from the camera); NaN in frames without a pose.

    Raises:
        MotionValueError: hfov_deg outside (1, 179).
    """
    if not 1.0 < hfov_deg < 179.0:
        raise MotionValueError(f"the camera's field of view must be between 1° and 179°, got {hfov_deg}°.")
    f_px = track.width / (2.0 * np.tan(np.radians(hfov_deg) / 2.0))
    px, pixels = _body_px(track)
    metric = np.zeros(track.n_frames)
    for a, b in SCALE_SEGMENTS:
        metric += np.linalg.norm(track.world[:, _L[b], :2] - track.world[:, _L[a], :2], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = np.where(pixels > 1.0, f_px * metric / pixels, np.nan)
    hip_px = (px[:, _L["left_hip"]] + px[:, _L["right_hip"]]) / 2.0
    centre = np.array([track.width / 2.0, track.height / 2.0])
    xy = (hip_px - centre) * (depth / f_px)[:, None]
    return np.concatenate([xy, depth[:, None]], axis=1)


def _smooth_where_finite(values: FloatArray, sigma_frames: float) -> FloatArray:
    """Gaussian smoothing along axis 0 of each finite stretch of a (T, C) array (NaN rows kept)."""
    from scipy.ndimage import gaussian_filter1d  # here: importing the readers must stay cheap

    out = values.copy()
    for a, b in runs(np.asarray(np.isfinite(values).all(axis=1))):
        out[a:b] = gaussian_filter1d(values[a:b], sigma_frames, axis=0, mode="nearest")
    return out


def map_track(track: PoseTrack, hfov_deg: float = DEFAULT_HFOV_DEG) -> MappedPose:
    """SMPL-22 joints with the estimated trajectory, Y up.

    The world landmarks are low-pass filtered first (`smoothing.butterworth_low_pass`, 6 Hz zero-phase, as the
    2-D keypoints are: the model's frame-to-frame jitter is not motion). The body joints (`body_joints`) are
    placed at the smoothed camera-space hip position
    (`camera_translation`, Gaussian σ = TRANSLATION_SMOOTH_S), then turned from camera axes (y down, z away)
    to Y up (x right, y up, z toward the camera: a rotation of 180° about x).

    Args:
        track: the pose track.
        hfov_deg: the camera's horizontal field of view, degrees.

    Returns:
        The joints (NaN in frames without a pose) and the missing-joint mask.
    """
    detected = track.detected
    body = body_joints(butterworth_low_pass(track.world, track.fps))
    trans = _smooth_where_finite(camera_translation(track, hfov_deg), TRANSLATION_SMOOTH_S * track.fps)
    joints = body + trans[:, None, :]
    joints[..., 1:] *= -1.0
    joints[~detected] = np.nan
    return MappedPose(joints, _missing(track.visibility, detected), track_breaks(track))


@dataclass(frozen=True)
class GapReport:
    """How a mapped pose's gaps were handled.

    Attributes:
        parts: (start, stop) frame ranges described, each without a long gap or a track break.
        no_pose_frames: frames without a pose (all of them, inside and outside the parts).
        interpolated_frames: frames without a pose filled by interpolation inside a part.
        low_visibility: SMPL joint name → frames in the parts where a landmark it is made from was below
            VISIBILITY_MIN (interpolated when the run is short, kept as the model estimated it when long).
    """

    parts: tuple[tuple[int, int], ...]
    no_pose_frames: int
    interpolated_frames: int
    low_visibility: dict[str, int]


def interpolate_rows(values: FloatArray, fill: NDArray[np.bool_], known: NDArray[np.bool_]) -> FloatArray:
    """values (T, …) with the rows where `fill` is True replaced by linear interpolation over time between the
    nearest `known` rows (edges: the nearest known row); unchanged when no row is known."""
    out = values.copy()
    keep = np.flatnonzero(known)
    rows = np.flatnonzero(fill)
    if keep.size == 0 or rows.size == 0:
        return out
    flat = values.reshape(values.shape[0], -1)
    filled = np.stack([np.interp(rows, keep, flat[keep, k]) for k in range(flat.shape[1])], axis=1)
    out.reshape(values.shape[0], -1)[rows] = filled
    return out


def fill_short_gaps(values: FloatArray, missing: NDArray[np.bool_], max_gap: int) -> FloatArray:
    """values (T, …) with each run of `missing` frames of at most `max_gap` frames that has known frames on both
    sides linearly interpolated from the known frames (`interpolate_rows`); longer runs and runs at either end
    are kept as they are."""
    T = values.shape[0]
    short = np.zeros(T, dtype=bool)
    for a, b in runs(missing):
        if a > 0 and b < T and b - a <= max_gap:
            short[a:b] = True
    return interpolate_rows(values, short, ~missing) if short.any() else values.copy()


def fill_gaps(
    mapped: MappedPose, fps: float, max_gap_s: float = 0.5, min_part_s: float = 0.5
) -> tuple[FloatArray, GapReport]:
    """Interpolate short gaps, split at long ones and where the pose switched to another person.

    Frames without a pose: a run of at most max_gap_s between posed frames is linearly interpolated; a longer
    run splits the motion into parts (runs at the start and the end are cut off), and so does a track break
    (`MappedPose.breaks`: the frames before it end one part, the break starts the next). Parts shorter than
    min_part_s are dropped. Within a part, a joint whose landmark is below VISIBILITY_MIN for at most
    max_gap_s (between frames where it is visible) is interpolated from its visible frames; for longer it
    keeps the model's estimate (counted in the report and the SMD header).

    Args:
        mapped: `map_track`'s output.
        fps: frame rate.
        max_gap_s: longest gap interpolated, seconds.
        min_part_s: shortest part kept, seconds.

    Returns:
        The joints (T, 22, 3) with the parts' gaps filled (NaN outside the parts), and the report.

    Raises:
        MotionValueError: no part is left (no pose in the video, or only stretches shorter than min_part_s).
    """
    joints = mapped.joints
    T = joints.shape[0]
    no_pose = np.asarray(~np.isfinite(joints).all(axis=(1, 2)))
    max_gap = round(max_gap_s * fps)
    long_gap = np.zeros(T, dtype=bool)
    for a, b in runs(no_pose):
        if a == 0 or b == T or b - a > max_gap:
            long_gap[a:b] = True
    pieces = []
    for a, b in runs(~long_gap):  # split further where the pose switched to another person
        for cut in np.flatnonzero(mapped.breaks[a:b]) + a:
            last = a + int(np.flatnonzero(~no_pose[a:cut])[-1]) + 1  # after the last pose before the switch
            pieces.append((a, last))
            a = int(cut)
        pieces.append((a, b))
    parts = [(a, b) for a, b in pieces if b - a >= max(2, round(min_part_s * fps))]
    if not parts:
        raise MotionValueError(
            f"no person was found long enough to describe: a pose in {int((~no_pose).sum())} of {T} frames, "
            f"never for {min_part_s:g} s without a gap longer than {max_gap_s:g} s."
        )
    interpolated = 0
    low: dict[str, int] = {}
    out = np.full_like(joints, np.nan)
    for a, b in parts:
        seg = interpolate_rows(joints[a:b], no_pose[a:b], ~no_pose[a:b])
        interpolated += int(no_pose[a:b].sum())
        miss = mapped.missing[a:b] & ~no_pose[a:b, None]
        for j in np.flatnonzero(miss.any(axis=0)):
            name = SMPL22_JOINTS[j]
            low[name] = low.get(name, 0) + int(miss[:, j].sum())
            seg[:, j] = fill_short_gaps(seg[:, j], miss[:, j], max_gap)
        out[a:b] = seg
    return out, GapReport(tuple(parts), int(no_pose.sum()), interpolated, low)
