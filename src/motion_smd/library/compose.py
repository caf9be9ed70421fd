"""`smd compose`: a request in words → one motion made of real captured clips from a library.

Pipeline (issue #17; motion matching after Clavet 2016 and Holden et al. 2020, inertialization after Bollo
2016, see `motion_smd.library.stitch`):
1. `plan.parse_request`: the ordered actions with their quantities.
2. Retrieval: `search.search_text` ranks the library for each action's words; among the best CANDIDATES the
   first clip whose SMD can serve the action (`trim.trim_for`: long enough a walk, a turn the right way,
   enough repetitions) is taken, preferring clips of the first clip's skeleton and frame rate so that the
   result can be written as BVH with rotations.
3. Trim each clip to its part, then move each cut by up to `stitch.SEARCH_S` to the pair of frames of least
   motion-matching cost.
4. Stitch: each part is turned and shifted onto the end of the output (`stitch.align`) and blended in by
   inertialization, on the BVH rotations when all parts share a skeleton (bone lengths stay exact), else on
   joint positions.
5. The result is described again and checked against the request (`check.check_composition`), never trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.describer import describe
from motion_smd.description import Description
from motion_smd.errors import ConfigError
from motion_smd.files import atomic_open_binary
from motion_smd.io.bvh import BvhData
from motion_smd.io.bvh_write import write_bvh
from motion_smd.library import rig as rigops
from motion_smd.library.plan import Action, parse_request
from motion_smd.library.seams import SeamReport, joint_acceleration, seam_reports
from motion_smd.library.search import Library, search_text
from motion_smd.library.source import SourceClip, open_clip, pose_joints
from motion_smd.library.stitch import (
    SEARCH_S,
    Transition,
    align,
    best_transition,
    blend_frames,
    floor_height_m,
    inertialize_positions,
    pose_features,
)
from motion_smd.library.trim import MIN_PART_S, Trim, distance_stop, trim_for
from motion_smd.motion import Motion

FloatArray = NDArray[np.float64]
CANDIDATES = 30
"""How many search hits per action are considered when the best ones cannot serve it."""


@dataclass(frozen=True)
class PlacedPart:
    """One action as placed in the output.

    Attributes:
        action: the planned action.
        row: the library row of the clip used (`index.COLUMNS`, embeddings dropped).
        score: its search score; rank: its search rank.
        clip_start, clip_stop: frames of the clip used, [start, stop), before any speed change.
        out_start, out_stop: frames of the output it fills, [start, stop).
        trim: what the trim rules said (fits, reason).
    """

    action: Action
    row: dict[str, Any]
    score: float
    rank: int
    clip_start: int
    clip_stop: int
    out_start: int
    out_stop: int
    trim: Trim

    def to_dict(self, fps: float) -> dict[str, Any]:
        """JSON-ready summary (times in seconds)."""
        return {
            "action": self.action.text,
            "family": self.action.family,
            "clip": self.row["clip_id"],
            "content": self.row["content"] or self.row["caption"],
            "search_rank": self.rank,
            "clip_s": [round(self.clip_start / fps, 3), round(self.clip_stop / fps, 3)],
            "output_s": [round(self.out_start / fps, 3), round(self.out_stop / fps, 3)],
            "trim_fits": self.trim.fits,
            "trim_reason": self.trim.reason,
        }


@dataclass(frozen=True)
class Composition:
    """A composed motion.

    Attributes:
        request: the request as given.
        parts: the placed actions in order.
        motion: the result as a canonical `Motion` (what is described and checked).
        world_joints: (T, 22, 3) float64 metres in the first clip's frame (what the seams are measured on).
        seams: one report per seam.
        bvh: the result's BVH channels when every part shares a skeleton, else None.
        hierarchy: the BVH hierarchy text for `bvh` ("" when None).
        transitions: the chosen cut at each seam.
    """

    request: str
    parts: tuple[PlacedPart, ...]
    motion: Motion
    world_joints: FloatArray
    seams: tuple[SeamReport, ...]
    bvh: BvhData | None = None
    hierarchy: str = ""
    transitions: tuple[Transition, ...] = field(default_factory=tuple)

    def write(self, out: str | Path) -> Path:
        """Write the result: `.bvh` (rotations; needs parts of one skeleton) or `.npy` (canonical joints,
        (T, 22, 3) float32 metres). Atomic.

        Raises:
            ConfigError: another suffix, or .bvh for parts of different skeletons.
        """
        return write_motion(out, self.motion, self.bvh, self.hierarchy)


def write_motion(out: str | Path, motion: Motion, bvh: BvhData | None, hierarchy: str) -> Path:
    """Write a composed or edited motion as `.bvh` (when `bvh` is given) or `.npy` canonical joints.

    Raises:
        ConfigError: another suffix, or .bvh without rotations.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        if bvh is None:
            raise ConfigError(
                f"{path}: the parts come from different skeletons or from joint files, so there are no rotations "
                "to write as BVH; write .npy joints instead."
            )
        return write_bvh(path, hierarchy, bvh)
    if suffix == ".npy":
        with atomic_open_binary(path) as fh:
            np.save(fh, np.asarray(motion.joints, dtype=np.float32))
        return path
    raise ConfigError(f"{path}: write .bvh or .npy (canonical joints, 20–60 fps as the sources).")


