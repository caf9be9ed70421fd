"""Validity suite: is every statement of the SMD text true of the motion?

Each printed line of `describe(motion, SMDOptions())` is checked against a reference computed from the
joint positions (`motion.joints`) or from the BVH rotations read by this file's own parser, never from the
SMD's own segmentation. The only describer output used besides the printed segments is the unsmoothed
("raw") channel series, `describe(motion, SMDOptions(smooth_s=0))`, the quantity each line talks about.

    python benchmarks/validity.py                          # all clips, one Markdown table on stdout
    python benchmarks/validity.py --details                # plus the failing clips/lines
    python benchmarks/validity.py --json validity.json     # rows, failing checks and notes as JSON
    python benchmarks/validity.py --limit 10               # quick run: the first 10 clips of each source

Properties (docs/validity.md; numbering as in the table):
1. stride period of "oscillates" lines of hip/knee/ankle vs the foot-kinematics stride period; loose
   rhythm beside an oscillation; walks/runs with no oscillation at all;
2. printed values vs the raw extremes over each segment;
3. motion inside "holds" lines and static channels;
4. moving fraction of "increases"/"decreases" lines;
5. heading "turns" lines vs the pelvis path and the hips+shoulders yaw;
6. BVH knee/elbow local rotation angle (6a) and twist-free bend (6b) vs knee_flexion/elbow_flexion;
7. hip/knee/ankle angles of a person standing still;
8. wrap jumps;
9. Bandai-Namco content labels: the performance (joints) and then the SMD statement that must follow.

Only the public API is used: `load_motion`, `describe`, `SMDOptions`, `Motion.joints/fps/meta`,
`Description.angles/trajectory/fps`, `Channel.id/unit/values/static/segments` and `Segment` fields.
Deterministic: no randomness, clips in sorted manifest order.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import find_peaks
from scipy.spatial.transform import Rotation

from motion_smd import SMDOptions, describe, load_motion

FloatArray = NDArray[np.float64]

# ---------------------------------------------------------------------------------------------------------
# Thresholds (one declaration each; the tests import them)
# ---------------------------------------------------------------------------------------------------------
PERIOD_BAND = (0.75, 1.33)
"""An oscillates line's period must lie within this band × the reference stride period (property 1)."""
LOOSE_AMPLITUDE_FRACTION = 0.5
"""A loose rise+fall beside an oscillation counts as 'the same rhythm' at ≥ this × the oscillation range."""
MIN_STRIDES_FOR_OSCILLATION = 3
"""A walk/run with at least this many reference strides should show an oscillates line (reported, 1c)."""
EXTREME_TOL_MIN_DEG = 2.0
"""Property 2 tolerance: max(this (channel unit: deg; cm → 0.02 m for positions), δ/2)."""
MOVING_SPEED_FRACTION = 0.2
"""Property 4: a frame moves when |raw speed| ≥ this × the line's mean speed."""
MOVING_FRAME_SHARE = 0.8
"""Property 4: pass when at least this share of a move's frames moves."""
STRAIGHT_MAX_CHANGE_DEG = 10.0
"""Property 5: a travelling clip is straight when its reference direction changes less than this."""
TURN_MIN_CHANGE_DEG = 45.0
"""Property 5: a clip is a turn clip when its reference direction changes at least this much."""
TURN_SPAN_TOL_S = 0.5
BODY_TURN_MIN_DEG = 5.0
BODY_TURN_FRACTION = 0.5
"""Property 5a: a turn line on a straight path is the body's own rotation when the stride-averaged body yaw
turns the same way by ≥ max(5°, 50 % of the printed turn) over its span."""
"""Property 5: printed turn start/end within this of the reference 5 %/95 % crossings."""
TURN_SIZE_TOL = (20.0, 0.2)
"""Property 5/9: printed turn size within max(20°, 20 % of the reference change)."""
TRAVEL_SPEED_M_S = 0.3
"""Pelvis horizontal speed (over 1 s windows) above which the body travels."""
BVH_TOL_DEG = 10.0
"""Property 6: pass when max |diff − median(diff of the rig)| ≤ this."""
NEUTRAL_TOL_DEG = 5.0
"""Property 7: |median angle| of a person standing still ≤ this."""
STANDING_CLIPS = ("humanml3d/M010968",)
"""Clips in which the person stands throughout: every frame is a neutral-standing frame (property 7)."""
NEUTRAL_KNEE_MAX_DEG = 5.0
"""Property 7 (BVH clips): a standing frame also has both knees' local rotation angle below this."""
WRAP_STEP_DEG = 180.0
WRAP_SEGMENT_DEG = 300.0
"""Property 8: raw frame-to-frame jump / printed segment change beyond these is a wrap jump."""
LABEL_PASS_RATE = 0.9
"""Property 9: the share of clips (whose performance matches the label) whose SMD passes, per label."""
ARM_RISE_FRACTION = 0.6
"""Property 9: raise/wave ⇒ a printed arm rise of ≥ this × the reference elevation change."""
OTHER_ARM_FRACTION = 0.5
"""Property 9: no other-arm rise ≥ this × the reference unless that wrist also rose above its shoulder."""
TRAVEL_FRACTION = 0.8
"""Property 9: walk-back/left/right/forward ⇒ the position channel moves ≥ this × the reference."""
BOW_MIN_PITCH_DEG = 20.0
BOW_MIN_SMD_DEG = 15.0
BOW_SMD_FRACTION = 0.6
"""Property 9: bow = trunk pitch forward > 20°; the SMD must show a lumbar fall plus a hip rise of at least
max(15°, 0.6 × the pitch) (the trunk bends at the hips and in the lumbar spine)."""

WALK_CONTENTS = ("walk", "walk-back", "walk-left", "walk-right", "walk-turn-left", "walk-turn-right")
RUN_CONTENTS = ("run", "dash")
GAIT_CHANNELS = (
    "hip_flexion_r",
    "hip_flexion_l",
    "knee_flexion_r",
    "knee_flexion_l",
    "ankle_dorsiflexion_r",
    "ankle_dorsiflexion_l",
)

# SMPL-22 indices
PELVIS, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 0, 1, 2, 4, 5, 7, 8
L_FOOT, R_FOOT, NECK, L_SHOULDER, R_SHOULDER = 10, 11, 12, 16, 17
L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 18, 19, 20, 21
SIDE_JOINTS = {
    "l": {"hip": L_HIP, "knee": L_KNEE, "ankle": L_ANKLE, "foot": L_FOOT, "shoulder": L_SHOULDER,
          "elbow": L_ELBOW, "wrist": L_WRIST},
    "r": {"hip": R_HIP, "knee": R_KNEE, "ankle": R_ANKLE, "foot": R_FOOT, "shoulder": R_SHOULDER,
          "elbow": R_ELBOW, "wrist": R_WRIST},
}  # fmt: skip

BVH_JOINTS = {
    "bandai-namco": {
        "knee_l": ("LowerLeg_L", "Foot_L"),
        "knee_r": ("LowerLeg_R", "Foot_R"),
        "elbow_l": ("LowerArm_L", "Hand_L"),
        "elbow_r": ("LowerArm_R", "Hand_R"),
    },
    "cmu-cc-base": {
        "knee_l": ("CC_Base_L_Calf", "CC_Base_L_Foot"),
        "knee_r": ("CC_Base_R_Calf", "CC_Base_R_Foot"),
        "elbow_l": ("CC_Base_L_Forearm", "CC_Base_L_Hand"),
        "elbow_r": ("CC_Base_R_Forearm", "CC_Base_R_Hand"),
    },
}
"""Per rig: (lower-leg / forearm joint, its child toward the ankle / wrist). The joint's local rotation angle is
the knee / elbow reference (6a); the bend it gives between the bone into the joint and the bone out of it is
the twist-free reference (6b)."""
SMD_FOR_BVH = {"knee_l": "knee_flexion_l", "knee_r": "knee_flexion_r", "elbow_l": "elbow_flexion_l",
               "elbow_r": "elbow_flexion_r"}  # fmt: skip
NEUTRAL_ANGLES = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion")
RIGS = ("bandai-namco", "cmu-cc-base", "smpl")


# ---------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clip:
    """One input clip.

    Attributes:
        key: short unique name, e.g. "bandai/dataset-1_walk_normal_001", "cmu/02_01", "humanml3d/M010968".
        path: the file.
        source: "bandai", "cmu" or "humanml3d".
        label: Bandai content ("walk-back"), CMU description ("walk"), "" for HumanML3D.
        style, take, dataset: Bandai style / take / "dataset-1"|"dataset-2" ("" otherwise).
    """

    key: str
    path: Path
    source: str
    label: str
    style: str = ""
    take: str = ""
    dataset: str = ""

    @property
    def family(self) -> str | None:
        """ "walk" or "run" for gait clips (Bandai contents / CMU descriptions), else None."""
        if self.source == "bandai":
            return "walk" if self.label in WALK_CONTENTS else "run" if self.label in RUN_CONTENTS else None
        if self.source == "cmu":
            d = self.label.lower()
            if "run" in d or "jog" in d:
                return "run"
            if "walk" in d:
                return "walk"
        return None


