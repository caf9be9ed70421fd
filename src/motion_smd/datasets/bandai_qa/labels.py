"""bandai-qa clip labels: what a Bandai-Namco content name says (action, direction, body part), the check
that a clip moves that way, and the list of usable clips of the manifest (docs/datasets.md, step 1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.geometry import facing_yaw_rad
from motion_smd.motion import Motion
from motion_smd.skeleton import L_WRIST, PELVIS, R_WRIST

ACTIONS = ("walk", "run", "turn", "wave", "raise hand", "bow")
BODY_PARTS = ("left hand", "right hand", "both hands")
DIRECTIONS = ("forward", "backward", "left", "right")
VOCAB = {"query_action": ACTIONS, "query_body_part": BODY_PARTS, "query_direction": DIRECTIONS}


@dataclass(frozen=True)
class ClipLabel:
    """What a clip's content name says: action, and direction / body part where the name gives one."""

    action: str
    direction: str | None = None
    body_part: str | None = None


CONTENT_LABELS: dict[str, ClipLabel] = {
    "walk": ClipLabel("walk", "forward"),
    "walk-back": ClipLabel("walk", "backward"),
    "walk-left": ClipLabel("walk", "left"),
    "walk-right": ClipLabel("walk", "right"),
    "walk-turn-left": ClipLabel("turn", "left"),
    "walk-turn-right": ClipLabel("turn", "right"),
    "run": ClipLabel("run", "forward"),
    "dash": ClipLabel("run", "forward"),
    "bow": ClipLabel("bow"),
    "wave-both-hands": ClipLabel("wave", body_part="both hands"),
    "wave-left-hand": ClipLabel("wave", body_part="left hand"),
    "wave-right-hand": ClipLabel("wave", body_part="right hand"),
    "raise-up-both-hands": ClipLabel("raise hand", body_part="both hands"),
    "raise-up-left-hand": ClipLabel("raise hand", body_part="left hand"),
    "raise-up-right-hand": ClipLabel("raise hand", body_part="right hand"),
}
"""Bandai-Namco content name → label. Contents not listed are not used."""


def mirrored_content(content: str) -> str:
    """The content name of a clip's left-right mirror image: the words "left" and "right" of the hyphenated name
    swapped ("walk-turn-left" → "walk-turn-right", "wave-left-hand" → "wave-right-hand"; "walk" unchanged).

    The mirrored clip's label is then read from `CONTENT_LABELS` under that name, so the label of a mirrored clip
    comes from the same table as every other label (and is checked against its motion by `check_clip`).
    """
    swap = {"left": "right", "right": "left"}
    return "-".join(swap.get(w, w) for w in content.split("-"))


# label checks (see check_clip); metres and degrees
MIN_TRAVEL_M = 1.0
MIN_SIDE_M = 0.8
MIN_TURN_DEG = 45.0
MIN_WRIST_RISE_M = 0.25


def facing_deg(joints: NDArray[np.float64]) -> NDArray[np.float64]:
    """Facing direction per frame, degrees about +Y, 0 = +Z, positive toward +X (the subject's left).

    Args:
        joints: (T, 22, 3) float, metres, Y up.

    Returns:
        (T,) float64 degrees, unwrapped over time (so a 270° turn reads 270, not −90).

    Source: `motion_smd.geometry.facing_yaw_rad` (as in HumanML3D / Motion.canonicalize), unwrapped.
    """
    return np.asarray(np.degrees(np.unwrap(facing_yaw_rad(joints))), dtype=np.float64)


def check_clip(motion: Motion, label: ClipLabel) -> str | None:
    """Check that a canonical clip moves the way its label says.

    Args:
        motion: canonical clip (facing +Z at frame 0, the subject's left = +X).
        label: its label.

    Returns:
        None when consistent, else a one-line reason.

    Rules: forward = pelvis displacement z ≥ MIN_TRAVEL_M and > |x|; backward = z ≤ −MIN_TRAVEL_M;
    left/right (walk) = x ≥ MIN_SIDE_M / x ≤ −MIN_SIDE_M; turn left/right = final heading ≥ +MIN_TURN_DEG /
    ≤ −MIN_TURN_DEG; hands = each named wrist rises ≥ MIN_WRIST_RISE_M above its first-frame height and an
    unnamed wrist rises less than half the smallest named rise.
    """
    j = motion.joints
    d = j[-1, PELVIS] - j[0, PELVIS]
    dx, dz = float(d[0]), float(d[2])
    if label.action == "turn":
        heading = float(facing_deg(j)[-1])
        ok = heading >= MIN_TURN_DEG if label.direction == "left" else heading <= -MIN_TURN_DEG
        return None if ok else f"turn {label.direction} but the heading changes {heading:+.0f}°"
    if label.direction == "forward" and not (dz >= MIN_TRAVEL_M and dz > abs(dx)):
        return f"forward but the pelvis moves x {dx:+.2f} m, z {dz:+.2f} m"
    if label.direction == "backward" and not dz <= -MIN_TRAVEL_M:
        return f"backward but the pelvis moves z {dz:+.2f} m"
    if label.direction == "left" and not dx >= MIN_SIDE_M:
        return f"left but the pelvis moves x {dx:+.2f} m (left = +x)"
    if label.direction == "right" and not dx <= -MIN_SIDE_M:
        return f"right but the pelvis moves x {dx:+.2f} m (left = +x)"
    if label.body_part is not None:
        rise = {
            "left": float(j[:, L_WRIST, 1].max() - j[0, L_WRIST, 1]),
            "right": float(j[:, R_WRIST, 1].max() - j[0, R_WRIST, 1]),
        }
        named = ["left", "right"] if label.body_part == "both hands" else [label.body_part.split()[0]]
        low = min(rise[s] for s in named)
        others = [rise[s] for s in rise if s not in named]
        if low < MIN_WRIST_RISE_M or any(o >= 0.5 * low for o in others):
            return f"{label.body_part} but the wrists rise left {rise['left']:.2f} m, right {rise['right']:.2f} m"
    return None
