"""BVH writer: channel data written under a hierarchy taken verbatim from a source file.

Composition and editing (`motion_smd.library`) change channel values, never the skeleton, so the
HIERARCHY block of the clip the motion came from is copied byte for byte (joint names, offsets, channel
order, End Sites) and a new MOTION block is written with fixed formatting (`%.6f`), which keeps the output
deterministic. The result is read back by this project's reader and by bvhio (`tests/test_library_edit.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from motion_smd.errors import MotionFormatError
from motion_smd.files import atomic_write_text
from motion_smd.io.bvh import BvhData

_MOTION_LINE = re.compile(rb"^[ \t]*MOTION[ \t]*\r?$", re.MULTILINE)


def hierarchy_text(path: str | Path) -> str:
    """The HIERARCHY block of a BVH file, as text, up to (not including) its MOTION line.

    Raises:
        MotionFormatError: the file has no MOTION line.
    """
    data = Path(path).read_bytes()
    found = _MOTION_LINE.search(data)
    if found is None:
        raise MotionFormatError(f"{path}: no MOTION line; cannot take its hierarchy.")
    return data[: found.start()].decode("utf-8", errors="strict").rstrip() + "\n"


def bvh_text(hierarchy: str, bvh: BvhData) -> str:
    """A whole BVH file: `hierarchy` (from `hierarchy_text`), then MOTION, the frame count, the frame time and
    one line per frame of `bvh.motion` ((T, C) float, values formatted with `%.6f`)."""
    lines = [hierarchy.rstrip("\n"), "MOTION", f"Frames: {bvh.n_frames}", f"Frame Time: {bvh.frame_time:.8f}"]
    body = np.char.mod("%.6f", np.asarray(bvh.motion, dtype=np.float64))
    lines.extend(" ".join(row) for row in body)
    return "\n".join(lines) + "\n"


def write_bvh(path: str | Path, hierarchy: str, bvh: BvhData) -> Path:
    """Write `bvh` under `hierarchy` to `path` atomically (a temporary file, then a rename). Returns the path.

    Raises:
        MotionFormatError: the channel count of `bvh.motion` does not match the joints' channels.
    """
    expected = sum(len(j.channels) for j in bvh.joints)
    if bvh.motion.ndim != 2 or bvh.motion.shape[1] != expected:
        raise MotionFormatError(
            f"{path}: {bvh.motion.shape} channel values for a hierarchy of {expected} channels; "
            "the motion does not belong to this skeleton."
        )
    out = Path(path)
    atomic_write_text(out, bvh_text(hierarchy, bvh))
    return out