@dataclass(frozen=True)
class Check:
    """One checked statement (or clip).

    Attributes:
        prop: table row, e.g. "2 raw extremes: angle lines".
        clip: Clip.key.
        item: the line or channel, e.g. "knee_flexion_r #3 oscillates 0.3–3.4s".
        passed: whether the statement is true by the reference.
        score: the row's badness measure (larger = worse; e.g. excess in degrees, ratio range/δ).
        detail: human-readable numbers behind the verdict.
    """

    prop: str
    clip: str
    item: str
    passed: bool
    score: float
    detail: str


@dataclass
class StrideRef:
    """Reference stride period from foot kinematics.

    Attributes:
        period_s: median time between consecutive same-foot foot-off events while travelling, s (None if
            fewer than two such intervals).
        n_strides: the larger per-foot count of such intervals.
        events: per foot ("l", "r"), frames of the foot-off events (travelling part only).
    """

    period_s: float | None
    n_strides: int
    events: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class ClipAnalysis:
    """Everything one clip contributes: its checks plus the numbers cross-clip checks need."""

    clip: Clip
    rig: str
    fps: float
    n_frames: int
    checks: list[Check] = field(default_factory=list)
    stride: StrideRef | None = None
    knee_periods: list[float] = field(default_factory=list)
    bvh_diffs: dict[str, FloatArray] = field(default_factory=dict)
    neutral: dict[str, FloatArray] = field(default_factory=dict)
    label_joint_ok: bool | None = None
    label_smd_ok: bool | None = None
    label_detail: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Results:
    """Output of `collect`.

    Attributes:
        checks: every check, in clip order.
        notes: data notes (missing files, clips without a stride reference, …).
        stats: extra numbers per row (property 6 and 7 medians, label counts), row → text.
        mismatched: (label, clip, why) of Bandai clips whose performance does not match the label.
        n_clips: clips analysed.
        seconds: wall time of `collect`.
    """

    checks: list[Check]
    notes: list[str]
    stats: dict[str, str]
    mismatched: list[tuple[str, str, str]]
    n_clips: int
    seconds: float

    def rows(self) -> list[str]:
        """Table rows (property names) in display order."""
        seen: dict[str, None] = {}
        for c in self.checks:
            seen.setdefault(c.prop, None)
        for k in self.stats:
            seen.setdefault(k, None)
        return sorted(seen, key=_row_order)

    def of(self, prop: str) -> list[Check]:
        """The checks of one row."""
        return [c for c in self.checks if c.prop == prop]

    def failing(self, prefix: str) -> list[Check]:
        """Failing checks of every row whose name starts with `prefix`."""
        return [c for c in self.checks if c.prop.startswith(prefix) and not c.passed]


def _row_order(prop: str) -> tuple[int, str]:
    m = re.match(r"(\d+)", prop)
    return (int(m.group(1)) if m else 99, prop)


# ---------------------------------------------------------------------------------------------------------
# Small numeric helpers
# ---------------------------------------------------------------------------------------------------------
def printed(value: float, unit: str) -> float:
    """The value as the text prints it, in the channel unit: degrees rounded half away from zero to whole
    degrees; metres rounded half away from zero to centimetres."""
    scale = 1.0 if unit == "deg" else 100.0
    k = math.floor(abs(value) * scale + 0.5)
    return math.copysign(k, value) / scale if k else 0.0


def printed_seconds(value: float) -> float:
    """A time as printed: 0.1 s, half away from zero."""
    return math.floor(abs(value) * 10.0 + 0.5) / 10.0


def moving_average(x: FloatArray, n: int, axis: int = 0) -> FloatArray:
    """Centred moving average over n samples (edges: nearest value repeated). n ≤ 1 returns x."""
    if n <= 1:
        return np.asarray(x, dtype=np.float64)
    return np.asarray(uniform_filter1d(np.asarray(x, dtype=np.float64), size=int(n), axis=axis, mode="nearest"))


def max_rise(y: FloatArray) -> tuple[float, int, int]:
    """Largest y[j] − y[i] with i ≤ j, and (i, j). Units of y."""
    best, bi, bj = 0.0, 0, 0
    lo, li = math.inf, 0
    for k, v in enumerate(y.tolist()):
        if v < lo:
            lo, li = v, k
        if v - lo > best:
            best, bi, bj = v - lo, li, k
    return best, bi, bj


def yaw_deg(direction: FloatArray) -> FloatArray:
    """Yaw of horizontal directions (T,3), degrees, unwrapped: 0 = +Z, + = toward +X (turned left)."""
    return np.asarray(np.degrees(np.unwrap(np.arctan2(direction[:, 0], direction[:, 2]))))


# ---------------------------------------------------------------------------------------------------------
# References from joint positions (metres, Y up, SMPL-22)
# ---------------------------------------------------------------------------------------------------------
def foot_horizontal_speed(joints: FloatArray, fps: float, side: str) -> FloatArray:
    """Horizontal speed of one foot, m/s, per frame: midpoint of the ankle and toe-base joints, central
    differences, moving average over 0.1 s. Stance ≈ 0, swing ≈ 2× the body speed."""
    j = SIDE_JOINTS[side]
    p = 0.5 * (joints[:, j["ankle"]] + joints[:, j["foot"]])
    v = np.gradient(p[:, [0, 2]], 1.0 / fps, axis=0)
    return moving_average(np.linalg.norm(v, axis=1), max(1, round(0.1 * fps)))


def pelvis_travel(joints: FloatArray, fps: float, window_s: float = 1.0) -> tuple[FloatArray, FloatArray]:
    """Pelvis horizontal velocity over centred windows of `window_s`: (speed (T,) m/s, direction (T,)
    degrees, 0 = +Z, + = toward +X). Frames closer than half a window to an end use the nearest full window."""
    T = joints.shape[0]
    h = max(1, round(window_s * fps / 2))
    p = joints[:, PELVIS][:, [0, 2]]
    if 2 * h >= T:
        d = np.repeat((p[-1] - p[0])[None], T, axis=0)
        dt = max(T - 1, 1) / fps
    else:
        idx = np.clip(np.arange(T), h, T - 1 - h)
        d = p[idx + h] - p[idx - h]
        dt = 2 * h / fps
    speed = np.linalg.norm(d, axis=1) / dt
    return speed, np.degrees(np.arctan2(d[:, 0], d[:, 1]))


def travelling_mask(joints: FloatArray, fps: float) -> FloatArray:
    """(T,) bool: the pelvis moves horizontally faster than TRAVEL_SPEED_M_S over 1 s windows."""
    return np.asarray(pelvis_travel(joints, fps)[0] > TRAVEL_SPEED_M_S)


def travel_direction_change(joints: FloatArray, fps: float) -> tuple[float, float]:
    """(total change of the travel direction, degrees = max − min of the unwrapped 1-s-window direction over
    travelling frames; travelling time, s). The direction is from the pelvis XZ path only."""
    speed, direction = pelvis_travel(joints, fps)
    moving = speed > TRAVEL_SPEED_M_S
    if moving.sum() < 2:
        return 0.0, float(moving.sum() / fps)
    d = np.degrees(np.unwrap(np.radians(direction[moving])))
    return float(d.max() - d.min()), float(moving.sum() / fps)


def stride_reference(joints: FloatArray, fps: float) -> StrideRef:
    """Reference stride period from foot kinematics only.

    Per foot: swings are peaks of the horizontal foot speed (`foot_horizontal_speed`), found with a height of
    at least max(0.4 m/s, 35 % of the 95th percentile), a prominence of 25 % of that percentile and at least
    0.35 s apart. Each swing's event is its foot-off: the time (linearly interpolated between frames) where the
    speed last rises through half the peak before the peak, so a flat-topped swing gives no jitter. Only
    events in the travelling part (pelvis faster than 0.3 m/s) count. Stride period = median of the times
    between consecutive same-foot events, both feet pooled, seconds.
    """
    moving = travelling_mask(joints, fps)
    intervals: list[float] = []
    events: dict[str, list[int]] = {}
    n_strides = 0
    for side in ("l", "r"):
        s = foot_horizontal_speed(joints, fps, side)
        p95 = float(np.percentile(s, 95))
        peaks, _ = find_peaks(s, height=max(0.4, 0.35 * p95), prominence=0.25 * p95, distance=max(1, int(0.35 * fps)))
        times: list[float] = []
        frames: list[int] = []
        for k in (int(k) for k in peaks):
            half = 0.5 * s[k]
            below = np.flatnonzero(s[:k] < half)
            if not below.size or not moving[k]:
                continue
            i = int(below[-1])  # s[i] < half ≤ s[i + 1]
            times.append((i + (half - s[i]) / (s[i + 1] - s[i])) / fps)
            frames.append(i)
        events[side] = frames
        gaps = [tb - ta for (ta, fa), (tb, fb) in itertools.pairwise(zip(times, frames)) if moving[fa : fb + 1].all()]
        intervals.extend(gaps)
        n_strides = max(n_strides, len(gaps))
    period = float(np.median(intervals)) if len(intervals) >= 2 else None
    return StrideRef(period, n_strides, events)


