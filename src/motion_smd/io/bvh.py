"""BVH reader: hierarchy parsed by bvhio, motion block read and forward kinematics done in NumPy.

Pipeline of `read_bvh` (each step documented on its function):
1. `parse_bvh`: bvhio (a maintained BVH library) parses the HIERARCHY (joint names, parents, offsets,
   channel lists, End Sites); the MOTION block is read with NumPy in one call. bvhio's own per-frame,
   per-joint keyframe objects are far too slow for 100-joint rigs (~0.2 s per short clip), so they are
   not built; `tests/test_bvh.py` checks our forward kinematics against bvhio's on real and synthetic
   files.
2. Drop leading frames (`skip_frames`, e.g. CMU's added T-pose; default from the rig).
3. `forward_kinematics`: world positions of the joints the rig needs (and their ancestors),
   vectorised over frames.
4. Rig mapping to SMPL-22 (`motion_smd.io.rigs`; built-in rigs detected from joint names, or a user
   mapping file).
5. Y up (BVH's convention; `up="z"` converts Z-up files), unit to metres (detected from body size
   unless `unit` is given), then `postprocess`: canonicalise (floor at 0, pelvis XZ at the origin,
   facing +Z at frame 0) and resample.

BVH conventions followed (those of bvhio and of the Biovision/CMU files):
- A joint's local translation is its OFFSET, with any position channel *replacing* the matching
  offset component (Bandai-Namco stores all six channels on every joint).
- Rotation channels are intrinsic Euler angles in degrees in the order listed, so a joint with
  channels ``Zrotation Xrotation Yrotation`` has local rotation R = Rz · Rx · Ry (column vectors).
- world_rot(child) = world_rot(parent) · local_rot(child);
  world_pos(child) = world_pos(parent) + world_rot(parent) · translation(child).
- End Sites carry no channels and no SMD joint; they are parsed (by bvhio) and ignored.

Frame rate: BVH stores its frame time, so ``ReadOptions.source_fps`` (the rate of files that store none)
does not apply; ``target_fps`` resamples. The native rate 1 / frame time is rounded to a whole number when
within 0.1 % of one (0.0333333 s → 30 fps, 0.016667 s → 60 fps).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError, MotionFormatError, MotionValueError
from motion_smd.io.registry import FPS_RANGE, ReadOptions, postprocess, register_reader
from motion_smd.io.rigs import RigMap, builtin_rig, detect_rig, load_mapping
from motion_smd.io.units import to_metres
from motion_smd.motion import Motion, z_up_to_y_up

FloatArray = NDArray[np.float64]

_AXES = "XYZ"
_CHANNELS = frozenset(f"{a}{k}" for a in "xyz" for k in ("position", "rotation"))
_FRAME_TIME_RE = re.compile(rb"Frame\s+Time\s*:\s*(\S+)[^\n]*\n", re.IGNORECASE)
_MOTION_RE = re.compile(rb"^[ \t]*MOTION[ \t]*\r?$", re.MULTILINE)
_BRACE_RE = re.compile(rb"[{}]")

MAX_JOINT_DEPTH = 256
"""Deepest joint nesting a BVH hierarchy may have (human skeletons have fewer than 30 levels; a deeper file is
refused before parsing, which would otherwise recurse without bound)."""

FRAME_TIME_RANGE_S = (1.0 / FPS_RANGE[1], 1.0 / FPS_RANGE[0])
"""Accepted 'Frame Time:' values, seconds (10,000 fps down to one frame a minute: `registry.FPS_RANGE`);
outside it the file's frame time is wrong, and resampling or timing it would make no sense (or exhaust
memory)."""


@dataclass(frozen=True)
class BvhJointInfo:
    """One joint of a BVH hierarchy.

    Attributes:
        name: joint name as in the file.
        parent: index of the parent joint in `BvhData.joints`, −1 for the root.
        offset: (3,) float64 rest offset from the parent, file units.
        channels: channel names in file order (e.g. ("Xposition", …, "Zrotation", "Xrotation", "Yrotation")).
        first_column: column of the first channel in `BvhData.motion`.
        end_site: (3,) offset of the End Site, or None when the joint has children.
    """

    name: str
    parent: int
    offset: FloatArray
    channels: tuple[str, ...]
    first_column: int
    end_site: FloatArray | None = None

    @property
    def rotation_order(self) -> str:
        """Axes of the rotation channels in file order, e.g. "ZXY" ("" when the joint has none)."""
        return "".join(c[0].upper() for c in self.channels if c.lower().endswith("rotation"))


@dataclass(frozen=True)
class BvhData:
    """A parsed BVH file.

    Attributes:
        joints: the joints in file (depth-first) order; parents come before children.
        frame_time: seconds per frame as stored.
        motion: (T, C) float64 channel values, C = total channel count.
        source: the file path, for messages.
    """

    joints: tuple[BvhJointInfo, ...]
    frame_time: float
    motion: FloatArray = field(repr=False)
    source: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Joint names in file order."""
        return tuple(j.name for j in self.joints)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        """Native frame rate 1 / frame_time, rounded to a whole number when within 0.1 % of one."""
        fps = 1.0 / self.frame_time
        whole = round(fps)
        return float(whole) if whole > 0 and abs(fps - whole) <= 1e-3 * fps else fps


