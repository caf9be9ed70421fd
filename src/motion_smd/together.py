"""Several people on one timeline (issue #16, item 3): one SMD per person and an interaction section.

The people's motions share one world frame: motion files recorded in one capture volume (read without
canonicalising, `smd describe A B --together`), or clips placed into one scene (`place`, `--place X,Z,YAW`).
Each person is described on their own (their own canonical frame: the text of a person alone), under a
`[Person k] <source>` header; the `Interaction:` section then follows the pairs over time in the shared frame
(metres, Y up), as segment lines like any channel:

- distance: horizontal pelvis-to-pelvis distance;
- facing: for each person, the angle between their facing (`trajectory.body_facing_yaw_rad`: hips and
  shoulders, without the gait's swing, as the heading) and the direction to the other, 0° = facing them,
  180° = back turned;
- approach: for each person, the distance they walked toward the other (their pelvis velocity along the line
  to the other, integrated), so who closes the distance is told apart from who stands;
- contact range: the stretches where any joint of one comes within CONTACT_M of any joint of the other, with
  the closest pair.

All motions are resampled to the first one's frame rate and cut to the shortest duration (the header says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motion_smd.describer import describe, describe_series
from motion_smd.description import TrajectorySummary, Unit
from motion_smd.errors import ConfigError
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions
from motion_smd.render import channel_lines, render_smd
from motion_smd.skeleton import PELVIS, SMPL22_JOINTS
from motion_smd.trajectory import body_facing_yaw_rad

FloatArray = NDArray[np.float64]

CONTACT_M = 0.15
"""Two people are in contact range when some joint of one is within this distance of some joint of the other."""


@dataclass(frozen=True)
class Placement:
    """Where a clip is put in the shared scene: its frame-0 pelvis at (x_m, z_m) on the floor, turned by
    yaw_deg about the vertical (+ = to the left, counter-clockwise seen from above), after canonicalising."""

    x_m: float = 0.0
    z_m: float = 0.0
    yaw_deg: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Placement:
        """From "X,Z,YAW" (metres, metres, degrees).

        Raises:
            ConfigError: not three numbers.
        """
        try:
            x, z, yaw = (float(v) for v in text.split(","))
        except ValueError:
            raise ConfigError(f"--place {text!r}: expected X,Z,YAW (metres, metres, degrees), e.g. 0,6,180.") from None
        return cls(x, z, yaw)


def place(motion: Motion, placement: Placement) -> Motion:
    """The canonical motion moved into the scene: turned by yaw about Y, then translated on the floor."""
    m = motion.canonicalize()
    yaw = np.radians(placement.yaw_deg)
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])  # about +Y, counter-clockwise from above
    joints = np.asarray(m.joints) @ rot.T + np.array([placement.x_m, 0.0, placement.z_m])
    return Motion(joints, m.fps, source=m.source, meta=dict(m.meta))


def _common_timeline(motions: Sequence[Motion]) -> tuple[list[Motion], str]:
    """Every motion at the first one's frame rate, cut to the shortest; and a note of what was done."""
    fps = motions[0].fps
    same = [m if abs(m.fps - fps) < 1e-9 else m.resample(fps) for m in motions]
    n = min(m.n_frames for m in same)
    note = f"{len(motions)} people, {n} frames at {fps:g} fps"
    if any(m.n_frames != n for m in same):
        note += f" (cut to the shortest: {n / fps:.1f}s)"
    return [Motion(np.asarray(m.joints)[:n], fps, source=m.source, meta=dict(m.meta)) for m in same], note


def interaction_series(a: FloatArray, b: FloatArray, fps: float) -> dict[str, FloatArray]:
    """The interaction channels of two people (module docstring).

    Args:
        a, b: (T, 22, 3) joints in the shared frame, metres, Y up.
        fps: frame rate.

    Returns:
        "distance" (T,) m; "facing_ab", "facing_ba" (T,) degrees in [0, 180]; "approach_ab", "approach_ba" (T,) m
        (cumulative, 0 at frame 0; `distance_and_approach`).
    """
    out = distance_and_approach(a[:, PELVIS, [0, 2]], b[:, PELVIS, [0, 2]])  # horizontal
    toward = out.pop("toward")
    for key, joints, u in (("ab", a, toward), ("ba", b, -toward)):
        yaw = body_facing_yaw_rad(joints, fps)
        facing = np.stack([np.sin(yaw), np.cos(yaw)], axis=1)  # (x, z) of the facing at yaw (0 = +Z)
        cos = np.clip((facing * u).sum(axis=1), -1.0, 1.0)
        out[f"facing_{key}"] = np.degrees(np.arccos(cos))
    return out