def body_yaw(joints: FloatArray) -> FloatArray:
    """Facing yaw per frame from the hips+shoulders across vector (right_hip − left_hip + right_shoulder −
    left_shoulder), degrees, unwrapped, relative to frame 0; + = turned left (toward +X from +Z)."""
    across = joints[:, R_HIP] - joints[:, L_HIP] + joints[:, R_SHOULDER] - joints[:, L_SHOULDER]
    y = yaw_deg(_forward_from_across(across))
    return y - y[0]


def _forward_from_across(across: FloatArray) -> FloatArray:
    """Horizontal facing direction = up × across (facing +Z with left = +X: across = −X → forward = +Z)."""
    f = np.stack([across[:, 2], np.zeros(len(across)), -across[:, 0]], axis=1)
    n = np.linalg.norm(f, axis=1, keepdims=True)
    return np.asarray(f / np.where(n > 1e-9, n, 1.0))


def smoothed_yaw(joints: FloatArray, fps: float, window_s: float) -> FloatArray:
    """`body_yaw` with a moving average over `window_s` (one stride removes the gait oscillation), degrees."""
    return moving_average(body_yaw(joints), max(1, round(window_s * fps)))


def elevation_deg(joints: FloatArray, top: int, bottom: int) -> FloatArray:
    """Angle between the segment top→bottom and the world downward vertical, degrees per frame (0 = hanging
    straight down, 90 = horizontal, 180 = straight up). Used for the upper arm and the thigh."""
    v = joints[:, bottom] - joints[:, top]
    c = -v[:, 1] / np.maximum(np.linalg.norm(v, axis=1), 1e-9)
    return np.asarray(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def trunk_pitch_deg(joints: FloatArray) -> FloatArray:
    """Forward pitch of the trunk (neck − pelvis) from vertical, degrees per frame, + = leaning forward; the
    forward direction is the facing from the hip line only."""
    trunk = joints[:, NECK] - joints[:, PELVIS]
    fwd = _forward_from_across(joints[:, R_HIP] - joints[:, L_HIP])
    return np.asarray(np.degrees(np.arctan2(np.sum(trunk * fwd, axis=1), trunk[:, 1])))


def turning_points(x: FloatArray, threshold: float) -> int:
    """Number of hysteresis turning points of x (a peak once x falls `threshold` below the running max, a
    valley once it rises `threshold` above the running min). Independent of the SMD code."""
    n = 0
    hi = lo = float(x[0])
    state = 0  # +1 rising, −1 falling, 0 unknown
    for v in x.tolist():
        if state >= 0:
            hi = max(hi, v)
            if v <= hi - threshold:
                n += state == 1
                state, lo = -1, v
                continue
        if state <= 0:
            lo = min(lo, v)
            if v >= lo + threshold:
                n += state == -1
                state, hi = 1, v
    return n


def still_frames(joints: FloatArray, fps: float) -> NDArray[np.bool_]:
    """(T,) bool: the person stands still and upright: every joint's speed (positions averaged over 0.1 s,
    central differences) < 0.1 m/s throughout the 0.5 s around the frame; the pelvis at ≥ 90 % of its highest;
    the trunk (neck − pelvis) within 10° of vertical (`trunk_pitch_deg`; excludes a held bow); both ankles
    within 5 cm of their lowest height (excludes standing on one leg)."""
    p = moving_average(joints, max(1, round(0.1 * fps)), axis=0)
    v = np.linalg.norm(np.gradient(p, 1.0 / fps, axis=0), axis=2).max(axis=1)
    vmax = maximum_filter1d(v, size=2 * max(1, round(0.25 * fps)) + 1, mode="nearest")
    h = joints[:, PELVIS, 1]
    feet = np.ones(len(h), dtype=bool)
    for j in (L_ANKLE, R_ANKLE):
        feet &= joints[:, j, 1] <= joints[:, j, 1].min() + 0.05
    upright = np.abs(trunk_pitch_deg(joints)) < 10.0
    return np.asarray((vmax < 0.1) & (h >= 0.9 * h.max()) & upright & feet)


# ---------------------------------------------------------------------------------------------------------
# BVH (own parser: hierarchy names, channel columns, motion block) → local rotation angles
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BvhRotations:
    """Joint channels of a BVH file (own parser, no dependency on motion_smd.io).

    Attributes:
        names: joint names in file order.
        offsets: per joint, its (3,) OFFSET (file units).
        channels: per joint, its channel names in file order.
        first_column: per joint, the motion column of its first channel.
        motion: (F, C) float64 motion block (all frames of the file).
    """

    names: tuple[str, ...]
    offsets: tuple[FloatArray, ...]
    channels: tuple[tuple[str, ...], ...]
    first_column: tuple[int, ...]
    motion: FloatArray

    def local_rotation(self, name: str) -> Rotation:
        """(F,) local rotations of a joint: its rotation channels as intrinsic Euler angles in the listed order
        (BVH convention: channels Z X Y give R = Rz·Rx·Ry)."""
        k = self.names.index(name)
        chans = self.channels[k]
        idx = [i for i, c in enumerate(chans) if c.lower().endswith("rotation")]
        order = "".join(chans[i][0].upper() for i in idx)
        return Rotation.from_euler(order, self.motion[:, [self.first_column[k] + i for i in idx]], degrees=True)

    def translation(self, name: str) -> FloatArray:
        """(F, 3) local translation of a joint: its OFFSET, with any position channel replacing that component."""
        k = self.names.index(name)
        t = np.repeat(self.offsets[k][None], self.motion.shape[0], axis=0)
        for i, c in enumerate(self.channels[k]):
            if c.lower().endswith("position"):
                t[:, "xyz".index(c[0].lower())] = self.motion[:, self.first_column[k] + i]
        return t

    def local_angle_deg(self, name: str) -> FloatArray:
        """(F,) rotation angle (axis–angle magnitude, twist included) of the joint's local rotation, degrees."""
        return np.asarray(np.degrees(self.local_rotation(name).magnitude()))

    def bend_deg(self, name: str, child: str) -> FloatArray:
        """(F,) angle between the bone into the joint (its translation, parent frame) and the bone out of it
        (the child's translation rotated by the joint's local rotation), degrees: the bend without twist."""
        a = self.translation(name)
        b = self.local_rotation(name).apply(self.translation(child))
        c = np.sum(a * b, axis=1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)
        return np.asarray(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def read_bvh_rotations(path: Path) -> BvhRotations:
    """Parse a BVH file: joint names, offsets, channel lists and the motion block (F, C). Plain tokenising."""
    head, _, motion_text = path.read_text(errors="replace").partition("MOTION")
    names: list[str] = []
    offsets: list[FloatArray] = []
    channels: list[tuple[str, ...]] = []
    first: list[int] = []
    col = 0
    tokens = head.split()
    i = 0
    end_site = False
    while i < len(tokens):
        t = tokens[i]
        if t in ("ROOT", "JOINT"):
            names.append(tokens[i + 1])
            i += 2
        elif t == "End":
            end_site = True
            i += 2
        elif t == "OFFSET":
            if not end_site:
                offsets.append(np.array(tokens[i + 1 : i + 4], dtype=np.float64))
            end_site = False
            i += 4
        elif t == "CHANNELS":
            n = int(tokens[i + 1])
            channels.append(tuple(tokens[i + 2 : i + 2 + n]))
            first.append(col)
            col += n
            i += 2 + n
        else:
            i += 1
    lines = motion_text.strip().splitlines()
    n_frames = int(lines[0].split(":")[1])
    data = np.array(" ".join(lines[2:]).split(), dtype=np.float64)
    motion = data[: n_frames * col].reshape(n_frames, col)
    return BvhRotations(tuple(names), tuple(offsets), tuple(channels), tuple(first), motion)


def detect_rig(names: Sequence[str]) -> str | None:
    """ "bandai-namco" or "cmu-cc-base" from the BVH joint names (None when neither)."""
    for rig, joints in BVH_JOINTS.items():
        if all(n in names for pair in joints.values() for n in pair):
            return rig
    return None


# ---------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------
def default_data_dir() -> Path:
    """$SMD_DATA_DIR, or ../shared/data beside the repository root."""
    env = os.environ.get("SMD_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def list_clips(data_dir: Path, limit: int | None = None) -> tuple[list[Clip], list[str]]:
    """All clips (Bandai manifest order, CMU manifest order, HumanML3D sorted), skipping absent files with a
    note; `limit` keeps the first N of each source."""
    clips: list[Clip] = []
    notes: list[str] = []
    bandai = data_dir / "bandai_namco" / "manifest.json"
    if bandai.is_file():
        got: list[Clip] = []
        for e in json.loads(bandai.read_text()):
            p = data_dir / "bandai_namco" / e["file"]
            if not p.is_file():
                notes.append(f"missing Bandai file skipped: {e['file']}")
                continue
            ds = e["file"].split("/")[0]
            got.append(Clip(f"bandai/{p.stem}", p, "bandai", e["content"], e["style"], e["take"], ds))
        clips.extend(got[:limit])
    cmu = data_dir / "cmu" / "manifest.json"
    if cmu.is_file():
        got = []
        for e in json.loads(cmu.read_text()):
            p = data_dir / "cmu" / e["file"]
            if not p.is_file():
                notes.append(f"missing CMU file skipped: {e['file']}")
                continue
            got.append(Clip(f"cmu/{e['cmu_trial']}", p, "cmu", e["description"]))
        clips.extend(got[:limit])
    h = data_dir / "humanml3d" / "new_joints"
    if h.is_dir():
        clips.extend([Clip(f"humanml3d/{p.stem}", p, "humanml3d", "") for p in sorted(h.glob("*.npy"))][:limit])
    return clips, notes


# ---------------------------------------------------------------------------------------------------------
# Channel helpers on the printed description
# ---------------------------------------------------------------------------------------------------------
def angle(desc: Any, channel_id: str) -> Any:
    """The angle channel with this id (`desc.angles[i].id`)."""
    for ch in desc.angles:
        if ch.id == channel_id:
            return ch
    raise KeyError(channel_id)


def trajectory(desc: Any, channel_id: str) -> Any:
    """The trajectory channel with this id ("height", "forward", "lateral", "heading")."""
    for ch in desc.trajectory:
        if ch.id == channel_id:
            return ch
    raise KeyError(channel_id)


def channel_delta(ch: Any, options: SMDOptions) -> float:
    """δ of a channel: heading → delta_heading_deg, metres → delta_m, other angles → delta_deg."""
    if ch.id == "heading":
        return float(options.delta_heading_deg)
    return float(options.delta_m if ch.unit == "m" else options.delta_deg)


def seg_label(ch: Any, i: int, seg: Any) -> str:
    """Short name of a printed line: "<channel> #<i> <kind> <start>–<end>s"."""
    return f"{ch.id} #{i} {seg.kind} {printed_seconds(seg.start_s):.1f}–{printed_seconds(seg.end_s):.1f}s"


def printed_change(seg: Any, unit: str) -> float:
    """Printed end − printed start of an increases/decreases line (channel unit)."""
    return printed(seg.end_value, unit) - printed(seg.start_value, unit)


def largest_printed_change(ch: Any, sign: int) -> float:
    """The largest rise (sign=+1) or fall (sign=−1) the text states for a channel, channel unit, ≥ 0:
    chains of consecutive same-direction lines (holds and short pauses between them allowed) from the first
    start to the last end, where a hold just before (after) the chain counts as its start (end) when it lies
    further back (on) in that direction, and an oscillates line's max − min."""
    best = 0.0
    want = "increases" if sign > 0 else "decreases"
    start: float | None = None
    end = 0.0
    hold: float | None = None  # the printed value of the last hold
    for seg in ch.segments:
        if seg.kind == want:
            if start is None:
                start = printed(seg.start_value, ch.unit)
                if hold is not None and sign * (start - hold) > 0:
                    start = hold
            end = printed(seg.end_value, ch.unit)
            best = max(best, sign * (end - start))
        elif seg.kind == "holds":
            hold = printed(seg.mean_value, ch.unit)
            if start is not None and sign * (hold - end) > 0:
                end = hold
                best = max(best, sign * (end - start))
            continue
        else:
            start = None
        hold = None
        if seg.kind == "oscillates":
            best = max(best, printed(seg.max_value, ch.unit) - printed(seg.min_value, ch.unit))
    return best


def sum_printed(ch: Any, kind: str) -> float:
    """Sum of |printed change| over the channel's lines of one kind ("increases"/"decreases")."""
    return float(sum(abs(printed_change(s, ch.unit)) for s in ch.segments if s.kind == kind))


def repeats(ch: Any, delta: float) -> bool:
    """The text states a repetition on this channel: an oscillates line, or ≥ 4 consecutive alternating
    increases/decreases lines each of ≥ δ."""
    run = 0
    last = ""
    for seg in ch.segments:
        if seg.kind == "oscillates":
            return True
        if seg.kind == "holds":
            continue
        if abs(printed_change(seg, ch.unit)) < delta:
            run, last = 0, ""
            continue
        run = run + 1 if seg.kind != last else 1
        last = seg.kind
        if run >= 4:
            return True
    return False


# ---------------------------------------------------------------------------------------------------------
# Properties (per clip)
# ---------------------------------------------------------------------------------------------------------
def check_stride_period(clip: Clip, desc: Any, ref: StrideRef) -> list[Check]:
    """Property 1a/1b/1c on a walk/run clip.

    Reference: `stride_reference` (same-foot foot-off intervals, seconds). 1a: every oscillates line of the
    hip/knee/ankle flexion channels has its printed period within PERIOD_BAND × the reference. 1b: no
    oscillates line has loose increases/decreases beside it (contiguous, no hold/oscillation between) that
    span ≥ one reference stride and contain an adjacent rise and fall each ≥ LOOSE_AMPLITUDE_FRACTION × the
    oscillation's printed range.
    1c: with ≥ MIN_STRIDES_FOR_OSCILLATION reference strides, each gait channel has an oscillates line.
    """
    out: list[Check] = []
    fam = clip.family
    if ref.period_s is None or fam is None:
        return out
    P = ref.period_s
    lo, hi = PERIOD_BAND
    for ch in (angle(desc, c) for c in GAIT_CHANNELS):
        segs = ch.segments
        has_osc = False
        for i, seg in enumerate(segs):
            if seg.kind != "oscillates":
                continue
            has_osc = True
            period = printed_seconds(seg.period_s)
            ratio = period / P
            ok = lo <= ratio <= hi
            out.append(
                Check(
                    f"1a stride period ({fam}-family)",
                    clip.key,
                    seg_label(ch, i, seg),
                    ok,
                    abs(math.log(ratio)) if ratio > 0 else math.inf,
                    f"printed period {period:.1f}s vs reference stride {P:.2f}s (×{ratio:.2f})",
                )
            )
            amp = printed(seg.max_value, ch.unit) - printed(seg.min_value, ch.unit)
            for side, run in (("before", _loose_run(segs, i, -1)), ("after", _loose_run(segs, i, +1))):
                if not run:
                    continue
                span = (run[-1].end_frame - run[0].start_frame) / desc.fps
                big = [abs(printed_change(s, ch.unit)) >= LOOSE_AMPLITUDE_FRACTION * amp for s in run]
                rise_fall = any(
                    a.kind != b.kind and ba and bb for (a, ba), (b, bb) in itertools.pairwise(zip(run, big))
                )
                flagged = span >= P and rise_fall
                out.append(
                    Check(
                        "1b loose rhythm beside oscillation",
                        clip.key,
                        seg_label(ch, i, seg) + f" ({side})",
                        not flagged,
                        span / P if rise_fall else 0.0,
                        f"{len(run)} loose lines {side} spanning {span:.2f}s (stride {P:.2f}s), "
                        f"{sum(big)} of ≥ {LOOSE_AMPLITUDE_FRACTION:.0%} of range {amp:.0f}°",
                    )
                )
        if ref.n_strides >= MIN_STRIDES_FOR_OSCILLATION:
            out.append(
                Check(
                    "1c gait channel without oscillation",
                    clip.key,
                    ch.id,
                    has_osc,
                    0.0 if has_osc else float(ref.n_strides),
                    f"{ref.n_strides} reference strides (period {P:.2f}s), {'an' if has_osc else 'no'} oscillates line",
                )
            )
    return out


def _loose_run(segs: Sequence[Any], i: int, step: int) -> list[Any]:
    """Consecutive increases/decreases lines next to segs[i] in direction `step`, in time order."""
    run = []
    k = i + step
    while 0 <= k < len(segs) and segs[k].kind in ("increases", "decreases"):
        run.append(segs[k])
        k += step
    return run[::-1] if step < 0 else run


def check_raw_extremes(clip: Clip, desc: Any, raw: Any, options: SMDOptions) -> list[Check]:
    """Property 2: each printed value vs the raw series' extreme over the line's frames (inclusive).

    Reference: raw (unsmoothed) channel, channel unit. increases: printed start ≈ raw min, end ≈ raw max;
    decreases: start ≈ raw max, end ≈ raw min; oscillates: printed min/max ≈ raw min/max; holds: printed
    level ((min + max) / 2 of the line, format 2) within tolerance of both the raw min and max. Tolerance
    max(2° | 2 cm, δ/2). Score = worst excess over the tolerance (channel unit; ≤ 0 passes).
    """
    out: list[Check] = []
    for ch, rch in zip((*desc.trajectory, *desc.angles), (*raw.trajectory, *raw.angles)):
        unit = ch.unit
        tol = max(EXTREME_TOL_MIN_DEG if unit == "deg" else EXTREME_TOL_MIN_DEG / 100.0, channel_delta(ch, options) / 2)
        row = "2 raw extremes: angle lines" if ch in desc.angles else "2 raw extremes: trajectory lines"
        for i, seg in enumerate(ch.segments):
            x = rch.values[seg.start_frame : seg.end_frame + 1]
            rmin, rmax = float(x.min()), float(x.max())
            if seg.kind == "increases":
                pairs = [(seg.start_value, rmin), (seg.end_value, rmax)]
            elif seg.kind == "decreases":
                pairs = [(seg.start_value, rmax), (seg.end_value, rmin)]
            elif seg.kind == "oscillates":
                pairs = [(seg.min_value, rmin), (seg.max_value, rmax)]
            else:  # a hold is printed at the middle of its band (format 2)
                level = (seg.min_value + seg.max_value) / 2
                pairs = [(level, rmin), (level, rmax)]
            errs = [abs(printed(p, unit) - r) for p, r in pairs]
            excess = max(errs) - tol
            u = "°" if unit == "deg" else "m"
            out.append(
                Check(
                    row,
                    clip.key,
                    seg_label(ch, i, seg),
                    excess <= 1e-9,
                    excess,
                    f"printed {[printed(p, unit) for p, _ in pairs]} vs raw {[round(r, 3) for _, r in pairs]}"
                    f" (tol {tol:g}{u}, excess {excess:+.3g}{u})",
                )
            )
    return out


def check_holds(clip: Clip, desc: Any, raw: Any, options: SMDOptions) -> list[Check]:
    """Property 3: the raw range (max − min over the line's frames) of every holds line ≤ δ; a static
    channel ("throughout") has a raw range over the whole clip < δ. Score = range/δ."""
    out: list[Check] = []
    for ch, rch in zip((*desc.trajectory, *desc.angles), (*raw.trajectory, *raw.angles)):
        d = channel_delta(ch, options)
        if ch.static:
            defined = rch.values[np.isfinite(rch.values)]  # the axial rotations are undefined in places
            r = float(np.ptp(defined)) if defined.size else 0.0
            if defined.size < len(rch.values) and r >= d:
                continue  # printed as "between … in brief defined moments", not as a hold
            out.append(
                Check(
                    "3 motion inside holds: static channels",
                    clip.key,
                    f"{ch.id} throughout",
                    r < d,
                    r / d,
                    f"raw range {r:.4g} vs δ {d:g} ({ch.unit})",
                )
            )
            continue
        for i, seg in enumerate(ch.segments):
            if seg.kind != "holds":
                continue
            r = float(np.ptp(rch.values[seg.start_frame : seg.end_frame + 1]))
            out.append(
                Check(
                    "3 motion inside holds: holds lines",
                    clip.key,
                    seg_label(ch, i, seg),
                    r <= d + 1e-9,
                    r / d,
                    f"raw range {r:.4g} vs δ {d:g} ({ch.unit})",
                )
            )
    return out


def check_moving_fraction(clip: Clip, desc: Any, raw: Any, options: SMDOptions) -> list[Check]:
    """Property 4: for each increases/decreases line, the share of the frame intervals of its span (frame t
    to t + 1, for t from the first to the last frame but one) whose |raw speed| (the interval's difference,
    channel unit per second) ≥ MOVING_SPEED_FRACTION × the line's mean speed |Δ|/duration (printed end −
    start values, frames → seconds). Pass at ≥ MOVING_FRAME_SHARE. Rows: all moves, and the large moves
    (|Δ| ≥ 2δ). Score = 1 − share."""
    out: list[Check] = []
    for ch, rch in zip((*desc.trajectory, *desc.angles), (*raw.trajectory, *raw.angles)):
        d = channel_delta(ch, options)
        speed = np.abs(np.diff(rch.values)) * desc.fps  # interval t → t + 1
        for i, seg in enumerate(ch.segments):
            if seg.kind not in ("increases", "decreases"):
                continue
            delta = abs(seg.end_value - seg.start_value)
            dur = (seg.end_frame - seg.start_frame) / desc.fps
            if dur <= 0:
                share = 0.0
            else:
                s = speed[seg.start_frame : seg.end_frame]
                share = float(np.mean(s >= MOVING_SPEED_FRACTION * delta / dur))
            ok = share >= MOVING_FRAME_SHARE
            detail = f"{share:.0%} of {seg.end_frame - seg.start_frame} intervals move (Δ {delta:.3g}, {dur:.2f}s)"
            out.append(Check("4 moving fraction: all moves", clip.key, seg_label(ch, i, seg), ok, 1 - share, detail))
            if delta >= 2 * d:
                out.append(
                    Check(
                        "4 moving fraction: large moves (|Δ| ≥ 2δ)",
                        clip.key,
                        seg_label(ch, i, seg),
                        ok,
                        1 - share,
                        detail,
                    )
                )
    return out


def check_turns(clip: Clip, desc: Any, joints: FloatArray, fps: float, stride: StrideRef | None) -> list[Check]:
    """Property 5.

    Reference direction: pelvis XZ displacement over 1 s windows where it travels faster than 0.3 m/s; its
    change = max − min of the unwrapped direction (degrees). 5a: a travelling clip (≥ 1 s) whose direction
    changes < STRAIGHT_MAX_CHANGE_DEG prints no heading increases/decreases ("turns") line, except where the
    body's own stride-averaged yaw turns the same way by ≥ max(BODY_TURN_MIN_DEG, BODY_TURN_FRACTION × the
    printed turn) within the printed span ± TURN_SPAN_TOL_S: the Heading is the body's yaw, and such lines
    are listed apart (row 5a').
    5b: in turn clips (Bandai walk-turn-*, or direction change ≥ TURN_MIN_CHANGE_DEG) the reference yaw is
    `body_yaw` averaged over one reference stride (1 s if unknown). Around each printed turn (its span ± 1 s,
    not past the neighbouring turns) the reference turn is the largest monotone excursion of that yaw; its
    span runs from the 5 % to the 95 % crossing. The printed turn must have the reference's sign, start and
    end within TURN_SPAN_TOL_S of the crossings and a size within max(20°, 20 %) of the excursion. A turn clip
    whose yaw changes ≥ TURN_MIN_CHANGE_DEG but prints no turn fails ("missing turn").
    """
    out: list[Check] = []
    heading = trajectory(desc, "heading")
    turns = [(i, s) for i, s in enumerate(heading.segments) if s.kind in ("increases", "decreases")]
    change, travel_s = travel_direction_change(joints, fps)
    is_turn_clip = clip.label in ("walk-turn-left", "walk-turn-right") or (
        travel_s >= 1.0 and change >= TURN_MIN_CHANGE_DEG
    )
    if travel_s >= 1.0 and change < STRAIGHT_MAX_CHANGE_DEG and not is_turn_clip:
        yaw1 = smoothed_yaw(joints, fps, stride.period_s if stride and stride.period_s else 1.0)
        # a turn line that the body's own yaw confirms (same way, at least half the printed size over the
        # printed span) is a body rotation on a straight path: listed apart, not a failure
        body: list[float] = []
        unconfirmed: list[float] = []
        for _, seg in turns:
            size = printed_change(seg, "deg")
            pad = round(TURN_SPAN_TOL_S * fps)  # the stride average smears a turn by half a stride
            w = yaw1[max(seg.start_frame - pad, 0) : seg.end_frame + pad + 1]
            ref = max_rise(np.sign(size) * w)[0]  # the body's largest turn that way around the printed span
            confirmed = ref >= max(BODY_TURN_MIN_DEG, BODY_TURN_FRACTION * abs(size))
            (body if confirmed else unconfirmed).append(size)
        worst = max((abs(v) for v in unconfirmed), default=0.0)
        detail = (
            f"direction change {change:.1f}° over {travel_s:.1f}s travelling; {len(turns)} turn lines"
            + (f" ({len(unconfirmed)} not confirmed by the body's yaw, largest {worst:.0f}°)" if unconfirmed else "")
            + f"; stride-averaged body yaw range {float(np.ptp(yaw1)):.0f}°"
        )
        out.append(Check("5a no turn on straight travel", clip.key, "heading", not unconfirmed, worst, detail))
        if body:
            out.append(
                Check(
                    "5a' body turns on a straight path (listed, not failures)",
                    clip.key,
                    "heading",
                    False,
                    max(abs(v) for v in body),
                    f"{len(body)} turn lines {body} confirmed by the body's yaw; " + detail,
                )
            )
    if not is_turn_clip:
        return out
    window_s = stride.period_s if stride and stride.period_s else 1.0
    yaw = smoothed_yaw(joints, fps, window_s)
    T = len(yaw)
    total = float(yaw.max() - yaw.min())
    if not turns and total >= TURN_MIN_CHANGE_DEG:
        out.append(
            Check(
                "5b turn span/size/direction",
                clip.key,
                "heading (no turn line)",
                False,
                total,
                f"reference yaw changes {total:.0f}° but no turn is printed",
            )
        )
    for n, (i, seg) in enumerate(turns):
        pad = round(1.0 * fps)
        a = max(seg.start_frame - pad, turns[n - 1][1].end_frame if n else 0)
        b = min(seg.end_frame + pad, turns[n + 1][1].start_frame if n + 1 < len(turns) else T - 1)
        w = yaw[a : b + 1]
        sign = 1 if seg.end_value > seg.start_value else -1
        net = float(yaw[seg.end_frame] - yaw[seg.start_frame])
        size, i0, j0 = max_rise(sign * w)
        y = sign * (w - w[i0])
        k5 = i0 + int(np.argmax(y[i0 : j0 + 1] >= 0.05 * size)) if size > 0 else i0
        k95 = i0 + int(np.argmax(y[i0 : j0 + 1] >= 0.95 * size)) if size > 0 else j0
        t5, t95 = (a + k5) / fps, (a + k95) / fps
        p_size = abs(printed_change(seg, "deg"))
        ds, de = abs(printed_seconds(seg.start_s) - t5), abs(printed_seconds(seg.end_s) - t95)
        size_err = abs(p_size - size)
        size_tol = max(TURN_SIZE_TOL[0], TURN_SIZE_TOL[1] * size)
        ok = sign * net > 0 and ds <= TURN_SPAN_TOL_S and de <= TURN_SPAN_TOL_S and size_err <= size_tol
        out.append(
            Check(
                "5b turn span/size/direction",
                clip.key,
                seg_label(heading, i, seg),
                ok,
                max(ds, de),
                f"printed {'left' if sign > 0 else 'right'} {p_size:.0f}° "
                f"[{printed_seconds(seg.start_s):.1f}–{printed_seconds(seg.end_s):.1f}s]; reference yaw "
                f"{net:+.0f}° over the printed span, turn {size:.0f}° [{t5:.2f}–{t95:.2f}s]; start off "
                f"{ds:.2f}s, end off {de:.2f}s, size off {size_err:.0f}° (tol {size_tol:.0f}°)",
            )
        )
    return out


def check_wraps(clip: Clip, desc: Any, raw: Any) -> list[Check]:
    """Property 8: no raw angle (or heading) channel jumps more than WRAP_STEP_DEG between consecutive defined
    frames, and no printed angle line changes by more than WRAP_SEGMENT_DEG unless the change is continuous
    (no frame step above 90° inside it: a spin of the heading or pelvis, an arm circling overhead).
    Score = the largest raw frame step (degrees)."""
    out: list[Check] = []
    pairs = [
        (c, r) for c, r in zip((*desc.trajectory, *desc.angles), (*raw.trajectory, *raw.angles)) if c.unit == "deg"
    ]
    for ch, rch in pairs:
        steps = np.abs(np.diff(rch.values))  # NaN next to undefined frames (axial rotations): not a step
        step = float(np.nanmax(steps)) if np.isfinite(steps).any() else 0.0
        seg_jump = 0.0
        # a heading or pelvis rotation may truly turn > 300° (a spin), continuously; so may an arm circling
        # overhead: a printed change > 300° is a wrap only where its frames step by more than 90°
        for seg in () if ch.id in ("heading", "pelvis_rotation") else ch.segments:
            if seg.kind in ("increases", "decreases"):
                change = abs(printed_change(seg, "deg"))
            elif seg.kind == "oscillates":
                change = printed(seg.max_value, "deg") - printed(seg.min_value, "deg")
            else:
                continue
            inside = steps[seg.start_frame : seg.end_frame]
            if change > WRAP_SEGMENT_DEG and np.isfinite(inside).any() and np.nanmax(inside) <= 90.0:
                continue  # continuous rotation, not a wrap
            seg_jump = max(seg_jump, change)
        ok = step <= WRAP_STEP_DEG and seg_jump <= WRAP_SEGMENT_DEG
        out.append(
            Check(
                "8 wrap jumps",
                clip.key,
                ch.id,
                ok,
                step,
                f"largest raw frame step {step:.1f}°, largest printed change {seg_jump:.0f}°",
            )
        )
    return out


def bvh_differences(clip: Clip, raw: Any, n_frames: int) -> tuple[str | None, dict[str, FloatArray], str]:
    """Property 6 inputs from the clip's BVH file: for each of "angle:<key>" (local rotation angle, twist
    included) and "bend:<key>" (`BvhRotations.bend_deg`, twist-free), key in knee_l/knee_r/elbow_l/elbow_r,
    the per-frame difference raw SMD channel − reference (degrees); plus "rot:<key>" = the local rotation
    angle itself. BVH frames are aligned with the motion's by dropping leading frames (CMU's added T-pose).
    Returns (rig, series, note)."""
    bvh = read_bvh_rotations(clip.path)
    rig = detect_rig(bvh.names)
    if rig is None:
        return None, {}, f"{clip.key}: BVH rig not recognised"
    skip = bvh.motion.shape[0] - n_frames
    if skip < 0:
        return rig, {}, f"{clip.key}: BVH has fewer frames ({bvh.motion.shape[0]}) than the motion ({n_frames})"
    out: dict[str, FloatArray] = {}
    for key, (joint, child) in BVH_JOINTS[rig].items():
        smd = angle(raw, SMD_FOR_BVH[key]).values
        rot = bvh.local_angle_deg(joint)[skip:]
        out[f"rot:{key}"] = rot
        out[f"angle:{key}"] = np.asarray(smd - rot)
        out[f"bend:{key}"] = np.asarray(smd - bvh.bend_deg(joint, child)[skip:])
    return rig, out, ""


# ---------------------------------------------------------------------------------------------------------
# Property 9: Bandai content labels
# ---------------------------------------------------------------------------------------------------------
LABELS_CHECKED = (
    "raise-up-left-hand", "raise-up-right-hand", "raise-up-both-hands", "wave-left-hand", "wave-right-hand",
    "wave-both-hands", "walk", "walk-back", "walk-left", "walk-right", "walk-turn-left", "walk-turn-right",
    "bow", "kick", "run", "dash",
)  # fmt: skip
"""Contents with a clear kinematic signature; run and dash also give 'run vs walk of the same style'."""


def _arm_rise(desc: Any, side: str) -> float:
    """Largest arm rise the text states for one side: shoulder flexion rise or shoulder adduction fall, deg."""
    return max(
        largest_printed_change(angle(desc, f"shoulder_flexion_{side}"), +1),
        largest_printed_change(angle(desc, f"shoulder_adduction_{side}"), -1),
    )


def _wrist_above_shoulder(joints: FloatArray, side: str) -> float:
    """Highest (wrist − shoulder) height over the clip, metres (> 0: the wrist rose above the shoulder)."""
    j = SIDE_JOINTS[side]
    return float((joints[:, j["wrist"], 1] - joints[:, j["shoulder"], 1]).max())


def _wave_turning_points(joints: FloatArray, side: str) -> int:
    """Turning points (3 cm hysteresis) of the wrist's lateral position relative to its shoulder, along the
    hip line, over the frames where the wrist is above the shoulder."""
    j = SIDE_JOINTS[side]
    across = joints[:, R_HIP] - joints[:, L_HIP]
    across = across / np.maximum(np.linalg.norm(across, axis=1, keepdims=True), 1e-9)
    lat = np.sum((joints[:, j["wrist"]] - joints[:, j["shoulder"]]) * across, axis=1)
    up = joints[:, j["wrist"], 1] > joints[:, j["shoulder"], 1]
    return turning_points(lat[up], 0.03) if up.sum() > 2 else 0


def label_check(
    clip: Clip, desc: Any, joints: FloatArray, fps: float, stride: StrideRef | None, options: SMDOptions
) -> tuple[bool | None, bool | None, str]:
    """Property 9 for one Bandai clip: (performance matches the label by the joints, the SMD states what
    must follow, detail). (None, None, "") for contents not checked. References, all from joint positions:
    arm elevation = `elevation_deg` shoulder→elbow (max − min, deg); pelvis net displacement (m, X = left,
    Z = forward); yaw = `smoothed_yaw` net change (deg); trunk pitch = rise of `trunk_pitch_deg` to its
    maximum (deg); thigh elevation = `elevation_deg` hip→knee (max − min, deg)."""
    lab = clip.label
    if lab.startswith(("raise-up", "wave")):
        sides = ["l", "r"] if lab.endswith("both-hands") else ["l"] if "-left-" in lab else ["r"]
        joint_ok, smd_ok, parts = True, True, []
        for s in sides:
            el = elevation_deg(joints, SIDE_JOINTS[s]["shoulder"], SIDE_JOINTS[s]["elbow"])
            ref = float(el.max() - el.min())
            above = _wrist_above_shoulder(joints, s)
            rise = _arm_rise(desc, s)
            joint_ok &= above > 0
            smd_ok &= rise >= ARM_RISE_FRACTION * ref
            parts.append(f"{s}: wrist−shoulder max {above:+.2f}m, elevation change {ref:.0f}°, SMD rise {rise:.0f}°")
            if lab.startswith("wave"):
                tp = _wave_turning_points(joints, s)
                joint_ok &= tp >= 4
                rep = [
                    c
                    for c in ("shoulder_rotation", "shoulder_adduction", "shoulder_flexion", "elbow_flexion")
                    if repeats(angle(desc, f"{c}_{s}"), options.delta_deg)
                ]
                smd_ok &= bool(rep)
                parts.append(f"{s}: {tp} lateral wrist turning points, SMD repeats on {rep or 'none'}")
        if len(sides) == 1:
            o = "r" if sides[0] == "l" else "l"
            el = elevation_deg(joints, SIDE_JOINTS[sides[0]]["shoulder"], SIDE_JOINTS[sides[0]]["elbow"])
            ref = float(el.max() - el.min())
            other_rise = _arm_rise(desc, o)
            other_above = _wrist_above_shoulder(joints, o) > 0
            if other_rise >= OTHER_ARM_FRACTION * ref and not other_above:
                smd_ok = False
            parts.append(f"other arm {o}: SMD rise {other_rise:.0f}°, wrist above shoulder {other_above}")
        return joint_ok, smd_ok, "; ".join(parts)
    p = joints[:, PELVIS]
    dx, dz = float(p[-1, 0] - p[0, 0]), float(p[-1, 2] - p[0, 2])
    if lab in ("walk", "run", "dash", "walk-back", "walk-left", "walk-right"):
        chan, kind, ref = {
            "walk-back": ("forward", "decreases", -dz),
            "walk-left": ("lateral", "increases", dx),
            "walk-right": ("lateral", "decreases", -dx),
        }.get(lab, ("forward", "increases", dz))
        joint_ok = ref > 0.5
        ch = trajectory(desc, chan)
        got = sum_printed(ch, kind)
        smd_ok = got >= TRAVEL_FRACTION * ref
        return joint_ok, smd_ok, f"pelvis Δx {dx:+.2f}m Δz {dz:+.2f}m; SMD {chan} {kind} total {got:.2f}m vs {ref:.2f}m"
    if lab in ("walk-turn-left", "walk-turn-right"):
        yaw = smoothed_yaw(joints, fps, stride.period_s if stride and stride.period_s else 1.0)
        ref = float(yaw[-1] - yaw[0])
        want = 1 if lab.endswith("left") else -1
        joint_ok = want * ref >= TURN_MIN_CHANGE_DEG
        heading = trajectory(desc, "heading")
        moves = [printed_change(s, "deg") for s in heading.segments if s.kind in ("increases", "decreases")]
        net = float(sum(moves))
        right_sign = any(m * want > 0 for m in moves)
        smd_ok = right_sign and abs(net - ref) <= max(TURN_SIZE_TOL[0], TURN_SIZE_TOL[1] * abs(ref))
        return joint_ok, smd_ok, f"reference yaw change {ref:+.0f}°; SMD turns {moves} (net {net:+.0f}°)"
    if lab == "bow":
        pitch = trunk_pitch_deg(joints)
        ref = float(pitch.max() - pitch[: int(np.argmax(pitch)) + 1].min())
        joint_ok = ref > BOW_MIN_PITCH_DEG
        lumbar = largest_printed_change(angle(desc, "lumbar_extension"), -1)
        hip = max(
            largest_printed_change(angle(desc, "hip_flexion_l"), +1),
            largest_printed_change(angle(desc, "hip_flexion_r"), +1),
        )
        # the trunk pitches forward at the hips and in the lumbar spine: the text must state the two together
        smd_ok = lumbar + hip >= max(BOW_MIN_SMD_DEG, BOW_SMD_FRACTION * ref)
        return joint_ok, smd_ok, f"trunk pitch forward {ref:.0f}°; SMD lumbar fall {lumbar:.0f}°, hip rise {hip:.0f}°"
    if lab == "kick":
        hi = {s: float(joints[:, SIDE_JOINTS[s]["ankle"], 1].max()) for s in ("l", "r")}
        s = max(hi, key=lambda k: hi[k])
        o = "r" if s == "l" else "l"
        knee_h = float(np.median(joints[:, SIDE_JOINTS[o]["knee"], 1]))
        joint_ok = hi[s] > knee_h
        el = elevation_deg(joints, SIDE_JOINTS[s]["hip"], SIDE_JOINTS[s]["knee"])
        ref = float(el.max() - el.min())
        rise = largest_printed_change(angle(desc, f"hip_flexion_{s}"), +1)
        smd_ok = rise >= ARM_RISE_FRACTION * ref
        return (
            joint_ok,
            smd_ok,
            (
                f"{s} ankle max {hi[s]:.2f}m vs knee {knee_h:.2f}m; thigh elevation change "
                f"{ref:.0f}°, SMD hip_flexion_{s} rise {rise:.0f}°"
            ),
        )
    return None, None, ""


def knee_oscillation_periods(desc: Any) -> list[float]:
    """Printed periods (s) of the knee_flexion_l/r oscillates lines."""
    return [printed_seconds(s.period_s) for c in ("knee_flexion_l", "knee_flexion_r")
            for s in angle(desc, c).segments if s.kind == "oscillates"]  # fmt: skip


def _s(v: float | None) -> str:
    return "none" if v is None else f"{v:.2f}s"


def run_vs_walk(analyses: Sequence[ClipAnalysis]) -> list[tuple[str, Clip, bool | None, bool | None, str]]:
    """Property 9, "run/dash vs walk of the same style": pairs (dataset, style, take). The performance matches
    when the run's reference stride period is shorter than the walk's; the SMD passes when the median printed
    knee oscillation period of the run is shorter. Returns (row label, run clip, joint_ok, smd_ok, detail)."""
    walks = {(a.clip.dataset, a.clip.style, a.clip.take): a for a in analyses
             if a.clip.source == "bandai" and a.clip.label == "walk"}  # fmt: skip
    out: list[tuple[str, Clip, bool | None, bool | None, str]] = []
    for a in analyses:
        if a.clip.source != "bandai" or a.clip.label not in RUN_CONTENTS:
            continue
        w = walks.get((a.clip.dataset, a.clip.style, a.clip.take))
        if w is None:
            continue
        rp = a.stride.period_s if a.stride else None
        wp = w.stride.period_s if w.stride else None
        joint_ok = rp is not None and wp is not None and rp < wp
        rk = float(np.median(a.knee_periods)) if a.knee_periods else None
        wk = float(np.median(w.knee_periods)) if w.knee_periods else None
        smd_ok = rk is not None and wk is not None and rk < wk
        out.append(
            (
                f"{a.clip.label} vs walk",
                a.clip,
                joint_ok,
                smd_ok,
                f"vs {w.clip.key}: reference stride {_s(rp)} vs {_s(wp)}; SMD knee period {_s(rk)} vs {_s(wk)}",
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------------
# Per clip and collection
# ---------------------------------------------------------------------------------------------------------
def analyse_clip(clip: Clip) -> ClipAnalysis:
    """Load one clip at its native rate, describe it (`SMDOptions()`; `SMDOptions(smooth_s=0)` for the raw
    series) and run every per-clip property."""
    options = SMDOptions()
    motion = load_motion(clip.path)
    joints = np.asarray(motion.joints, dtype=np.float64)
    fps = float(motion.fps)
    desc = describe(motion, options)
    raw = describe(motion, SMDOptions(smooth_s=0))
    meta = dict(getattr(motion, "meta", {}) or {})
    rig = "smpl" if clip.source == "humanml3d" else str(meta.get("rig", clip.source))
    a = ClipAnalysis(clip, rig, fps, joints.shape[0])
    a.knee_periods = knee_oscillation_periods(desc)
    if clip.family is not None or clip.label in LABELS_CHECKED:
        a.stride = stride_reference(joints, fps)
        if clip.family is not None and a.stride.period_s is None:
            a.notes.append(
                f"{clip.key} ({clip.label}, {joints.shape[0] / fps:.1f}s): no stride reference (fewer than 2 "
                f"same-foot intervals while travelling; {sum(map(len, a.stride.events.values()))} foot-offs)"
            )
    if clip.family is not None and a.stride is not None:
        a.checks += check_stride_period(clip, desc, a.stride)
    a.checks += check_raw_extremes(clip, desc, raw, options)
    a.checks += check_holds(clip, desc, raw, options)
    a.checks += check_moving_fraction(clip, desc, raw, options)
    a.checks += check_turns(clip, desc, joints, fps, a.stride)
    a.checks += check_wraps(clip, desc, raw)
    knee_rot: dict[str, FloatArray] = {}
    if clip.path.suffix.lower() == ".bvh":
        bvh_rig, series, note = bvh_differences(clip, raw, joints.shape[0])
        if note:
            a.notes.append(note)
        if bvh_rig and a.rig not in BVH_JOINTS:
            a.rig = bvh_rig
        a.bvh_diffs = {k: v for k, v in series.items() if not k.startswith("rot:")}
        knee_rot = {k[4:]: v for k, v in series.items() if k.startswith("rot:knee")}
    # property 7: neutral standing frames
    if clip.key in STANDING_CLIPS:
        still = np.ones(joints.shape[0], dtype=bool)
    else:
        still = still_frames(joints, fps)
        if knee_rot:
            still &= (knee_rot["knee_l"] < NEUTRAL_KNEE_MAX_DEG) & (knee_rot["knee_r"] < NEUTRAL_KNEE_MAX_DEG)
    if still.any():
        for name in NEUTRAL_ANGLES:
            for s in ("l", "r"):
                a.neutral[f"{name}_{s}"] = np.asarray(angle(raw, f"{name}_{s}").values[still])
    if clip.source == "bandai" and clip.label in LABELS_CHECKED:
        a.label_joint_ok, a.label_smd_ok, a.label_detail = label_check(clip, desc, joints, fps, a.stride, options)
    return a


def _bvh_checks(analyses: Sequence[ClipAnalysis]) -> tuple[list[Check], dict[str, str]]:
    """Property 6 rows from the per-clip differences: per reference (6a local rotation angle, 6b bend),
    rig and joint (knee/elbow), the rig median of (SMD raw − reference), reported, and per clip-channel
    max |diff − rig median| ≤ BVH_TOL_DEG."""
    checks: list[Check] = []
    stats: dict[str, str] = {}
    names = {"angle": "6a BVH local rotation angle", "bend": "6b BVH bend (twist removed)"}
    for kind, title in names.items():
        for rig in BVH_JOINTS:
            for joint in ("knee", "elbow"):
                row = f"{title}: {joint} ({rig})"
                items = [(a, k.split(":")[1], d) for a in analyses if a.rig == rig for k, d in a.bvh_diffs.items()
                         if k.startswith(f"{kind}:{joint}")]  # fmt: skip
                if not items:
                    continue
                med = float(np.median(np.concatenate([d for _, _, d in items])))
                devs = np.concatenate([np.abs(d - med) for _, _, d in items])
                for a, k, d in items:
                    dev = float(np.abs(d - med).max())
                    checks.append(
                        Check(
                            row,
                            a.clip.key,
                            SMD_FOR_BVH[k],
                            dev <= BVH_TOL_DEG,
                            dev,
                            f"max /diff − rig median/ {dev:.1f}°, clip median diff {float(np.median(d)):+.1f}°",
                        )
                    )
                stats[row] = (
                    f"median(diff) {med:+.1f}°, mean /diff−median/ {float(devs.mean()):.1f}°, "
                    f"max {float(devs.max()):.1f}°"
                )
    return checks, stats


def _neutral_checks(analyses: Sequence[ClipAnalysis]) -> tuple[list[Check], dict[str, str]]:
    """Property 7 rows: per rig, the median over the pooled still-standing frames of hip/knee/ankle
    (both sides pooled; per side in the detail); pass when |median| ≤ NEUTRAL_TOL_DEG."""
    checks: list[Check] = []
    stats: dict[str, str] = {}
    for rig in RIGS:
        row = f"7 neutral standing ({rig})"
        group = [a for a in analyses if a.rig == rig and a.neutral]
        if not group:
            stats[row] = "no still-standing frames found"
            continue
        n_frames = sum(len(next(iter(a.neutral.values()))) for a in group)
        meds = []
        for name in NEUTRAL_ANGLES:
            per_side = {s: np.concatenate([a.neutral[f"{name}_{s}"] for a in group]) for s in ("l", "r")}
            med = float(np.median(np.concatenate(list(per_side.values()))))
            meds.append(f"{name} {med:+.1f}°")
            checks.append(
                Check(
                    row,
                    f"{len(group)} clips",
                    name,
                    abs(med) <= NEUTRAL_TOL_DEG,
                    abs(med),
                    f"median {med:+.1f}° (l {float(np.median(per_side['l'])):+.1f}°, r "
                    f"{float(np.median(per_side['r'])):+.1f}°) over {n_frames} frames",
                )
            )
        stats[row] = f"{n_frames} frames in {len(group)} clips: " + ", ".join(meds)
    return checks, stats


def collect(
    data_dir: Path | str | None = None, limit: int | None = None, progress: Callable[[str], None] | None = None
) -> Results:
    """Run every property on every clip of `data_dir` (default `default_data_dir()`); `limit`: first N clips
    of each source. Deterministic."""
    t0 = time.perf_counter()
    clips, notes = list_clips(Path(data_dir) if data_dir else default_data_dir(), limit)
    analyses: list[ClipAnalysis] = []
    for n, clip in enumerate(clips):
        if progress:
            progress(f"[{n + 1}/{len(clips)}] {clip.key}")
        analyses.append(analyse_clip(clip))
    checks = [c for a in analyses for c in a.checks]
    notes += [n for a in analyses for n in a.notes]
    stats: dict[str, str] = {}
    c6, s6 = _bvh_checks(analyses)
    c7, s7 = _neutral_checks(analyses)
    checks += c6 + c7
    stats.update(s6)
    stats.update(s7)
    mismatched: list[tuple[str, str, str]] = []
    label_rows: list[tuple[str, Clip, bool | None, bool | None, str]] = [
        (a.clip.label, a.clip, a.label_joint_ok, a.label_smd_ok, a.label_detail)
        for a in analyses
        if a.label_joint_ok is not None
    ]
    label_rows += run_vs_walk(analyses)
    for lab, clip, joint_ok, smd_ok, detail in label_rows:
        if not joint_ok:
            mismatched.append((lab, clip.key, detail))
            continue
        checks.append(Check(f"9 label: {lab}", clip.key, lab, bool(smd_ok), 0.0 if smd_ok else 1.0, detail))
    for lab in sorted({r[0] for r in label_rows}):
        k = sum(1 for m in mismatched if m[0] == lab)
        if k:
            stats[f"9 label: {lab}"] = f"{k} clips whose performance does not match the label (not counted)"
    checked = {c.label for c in clips if c.source == "bandai"}
    skipped = sorted(checked - set(LABELS_CHECKED))
    if skipped:
        notes.append("Bandai contents without a clear kinematic signature, not label-checked: " + ", ".join(skipped))
    return Results(checks, notes, stats, mismatched, len(clips), time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------
def table(results: Results) -> str:
    """The Markdown table: property | clips/lines checked | pass | fail | worst case."""
    lines = ["| property | clips/lines checked | pass | fail | worst case |", "|---|---|---|---|---|"]
    for row in results.rows():
        cs = results.of(row)
        n_clips = len({c.clip for c in cs})
        n_pass = sum(c.passed for c in cs)
        worst, share = "", ""
        if cs:
            bad = [c for c in cs if not c.passed] or cs
            w = max(bad, key=lambda c: c.score)
            if bad is not cs or not row.startswith("9"):
                worst = f"{w.clip} {w.item}: {w.detail}"
            share = f" ({n_pass / len(cs):.0%})"
        if row in results.stats:
            worst = f"{results.stats[row]}; worst: {worst}" if worst else results.stats[row]
        checked = f"{len(cs)} in {n_clips} clips" if not row.startswith("7") else f"{len(cs)} angles"
        lines.append(f"| {row} | {checked} | {n_pass}{share} | {len(cs) - n_pass} | {_cell(worst)} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def details(results: Results) -> str:
    """Failing checks per row, performance/label mismatches and data notes, as Markdown."""
    out: list[str] = []
    for row in results.rows():
        bad = [c for c in results.of(row) if not c.passed]
        if not bad:
            continue
        out.append(f"\n### {row}: {len(bad)} failing")
        out += [f"- {c.clip} {c.item}: {c.detail}" for c in sorted(bad, key=lambda c: -c.score)]
    if results.mismatched:
        out.append(f"\n### performance does not match label ({len(results.mismatched)} clips, not counted)")
        out += [f"- {lab}: {clip}: {why}" for lab, clip, why in results.mismatched]
    return "\n".join(out)


def to_json(results: Results) -> dict[str, Any]:
    """JSON-serialisable form: rows with counts and stats, the failing checks, notes, label mismatches."""
    rows = []
    for row in results.rows():
        cs = results.of(row)
        rows.append(
            {
                "property": row,
                "checked": len(cs),
                "pass": sum(c.passed for c in cs),
                "fail": sum(not c.passed for c in cs),
                "stats": results.stats.get(row, ""),
            }
        )
    return {
        "n_clips": results.n_clips,
        "seconds": results.seconds,
        "rows": rows,
        "failing": [_finite(asdict(c)) for c in results.checks if not c.passed],
        "notes": results.notes,
        "mismatched": [{"label": a, "clip": b, "detail": c} for a, b, c in results.mismatched],
    }


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    if isinstance(d.get("score"), float) and not math.isfinite(d["score"]):
        d["score"] = None
    return d


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: print the table (and --details), write --json."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--data-dir", type=Path, default=None, help="real data folder (default $SMD_DATA_DIR or ../shared/data)"
    )
    ap.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write rows, failing checks and notes as JSON"
    )
    ap.add_argument("--details", action="store_true", help="list the failing clips/lines and data notes")
    ap.add_argument("--limit", type=int, default=None, metavar="N", help="first N clips of each source")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(list(argv) if argv is not None else None)
    data_dir = args.data_dir or default_data_dir()
    if not data_dir.is_dir():
        print(f"data folder not found: {data_dir} (set SMD_DATA_DIR or --data-dir)", file=sys.stderr)
        return 2
    res = collect(data_dir, args.limit, None if args.quiet else lambda m: print(m, file=sys.stderr, end="\r"))
    print(f"Validity of the SMD text: {res.n_clips} clips from {data_dir}, {res.seconds:.1f} s\n")
    print(table(res))
    if res.notes:
        print("\nNotes:")
        print("\n".join(f"- {n}" for n in res.notes))
    if args.details:
        print(details(res))
    if args.json:
        args.json.write_text(json.dumps(to_json(res), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
