"""Label-grounded checks of SMD on real motion capture, and a gait-cycle table of one walk clip.

Reads every Bandai-Namco (314) and CMU (26) BVH clip in $SMD_DATA_DIR (default ../shared/data), describes
it, and checks that the angles and segments agree with the clip's label:

- every clip: loads, canonical (floor at 0, pelvis XZ at 0 and facing +Z at frame 0), finite angles in
  every frame, pelvis height 0.8–1.15 m in the frames where the subject stands (both knees < 25°, both
  hips within ±25° of flexion);
- raise-up-right-hand: right shoulder flexion/abduction range larger than the left's;
- wave-left-hand: the left elbow flexes and extends at least twice (≥ 2 peaks), more often than the right;
- walk: hip-flexion cycles (≥ 2 peaks) in both legs, alternating (negative correlation of the two hip
  flexion series), forward displacement > 1 m;
- walk-turn-left / walk-turn-right: heading turns > 45° the named way;
- walk-back (set 1): ends > 1 m behind the start, relative to the initial facing;
- walk-left / walk-right (set 1): ends > 0.5 m toward the named side (+X = left);
- CMU walk trials travel (> 1 m); the CMU jump trial shows vertical pelvis oscillation (≥ 2 reversals
  of the height channel, range > 0.1 m).

The table gives min/max/range of the 26 angles over one gait cycle (right foot-strike to the next
right foot-strike; foot-strike ≈ the right ankle's most forward position relative to the pelvis, the
kinematic event detector of Zeni et al. 2008, Gait & Posture 27:710).

Usage: python examples/real_mocap_report.py [--clip PATH] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks

from motion_smd import describe, load_motion
from motion_smd.angles import ANGLE_IDS, ANGLE_INDEX, compute_angles
from motion_smd.description import Description
from motion_smd.motion import Motion
from motion_smd.skeleton import L_HIP, L_SHOULDER, PELVIS, R_ANKLE, R_HIP, R_SHOULDER

AXIAL_ROTATIONS = ("hip_rotation_r", "hip_rotation_l", "shoulder_rotation_r", "shoulder_rotation_l")
"""The angles that are undefined (NaN) while the knee or elbow is nearly straight."""

STANDING_KNEE_MAX_DEG = 25.0
STANDING_HIP_MAX_DEG = 25.0
PELVIS_STANDING_M = (0.8, 1.15)


def data_dir() -> Path:
    """$SMD_DATA_DIR, or ../shared/data beside the project root."""
    env = os.environ.get("SMD_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class Clip:
    """One described real clip: dataset ("bandai"/"cmu"), label, path, motion, description, raw angles."""

    dataset: str
    label: str
    path: Path
    motion: Motion
    desc: Description
    angles: NDArray[np.float64] = field(repr=False)
    read_s: float = 0.0

    @property
    def name(self) -> str:
        """File name."""
        return self.path.name


def load_clips(root: Path) -> list[Clip]:
    """Read (default options: canonical, native fps) and describe every clip listed in the manifests."""
    clips: list[Clip] = []
    entries: list[tuple[str, str, Path]] = []
    for e in json.loads((root / "bandai_namco" / "manifest.json").read_text()):
        entries.append(("bandai", e["content"], root / "bandai_namco" / e["file"]))
    for e in json.loads((root / "cmu" / "manifest.json").read_text()):
        entries.append(("cmu", e["description"], root / "cmu" / e["file"]))
    for dataset, label, path in entries:
        t0 = time.perf_counter()
        motion = load_motion(path)
        read_s = time.perf_counter() - t0
        clips.append(
            Clip(
                dataset,
                label,
                path,
                motion,
                describe(motion),
                compute_angles(motion.joints, skeleton=motion.meta.get("rig")),
                read_s,
            )
        )
    return clips


# --- segment counting from a Description -------------------------------------------------------------


def peaks(desc: Description, channel: str) -> int:
    """Rise-then-fall excursions of a channel: turning points increase→decrease (holds between them
    ignored) plus the cycles of every "oscillates" segment."""
    n = 0
    last = ""
    for seg in desc.channel(channel).segments:
        if seg.kind == "oscillates":
            n += seg.cycles
            last = "decreases"
        elif seg.kind in ("increases", "decreases"):
            if last == "increases" and seg.kind == "decreases":
                n += 1
            last = seg.kind
    return n


def reversals(desc: Description, channel: str) -> int:
    """Direction changes of a channel: increase↔decrease switches plus 2 per oscillation cycle."""
    n = 0
    last = ""
    for seg in desc.channel(channel).segments:
        if seg.kind == "oscillates":
            n += 2 * seg.cycles
        elif seg.kind in ("increases", "decreases"):
            if last and last != seg.kind:
                n += 1
            last = seg.kind
    return n


# --- checks ----------------------------------------------------------------------------------------


@dataclass
class Check:
    """Outcome of one check over the clips it applies to."""

    name: str
    passed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def record(self, clip: Clip, ok: bool, why: str) -> None:
        """Add a clip's result (`why` explains a failure)."""
        if ok:
            self.passed.append(clip.name)
        else:
            self.failed.append((clip.name, why))

    @property
    def total(self) -> int:
        """Clips checked."""
        return len(self.passed) + len(self.failed)