def check_structure(path: Path, data: bytes) -> None:
    """Refuse a file whose overall structure is not BVH before any parser sees it: it must start with
    HIERARCHY, hold a ROOT joint block whose braces balance and nest at most MAX_JOINT_DEPTH deep, then a
    MOTION line followed by 'Frame Time:'. (bvhio loops forever on an empty file or a hierarchy cut short,
    and a deep nesting exhausts Python's recursion.)

    Raises:
        MotionFormatError: naming the file, what is missing or wrong, and what a BVH file must hold.
    """
    layout = "A BVH file starts with HIERARCHY, a ROOT joint block, then MOTION, 'Frames: N' and 'Frame Time: dt'."
    stripped = data.lstrip()
    if not stripped:
        raise MotionFormatError(f"{path}: the file is empty. {layout}")
    if stripped[:9].upper() != b"HIERARCHY":
        raise MotionFormatError(f"{path}: does not start with HIERARCHY, so it is not a valid BVH file. {layout}")
    motion = _MOTION_RE.search(data)
    if motion is None:
        raise MotionFormatError(f"{path}: no MOTION line after the hierarchy; the file is truncated. {layout}")
    hierarchy = data[: motion.start()]
    if b"ROOT" not in hierarchy.upper():
        raise MotionFormatError(f"{path}: the hierarchy has no ROOT joint. {layout}")
    depth = deepest = 0
    for brace in _BRACE_RE.finditer(hierarchy):
        depth += 1 if brace.group() == b"{" else -1
        deepest = max(deepest, depth)
        if depth < 0:
            raise MotionFormatError(f"{path}: the hierarchy closes a '}}' it never opened; the file is corrupt.")
        if deepest > MAX_JOINT_DEPTH:
            raise MotionFormatError(
                f"{path}: joints nest more than {MAX_JOINT_DEPTH} levels deep; the file is corrupt or not a "
                "skeleton (human skeletons have fewer than 30 levels)."
            )
    if depth:
        raise MotionFormatError(
            f"{path}: the hierarchy leaves {depth} '{{' unclosed before MOTION; the file is truncated or corrupt."
        )
    if _FRAME_TIME_RE.search(data, motion.end()) is None:
        raise MotionFormatError(f"{path}: no 'Frame Time:' line after MOTION; the file is truncated. {layout}")


def _hierarchy(path: Path) -> list[BvhJointInfo]:
    """Parse the HIERARCHY block with bvhio (motion not loaded); `check_structure` must have passed."""
    import bvhio

    try:
        container = bvhio.readAsBvh(str(path), loadKeyFrames=False)
    except (SyntaxError, ValueError, IndexError, UnicodeDecodeError) as exc:
        detail = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
        line = ""
        info = exc.args[1] if isinstance(exc, SyntaxError) and len(exc.args) > 1 else None
        if isinstance(info, tuple) and len(info) > 1:
            line = f" (line {info[1]})"
        raise MotionFormatError(
            f"{path}: not a valid BVH file: {detail}{line}. A BVH file starts with HIERARCHY, a ROOT joint "
            "block, then MOTION, 'Frames: N' and 'Frame Time: dt'."
        ) from None
    out: list[BvhJointInfo] = []
    column = 0
    index: dict[int, int] = {}
    for joint, _, _ in container.Root.layout():
        index[id(joint)] = len(out)
        out.append(
            BvhJointInfo(
                name=str(joint.Name),
                parent=-1,
                offset=np.array(list(joint.Offset), dtype=np.float64),
                channels=tuple(str(c) for c in joint.Channels),
                first_column=column,
                end_site=None if joint.Children else np.array(list(joint.EndSite), dtype=np.float64),
            )
        )
        column += len(joint.Channels)
    for joint, _, _ in container.Root.layout():
        for child in joint.Children:
            ci = index[id(child)]
            j = out[ci]
            out[ci] = BvhJointInfo(j.name, index[id(joint)], j.offset, j.channels, j.first_column, j.end_site)
    for j in out:
        bad = [c for c in j.channels if c.lower() not in _CHANNELS]
        if bad:
            raise MotionFormatError(
                f"{path}: joint '{j.name}' has unsupported channel(s) {bad}; BVH channels are X/Y/Z position "
                "and X/Y/Z rotation."
            )
    return out