def distance_and_approach(pa: FloatArray, pb: FloatArray) -> dict[str, FloatArray]:
    """Two people's distance and approaches from their positions in one plane.

    Args:
        pa, pb: (T, 2) positions of each person's reference point (pelvis on the floor plane, or hip midpoint in
            the image plane), metres; NaN steps count as no movement.

    Returns:
        "distance" (T,) m; "approach_ab", "approach_ba" (T,) m: each one's steps along the line to the other,
        summed (0 at frame 0); "toward" (T, 2): the unit vector from a to b.
    """
    d = pb - pa
    dist = np.linalg.norm(d, axis=1)
    u = d / np.maximum(dist, 1e-9)[:, None]
    out = {"distance": dist, "toward": u}
    for key, pos, toward in (("ab", pa, u), ("ba", pb, -u)):
        along = np.nan_to_num((np.diff(pos, axis=0) * toward[:-1]).sum(axis=1))
        out[f"approach_{key}"] = np.concatenate([[0.0], np.cumsum(along)])
    return out


def _contact_lines(a: FloatArray, b: FloatArray, fps: float, names: tuple[str, str]) -> list[str]:
    """ "contact range …" lines for the stretches where the closest joints are within CONTACT_M."""
    from motion_smd.render import fmt_s
    from motion_smd.smoothing import runs

    dists = np.linalg.norm(a[:, :, None, :] - b[:, None, :, :], axis=3)  # (T, 22, 22)
    near = dists.min(axis=(1, 2)) < CONTACT_M
    lines = []
    for s, e in runs(near):
        t = s + int(np.argmin(dists[s:e].min(axis=(1, 2))))
        i, j = np.unravel_index(int(np.argmin(dists[t])), dists[t].shape)
        lines.append(
            f"contact range: {SMPL22_JOINTS[i].replace('_', ' ')} of {names[0]} – {SMPL22_JOINTS[j].replace('_', ' ')} "
            f"of {names[1]}, closest {dists[t, i, j]:.2f}m [{fmt_s(s / fps)}–{fmt_s((e - 1) / fps)}]"
        )
    return lines or [f"contact range: never (no joints within {CONTACT_M:.2f}m)"]


def describe_together(motions: Sequence[Motion], options: SMDOptions | None = None) -> str:
    """The text of several people on one timeline (module docstring).

    Args:
        motions: 2 or more motions in one shared world frame (metres, Y up; not canonicalised separately).
        options: describer options for every person and the interaction channels.

    Raises:
        ConfigError: fewer than two motions.
    """
    if len(motions) < 2:
        raise ConfigError("--together needs at least two motions (one per person).")
    opts = options or SMDOptions()
    people, note = _common_timeline(motions)
    fps = people[0].fps
    floor = min(float(np.asarray(m.joints)[..., 1].min()) for m in people)
    lines = [f"People: {note}; shared frame: metres, Y up, floor at the lowest joint of anyone"]
    for k, m in enumerate(people, start=1):
        lines += [f"[Person {k}] {m.source or ''}".rstrip(), render_smd(describe(m.canonicalize(), opts))]
    lines.append("Interaction:")
    shared = [np.asarray(m.joints) - np.array([0.0, floor, 0.0]) for m in people]
    for i in range(len(people)):
        for j in range(i + 1, len(people)):
            lines += _pair_lines(shared[i], shared[j], fps, (f"Person {i + 1}", f"Person {j + 1}"), opts)
    return "\n".join(lines)


def _pair_lines(a: FloatArray, b: FloatArray, fps: float, names: tuple[str, str], opts: SMDOptions) -> list[str]:
    """The interaction lines of one pair: each channel as segment lines, then the contact range."""
    s = interaction_series(a, b, fps)
    p, q = names
    labels: list[tuple[str, str, str, str, Unit]] = [
        ("distance", "Interaction", f"Distance {p}–{q} (pelvis to pelvis, horizontal)", "moving apart", "m"),
        ("facing_ab", "Interaction", f"{p} Facing {q} (0° = facing them, 180° = back turned)", "turning away", "deg"),
        ("facing_ba", "Interaction", f"{q} Facing {p} (0° = facing them, 180° = back turned)", "turning away", "deg"),
        ("approach_ab", "Interaction", f"{p} Approach to {q} (distance walked toward them)", "walking toward", "m"),
        ("approach_ba", "Interaction", f"{q} Approach to {p} (distance walked toward them)", "walking toward", "m"),
    ]
    return [*series_lines(s, labels, fps, opts), *_contact_lines(a, b, fps, names)]


def series_lines(
    series: dict[str, FloatArray], labels: Sequence[tuple[str, str, str, str, Unit]], fps: float, opts: SMDOptions
) -> list[str]:
    """Each labelled (T,) series of `series` (keyed by the label's id) as "<name>:" and its segment lines,
    segmented like trajectory channels (δ = `delta_m` for metres, `delta_heading_deg` for degrees)."""
    raw = np.column_stack([series[label[0]] for label in labels])
    summary = TrajectorySummary(0.0, 0.0, 0.0, 0.0, 0.0, False)
    desc = describe_series(raw, labels, 0, fps, opts, summary, None)
    out = []
    for ch in desc.trajectory:
        out.append(f"{ch.name}:")
        out.extend(channel_lines(ch))
    return out