def standing_pelvis_height(clip: Clip) -> float | None:
    """Median pelvis height (m) over standing frames (both knees < 25°, both |hip flexion| < 25°)."""
    a = clip.angles
    knee = np.maximum(a[:, ANGLE_INDEX["knee_flexion_r"]], a[:, ANGLE_INDEX["knee_flexion_l"]])
    hip = np.maximum(np.abs(a[:, ANGLE_INDEX["hip_flexion_r"]]), np.abs(a[:, ANGLE_INDEX["hip_flexion_l"]]))
    standing = (knee < STANDING_KNEE_MAX_DEG) & (hip < STANDING_HIP_MAX_DEG)
    if not standing.any():
        return None
    return float(np.median(clip.motion.joints[standing, PELVIS, 1]))


def check_canonical(clip: Clip) -> tuple[bool, str]:
    """Floor at 0, pelvis XZ at the origin and facing +Z at frame 0, finite angles, standing height."""
    j = clip.motion.joints
    across = (j[0, R_HIP] - j[0, L_HIP]) + (j[0, R_SHOULDER] - j[0, L_SHOULDER])
    fwd = np.cross([0.0, 1.0, 0.0], across)
    facing_deg = float(np.degrees(np.arctan2(fwd[0], fwd[2])))
    problems = []
    if abs(float(j[..., 1].min())) > 1e-9:
        problems.append(f"floor at {j[..., 1].min():.3f} m")
    if np.abs(j[0, PELVIS, [0, 2]]).max() > 1e-9:
        problems.append("pelvis not at the origin")
    if abs(facing_deg) > 1e-6:
        problems.append(f"facing {facing_deg:.2f}° off +Z")
    defined = np.ones(len(ANGLE_IDS), dtype=bool)  # the axial rotations are NaN while the knee/elbow is straight
    defined[[ANGLE_INDEX[a] for a in AXIAL_ROTATIONS]] = False
    if not np.isfinite(clip.angles[:, defined]).all() or np.isinf(clip.angles).any():
        problems.append("non-finite angles")
    h = standing_pelvis_height(clip)
    if h is not None and not PELVIS_STANDING_M[0] <= h <= PELVIS_STANDING_M[1]:
        problems.append(f"standing pelvis height {h:.3f} m")
    return not problems, ", ".join(problems)


def run_checks(clips: Iterable[Clip]) -> list[Check]:
    """Run every check on the clips it applies to (see the module docstring)."""
    checks = {
        n: Check(n)
        for n in (
            "bandai: load, canonical, finite, describe",
            "cmu: load, canonical, finite, describe",
            "bandai: standing pelvis height 0.8-1.15 m (clips with standing frames)",
            "raise-up-right-hand: right shoulder range > left",
            "wave-left-hand: left elbow >= 2 cycles, more than right",
            "walk: hip-flexion cycles both legs, alternating, forward > 1 m",
            "walk-turn-left: heading turns left > 45 deg",
            "walk-turn-right: heading turns right > 45 deg",
            "walk-back: ends > 1 m behind (initial facing)",
            "walk-left/right: ends > 0.5 m to the named side",
            "cmu walk trials: travel > 1 m",
            "cmu jump trial: vertical pelvis oscillation",
        )
    }
    names = list(checks)

    for c in clips:
        d = c.desc
        checks[names[0] if c.dataset == "bandai" else names[1]].record(c, *check_canonical(c))
        h = standing_pelvis_height(c)
        if c.dataset == "bandai" and h is not None:
            checks[names[2]].record(c, PELVIS_STANDING_M[0] <= h <= PELVIS_STANDING_M[1], f"{h:.3f} m")
        fwd = float(c.motion.joints[-1, PELVIS, 2] - c.motion.joints[0, PELVIS, 2])
        lat = float(c.motion.joints[-1, PELVIS, 0] - c.motion.joints[0, PELVIS, 0])
        if c.label == "raise-up-right-hand":
            r = max(d.angle("shoulder_flexion_r").range_value, d.angle("shoulder_adduction_r").range_value)
            left = max(d.angle("shoulder_flexion_l").range_value, d.angle("shoulder_adduction_l").range_value)
            checks[names[3]].record(c, r > left, f"right {r:.0f}° vs left {left:.0f}°")
        elif c.label == "wave-left-hand":
            pl, pr = peaks(d, "elbow_flexion_l"), peaks(d, "elbow_flexion_r")
            checks[names[4]].record(c, pl >= 2 and pl > pr, f"left elbow {pl} cycles, right {pr}")
        elif c.label == "walk":
            hr, hl = peaks(d, "hip_flexion_r"), peaks(d, "hip_flexion_l")
            vr, vl = d.angle("hip_flexion_r").values, d.angle("hip_flexion_l").values
            corr = float(np.corrcoef(vr, vl)[0, 1])
            ok = hr >= 2 and hl >= 2 and corr < 0 and fwd > 1.0
            why = f"hip cycles r {hr} l {hl}, r/l correlation {corr:.2f}, forward {fwd:.2f} m"
            if c.motion.n_frames < 2 * c.motion.fps:
                why += f" (clip only {c.motion.duration_s:.1f} s long)"
            checks[names[5]].record(c, ok, why)
        elif c.label in ("walk-turn-left", "walk-turn-right"):
            heading = d.channel("heading").values
            turn = float(heading[-1] - heading[0])
            left = c.label.endswith("left")
            checks[names[6] if left else names[7]].record(c, turn > 45 if left else turn < -45, f"{turn:.0f}°")
        elif c.label == "walk-back":
            checks[names[8]].record(c, fwd < -1.0, f"forward {fwd:.2f} m")
        elif c.label in ("walk-left", "walk-right"):
            ok = lat > 0.5 if c.label == "walk-left" else lat < -0.5
            checks[names[9]].record(c, ok, f"lateral {lat:.2f} m (+ = left)")
        if c.dataset == "cmu" and "walk" in c.label:
            disp = d.summary.displacement_m
            checks[names[10]].record(c, d.summary.travels and disp > 1.0, f"displacement {disp:.2f} m")
        if c.dataset == "cmu" and "jump" in c.label:
            rev = reversals(d, "height")
            rng = d.channel("height").range_value
            checks[names[11]].record(c, rev >= 2 and rng > 0.1, f"{rev} height reversals, range {rng:.2f} m")
    return list(checks.values())