def _motion_block(path: Path, data: bytes, n_channels: int) -> tuple[float, FloatArray]:
    """Frame time and the (T, C) channel matrix of the MOTION block of the file's bytes `data`, read with one
    NumPy call."""
    start = data.rfind(b"MOTION")
    match = _FRAME_TIME_RE.search(data, start if start >= 0 else 0)
    if start < 0 or match is None:
        raise MotionFormatError(
            f"{path}: no 'MOTION' block with a 'Frame Time:' line; the file is truncated or not BVH."
        )
    try:
        frame_time = float(match.group(1))
    except ValueError:
        shown = match.group(1).decode(errors="replace")
        raise MotionFormatError(f"{path}: 'Frame Time: {shown}' is not a number.") from None
    low, high = FRAME_TIME_RANGE_S
    if not (np.isfinite(frame_time) and low <= frame_time <= high):
        raise MotionFormatError(
            f"{path}: 'Frame Time: {frame_time:g}' is outside {low:g}–{high:g} s ({1 / high:g}–{1 / low:g} fps); "
            "the file's frame time is wrong: set it to the seconds between frames (0.0333333 for 30 fps)."
        )
    frames_match = re.search(rb"Frames\s*:\s*(\d+)", data[start : match.start()])
    declared = int(frames_match.group(1)) if frames_match else None
    body = data[match.end() :].decode("ascii", errors="replace")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            values = np.fromstring(body, dtype=np.float64, sep=" ")
        except (DeprecationWarning, ValueError):
            values = None
    if values is None:
        bad = next((tok for tok in body.split() if not _is_number(tok)), "?")
        raise MotionFormatError(f"{path}: the MOTION block holds a non-number '{bad[:40]}'; the file is corrupt.")
    if n_channels == 0:
        raise MotionFormatError(f"{path}: the hierarchy declares no channels, so there is no motion to read.")
    if values.size % n_channels:
        raise MotionFormatError(
            f"{path}: the MOTION block holds {values.size} numbers, not a multiple of the {n_channels} "
            "channels the hierarchy declares; the file is truncated or its hierarchy and motion do not match."
        )
    motion = values.reshape(-1, n_channels)
    if declared is not None and motion.shape[0] < declared:
        raise MotionFormatError(
            f"{path}: 'Frames: {declared}' but only {motion.shape[0]} frames follow; the file is truncated."
        )
    if declared is not None:
        motion = motion[:declared]
    if motion.shape[0] == 0:
        raise MotionFormatError(f"{path}: the MOTION block has no frames.")
    return frame_time, motion


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def parse_bvh(path: str | Path) -> BvhData:
    """Parse a BVH file: hierarchy via bvhio, motion block via NumPy.

    Args:
        path: the .bvh file.

    Returns:
        `BvhData` with the joints (file order), frame time and the (T, C) float64 channel matrix.

    Raises:
        MotionFormatError: missing file, a structure that is not BVH (`check_structure`: empty, truncated,
            unbalanced or too deeply nested hierarchy), syntax error in the hierarchy (with bvhio's message
            and line), unsupported channels, missing MOTION block or frame time, a frame time outside
            FRAME_TIME_RANGE_S, non-numeric or truncated motion.
    """
    p = Path(path)
    if not p.is_file():
        raise MotionFormatError(f"{p}: no such file.")
    data = p.read_bytes()
    check_structure(p, data)
    joints = _hierarchy(p)
    n_channels = sum(len(j.channels) for j in joints)
    frame_time, motion = _motion_block(p, data, n_channels)
    return BvhData(tuple(joints), frame_time, motion, str(p))


def _needed(bvh: BvhData, names: Sequence[str] | None) -> list[int]:
    """Indices of the named joints and all their ancestors, in file (parent-first) order."""
    if names is None:
        return list(range(len(bvh.joints)))
    index = {j.name: i for i, j in enumerate(bvh.joints)}
    keep: set[int] = set()
    for n in names:
        i = index[n]
        while i >= 0 and i not in keep:
            keep.add(i)
            i = bvh.joints[i].parent
    return sorted(keep)