def _clip_description(library: Library, row: dict[str, Any]) -> Description:
    return describe(library.motion(row))


Choice = tuple[dict[str, Any], float, int, Trim]
"""A library row chosen for an action, its search score, its search rank and its trim."""


def _group(row: dict[str, Any]) -> tuple[str, str, float]:
    """Clips whose rotations can be joined: one rig, one format, one frame rate."""
    return str(row["rig"]), str(row["format"]), float(row["fps"])


def choose_clips(library: Library, actions: list[Action]) -> list[Choice]:
    """The library clip for each action (rules in the module docstring).

    Each action's best CANDIDATES search hits are trimmed (`trim.trim_for`); the group of clips (rig, format,
    frame rate) that can serve the most actions, then with the best summed search rank, is preferred, so the
    result can keep its rotations. Per action: the best-ranked fitting clip of that group, else the best
    fitting clip of any group, else the top hit (its trim says why it does not fit, and the check will fail).

    Raises:
        ConfigError: an empty library.
    """
    per_action: list[list[Choice]] = []
    for action in actions:
        hits = search_text(library, action.text, CANDIDATES)
        if not hits:
            raise ConfigError(f"{library.folder}: the library is empty.")
        per_action.append([(h.row, h.score, h.rank, trim_for(_clip_description(library, h.row), action)) for h in hits])
    groups = sorted({_group(c[0]) for options in per_action for c in options})

    def merit(group: tuple[str, str, float]) -> tuple[int, int]:
        served = [next((c[2] for c in options if c[3].fits and _group(c[0]) == group), None) for options in per_action]
        found = [r for r in served if r is not None]
        return len(found), -sum(found)

    best = max(groups, key=merit)
    chosen = []
    for options in per_action:
        pick = next((c for c in options if c[3].fits and _group(c[0]) == best), None)
        pick = pick or next((c for c in options if c[3].fits), None) or options[0]
        chosen.append(pick)
    return chosen


def _cuts(
    clips: list[SourceClip], trims: list[Trim], fps: float, refit: Callable[[int, int, int], int | None]
) -> tuple[list[tuple[int, int]], list[Transition]]:
    """Per part the clip frames [start, stop) after moving each cut to the least-cost transition. `refit(k,
    start, stop)` gives part k's stop for a new start (a walk keeps its distance), None when no stop can (the
    search then keeps to starts that can)."""
    spans = [(t.start, t.stop) for t in trims]
    window = max(1, round(SEARCH_S * fps))
    min_len = max(2, round(MIN_PART_S * fps / 2))
    feats = [pose_features(c.joints, fps) for c in clips]
    transitions = []
    for k in range(1, len(clips)):
        (a0, a1), (b0, b1) = spans[k - 1], spans[k]
        ends = range(max(a0 + min_len, a1 - 1 - window), min(clips[k - 1].n_frames - 1, a1 - 1 + window) + 1)
        starts = range(max(0, b0 - window), max(0, min(b1 - min_len, b0 + window)) + 1)
        if len(ends) == 0:
            ends = range(a1 - 1, a1)
        if len(starts) == 0:
            starts = range(b0, b0 + 1)
        keeping = [s for s in starts if refit(k, s, b1) is not None]  # a walk that can still cover its distance
        starts = range(keeping[0], keeping[-1] + 1) if keeping else starts
        tr = best_transition(feats[k - 1], feats[k], ends, starts)
        transitions.append(tr)
        spans[k - 1] = (a0, tr.end_a + 1)
        spans[k] = (tr.start_b, refit(k, tr.start_b, b1) or b1)
    return spans, transitions


