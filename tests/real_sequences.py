"""Long real motions built from the shared data for tests and benchmarks (never stored in the repository)."""

from __future__ import annotations

from pathlib import Path

from motion_smd.datasets.bandai_qa.joining import join_clips
from motion_smd.io import ReadOptions, load_motion
from motion_smd.motion import Motion


def cmu_minute(data: Path, seconds: float = 60.0, fps: float = 30.0) -> Motion | None:
    """The first CMU clips of `data`/cmu/bvh (name order) joined with the bandai-qa blend at `fps` and cut to
    `seconds` (walking, running, jumping), or None when they are absent or too short."""
    clips, total = [], 0.0
    for path in sorted((data / "cmu" / "bvh").glob("*.bvh")):
        clips.append(load_motion(path, options=ReadOptions(target_fps=fps)))
        total += clips[-1].n_frames / fps
        if total >= seconds:
            joints, _ = join_clips(clips)
            return Motion(joints[: round(seconds * fps)], fps, source=f"cmu-{seconds:g}s")
    return None