def forward_kinematics(bvh: BvhData, names: Sequence[str] | None = None) -> FloatArray:
    """World joint positions for every frame, vectorised over frames.

    Conventions in the module docstring (position channels replace the offset; intrinsic Euler
    rotations in channel order). Only the requested joints and their ancestors are computed.

    Args:
        bvh: the parsed file.
        names: joints to return (None = all, in file order).

    Returns:
        (T, K, 3) float64 world positions in file units, K = len(names) (or all joints).

    Raises:
        KeyError: a name not in the file.
    """
    from scipy.spatial.transform import Rotation  # here, not at the top: a .npy input never pays its import

    order = _needed(bvh, names)
    t = bvh.n_frames
    rot: dict[int, FloatArray] = {}
    pos: dict[int, FloatArray] = {}
    for i in order:
        j = bvh.joints[i]
        trans = np.broadcast_to(j.offset, (t, 3)).copy()
        rot_cols: list[int] = []
        for k, ch in enumerate(j.channels):
            col = j.first_column + k
            axis = _AXES.index(ch[0].upper())
            if ch.lower().endswith("position"):
                trans[:, axis] = bvh.motion[:, col]
            else:
                rot_cols.append(col)
        local: FloatArray | None = None
        if rot_cols:
            local = Rotation.from_euler(j.rotation_order, bvh.motion[:, rot_cols], degrees=True).as_matrix()
        if j.parent < 0:
            pos[i] = trans
            rot[i] = local if local is not None else np.broadcast_to(np.eye(3), (t, 3, 3))
        else:
            parent_rot = rot[j.parent]
            pos[i] = pos[j.parent] + np.einsum("tij,tj->ti", parent_rot, trans)
            rot[i] = parent_rot if local is None else np.matmul(parent_rot, local)
    wanted = [j.name for j in bvh.joints] if names is None else list(names)
    index = {j.name: i for i, j in enumerate(bvh.joints)}
    return np.stack([pos[index[n]] for n in wanted], axis=1)


def _choose_rig(bvh: BvhData, options: ReadOptions) -> RigMap:
    if options.mapping:
        try:
            return load_mapping(options.mapping)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (mapping for {bvh.source})") from None
    if options.rig:
        return builtin_rig(options.rig)
    return detect_rig(bvh.names, bvh.source)


def bvh_to_smpl22(bvh: BvhData, rig: RigMap, skip_frames: int = 0) -> FloatArray:
    """SMPL-22 joint positions of a parsed BVH file through a rig mapping, in file units and axes.

    Args:
        bvh: the parsed file.
        rig: the rig mapping to apply.
        skip_frames: leading frames to drop before forward kinematics.

    Returns:
        (T − skip_frames, 22, 3) float64 array, SMPL-22 order, file units, file axes.

    Raises:
        MotionFormatError: the file lacks joints the rig needs.
        MotionValueError: skip_frames leaves fewer than 2 frames.
    """
    w = rig.weight_matrix(bvh.names, bvh.source)
    cols = np.flatnonzero(np.any(w != 0.0, axis=0))
    used = [bvh.names[i] for i in cols]
    if skip_frames:
        if bvh.n_frames - skip_frames < 2:
            raise MotionValueError(
                f"{bvh.source}: skipping {skip_frames} frame(s) of {bvh.n_frames} leaves fewer than 2; "
                "lower --skip-frames."
            )
        bvh = BvhData(bvh.joints, bvh.frame_time, bvh.motion[skip_frames:], bvh.source)
    positions = forward_kinematics(bvh, used)
    return np.einsum("kj,tjc->tkc", w[:, cols], positions)


def read_bvh(path: Path, options: ReadOptions) -> Motion:
    """Read a BVH file into a canonical SMPL-22 `Motion` (steps in the module docstring).

    Args:
        path: the .bvh file.
        options: `mapping` (user mapping file) or `rig` (built-in name) or detection from joint names;
            `skip_frames` (None = the rig's default: 1 for CMU CC_Base, else 0); `unit` (None = detect
            from body size); `up` ("y" default, "z" for Z-up files); `canonicalize`; `target_fps`
            (resample to this rate; `source_fps` does not apply: BVH stores its own frame time).

    Returns:
        Motion with joints (T, 22, 3) float64 metres, native fps (or the resampled rate), meta keys
        "format", "rig", "unit", "skip_frames", "native_fps".

    Raises:
        MotionFormatError: unreadable file, unknown rig, missing rig joints.
        ConfigError: bad mapping file or rig name.
        MotionValueError: undetectable unit, bad values, too few frames.
    """
    bvh = parse_bvh(path)
    rig = _choose_rig(bvh, options)
    skip = rig.skip_frames if options.skip_frames is None else options.skip_frames
    if skip < 0:
        raise ConfigError(f"{path}: skip_frames must be >= 0, got {skip}.")
    joints = bvh_to_smpl22(bvh, rig, skip)
    if (options.up or "y") == "z":
        joints = z_up_to_y_up(joints)
    joints, unit = to_metres(joints, options.unit or rig.unit, str(path))
    meta = {
        "format": "bvh",
        "rig": rig.name,
        "unit": unit,
        "skip_frames": str(skip),
        "native_fps": f"{bvh.fps:g}",
    }
    motion = Motion(joints, bvh.fps, source=str(path), meta=meta)
    return postprocess(motion, options)


register_reader(
    "bvh",
    (".bvh",),
    read_bvh,
    "Biovision hierarchy; rigs bandai-namco, cmu-cc-base, mixamo, smpl22 (auto) or --mapping FILE",
)