def stitch_parts(
    clips: list[SourceClip], spans: list[tuple[int, int]], speeds: list[float], fps: float
) -> tuple[FloatArray, BvhData | None, list[int], list[FloatArray]]:
    """Join the parts: align each onto the output's end and inertialize (rotations when all parts share a
    skeleton, else positions).

    Returns:
        (world joints (T, 22, 3) metres, BVH channels or None, output frame of each part's start, the source
        joints of each part as used (the seam references)).
    """
    use_rig = all(c.same_skeleton(clips[0]) for c in clips) and clips[0].rig is not None
    out_joints: list[FloatArray] = []
    out_pose: list[rigops.RigPose] = []
    starts: list[int] = []
    sources: list[FloatArray] = []
    floor_out = floor_height_m(clips[0].joints)
    done = 0
    for k, (clip, (a, b), speed) in enumerate(zip(clips, spans, speeds)):
        joints, pose = clip.played(a, b, speed, with_pose=use_rig)
        sources.append(joints)
        starts.append(done)
        if k == 0:
            out_joints.append(joints)
            if pose is not None:
                out_pose.append(pose)
            done += len(joints)
            continue
        prev = np.concatenate(out_joints[-2:])[-max(2, round(fps)) :]
        moved = align(prev, joints, fps, floor_out, floor_height_m(clip.joints))
        joints = moved.apply(joints)
        calm = min(float(joint_acceleration(sources[-2], fps).max()), float(joint_acceleration(sources[-1], fps).max()))
        part_blend = blend_frames(prev, joints, fps, calm)
        if pose is not None:
            prev_pose = out_pose[-1]
            pose = rigops.moved(pose, moved.yaw_rad, moved.shift_m / clip.scale_m)
            out_pose.append(rigops.inertialize_pose(prev_pose, pose, clip.rig_joint("pelvis"), part_blend))
        else:
            joints = inertialize_positions(prev[-2:], joints, part_blend)
        out_joints.append(joints)
        done += len(joints)
    if use_rig and clips[0].rig is not None:
        whole = rigops.concat(out_pose)
        bvh = whole.to_bvh(1.0 / fps)
        return pose_joints(whole, clips[0].rig, clips[0].scale_m), bvh, starts, sources
    return np.concatenate(out_joints), None, starts, sources


def compose(library: Library, request: str) -> Composition:
    """Compose a motion for `request` from `library` (pipeline in the module docstring).

    Raises:
        ConfigError: a request without actions, an empty library.
        MotionSMDError: a library clip that can no longer be read.
    """
    actions = parse_request(request)
    chosen = choose_clips(library, actions)
    clips = [open_clip(row["path"]) for row, *_ in chosen]
    fps = clips[0].fps
    trims = [c[3] for c in chosen]
    if any(abs(c.fps - fps) > 1e-6 for c in clips):  # mixed rates: joints only, all at the first clip's rate
        clips, trims = _at_rate(clips, trims, fps)

    descs: dict[int, Description] = {}

    def refit(k: int, start: int, stop: int) -> int | None:
        action = actions[k]
        if action.family != "travel" or action.distance_m is None:
            return stop
        if k not in descs:
            descs[k] = describe(clips[k].motion())
        return distance_stop(descs[k], start, action.distance_m)

    spans, transitions = _cuts(clips, trims, fps, refit)
    speeds = [a.speed for a in actions]
    world, bvh, starts, sources = stitch_parts(clips, spans, speeds, fps)
    ends = [*starts[1:], len(world)]
    parts = tuple(
        PlacedPart(a, _public(row), score, rank, s[0], s[1], o0, o1, trim)
        for a, (row, score, rank, trim), s, o0, o1 in zip(actions, chosen, spans, starts, ends)
    )
    seams = seam_reports(world, fps, starts[1:], [t.cost for t in transitions], sources)
    rigs = {c.rig_name for c in clips}
    meta = {"rig": rigs.pop()} if len(rigs) == 1 and "" not in rigs else {}  # mixed skeletons: no calibration
    motion = Motion(world, fps, source=f"compose: {request}", meta=meta).canonicalize()
    return Composition(
        request, parts, motion, world, tuple(seams), bvh, clips[0].hierarchy if bvh else "", tuple(transitions)
    )


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.endswith("_embedding")}


def _at_rate(clips: list[SourceClip], trims: list[Trim], fps: float) -> tuple[list[SourceClip], list[Trim]]:
    out_clips, out_trims = [], []
    for clip, trim in zip(clips, trims):
        if abs(clip.fps - fps) < 1e-6:
            out_clips.append(SourceClip(clip.path, clip.joints, fps, rig_name=clip.rig_name))
            out_trims.append(trim)
            continue
        m = Motion(clip.joints, clip.fps).resample(fps)
        f = fps / clip.fps
        out_clips.append(SourceClip(clip.path, np.array(m.joints), fps, rig_name=clip.rig_name))
        stop = min(m.n_frames, round(trim.stop * f))
        out_trims.append(Trim(min(round(trim.start * f), stop - 2), stop, trim.fits, trim.reason))
    return out_clips, out_trims
