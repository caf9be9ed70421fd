"""bandai-qa joining: clips concatenated into one continuous motion (docs/datasets.md, step 3)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from motion_smd.datasets.bandai_qa.labels import facing_deg
from motion_smd.errors import ConfigError
from motion_smd.motion import Motion
from motion_smd.skeleton import PELVIS

FPS = 20.0
"""Frame rate of the built sequences (clips are 30 fps BVH, resampled)."""
BLEND_S = 0.3
"""Duration of the blended transition between joined clips, seconds."""


def join_clips(motions: Sequence[Motion], blend_s: float = BLEND_S) -> tuple[NDArray[np.float64], list[int]]:
    """Concatenate canonical clips into one continuous motion.

    Each next clip (canonical: pelvis XZ at the origin and facing +Z in its frame 0) is rotated about +Y
    to the previous clip's last-frame facing and translated to its last-frame pelvis XZ; then an offset
    (previous last pose − next first pose, per joint) is added to its first frames with weight
    1 − (k+1)/(B+1), k = 0..B−1, B = round(blend_s · fps), which fades the pose jump out linearly.

    Args:
        motions: canonical clips at one frame rate.
        blend_s: blend duration, seconds.

    Returns:
        ((T, 22, 3) float64 joints, start frame of each clip in the result).

    Raises:
        ConfigError: no clips or different frame rates.
    """
    if not motions:
        raise ConfigError("join_clips needs at least one clip.")
    fps = motions[0].fps
    if any(abs(m.fps - fps) > 1e-9 for m in motions):
        raise ConfigError("join_clips: all clips must have the same frame rate; resample them first.")
    out = [np.array(motions[0].joints, dtype=np.float64)]
    starts = [0]
    n = out[0].shape[0]
    b = max(0, round(blend_s * fps))
    for m in motions[1:]:
        prev = out[-1][-1]
        theta = np.radians(facing_deg(prev[None])[0])
        c, s = np.cos(theta), np.sin(theta)
        nxt = np.array(m.joints, dtype=np.float64)
        x, z = nxt[..., 0].copy(), nxt[..., 2].copy()
        nxt[..., 0] = c * x + s * z + prev[PELVIS, 0]
        nxt[..., 2] = -s * x + c * z + prev[PELVIS, 2]
        k = min(b, nxt.shape[0])
        if k:
            w = 1.0 - (np.arange(k) + 1.0) / (b + 1.0)
            nxt[:k] += w[:, None, None] * (prev - nxt[0])[None]
        starts.append(n)
        n += nxt.shape[0]
        out.append(nxt)
    return np.concatenate(out, axis=0), starts
