"""Pose extraction speed (issue #16): MediaPipe Pose over a video, ms per frame on this machine.

Runs the model of `motion_smd.io.video.extract_pose_track` (no cache) over a video (default: the Sports2D
demo, `Sports2D/Demo/demo.mp4` of the `sports2d` wheel) `--repeats` times and prints, per run, the frames,
the frames with a pose and the wall time per frame (decoding + colour conversion + model), then the
mapping and description time of the track (`pose_map` → SMD text). Run on demand:

    python benchmarks/bench_pose.py [--video FILE] [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path


def demo_video() -> Path:
    """The Sports2D demo video inside the installed sports2d wheel.

    Raises:
        SystemExit: the wheel is not installed (with the command that installs it).
    """
    spec = importlib.util.find_spec("Sports2D")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the sports2d wheel is not installed: pip install --no-deps sports2d (or pass --video)")
    return Path(next(iter(spec.submodule_search_locations))) / "Demo" / "demo.mp4"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--video", type=Path, default=None, help="video file (default: the Sports2D demo)")
    ap.add_argument("--repeats", type=int, default=3, help="runs over the whole video (median reported)")
    args = ap.parse_args(argv)
    from motion_smd import describe
    from motion_smd.io import ReadOptions
    from motion_smd.io.video import extract_pose_track, track_parts
    from motion_smd.render import render_smd

    video = args.video or demo_video()
    print(
        f"video: {video} ({video.stat().st_size / 1e6:.1f} MB); CPUs: {os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    per_frame = []
    track = None
    for k in range(args.repeats):
        t0 = time.perf_counter()
        track = extract_pose_track(video)
        dt = time.perf_counter() - t0
        per_frame.append(1000.0 * dt / track.n_frames)
        print(
            f"run {k + 1}: {track.n_frames} frames ({int(track.detected.sum())} with a pose), "
            f"{track.width}×{track.height} at {track.fps:g} fps: {dt:.1f} s, {per_frame[-1]:.1f} ms/frame"
        )
    assert track is not None
    texts = [render_smd(describe(m)) for m in track_parts(track, str(video), ReadOptions())]  # warm: kernels load
    t0 = time.perf_counter()
    texts = [render_smd(describe(m)) for m in track_parts(track, str(video), ReadOptions())]
    dt = time.perf_counter() - t0
    print(
        f"median pose extraction: {statistics.median(per_frame):.1f} ms/frame "
        f"({1000.0 / statistics.median(per_frame):.1f} frames/s)"
    )
    print(
        f"mapping + description of the track: {1000 * dt:.0f} ms for {len(texts)} parts "
        f"({sum(len(t) for t in texts):,} characters)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
