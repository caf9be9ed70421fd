"""`smd edit`: speed, mirror, repeat, trim, reverse and joint scaling of one motion, each step checked.

Steps run in the order trim → reverse → mirror → scale-joint → speed → repeat. BVH input is edited in
rotation space (`motion_smd.library.rig`) and written back as BVH with its own skeleton; joint input
(.npy) is edited on positions, and `scale-joint`, which needs rotations, is refused for it.

The closed-loop check describes each step's input and output and compares what their SMDs say:
- trim A:B: the output lasts B − A seconds (± one frame);
- reverse: the displacement reversed (forward and lateral change as `_expected_changes` derives them from the
  input's) and the heading change negated, ± 0.05 m (5°) + CHANGE_SLACK relative;
- mirror: every left angle's range equals its right partner's range in the input (± MIRROR_TOLERANCE_DEG
  median over the pairs), lateral displacement and heading change negated;
- scale-joint ANGLE=F: the angle's range of motion is F times the input's (± SCALE_TOLERANCE relative);
- speed S: the output lasts 1/S of the input (± one frame and 2 %), and a travelling motion's mean speed is
  S times the input's (± SPEED_TOLERANCE);
- repeat N: the output lasts N times the input (± N frames), and every seam's root jump is under 1 cm
  (`seams.root_jump_cm`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.angle_table import ANGLE_INDEX, ANGLES
from motion_smd.describer import describe
from motion_smd.description import Description
from motion_smd.errors import ConfigError
from motion_smd.io.bvh import BvhData
from motion_smd.library import rig as rigops
from motion_smd.library.check import Verdict, verdict_line
from motion_smd.library.features import channel_change
from motion_smd.library.seams import root_jump_cm
from motion_smd.library.source import SourceClip, pose_joints
from motion_smd.motion import Motion, window_frames

FloatArray = NDArray[np.float64]
CHANGE_SLACK = 0.1
MIRROR_TOLERANCE_DEG = 3.0
SCALE_TOLERANCE = 0.25
SPEED_TOLERANCE = 0.15
ROOT_JUMP_MAX_CM = 1.0
_SIDE_WORDS = {"left": "l", "right": "r"}


@dataclass(frozen=True)
class EditStep:
    """One requested step: `op` (trim, reverse, mirror, scale-joint, speed, repeat) and its argument."""

    op: str
    value: Any = None


@dataclass(frozen=True)
class StepCheck(Verdict):
    """The verdict on one step: what the SMDs of its input and output show, and the reasons it fails."""

    step: str
    measured: str
    reasons: tuple[str, ...]

    def line(self) -> str:
        """One line (`check.verdict_line`): the step, the measurement and the reasons."""
        return verdict_line(self.step, self.measured, self.reasons)


def angle_id(name: str) -> str:
    """An angle id from either spelling: "knee_flexion_r" or "right_knee_flexion".

    Raises:
        ConfigError: an unknown angle (the message lists the ids).
    """
    key = name.strip().lower()
    parts = key.split("_", 1)
    if parts[0] in _SIDE_WORDS and len(parts) == 2:
        key = f"{parts[1]}_{_SIDE_WORDS[parts[0]]}"
    if key not in ANGLE_INDEX:
        raise ConfigError(f"unknown angle {name!r}; use one of: {', '.join(ANGLE_INDEX)}.")
    return key


def driving_joint(angle: str) -> str:
    """The SMPL joint whose local rotation drives an angle: the proximal end of the angle's distal segment
    (knee_flexion_r → right_knee, shoulder_flexion_l → left_shoulder).

    Raises:
        ConfigError: angles of the pelvis and trunk, which no single limb joint drives.
    """
    spec = ANGLES[ANGLE_INDEX[angle]]
    joint = spec.distal.split("→")[0] if "→" in spec.distal else ""
    if not joint or joint == "pelvis":
        raise ConfigError(
            f"--scale-joint {angle}: no single joint drives it; scale a hip, knee, ankle, shoulder, elbow or neck "
            "angle."
        )
    return joint


def parse_steps(
    *, trim: str | None, reverse: bool, mirror: bool, scale_joint: list[str], speed: float | None, repeat: int | None
) -> list[EditStep]:
    """The requested steps in their fixed order.

    Raises:
        ConfigError: a malformed trim ("A:B" seconds), scale ("ANGLE=F"), speed or repeat, or no step at all.
    """
    steps = []
    if trim is not None:
        a, sep, b = trim.partition(":")
        try:
            start, end = float(a or 0.0), float(b) if b else float("inf")
        except ValueError:
            raise ConfigError(f"--trim {trim!r}: write START:END in seconds, e.g. 1.0:4.0.") from None
        if not sep or end <= start:
            raise ConfigError(f"--trim {trim!r}: write START:END in seconds with END > START, e.g. 1.0:4.0.")
        steps.append(EditStep("trim", (start, end)))
    if reverse:
        steps.append(EditStep("reverse"))
    if mirror:
        steps.append(EditStep("mirror"))
    for item in scale_joint:
        name, sep, factor = item.partition("=")
        try:
            value = float(factor)
        except ValueError:
            value = float("nan")
        if not sep or not (np.isfinite(value) and value > 0):
            raise ConfigError(f"--scale-joint {item!r}: write ANGLE=FACTOR, e.g. right_knee_flexion=1.3.")
        steps.append(EditStep("scale-joint", (angle_id(name), value)))
    if speed is not None:
        if not (np.isfinite(speed) and speed > 0):
            raise ConfigError(f"--speed {speed}: give a positive factor (0.5 = half speed).")
        steps.append(EditStep("speed", float(speed)))
    if repeat is not None:
        if repeat < 1:
            raise ConfigError(f"--repeat {repeat}: give 1 or more.")
        steps.append(EditStep("repeat", int(repeat)))
    if not steps:
        raise ConfigError("no edit given: use --speed, --mirror, --repeat, --trim, --reverse or --scale-joint.")
    return steps


def _with(clip: SourceClip, joints: FloatArray, pose: rigops.RigPose | None) -> SourceClip:
    if pose is not None and clip.rig is not None:
        joints = pose_joints(pose, clip.rig, clip.scale_m)
    return replace(clip, joints=joints, pose=pose)


def apply_step(clip: SourceClip, step: EditStep) -> SourceClip:
    """One edit step (module docstring) on an opened motion.

    Raises:
        ConfigError: scale-joint on joint-only input, or a trim outside the motion.
    """
    j, pose, fps = clip.joints, clip.pose, clip.fps
    if step.op == "trim":
        a, b = window_frames(step.value[0], step.value[1], fps, clip.n_frames)
        if b - a < 2:
            raise ConfigError(f"{clip.path}: --trim {step.value[0]:g}:{step.value[1]:g} leaves fewer than 2 frames.")
        return _with(clip, j[a:b], pose.frames(slice(a, b)) if pose else None)
    if step.op == "reverse":
        return _with(clip, j[::-1].copy(), pose.frames(slice(None, None, -1)) if pose else None)
    if step.op == "mirror":
        mirrored = np.array(Motion(j, fps).mirrored().joints)
        return _with(clip, mirrored, rigops.mirrored(pose) if pose else None)
    if step.op == "scale-joint":
        angle, factor = step.value
        if pose is None:
            raise ConfigError(
                f"{clip.path}: has joint positions only; --scale-joint scales a joint's rotation and needs a BVH file."
            )
        return _with(clip, j, rigops.scaled_joint(pose, clip.rig_joint(driving_joint(angle)), factor))
    if step.op == "speed":
        return _with(clip, *clip.played(0, clip.n_frames, step.value))
    if step.op == "repeat":
        from motion_smd.library.compose import stitch_parts

        n = int(step.value)
        world, bvh, _, _ = stitch_parts([clip] * n, [(0, clip.n_frames)] * n, [1.0] * n, fps)
        new_pose = rigops.RigPose.from_bvh(bvh) if bvh is not None else None
        return replace(clip, joints=world, pose=new_pose)
    raise ConfigError(f"unknown edit {step.op!r}.")


def _describe(clip: SourceClip) -> Description:
    return describe(clip.motion())


def _expected_changes(d0: Description, op: str) -> dict[str, float]:
    """What the output's trajectory changes must be, from the input's.

    mirror: lateral and heading negated (the facing frame is mirrored with the body).
    reverse: the displacement −d, stated in the reversed clip's initial facing, which is the input's final
    facing, turned by the input's heading change Δ: forward' = −(f cos Δ + l sin Δ), lateral' = f sin Δ − l cos Δ
    (f, l: the input's forward and lateral change; + = left); heading −Δ.
    """
    f, lat, h = (channel_change(d0, n) for n in ("forward", "lateral", "heading"))
    if op == "mirror":
        return {"lateral": -lat, "heading": -h}
    c, s = np.cos(np.radians(h)), np.sin(np.radians(h))
    return {"forward": -(f * c + lat * s), "lateral": f * s - lat * c, "heading": -h}


def check_step(step: EditStep, before: SourceClip, after: SourceClip) -> StepCheck:
    """Compare the SMDs of one step's input and output (rules in the module docstring)."""
    d0, d1 = _describe(before), _describe(after)
    frame = 1.0 / before.fps
    reasons: list[str] = []
    label = step.op if step.value is None else f"{step.op} {step.value}"
    if step.op == "trim":
        a, b = step.value
        want = min(b, before.n_frames / before.fps) - a
        measured = f"lasts {d1.duration_s:.2f} s"
        if abs(d1.duration_s - want) > 2 * frame:
            reasons.append(f"not {want:.2f} s")
    elif step.op in ("reverse", "mirror"):
        measured_parts = []
        for name, want in _expected_changes(d0, step.op).items():
            got = channel_change(d1, name)
            measured_parts.append(f"{name} {channel_change(d0, name):+.2f} → {got:+.2f}")
            slack = 5.0 if name == "heading" else 0.05
            if abs(got - want) > slack + CHANGE_SLACK * abs(want):
                reasons.append(f"{name} {got:+.2f} is not the expected {want:+.2f}")
        if step.op == "mirror":
            diffs = []
            for spec in ANGLES:
                if spec.id.endswith(("_r", "_l")):
                    other = spec.id[:-1] + ("l" if spec.id.endswith("r") else "r")
                    r0, r1 = d0.angle(other).range_value, d1.angle(spec.id).range_value
                    if np.isfinite(r0) and np.isfinite(r1):
                        diffs.append(abs(r1 - r0))
            median = float(np.median(diffs)) if diffs else 0.0
            measured_parts.append(f"left/right ranges swapped within {median:.1f}° (median)")
            if median > MIRROR_TOLERANCE_DEG:
                reasons.append(f"swapped ranges differ by {median:.1f}° (median) > {MIRROR_TOLERANCE_DEG}°")
        measured = ", ".join(measured_parts)
    elif step.op == "scale-joint":
        angle, factor = step.value
        r0, r1 = d0.angle(angle).range_value, d1.angle(angle).range_value
        ratio = r1 / r0 if r0 > 1e-9 else float("nan")
        measured = f"{angle} range {r0:.1f}° → {r1:.1f}° (× {ratio:.2f})"
        if not (np.isfinite(ratio) and abs(ratio - factor) <= SCALE_TOLERANCE * factor):
            reasons.append(f"not × {factor:g} ± {SCALE_TOLERANCE:.0%}")
    elif step.op == "speed":
        want = d0.duration_s / step.value
        measured = f"lasts {d0.duration_s:.2f} → {d1.duration_s:.2f} s"
        if abs(d1.duration_s - want) > frame + 0.02 * want:
            reasons.append(f"not {want:.2f} s")
        if d0.summary.travels:
            v0, v1 = d0.summary.mean_speed_m_s, d1.summary.mean_speed_m_s
            measured += f", mean speed {v0:.2f} → {v1:.2f} m/s"
            if abs(v1 - step.value * v0) > SPEED_TOLERANCE * step.value * v0:
                reasons.append(f"speed not × {step.value:g} ± {SPEED_TOLERANCE:.0%}")
    else:  # repeat
        n = int(step.value)
        want = n * d0.duration_s
        seams = [k * before.n_frames for k in range(1, n)]
        jumps = [root_jump_cm(after.joints, s) for s in seams]
        measured = f"lasts {d0.duration_s:.2f} → {d1.duration_s:.2f} s, root jumps {max(jumps, default=0.0):.2f} cm max"
        if abs(d1.duration_s - want) > n * frame:
            reasons.append(f"not {want:.2f} s")
        if jumps and max(jumps) >= ROOT_JUMP_MAX_CM:
            reasons.append(f"a root jump of {max(jumps):.2f} cm at a seam")
    return StepCheck(label, measured, tuple(reasons))


def edit(clip: SourceClip, steps: list[EditStep]) -> tuple[SourceClip, list[StepCheck]]:
    """Apply the steps in order, checking each (module docstring). Returns the edited clip and the checks."""
    checks = []
    for step in steps:
        after = apply_step(clip, step)
        checks.append(check_step(step, clip, after))
        clip = after
    return clip, checks


def edited_bvh(clip: SourceClip) -> BvhData | None:
    """The edited clip's BVH channels (None for joint-only input)."""
    return clip.pose.to_bvh(1.0 / clip.fps) if clip.pose is not None else None
