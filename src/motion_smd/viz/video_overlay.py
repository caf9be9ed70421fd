"""The pose skeleton drawn over the video it came from (`smd render clip.mp4 --overlay`, issue #16).

Each frame of the video gets MediaPipe's 33-landmark skeleton (its own connection list), coloured by the part of
the description the frame belongs to (`motion_smd.pose_map.fill_gaps`: parts are split where the pose was lost
or switched to another person), landmarks below the visibility threshold hollow, and a caption with the time
and the part. Output by suffix: `.gif` (Pillow), `.mp4` (the `mp4` extra) or `.png` (one frame, `at_s`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from motion_smd.errors import ConfigError
from motion_smd.pose_map import VISIBILITY_MIN, PoseTrack, fill_gaps, map_track

PART_COLOURS_BGR = ((0, 200, 255), (255, 120, 0), (80, 220, 80), (200, 80, 255), (255, 255, 0))
"""Skeleton colour of parts 1, 2, 3, … (cycled), OpenCV BGR."""


@dataclass(frozen=True)
class OverlayResult:
    """What `render_overlay` wrote: the file, its kind ("gif", "mp4" or "png"), frames and size (w, h)."""

    path: Path
    kind: str
    n_frames: int
    size: tuple[int, int]


def frame_parts(track: PoseTrack) -> np.ndarray:
    """(T,) int: the 1-based part of the description each frame belongs to, 0 for frames described in none."""
    _, report = fill_gaps(map_track(track), track.fps)
    out = np.zeros(track.n_frames, dtype=np.int64)
    for k, (a, b) in enumerate(report.parts):
        out[a:b] = k + 1
    return out


def draw_pose(frame: np.ndarray, track: PoseTrack, i: int, part: int) -> np.ndarray:
    """Frame `i` (H, W, 3 uint8 BGR) with the skeleton and caption drawn on a copy."""
    import cv2
    import mediapipe as mp

    out = frame.copy()
    h, w = out.shape[:2]
    thick = max(2, round(w / 400))
    if part and np.isfinite(track.image[i]).all():
        colour = PART_COLOURS_BGR[(part - 1) % len(PART_COLOURS_BGR)]
        pts = [(round(x * w), round(y * h)) for x, y in track.image[i]]
        for a, b in mp.solutions.pose.POSE_CONNECTIONS:
            cv2.line(out, pts[a], pts[b], colour, thick, cv2.LINE_AA)
        for k, p in enumerate(pts):
            filled = -1 if track.visibility[i, k] >= VISIBILITY_MIN else thick
            cv2.circle(out, p, 2 * thick, colour, filled, cv2.LINE_AA)
    caption = f"{i / track.fps:4.1f}s  " + (f"part {part}" if part else "not described")
    scale = w / 900
    (tw, th), base = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    x, y = round(0.02 * w), round(0.03 * h) + th
    cv2.rectangle(out, (x - thick, y - th - thick), (x + tw + thick, y + base + thick), (0, 0, 0), -1)
    cv2.putText(out, caption, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out


def render_overlay(
    video: Path, track: PoseTrack, out: Path, width: int = 640, at_s: float | None = None
) -> OverlayResult:
    """Write the video with its pose skeleton overlaid (module docstring).

    Args:
        video: the video file the track was made from.
        track: its pose track (`motion_smd.io.video.pose_track`).
        out: .gif, .mp4 or .png (one frame: the one at `at_s` seconds, default the middle of part 1).
        width: output width in pixels (height keeps the aspect ratio, rounded to even).
        at_s: time of the .png frame.

    Raises:
        ConfigError: an unsupported suffix, the `mp4` extra missing for .mp4, or a video whose frame count
            differs from the track's (the track was made from another file).
    """
    import cv2

    kind = out.suffix.lower().lstrip(".")
    if kind not in ("gif", "mp4", "png"):
        raise ConfigError(f"{out}: the overlay is written as .gif, .mp4 or .png; choose one of these suffixes.")
    parts = frame_parts(track)
    if at_s is None:
        first = np.flatnonzero(parts == 1)
        at = int(first[len(first) // 2]) if first.size else 0
    else:
        at = min(track.n_frames - 1, max(0, round(at_s * track.fps)))
    cap = cv2.VideoCapture(str(video))
    frames: list[np.ndarray] = []
    i = 0
    size = (width, 2 * round(width * track.height / track.width / 2))
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i >= track.n_frames:
            i += 1
            continue
        if kind != "png" or i == at:
            drawn = draw_pose(frame, track, i, int(parts[i]))
            frames.append(cv2.cvtColor(cv2.resize(drawn, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    if i != track.n_frames:
        raise ConfigError(
            f"{video}: has {i} frames but its pose track {track.n_frames}; the track was made from another file "
            "(run `smd pose VIDEO --no-cache`)."
        )
    _write(frames, out, kind, track.fps)
    return OverlayResult(out, kind, len(frames), size)


def _write(frames: list[np.ndarray], out: Path, kind: str, fps: float) -> None:
    """RGB frames to a .png (the first), .gif or .mp4 file."""
    from PIL import Image

    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "png":
        Image.fromarray(frames[0]).save(out)
        return
    if kind == "gif":
        images = [Image.fromarray(f) for f in frames]
        palette = images[len(images) // 2].quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        paletted = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
        paletted[0].save(out, save_all=True, append_images=paletted[1:], duration=round(1000 / fps), loop=0)
        return
    try:
        import imageio.v2 as imageio
    except ImportError as exc:
        raise ConfigError(
            f'{out}: MP4 output needs the mp4 extra (pip install "motion-smd[mp4]"); or write .gif.'
        ) from exc
    writer: Any = imageio.get_writer(str(out), format="FFMPEG", mode="I", fps=fps, codec="libx264", quality=7,
                                     macro_block_size=2, pixelformat="yuv420p")  # fmt: skip
    try:
        for f in frames:
            writer.append_data(f)
    finally:
        writer.close()