# --- gait-cycle table --------------------------------------------------------------------------------


def gait_cycle(motion: Motion) -> tuple[int, int]:
    """Frames (start, end) of one right-foot gait cycle in the middle of a straight walk.

    Foot-strike ≈ maximum of the right ankle's position ahead of the pelvis along the walking direction
    (Zeni et al. 2008). Raises ValueError when fewer than two foot-strikes are found.
    """
    j = motion.joints
    direction = j[-1, PELVIS, [0, 2]] - j[0, PELVIS, [0, 2]]
    direction = direction / np.linalg.norm(direction)
    ahead = (j[:, R_ANKLE, [0, 2]] - j[:, PELVIS, [0, 2]]) @ direction
    strikes, _ = find_peaks(ahead, distance=max(1, int(0.6 * motion.fps)), prominence=0.05)
    if strikes.size < 2:
        raise ValueError(f"{motion.source}: fewer than two right foot-strikes found; is it a walk?")
    mid = (strikes.size - 1) // 2
    return int(strikes[mid]), int(strikes[mid + 1])


def angle_table(motion: Motion) -> str:
    """Min/max/range of the 26 angles over one gait cycle, as a Markdown table."""
    a, b = gait_cycle(motion)
    angles = compute_angles(motion.joints[a : b + 1], skeleton=motion.meta.get("rig"))
    lines = [
        f"Gait cycle of {Path(motion.source or '?').name}: frames {a}–{b} "
        f"({(b - a) / motion.fps:.2f} s at {motion.fps:g} fps)",
        "",
        "| angle | min (°) | max (°) | range (°) |",
        "|---|---:|---:|---:|",
    ]
    for i, name in enumerate(ANGLE_IDS):
        defined = angles[:, i][~np.isnan(angles[:, i])]
        if not defined.size:
            continue
        lo, hi = float(defined.min()), float(defined.max())
        lines.append(f"| {name} | {lo:.1f} | {hi:.1f} | {hi - lo:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the check counts (with every failing clip and its reason) and the gait-cycle table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir(), help="the shared data folder")
    parser.add_argument("--clip", type=Path, default=None, help="walk clip for the angle table")
    args = parser.parse_args(argv)
    root: Path = args.data
    if not (root / "bandai_namco" / "manifest.json").exists():
        print(f"no real data under {root}; set SMD_DATA_DIR or pass --data", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    clips = load_clips(root)
    total_s = time.perf_counter() - t0
    print(f"{len(clips)} clips read and described in {total_s:.1f} s")
    for ds in ("bandai", "cmu"):
        sel = [c for c in clips if c.dataset == ds]
        ms = 1000 * np.array([c.read_s for c in sel])
        frames = np.array([c.motion.n_frames for c in sel])
        print(f"  {ds}: {len(sel)} clips, reading {np.median(ms):.1f} ms per clip (median; max {ms.max():.1f}), "
              f"{frames.mean():.0f} frames per clip on average")
    print()
    for check in run_checks(clips):
        print(f"{len(check.passed):4d}/{check.total:<4d} {check.name}")
        for name, why in check.failed:
            print(f"           FAIL {name}: {why}")
    clip = args.clip or root / "bandai_namco" / "dataset-2" / "data" / "dataset-2_walk_normal_001.bvh"
    print()
    print(angle_table(load_motion(clip)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
