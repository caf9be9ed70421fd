"""The 26 SMD joint angles, declared once: the table every other place derives from.

One row per angle, in the column order of `compute_angles` (the numbering of docs/angles.md): its id (written
out, so `grep knee_flexion_l` finds it), body part, display name, plain gloss of a positive change, the two
segments it relates (proximal → distal, in SMPL-22 joints), the frame it is measured in, its sign
convention, and its reference. The kernel's column numbers (`motion_smd.angle_kernel`), the renderer's order
(`TEXT_ORDER`, `BODY_PARTS`) and the table of docs/angles.md (`angle_table_markdown`, checked by a test) are
derived from it. Names follow OpenSim's gait models (Delp et al. 2007, "OpenSim: open-source software to create
and analyze dynamic simulations of movement", IEEE TBME 54:1940; Rajagopal et al. 2016, "Full-body
musculoskeletal model for muscle-driven simulation of human gait", IEEE TBME 63:2068).

This module holds data only (no NumPy, no numba), so the kernel and the public API both import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class AngleSpec:
    """One SMD angle.

    Attributes:
        id: OpenSim-style identifier, e.g. "knee_flexion_r".
        group: body-part header of the text, e.g. "Right Knee".
        name: display name, e.g. "Right Knee Flexion".
        gloss: plain-language meaning of a positive change, e.g. "bending knee".
        proximal, distal: the segments it relates, as "joint→joint" of SMPL-22 (or a frame's axis).
        frame: where it is measured ("body" = pelvis frame, "thorax", "world yaw", "segments").
        sign: the sign convention, "+ = …".
        lateral: True for the angles whose sign flips under mirroring (pelvis list/rotation, lumbar
            bending/rotation, neck lateral bending).
    """

    id: str
    group: str
    name: str
    gloss: str
    proximal: str
    distal: str
    frame: str
    sign: str
    lateral: bool = False


ANGLES: Final[tuple[AngleSpec, ...]] = (
    AngleSpec("pelvis_tilt", "Pelvis", "Pelvis Tilt", "tilting pelvis backward",
              "world up", "pelvis up axis", "heading-aligned", "+ = posterior tilt"),
    AngleSpec("pelvis_list", "Pelvis", "Pelvis List", "pelvis dropping toward the left",
              "world up", "pelvis up axis", "heading-aligned", "+ = pelvis drops toward the left", lateral=True),
    AngleSpec("pelvis_rotation", "Pelvis", "Pelvis Rotation", "turning body to the left",
              "hip line in frame 0", "hip line", "world yaw", "+ = turned left", lateral=True),
    AngleSpec("hip_flexion_r", "Right Hip", "Right Hip Flexion", "swinging thigh forward",
              "pelvis", "right_hip→right_knee", "body", "+ = thigh forward (flexion)"),
    AngleSpec("hip_adduction_r", "Right Hip", "Right Hip Adduction", "moving thigh toward the midline",
              "pelvis", "right_hip→right_knee", "body", "+ = toward the midline"),
    AngleSpec("hip_rotation_r", "Right Hip", "Right Hip Rotation", "turning thigh inward",
              "right_hip→right_knee", "right_knee→right_ankle", "segments", "+ = internal; undefined, knee straight"),
    AngleSpec("knee_flexion_r", "Right Knee", "Right Knee Flexion", "bending knee",
              "right_hip→right_knee", "right_knee→right_ankle", "segments", "+ = flexion, 0 = neutral stance"),
    AngleSpec("ankle_dorsiflexion_r", "Right Ankle", "Right Ankle Dorsiflexion", "lifting toes toward shin",
              "right_knee→right_ankle", "right_ankle→right_foot", "segments", "+ = dorsiflexion, 0 = neutral"),
    AngleSpec("hip_flexion_l", "Left Hip", "Left Hip Flexion", "swinging thigh forward",
              "pelvis", "left_hip→left_knee", "body", "+ = thigh forward (flexion)"),
    AngleSpec("hip_adduction_l", "Left Hip", "Left Hip Adduction", "moving thigh toward the midline",
              "pelvis", "left_hip→left_knee", "body", "+ = toward the midline"),
    AngleSpec("hip_rotation_l", "Left Hip", "Left Hip Rotation", "turning thigh inward",
              "left_hip→left_knee", "left_knee→left_ankle", "segments", "+ = internal; undefined, knee straight"),
    AngleSpec("knee_flexion_l", "Left Knee", "Left Knee Flexion", "bending knee",
              "left_hip→left_knee", "left_knee→left_ankle", "segments", "+ = flexion, 0 = neutral stance"),
    AngleSpec("ankle_dorsiflexion_l", "Left Ankle", "Left Ankle Dorsiflexion", "lifting toes toward shin",
              "left_knee→left_ankle", "left_ankle→left_foot", "segments", "+ = dorsiflexion, 0 = neutral"),
    AngleSpec("lumbar_extension", "Trunk", "Lumbar Extension", "leaning trunk backward",
              "pelvis", "pelvis→neck", "body", "+ = leaning back (extension)"),
    AngleSpec("lumbar_bending", "Trunk", "Lumbar Bending", "bending trunk to the right",
              "pelvis", "pelvis→neck", "body", "+ = toward the right", lateral=True),
    AngleSpec("lumbar_rotation", "Trunk", "Lumbar Rotation", "twisting shoulders to the left",
              "left_hip→right_hip", "left_shoulder→right_shoulder", "about the trunk", "+ = shoulders to the left",
              lateral=True),
    AngleSpec("shoulder_flexion_r", "Right Shoulder", "Right Shoulder Flexion", "raising arm forward",
              "thorax", "right_shoulder→right_elbow", "thorax", "0 = hanging, 90 = forward, 180 = overhead"),
    AngleSpec("shoulder_adduction_r", "Right Shoulder", "Right Shoulder Adduction",
              "bringing arm toward the body; negative = raising arm sideways",
              "thorax", "right_shoulder→right_elbow", "thorax", "+ = adduction, − = abduction"),
    AngleSpec("shoulder_rotation_r", "Right Shoulder", "Right Shoulder Rotation", "turning arm inward",
              "right_shoulder→right_elbow", "right_elbow→right_wrist", "segments",
              "+ = internal; undefined, elbow straight"),
    AngleSpec("shoulder_flexion_l", "Left Shoulder", "Left Shoulder Flexion", "raising arm forward",
              "thorax", "left_shoulder→left_elbow", "thorax", "0 = hanging, 90 = forward, 180 = overhead"),
    AngleSpec("shoulder_adduction_l", "Left Shoulder", "Left Shoulder Adduction",
              "bringing arm toward the body; negative = raising arm sideways",
              "thorax", "left_shoulder→left_elbow", "thorax", "+ = adduction, − = abduction"),
    AngleSpec("shoulder_rotation_l", "Left Shoulder", "Left Shoulder Rotation", "turning arm inward",
              "left_shoulder→left_elbow", "left_elbow→left_wrist", "segments",
              "+ = internal; undefined, elbow straight"),
    AngleSpec("elbow_flexion_r", "Right Elbow", "Right Elbow Flexion", "bending elbow",
              "right_shoulder→right_elbow", "right_elbow→right_wrist", "segments", "+ = flexion, 0 = straight"),
    AngleSpec("elbow_flexion_l", "Left Elbow", "Left Elbow Flexion", "bending elbow",
              "left_shoulder→left_elbow", "left_elbow→left_wrist", "segments", "+ = flexion, 0 = straight"),
    AngleSpec("neck_flexion", "Neck", "Neck Flexion", "tilting head forward",
              "thorax", "neck→head", "thorax", "+ = head forward (flexion)"),
    AngleSpec("neck_lateral_bending", "Neck", "Neck Lateral Bending", "tilting head to the right",
              "thorax", "neck→head", "thorax", "+ = toward the right", lateral=True),
)  # fmt: skip
"""The 26 angles in column order (the numbering of docs/angles.md)."""

ANGLE_IDS: Final[tuple[str, ...]] = tuple(a.id for a in ANGLES)
ANGLE_INDEX: Final[dict[str, int]] = {a: i for i, a in enumerate(ANGLE_IDS)}

BODY_PARTS: Final[tuple[str, ...]] = (
    "Pelvis",
    "Right Hip",
    "Left Hip",
    "Right Knee",
    "Left Knee",
    "Right Ankle",
    "Left Ankle",
    "Trunk",
    "Neck",
    "Right Shoulder",
    "Left Shoulder",
    "Right Elbow",
    "Left Elbow",
)
"""The 13 body-part headers in the fixed order of the SMD text."""

TEXT_ORDER: Final[tuple[int, ...]] = tuple(i for part in BODY_PARTS for i, a in enumerate(ANGLES) if a.group == part)
"""Column indices of `ANGLES` in the order the SMD text lists them (body part, then numbering)."""

POLE_HOLD_DEG: Final[float] = 30.0
"""A limb within this angle of the left-right axis has no well-defined sagittal angle or axial rotation."""

ROTATION_MIN_FLEXION_DEG: Final[float] = 15.0
"""Hip/shoulder rotation is defined only where the knee/elbow is flexed more than this beyond its neutral."""

EPS: Final[float] = 1e-9
"""Shortest vector (metres) treated as having a direction."""


def angle_table_markdown() -> str:
    """The table of docs/angles.md, derived from `ANGLES` (a test checks that the docs hold it)."""
    rows = [
        "| # | id | body part | name (gloss) | proximal → distal | frame | sign |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, a in enumerate(ANGLES, start=1):
        rows.append(
            f"| {i} | `{a.id}` | {a.group} | {a.name} ({a.gloss}) | {a.proximal} → {a.distal} | {a.frame} | {a.sign} |"
        )
    return "\n".join(rows)
